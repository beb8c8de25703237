/**
 * The Flint client: sign-in state plus one small API object per resource. Isomorphic (fetch and
 * WebCrypto only), so the web app, the CLI, bots and the tests share it.
 * @example
 * const flint = new FlintClient({ baseUrl: 'http://127.0.0.1:8080' });
 * await flint.auth.login({ email: 'ada@example.com', password: '…' });
 * const me = await flint.people.me();
 * @module
 */
import {
  attachmentActions,
  auth,
  care,
  telephony,
  meetings,
  meetingGuests,
  type Meeting,
  type MeetingKnock,
  type MeetingLink,
  calls,
  type Call,
  type CallSettings,
  scheduling,
  type ScheduledMeeting,
  type PersonalRoom,
  type PersonalRoomCard,
  type PersonalRoomEntry,
  type CareQueue,
  type CareRequest,
  type TelephonySettings,
  type ExtensionRange,
  type TelephonyLocation,
  type PhoneNumber,
  type PersonCalling,
  type HuntGroup,
  type Schedule,
  type AutoAttendant,
  type SipDevice,
  type SipCredentials,
  type RouteDecision,
  type PhoneCall,
  reactions,
  whiteboards,
  notifications,
  type NotificationSettings,
  type ScopeSetting,
  messages,
  spaces,
  invitations,
  spaceInvitations,
  type SpaceInvitation,
  type SpaceInvitationSent,
  type ReceivedSpaceInvitation,
  organizations,
  feedback,
  deviceRequests,
  type DeviceRequest,
  type FeedbackReport,
  type FeedbackSummary,
  people,
  sessions,
  webhooks,
  type AuthResult,
  type Webhook,
  type Invitation,
  type MethodBody,
  type MethodQuery,
  type MethodResult,
  type Organization,
  type Person,
  type Session,
  type Message,
  type Room,
  type Membership,
  type Team,
  type TeamMembership,
  type Flag,
  type AttachmentAction,
  type Reaction,
  type Whiteboard,
} from '@flint/protocol';
import { Transport, nextLink, type TransportOptions } from './transport.ts';
import { EventStream, type EventStreamOptions } from './event-stream.ts';
import { FlintError } from './errors.ts';

/** One page of a list, and the URL of the next one (from the `Link` header). */
export interface Page<T> {
  items: T[];
  next?: string;
}

export class FlintClient {
  readonly transport: Transport;
  /** The current sign-in, if any. */
  session: AuthResult | undefined;
  private kms: { token: string; expires: number; for: string } | undefined;

  constructor(options: TransportOptions) {
    this.transport = new Transport(options);
  }

  /** Resumes with tokens kept from an earlier sign-in, or a bot's token. */
  useToken(accessToken: string, refreshToken?: string): void {
    this.transport.accessToken = accessToken;
    if (refreshToken !== undefined && this.session) this.session.refreshToken = refreshToken;
  }

  private adopt(result: AuthResult): AuthResult {
    this.session = result;
    this.transport.accessToken = result.accessToken;
    return result;
  }

  readonly auth = {
    /**
     * Sign-up as the server answers it: a session (`signedIn`), or `mailed` (HTTP 202) — a mail went
     * to the address, a confirmation link if it is new, "you have an account" if not; the answer is
     * the same for both. Finish a mailed sign-up with `confirmSignup`.
     */
    register: async (body: MethodBody<typeof auth.signup>): Promise<{ signedIn: AuthResult } | { mailed: string }> => {
      const result = await this.transport.call(auth.signup, { body });
      if (typeof (result as Partial<AuthResult>).accessToken !== 'string') {
        const message = (result as { message?: unknown }).message;
        return { mailed: typeof message === 'string' ? message : 'Check your e-mail to continue.' };
      }
      return { signedIn: this.adopt(result) };
    },
    /** `register` for callers that need a session now: a mailed answer (202) is thrown as refused. */
    signup: async (body: MethodBody<typeof auth.signup>) => {
      const outcome = await this.auth.register(body);
      if ('mailed' in outcome) throw FlintError.refused(202, outcome.mailed, { code: 'signup_closed' });
      return outcome.signedIn;
    },
    /** Finishes a mailed sign-up: the token of its link and the password chosen at sign-up. */
    confirmSignup: async (body: MethodBody<typeof auth.confirmSignup>) => this.adopt(await this.transport.call(auth.confirmSignup, { body })),
    login: async (body: MethodBody<typeof auth.login>) => this.adopt(await this.transport.call(auth.login, { body })),
    /** "Forgot password": the server e-mails a reset link if the address has an account (the answer never says). */
    requestPasswordReset: async (email: string): Promise<void> => {
      await this.transport.call(auth.requestPasswordReset, { body: { email } });
    },
    /** Sets a new password with a reset link's token; every session of the person ends (sign in again). */
    resetPassword: (token: string, newPassword: string): Promise<void> => this.transport.call(auth.resetPassword, { body: { token, newPassword } }),
    /** Trades the refresh token for a new pair; the old refresh token is then spent. */
    refresh: async (refreshToken = this.session?.refreshToken) => {
      if (refreshToken === undefined) throw new TypeError('no refresh token');
      return this.adopt(await this.transport.call(auth.refresh, { body: { refreshToken } }));
    },
    /**
     * A token for the KMS only (RFC 8693 exchange, scope spark:kms), cached until shortly before
     * it expires. Pass it as the KmsClient's bearer.
     */
    kmsToken: async (): Promise<string> => {
      const now = Date.now();
      if (this.kms !== undefined && this.kms.expires - 60_000 > now && this.kms.for === this.transport.accessToken) return this.kms.token;
      const subject = this.transport.accessToken;
      if (subject === undefined) throw new TypeError('sign in first');
      const result = await this.transport.call(auth.exchangeToken, {
        body: { grant_type: auth.TOKEN_EXCHANGE_GRANT, subject_token: subject, subject_token_type: auth.ACCESS_TOKEN_TYPE, scope: auth.KMS_SCOPE },
      });
      this.kms = { token: result.access_token, expires: now + result.expires_in * 1000, for: subject };
      return result.access_token;
    },
    /**
     * Web app: a fresh access token for the web cookie's session (the client must use the cookie,
     * `useCookie: true`). It is adopted for what needs a bearer (KMS exchange, file transfers) and
     * is never written to browser storage.
     */
    webToken: async () => {
      const result = await this.transport.call(auth.webToken, {});
      this.transport.accessToken = result.accessToken;
      return result;
    },
    logout: async () => {
      await this.transport.call(auth.logout, {});
      this.session = undefined;
      this.transport.accessToken = undefined;
    },
  };

  readonly people = {
    me: (): Promise<Person> => this.transport.call(people.me, {}),
    updateMe: (body: MethodBody<typeof people.updateMe>): Promise<Person> => this.transport.call(people.updateMe, { body }),
    changePassword: (body: MethodBody<typeof people.changePassword>) => this.transport.call(people.changePassword, { body }),
    deleteAccount: (body: MethodBody<typeof people.deleteAccount>) => this.transport.call(people.deleteAccount, { body }),
    setAvatar: (data: Blob | Uint8Array, contentType: string): Promise<Person> =>
      this.transport.call(people.setAvatar, {}, { data, contentType }),
    deleteAvatar: () => this.transport.call(people.deleteAvatar, {}),
    avatar: async (id: string): Promise<Uint8Array> => new Uint8Array(await (await this.transport.send(people.getAvatar, { params: { id } })).arrayBuffer()),
    get: (id: string): Promise<Person> => this.transport.call(people.getPerson, { params: { id } }),
    /** One page; `next` is the URL of the following page, if any. */
    list: async (query: MethodQuery<typeof people.listPeople> = {}): Promise<{ items: Person[]; notFoundIds?: string[]; next?: string }> => {
      const response = await this.transport.send(people.listPeople, { query });
      const body = (await response.json()) as { items: Person[]; notFoundIds?: string[] };
      const next = nextLink(response);
      return next === undefined ? body : { ...body, next };
    },
    /** Follows `Link` headers until the list ends. */
    listAll: async (query: MethodQuery<typeof people.listPeople> = {}): Promise<Person[]> => {
      const all: Person[] = [];
      let page = await this.people.list(query);
      all.push(...page.items);
      while (page.next !== undefined) {
        const response = await this.transport.fetchUrl('GET', page.next);
        const body = (await response.json()) as { items: Person[] };
        all.push(...body.items);
        const next = nextLink(response);
        page = next === undefined ? { items: body.items } : { items: body.items, next };
      }
      return all;
    },
    create: (body: MethodBody<typeof people.createPerson>): Promise<Person> => this.transport.call(people.createPerson, { body }),
    update: (id: string, body: MethodBody<typeof people.updatePerson>): Promise<Person> => this.transport.call(people.updatePerson, { params: { id }, body }),
    deactivate: (id: string) => this.transport.call(people.deactivatePerson, { params: { id } }),
  };

  readonly sessions = {
    list: async (): Promise<Session[]> => (await this.transport.call(sessions.listSessions, {})).items,
    revoke: (id: string) => this.transport.call(sessions.revokeSession, { params: { id } }),
  };

  readonly invitations = {
    create: (body: MethodBody<typeof invitations.createInvitation>): Promise<Invitation> => this.transport.call(invitations.createInvitation, { body }),
    list: async (): Promise<Invitation[]> => (await this.transport.call(invitations.listInvitations, {})).items,
    revoke: (id: string) => this.transport.call(invitations.revokeInvitation, { params: { id } }),
  };

  /** Invitations into spaces by address (issue 14): sending, and those sent to one's address. */
  readonly spaceInvitations = {
    /** The same answer for every address: nothing tells whether it has an account. */
    create: (roomId: string, email: string): Promise<SpaceInvitationSent> => this.transport.call(spaceInvitations.inviteToSpace, { params: { id: roomId }, body: { email } }),
    forRoom: async (roomId: string): Promise<SpaceInvitation[]> => (await this.transport.call(spaceInvitations.listRoomInvitations, { params: { id: roomId } })).items,
    revoke: (id: string) => this.transport.call(spaceInvitations.revokeSpaceInvitation, { params: { id } }),
    mine: async (): Promise<ReceivedSpaceInvitation[]> => (await this.transport.call(spaceInvitations.listMySpaceInvitations, {})).items,
    accept: (id: string): Promise<ReceivedSpaceInvitation> => this.transport.call(spaceInvitations.acceptSpaceInvitation, { params: { id } }),
    decline: (id: string) => this.transport.call(spaceInvitations.declineSpaceInvitation, { params: { id } }),
    awaiting: async (): Promise<SpaceInvitation[]> => (await this.transport.call(spaceInvitations.listAwaitingAdmission, {})).items,
    admit: (id: string): Promise<Membership> => this.transport.call(spaceInvitations.admitSpaceInvitation, { params: { id } }),
  };

  private async page<T>(response: Response): Promise<Page<T>> {
    const body = (await response.json()) as { items: T[] };
    const next = nextLink(response);
    return next === undefined ? { items: body.items } : { items: body.items, next };
  }

  /** The page after `page`, following its `Link`. */
  nextPage<T>(page: Page<T>): Promise<Page<T>> | undefined {
    return page.next === undefined ? undefined : this.transport.fetchUrl('GET', page.next).then((r) => this.page<T>(r));
  }

  /** Scheduled meetings (SPEC MT-4); the session's `scheduling` makes their spaces (session/scheduling.ts). */
  readonly scheduledMeetings = {
    list: async (query: MethodQuery<typeof scheduling.listMeetings> = {}): Promise<Page<ScheduledMeeting>> => this.page<ScheduledMeeting>(await this.transport.send(scheduling.listMeetings, { query })),
    get: (id: string): Promise<ScheduledMeeting> => this.transport.call(scheduling.getMeeting, { params: { id } }),
    create: (body: MethodBody<typeof scheduling.createMeeting>): Promise<ScheduledMeeting> => this.transport.call(scheduling.createMeeting, { body }),
    update: (id: string, body: MethodBody<typeof scheduling.updateMeeting>): Promise<ScheduledMeeting> => this.transport.call(scheduling.updateMeeting, { params: { id }, body }),
    delete: (id: string, query: MethodQuery<typeof scheduling.deleteMeeting> = {}) => this.transport.call(scheduling.deleteMeeting, { params: { id }, query }),
  };

  /** Personal rooms (SPEC MT-3). */
  readonly personalRoom = {
    get: (): Promise<PersonalRoom> => this.transport.call(scheduling.getPersonalRoom, {}),
    rename: (name: string): Promise<PersonalRoom> => this.transport.call(scheduling.renamePersonalRoom, { body: { name } }),
    setSpace: (roomId: string): Promise<PersonalRoom> => this.transport.call(scheduling.setPersonalRoomSpace, { body: { roomId } }),
    resolve: (name: string): Promise<PersonalRoomCard> => this.transport.call(scheduling.resolvePersonalRoom, { params: { name } }),
    enter: (name: string): Promise<PersonalRoomEntry> => this.transport.call(scheduling.enterPersonalRoom, { params: { name } }),
    knock: (name: string): Promise<{ ownerDisplayName: string }> => this.transport.call(scheduling.knockPersonalRoom, { params: { name } }),
  };

  /** Telephony configuration (SPEC CL-4, CL-5, CL-6): numbering, hunt groups, attendants, phones; the session's `telephony` is the same. */
  readonly telephony = {
    settings: (): Promise<TelephonySettings> => this.transport.call(telephony.getSettings, {}),
    updateSettings: (body: MethodBody<typeof telephony.updateSettings>): Promise<TelephonySettings> => this.transport.call(telephony.updateSettings, { body }),
    createRange: (body: MethodBody<typeof telephony.createRange>): Promise<ExtensionRange> => this.transport.call(telephony.createRange, { body }),
    deleteRange: (id: string): Promise<void> => this.transport.call(telephony.deleteRange, { params: { id } }),
    locations: async (): Promise<TelephonyLocation[]> => (await this.transport.call(telephony.listLocations, {})).items,
    location: (id: string): Promise<TelephonyLocation> => this.transport.call(telephony.getLocation, { params: { id } }),
    createLocation: (body: MethodBody<typeof telephony.createLocation>): Promise<TelephonyLocation> => this.transport.call(telephony.createLocation, { body }),
    updateLocation: (id: string, body: MethodBody<typeof telephony.updateLocation>): Promise<TelephonyLocation> => this.transport.call(telephony.updateLocation, { params: { id }, body }),
    deleteLocation: (id: string): Promise<void> => this.transport.call(telephony.deleteLocation, { params: { id } }),
    numbers: async (query: { locationId?: string } = {}): Promise<PhoneNumber[]> => (await this.transport.call(telephony.listNumbers, { query })).items,
    addNumber: (body: MethodBody<typeof telephony.addNumber>): Promise<PhoneNumber> => this.transport.call(telephony.addNumber, { body }),
    assignNumber: (id: string, owner: MethodBody<typeof telephony.assignNumber>['owner']): Promise<PhoneNumber> => this.transport.call(telephony.assignNumber, { params: { id }, body: { owner } }),
    deleteNumber: (id: string): Promise<void> => this.transport.call(telephony.deleteNumber, { params: { id } }),
    people: async (): Promise<PersonCalling[]> => (await this.transport.call(telephony.listPeople, {})).items,
    person: (id: string): Promise<PersonCalling> => this.transport.call(telephony.getPerson, { params: { id } }),
    updatePerson: (id: string, body: MethodBody<typeof telephony.updatePerson>): Promise<PersonCalling> => this.transport.call(telephony.updatePerson, { params: { id }, body }),
    huntGroups: async (): Promise<HuntGroup[]> => (await this.transport.call(telephony.listHuntGroups, {})).items,
    myHuntGroups: async (): Promise<HuntGroup[]> => (await this.transport.call(telephony.myHuntGroups, {})).items,
    huntGroup: (id: string): Promise<HuntGroup> => this.transport.call(telephony.getHuntGroup, { params: { id } }),
    createHuntGroup: (body: MethodBody<typeof telephony.createHuntGroup>): Promise<HuntGroup> => this.transport.call(telephony.createHuntGroup, { body }),
    updateHuntGroup: (id: string, body: MethodBody<typeof telephony.updateHuntGroup>): Promise<HuntGroup> => this.transport.call(telephony.updateHuntGroup, { params: { id }, body }),
    deleteHuntGroup: (id: string): Promise<void> => this.transport.call(telephony.deleteHuntGroup, { params: { id } }),
    setAgentLogin: (id: string, loggedIn: boolean): Promise<HuntGroup> => this.transport.call(telephony.setAgentLogin, { params: { id }, body: { loggedIn } }),
    schedules: async (): Promise<Schedule[]> => (await this.transport.call(telephony.listSchedules, {})).items,
    createSchedule: (body: MethodBody<typeof telephony.createSchedule>): Promise<Schedule> => this.transport.call(telephony.createSchedule, { body }),
    updateSchedule: (id: string, body: MethodBody<typeof telephony.updateSchedule>): Promise<Schedule> => this.transport.call(telephony.updateSchedule, { params: { id }, body }),
    deleteSchedule: (id: string): Promise<void> => this.transport.call(telephony.deleteSchedule, { params: { id } }),
    attendants: async (): Promise<AutoAttendant[]> => (await this.transport.call(telephony.listAttendants, {})).items,
    attendant: (id: string): Promise<AutoAttendant> => this.transport.call(telephony.getAttendant, { params: { id } }),
    createAttendant: (body: MethodBody<typeof telephony.createAttendant>): Promise<AutoAttendant> => this.transport.call(telephony.createAttendant, { body }),
    updateAttendant: (id: string, body: MethodBody<typeof telephony.updateAttendant>): Promise<AutoAttendant> => this.transport.call(telephony.updateAttendant, { params: { id }, body }),
    deleteAttendant: (id: string): Promise<void> => this.transport.call(telephony.deleteAttendant, { params: { id } }),
    speakGreeting: (id: string, menu: 'business' | 'afterHours'): Promise<AutoAttendant> => this.transport.call(telephony.speakGreeting, { params: { id, menu } }),
    devices: async (): Promise<SipDevice[]> => (await this.transport.call(telephony.listDevices, {})).items,
    createDevice: (body: MethodBody<typeof telephony.createDevice>): Promise<{ device: SipDevice; activationCode: string }> => this.transport.call(telephony.createDevice, { body }),
    deleteDevice: (id: string): Promise<void> => this.transport.call(telephony.deleteDevice, { params: { id } }),
    activateDevice: (body: MethodBody<typeof telephony.activateDevice>): Promise<SipCredentials> => this.transport.call(telephony.activateDevice, { body }),
    previewRoute: (body: MethodBody<typeof telephony.previewRoute>): Promise<RouteDecision> => this.transport.call(telephony.previewRoute, { body }),
    /** A phone call ringing this person's browser: answer with the browser's WebRTC answer (not end-to-end encrypted). */
    answerPhoneCall: (id: string, sdp: string): Promise<PhoneCall> => this.transport.call(telephony.answerPhoneCall, { params: { id }, body: { sdp } }),
    hangupPhoneCall: (id: string): Promise<PhoneCall> => this.transport.call(telephony.hangupPhoneCall, { params: { id } }),
  };

  /** The care assistant (SPEC SP-7); the session's `care` asks and admits through the KMS (session/care.ts). */
  readonly care = {
    queues: async (): Promise<CareQueue[]> => (await this.transport.call(care.listQueues, {})).items,
    createQueue: (body: MethodBody<typeof care.createQueue>): Promise<CareQueue> => this.transport.call(care.createQueue, { body }),
    updateQueue: (id: string, body: MethodBody<typeof care.updateQueue>): Promise<CareQueue> => this.transport.call(care.updateQueue, { params: { id }, body }),
    deleteQueue: (id: string) => this.transport.call(care.deleteQueue, { params: { id } }),
    requests: async (): Promise<CareRequest[]> => (await this.transport.call(care.listRequests, {})).items,
    awaiting: async (): Promise<CareRequest[]> => (await this.transport.call(care.awaitingAdmission, {})).items,
    create: (body: MethodBody<typeof care.createRequest>): Promise<CareRequest> => this.transport.call(care.createRequest, { body }),
    take: (id: string): Promise<CareRequest> => this.transport.call(care.takeRequest, { params: { id } }),
    handOff: (id: string, body: MethodBody<typeof care.handOffRequest>): Promise<CareRequest> => this.transport.call(care.handOffRequest, { params: { id }, body }),
    admit: (id: string): Promise<CareRequest> => this.transport.call(care.admitExpert, { params: { id } }),
    resolve: (id: string): Promise<CareRequest> => this.transport.call(care.resolveRequest, { params: { id } }),
  };

  /** Meetings (SPEC MT-1): signalling only; the session's `meetings` adds the media key (session/meetings.ts). */
  readonly meetings = {
    current: (id: string): Promise<MethodResult<typeof meetings.getMeeting>> => this.transport.call(meetings.getMeeting, { params: { id } }),
    join: (id: string): Promise<MethodResult<typeof meetings.joinMeeting>> => this.transport.call(meetings.joinMeeting, { params: { id } }),
    setKey: (id: string, body: MethodBody<typeof meetings.setMeetingKey>): Promise<Meeting> => this.transport.call(meetings.setMeetingKey, { params: { id }, body }),
    publish: (id: string, body: MethodBody<typeof meetings.publish>): Promise<{ answer: string }> => this.transport.call(meetings.publish, { params: { id }, body }),
    subscribe: (id: string, body: MethodBody<typeof meetings.subscribe>): Promise<{ subscriptionId: string; offer: string }> => this.transport.call(meetings.subscribe, { params: { id }, body }),
    answer: (id: string, body: MethodBody<typeof meetings.answerSubscription>): Promise<void> => this.transport.call(meetings.answerSubscription, { params: { id }, body }),
    update: (id: string, body: MethodBody<typeof meetings.updateParticipant>): Promise<Meeting> => this.transport.call(meetings.updateParticipant, { params: { id }, body }),
    leave: (id: string, body: MethodBody<typeof meetings.leaveMeeting>): Promise<void> => this.transport.call(meetings.leaveMeeting, { params: { id }, body }),
    /** The STUN/TURN servers for the meeting's connections (TURN for meetings: the calls' FLINT_TURN_* servers). */
    iceServers: (): Promise<MethodResult<typeof meetings.iceServers>> => this.transport.call(meetings.iceServers, {}),
  };

  /** Guests in meetings (docs/meetings.md "Guests"): links, the lobby, and the guest's own side. */
  readonly meetingGuests = {
    createLink: (roomId: string, body: MethodBody<typeof meetingGuests.createLink> = {}): Promise<MethodResult<typeof meetingGuests.createLink>> => this.transport.call(meetingGuests.createLink, { params: { id: roomId }, body }),
    listLinks: async (roomId: string): Promise<MeetingLink[]> => (await this.transport.call(meetingGuests.listLinks, { params: { id: roomId } })).items,
    revokeLink: (id: string): Promise<void> => this.transport.call(meetingGuests.revokeLink, { params: { id } }),
    /** Opens a link as a guest: this client then acts as the guest (its token reaches only the guest's routes). */
    join: async (token: string, displayName: string): Promise<MethodResult<typeof meetingGuests.joinAsGuest>> => {
      const result = await this.transport.call(meetingGuests.joinAsGuest, { body: { token, displayName } });
      this.useToken(result.accessToken);
      return result;
    },
    me: (): Promise<MethodResult<typeof meetingGuests.guestStatus>> => this.transport.call(meetingGuests.guestStatus, {}),
    leave: (): Promise<void> => this.transport.call(meetingGuests.guestLeave, {}),
    knocks: async (meetingId: string): Promise<MeetingKnock[]> => (await this.transport.call(meetingGuests.listKnocks, { params: { id: meetingId } })).items,
    admit: (meetingId: string, knockId: string, participantId: string): Promise<{ knock: MeetingKnock; meeting: Meeting }> => this.transport.call(meetingGuests.admitKnock, { params: { id: meetingId, knockId }, body: { participantId } }),
    deny: (meetingId: string, knockId: string, participantId: string): Promise<MeetingKnock> => this.transport.call(meetingGuests.denyKnock, { params: { id: meetingId, knockId }, body: { participantId } }),
  };

  /** Calls (SPEC CL-1, CL-2): signalling only; the session's `calls` adds the media key (session/calls.ts). */
  readonly calls = {
    iceServers: (): Promise<MethodResult<typeof calls.iceServers>> => this.transport.call(calls.iceServers, {}),
    dial: (body: MethodBody<typeof calls.dial>): Promise<Call> => this.transport.call(calls.dial, { body }),
    list: async (): Promise<Call[]> => (await this.transport.call(calls.listCalls, {})).items,
    get: (id: string): Promise<Call> => this.transport.call(calls.getCall, { params: { id } }),
    answer: (id: string, endpointId: string): Promise<Call> => this.transport.call(calls.answer, { params: { id }, body: { endpointId } }),
    decline: (id: string): Promise<Call> => this.transport.call(calls.decline, { params: { id } }),
    claim: (id: string, endpointId: string): Promise<Call> => this.transport.call(calls.claim, { params: { id }, body: { endpointId } }),
    divert: (id: string, to: MethodBody<typeof calls.divert>['to']): Promise<Call> => this.transport.call(calls.divert, { params: { id }, body: { to } }),
    hangup: (id: string): Promise<Call> => this.transport.call(calls.hangup, { params: { id } }),
    hold: (id: string): Promise<Call> => this.transport.call(calls.hold, { params: { id } }),
    moveToMeeting: (id: string): Promise<Call> => this.transport.call(calls.moveToMeeting, { params: { id } }),
    park: (id: string, against?: MethodBody<typeof calls.park>['against']): Promise<Call> => this.transport.call(calls.park, { params: { id }, body: against !== undefined ? { against } : {} }),
    retrieve: (body: MethodBody<typeof calls.retrieve>): Promise<Call> => this.transport.call(calls.retrieve, { body }),
    addPeople: (id: string, body: MethodBody<typeof calls.addPeople>): Promise<Call> => this.transport.call(calls.addPeople, { params: { id }, body }),
    resume: (id: string): Promise<Call> => this.transport.call(calls.resume, { params: { id } }),
    transfer: (id: string, to: MethodBody<typeof calls.transfer>['to']): Promise<Call> => this.transport.call(calls.transfer, { params: { id }, body: { to } }),
    setKey: (id: string, body: MethodBody<typeof calls.setKey>): Promise<Call> => this.transport.call(calls.setKey, { params: { id }, body }),
    signal: (id: string, body: MethodBody<typeof calls.signal>): Promise<void> => this.transport.call(calls.signal, { params: { id }, body }),
    history: (query: MethodQuery<typeof calls.history> = {}): Promise<MethodResult<typeof calls.history>> => this.transport.call(calls.history, { query }),
    settings: (): Promise<CallSettings> => this.transport.call(calls.getSettings, {}),
    updateSettings: (body: MethodBody<typeof calls.putSettings>): Promise<CallSettings> => this.transport.call(calls.putSettings, { body }),
  };

  readonly rooms = {
    list: async (query: MethodQuery<typeof spaces.listRooms> = {}): Promise<Page<Room>> => this.page<Room>(await this.transport.send(spaces.listRooms, { query })),
    create: (body: MethodBody<typeof spaces.createRoom>): Promise<Room> => this.transport.call(spaces.createRoom, { body }),
    direct: (body: MethodBody<typeof spaces.openDirect>): Promise<Room> => this.transport.call(spaces.openDirect, { body }),
    get: (id: string): Promise<Room> => this.transport.call(spaces.getRoom, { params: { id } }),
    update: (id: string, body: MethodBody<typeof spaces.updateRoom>): Promise<Room> => this.transport.call(spaces.updateRoom, { params: { id }, body }),
    delete: (id: string) => this.transport.call(spaces.deleteRoom, { params: { id } }),
    typing: (id: string, isTyping: boolean) => this.transport.call(spaces.setTyping, { params: { id }, body: { isTyping } }),
    favorite: (id: string, isFavorite: boolean) => this.transport.call(spaces.setFavorite, { params: { id }, body: { isFavorite } }),
    markRead: (id: string, lastReadMessageId: string) => this.transport.call(spaces.markRead, { params: { id }, body: { lastReadMessageId } }),
  };

  readonly memberships = {
    list: async (query: MethodQuery<typeof spaces.listMemberships>): Promise<Page<Membership>> => this.page<Membership>(await this.transport.send(spaces.listMemberships, { query })),
    create: (body: MethodBody<typeof spaces.createMembership>): Promise<Membership> => this.transport.call(spaces.createMembership, { body }),
    get: (id: string): Promise<Membership> => this.transport.call(spaces.getMembership, { params: { id } }),
    update: (id: string, isModerator: boolean): Promise<Membership> => this.transport.call(spaces.updateMembership, { params: { id }, body: { isModerator } }),
    delete: (id: string) => this.transport.call(spaces.deleteMembership, { params: { id } }),
  };

  readonly messages = {
    create: (body: MethodBody<typeof messages.createMessage>): Promise<Message> => this.transport.call(messages.createMessage, { body }),
    list: async (query: MethodQuery<typeof messages.listMessages>): Promise<Page<Message>> => this.page<Message>(await this.transport.send(messages.listMessages, { query })),
    /** Messages mentioning me (or @all) across my spaces, newest first. */
    mentions: async (query: MethodQuery<typeof messages.listMentions> = {}): Promise<Page<Message>> => this.page<Message>(await this.transport.send(messages.listMentions, { query })),
    get: (id: string): Promise<Message> => this.transport.call(messages.getMessage, { params: { id } }),
    update: (id: string, body: MethodBody<typeof messages.updateMessage>): Promise<Message> => this.transport.call(messages.updateMessage, { params: { id }, body }),
    delete: (id: string) => this.transport.call(messages.deleteMessage, { params: { id } }),
  };

  readonly flags = {
    list: async (): Promise<Flag[]> => (await this.transport.call(messages.listFlags, {})).items,
    create: (messageId: string): Promise<Flag> => this.transport.call(messages.createFlag, { body: { messageId } }),
    delete: (id: string) => this.transport.call(messages.deleteFlag, { params: { id } }),
  };

  /** Emoji reactions (issue 16); the emoji travels sealed (see the session's `reactions`). */
  readonly reactions = {
    create: (body: MethodBody<typeof reactions.createReaction>): Promise<Reaction> => this.transport.call(reactions.createReaction, { body }),
    list: async (roomId: string, messageIds: readonly string[]): Promise<Reaction[]> =>
      (await this.transport.call(reactions.listReactions, { query: { roomId, messageId: messageIds.join(',') } })).items,
    delete: (id: string) => this.transport.call(reactions.deleteReaction, { params: { id } }),
  };

  /** Whiteboards (issue 21); titles, updates, snapshots and thumbnails travel sealed (see the session's `whiteboards`). */
  readonly whiteboards = {
    create: (body: MethodBody<typeof whiteboards.createWhiteboard>): Promise<Whiteboard> => this.transport.call(whiteboards.createWhiteboard, { body }),
    list: async (roomId: string): Promise<Whiteboard[]> => (await this.transport.call(whiteboards.listWhiteboards, { query: { roomId } })).items,
    get: (id: string): Promise<Whiteboard> => this.transport.call(whiteboards.getWhiteboard, { params: { id } }),
    update: (id: string, body: MethodBody<typeof whiteboards.updateWhiteboard>): Promise<Whiteboard> => this.transport.call(whiteboards.updateWhiteboard, { params: { id }, body }),
    delete: (id: string) => this.transport.call(whiteboards.deleteWhiteboard, { params: { id } }),
    postUpdate: (id: string, body: MethodBody<typeof whiteboards.postWhiteboardUpdate>) => this.transport.call(whiteboards.postWhiteboardUpdate, { params: { id }, body }),
    state: (id: string, after: number) => this.transport.call(whiteboards.readWhiteboardState, { params: { id }, query: { after: String(after) } }),
    saveSnapshot: (id: string, body: MethodBody<typeof whiteboards.saveWhiteboardSnapshot>): Promise<Whiteboard> => this.transport.call(whiteboards.saveWhiteboardSnapshot, { params: { id }, body }),
    thumbnail: (id: string) => this.transport.call(whiteboards.getWhiteboardThumbnail, { params: { id } }),
  };

  /** Notification settings and this device's Web Push subscription (SPEC MS-5). */
  readonly notifications = {
    settings: (): Promise<NotificationSettings> => this.transport.call(notifications.getSettings, {}),
    updateDefaults: (body: MethodBody<typeof notifications.updateDefaults>): Promise<NotificationSettings> => this.transport.call(notifications.updateDefaults, { body }),
    setSpace: (id: string, body: MethodBody<typeof notifications.setSpaceSetting>): Promise<ScopeSetting> => this.transport.call(notifications.setSpaceSetting, { params: { id }, body }),
    setTeam: (id: string, body: MethodBody<typeof notifications.setTeamSetting>): Promise<ScopeSetting> => this.transport.call(notifications.setTeamSetting, { params: { id }, body }),
    pushKey: async (): Promise<string> => (await this.transport.call(notifications.pushKey, {})).publicKey,
    subscribe: (body: MethodBody<typeof notifications.subscribe>) => this.transport.call(notifications.subscribe, { body }),
    unsubscribe: (id: string) => this.transport.call(notifications.unsubscribe, { params: { id } }),
  };

  readonly teams = {
    create: (body: MethodBody<typeof spaces.createTeam>): Promise<Team> => this.transport.call(spaces.createTeam, { body }),
    list: async (): Promise<Team[]> => (await this.transport.call(spaces.listTeams, {})).items,
    get: (id: string): Promise<Team> => this.transport.call(spaces.getTeam, { params: { id } }),
    update: (id: string, body: MethodBody<typeof spaces.updateTeam>): Promise<Team> => this.transport.call(spaces.updateTeam, { params: { id }, body }),
    delete: (id: string) => this.transport.call(spaces.deleteTeam, { params: { id } }),
    memberships: async (teamId: string): Promise<TeamMembership[]> => (await this.transport.call(spaces.listTeamMemberships, { query: { teamId } })).items,
    addMember: (body: MethodBody<typeof spaces.createTeamMembership>): Promise<TeamMembership> => this.transport.call(spaces.createTeamMembership, { body }),
    setModerator: (id: string, isModerator: boolean): Promise<TeamMembership> => this.transport.call(spaces.updateTeamMembership, { params: { id }, body: { isModerator } }),
    removeMember: (id: string) => this.transport.call(spaces.deleteTeamMembership, { params: { id } }),
  };

  readonly webhooks = {
    create: (body: MethodBody<typeof webhooks.createWebhook>): Promise<Webhook> => this.transport.call(webhooks.createWebhook, { body }),
    /** One page; `ownedBy: 'org'` lists the org-wide webhooks (administrators). */
    list: async (query: MethodQuery<typeof webhooks.listWebhooks> = {}): Promise<Page<Webhook>> => this.page<Webhook>(await this.transport.send(webhooks.listWebhooks, { query })),
    get: (id: string): Promise<Webhook> => this.transport.call(webhooks.getWebhook, { params: { id } }),
    /** `{ status: 'active' }` re-enables a webhook disabled after failed deliveries. */
    update: (id: string, body: MethodBody<typeof webhooks.updateWebhook>): Promise<Webhook> => this.transport.call(webhooks.updateWebhook, { params: { id }, body }),
    delete: (id: string) => this.transport.call(webhooks.deleteWebhook, { params: { id } }),
  };

  readonly presence = {
    get: async (personIds: string[]) => (await this.transport.call(messages.getPresence, { query: { id: personIds.join(',') } })).items,
    /** One's status (available, away, do not disturb until…), seen live by others. */
    setStatus: (body: MethodBody<typeof messages.setStatus>) => this.transport.call(messages.setStatus, { body }),
  };

  /** An event stream for this client's sign-in. Call `start()` on it. */
  events(options: Omit<EventStreamOptions, 'baseUrl' | 'token'>): EventStream {
    return new EventStream({ ...options, baseUrl: this.transport.baseUrl, token: () => this.transport.accessToken });
  }

  /** Card submissions (Webex attachment actions); `inputs` travel sealed (see SecureClient or the gateway). */
  readonly attachmentActions = {
    create: (body: MethodBody<typeof attachmentActions.createAttachmentAction>): Promise<AttachmentAction> => this.transport.call(attachmentActions.createAttachmentAction, { body }),
    get: (id: string): Promise<AttachmentAction> => this.transport.call(attachmentActions.getAttachmentAction, { params: { id } }),
  };

  readonly organizations = {
    list: async (): Promise<Organization[]> => (await this.transport.call(organizations.listOrganizations, {})).items,
    get: (id: string): Promise<Organization> => this.transport.call(organizations.getOrganization, { params: { id } }),
    update: (id: string, body: MethodBody<typeof organizations.updateOrganization>): Promise<Organization> =>
      this.transport.call(organizations.updateOrganization, { params: { id }, body }),
    /** Admin: the raw PNG, JPEG or WebP image (at most 256 KiB); the server re-encodes it. */
    setLogo: (id: string, data: Blob | Uint8Array, contentType: string): Promise<Organization> =>
      this.transport.call(organizations.setOrgLogo, { params: { id } }, { data, contentType }),
    deleteLogo: (id: string) => this.transport.call(organizations.deleteOrgLogo, { params: { id } }),
    logo: async (id: string): Promise<Uint8Array> => new Uint8Array(await (await this.transport.send(organizations.getOrgLogo, { params: { id } })).arrayBuffer()),
    roles: async () => (await this.transport.call(organizations.listRoles, {})).items,
    licenses: async () => (await this.transport.call(organizations.listLicenses, {})).items,
    createBot: (displayName: string) => this.transport.call(organizations.createBot, { body: { displayName } }),
  };

  /** Problem reports (SPEC AD-5): anyone sends; the org's admins list, read and fetch the screenshot. */
  readonly feedback = {
    send: (body: MethodBody<typeof feedback.sendFeedback>) => this.transport.call(feedback.sendFeedback, { body }),
    list: async (query: MethodQuery<typeof feedback.listFeedback> = {}): Promise<FeedbackSummary[]> => (await this.transport.call(feedback.listFeedback, { query })).items,
    get: (id: string): Promise<FeedbackReport> => this.transport.call(feedback.getFeedback, { params: { id } }),
    screenshot: async (id: string): Promise<{ data: Uint8Array; contentType: string }> => {
      const response = await this.transport.send(feedback.getFeedbackScreenshot, { params: { id } });
      return { data: new Uint8Array(await response.arrayBuffer()), contentType: response.headers.get('content-type') ?? 'application/octet-stream' };
    },
  };

  /**
   * Approving a new browser from an enrolled one: the core carries the requests; the approval is the
   * KMS's (`Session.approveDevice`), after the enrolled browser checked the request's MAC under the
   * code the new browser shows.
   */
  readonly deviceRequests = {
    create: (body: { credentialHash: string; mac: string }): Promise<DeviceRequest> => this.transport.call(deviceRequests.createDeviceRequest, { body }),
    list: async (): Promise<DeviceRequest[]> => (await this.transport.call(deviceRequests.listDeviceRequests, {})).items,
    get: (id: string): Promise<DeviceRequest> => this.transport.call(deviceRequests.getDeviceRequest, { params: { id } }),
    answer: (id: string, status: 'approved' | 'refused'): Promise<DeviceRequest> => this.transport.call(deviceRequests.answerDeviceRequest, { params: { id }, body: { status } }),
  };
}
