/**
 * The app's state for one signed-in tab: spaces, teams, people, messages, files, flags, typing and
 * presence, all in plaintext in memory only (opened by the SDK as they arrive) and kept current by
 * the event stream. Components read it through `useStore`; every change bumps `version`.
 * @module
 */
import { PhoneCalls } from './phone-calls.ts';
import { logError } from './client-log.ts';
import { useSyncExternalStore } from 'react';
import type { Availability, Flag, Meeting, Membership, Message, Presence, Reaction, ReceivedSpaceInvitation, Room, ServerFrame, SpaceInvitation, StoredEvent, Team, TeamMembership } from '@flint/protocol';
import { FlintError, type FileReference, type OpenReaction, type Page, type SecureMessage, type SecureRoom } from '@flint/sdk';
import type { Session } from './session.ts';
import { MeetingCall } from './meeting-call.ts';
import { CallController } from './call-controller.ts';
import type { DeviceChoice } from './meeting-devices.ts';
import { membershipNotice, renameNotice, type Notice } from './notices.ts';
import { Notifier } from './notifications.ts';
import { VoicemailInbox } from './voicemail.ts';
import type { LocalCache } from './local-cache.ts';
import { CACHED_MESSAGES, CACHED_TIMELINES, cachedMessage, cachedRoom, timelineEntry, writeChanged, type CachedSpaces } from './cached-content.ts';

export interface PersonView {
  id: string;
  displayName: string;
  email: string;
  avatar?: string | undefined;
}

export interface TeamView {
  team: Team;
  name: string | undefined;
}

export interface FileView {
  id: string;
  messageId: string;
  roomId: string;
  personId: string;
  created: string;
  reference?: FileReference;
  error?: string;
}

export interface Timeline {
  /** Every loaded message id of the space (top-level and replies), oldest first. */
  ids: string[];
  /** The beginning of the space has been reached. */
  complete: boolean;
  loadingOlder: boolean;
  /** My last-read message when the space was opened: where the "new messages" line goes. */
  unreadAnchor: string | undefined;
  /** Thread roots whose replies have all been fetched. */
  threadsLoaded: Set<string>;
}

export type Filter = 'all' | 'unread' | 'direct' | 'favorites' | 'mentions' | 'flags';
export type ConnectionState = 'connecting' | 'open' | 'closed';

const PAGE = 50;
/** How many pages opening a space may load to reach its last-read message. */
const UNREAD_PAGES = 5;
const TYPING_MS = 6000;

export class Store {
  version = 0;
  connection: ConnectionState = 'connecting';
  rooms = new Map<string, SecureRoom>();
  teams = new Map<string, TeamView>();
  people = new Map<string, PersonView>();
  members = new Map<string, Membership[]>();
  /** Invitations into spaces sent to my address (issue 14): accept or decline; accepted ones wait for a member's device. */
  invitations: ReceivedSpaceInvitation[] = [];
  /** Each open space's pending invitations by address, as its members see them. */
  roomInvitations = new Map<string, SpaceInvitation[]>();
  messages = new Map<string, SecureMessage>();
  timelines = new Map<string, Timeline>();
  files = new Map<string, FileView[]>();
  roomFiles = new Map<string, FileView[]>();
  flags = new Map<string, Flag>();
  /** Emoji reactions by message id, opened, oldest first (issue 16). */
  reactions = new Map<string, OpenReaction[]>();
  typing = new Map<string, Map<string, ReturnType<typeof setTimeout>>>();
  presence = new Map<string, Presence['status']>();
  /** People's chosen statuses (issue 16): absent is available. Each timed one is dropped at its end. */
  availability = new Map<string, Availability>();
  private availabilityTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** System lines per space, from the membership and rename events this tab received (app/notices.ts). */
  notices = new Map<string, Notice[]>();
  /** Each space's meeting going on now, as far as this tab has heard (MT-1). */
  meetings = new Map<string, Meeting>();
  /** Whether this Flint runs a media server (meetings refused otherwise); undefined until asked. */
  meetingsAvailable: boolean | undefined;
  /** This tab in a meeting, if it is in one. */
  call: MeetingCall | undefined;
  /** The space whose meeting this tab is about to join: the pre-join preview (devices, level) shows. */
  meetingPreview: string | undefined;
  /** The space on screen, if any (its new messages are read at once when the tab is visible). */
  activeRoomId: string | undefined;
  lastError: string | undefined;
  private listeners = new Set<() => void>();
  private roomRefresh = new Map<string, ReturnType<typeof setTimeout>>();
  private filesRefresh = new Map<string, ReturnType<typeof setTimeout>>();
  private watchedPresence = new Set<string>();

  /** Browser notifications and Web Push for this person (SPEC MS-5). */
  readonly notifier: Notifier;
  /** One's voicemail (SPEC CL-3): the mailbox behind the message-waiting badge. */
  readonly voicemail: VoicemailInbox;

  /** Calls between two people in this tab (CL-1): ringing, the call window's media (app/call-controller.ts). */
  readonly phone: CallController;
  /** Telephone (PSTN) calls ringing this tab: not end-to-end encrypted (app/phone-calls.ts). */
  readonly phoneCalls: PhoneCalls;

  constructor(readonly session: Session) {
    this.notifier = new Notifier(this);
    this.phone = new CallController(session.sdk, () => this.me);
    this.phone.subscribe(() => this.changed());
    // A call moved into its direct space's meeting (MT-6): this tab carried it, so it joins. The
    // meeting has its own KMS resource and key epochs (SEC-5), so the media is keyed afresh there.
    this.phone.onMeeting = (roomId) => {
      window.location.hash = `#/space/${encodeURIComponent(roomId)}`;
      void this.joinMeeting(roomId).catch((e: unknown) => this.fail(e));
    };
    this.voicemail = new VoicemailInbox(this);
    this.phoneCalls = new PhoneCalls(this);
  }

  get me(): string {
    return this.session.me.id;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  changed(): void {
    this.version++;
    for (const l of this.listeners) l();
    this.persistSoon();
  }

  // ── The encrypted local cache (SPEC SEC-7) ──────────────────────────────────────────────────

  private cache: LocalCache | undefined;
  private cacheTimer: ReturnType<typeof setTimeout> | undefined;
  private cacheWritten = new Map<string, string>();

  /** From now on, what this tab shows is kept (sealed) in the local cache, a second after each change. */
  attachCache(cache: LocalCache): void {
    this.cache = cache;
    this.cacheWritten.clear();
    this.persistSoon();
  }

  /** The local cache this tab writes to, if any (Settings changes its passcode). */
  get localCache(): LocalCache | undefined {
    return this.cache;
  }

  /** Stops writing to the cache (it is being wiped, or the person signs out). */
  detachCache(): void {
    this.cache = undefined;
    if (this.cacheTimer !== undefined) clearTimeout(this.cacheTimer);
    this.cacheTimer = undefined;
  }

  private persistSoon(): void {
    if (this.cache === undefined || this.cacheTimer !== undefined) return;
    this.cacheTimer = setTimeout(() => {
      this.cacheTimer = undefined;
      void this.persist().catch((e: unknown) => logError(e));
    }, 1000);
  }

  /** Writes the spaces list, people's names and the newest messages of loaded spaces to the cache. */
  async persist(): Promise<void> {
    const cache = this.cache;
    if (cache === undefined || this.session.me === undefined) return;
    const rooms = [...this.rooms.values()].sort((a, b) => b.lastActivity.localeCompare(a.lastActivity));
    const entries = new Map<string, unknown>();
    entries.set('spaces', {
      personId: cache.personId,
      rooms: rooms.map(cachedRoom),
      people: [...this.people.values()].map((p) => ({ id: p.id, displayName: p.displayName })),
    } satisfies CachedSpaces);
    const kept = new Set(rooms.slice(0, CACHED_TIMELINES).map((r) => r.id));
    for (const [roomId, timeline] of this.timelines) {
      if (!kept.has(roomId)) continue;
      const top = timeline.ids.flatMap((id) => {
        const m = this.messages.get(id);
        return m !== undefined && m.parentId === undefined ? [m] : [];
      });
      entries.set(timelineEntry(roomId), top.slice(-CACHED_MESSAGES).map(cachedMessage));
    }
    await writeChanged(cache, this.cacheWritten, entries, () => this.cache === cache);
  }

  fail(error: unknown): void {
    logError(error);
    this.lastError = error instanceof Error ? error.message : String(error);
    this.changed();
  }

  // ── Loading ───────────────────────────────────────────────────────────────────────────────

  async loadAll(): Promise<void> {
    const { sdk, client } = this.session;
    this.person({ id: this.me, displayName: this.session.me.displayName, email: this.session.me.emails[0] ?? '', avatar: this.session.me.avatar });
    const rooms: SecureRoom[] = [];
    let page: Page<SecureRoom> | undefined = await sdk.spaces.list({ max: 1000, sortBy: 'lastactivity' });
    while (page !== undefined) {
      rooms.push(...page.items);
      page = await sdk.spaces.next(page);
    }
    this.rooms = new Map(rooms.map((r) => [r.id, r]));
    const [teams, flags] = await Promise.all([client.teams.list(), client.flags.list()]);
    this.teams = new Map(await Promise.all(teams.map(async (t) => [t.id, await this.openTeam(t)] as const)));
    this.flags = new Map(flags.map((f) => [f.messageId, f]));
    await this.loadDirectPeople();
    await this.loadInvitations();
    // Not fatal: without its settings the tab shows no notifications (pushes still follow the server's).
    await this.notifier.load().catch((e: unknown) => logError(e));
    // Not fatal either: the rest of the app works without the mailbox.
    await this.voicemail.load().catch((e: unknown) => logError(e));
    this.changed();
  }

  /** The invitations sent to my address. */
  async loadInvitations(): Promise<void> {
    this.invitations = await this.session.client.spaceInvitations.mine();
    this.changed();
    void this.finishKeyShares();
  }

  private sharing: Promise<void> | undefined;
  private shareAgain = false;

  /**
   * A SCIM group mapped to a team this person moderates left changes only a client can make at the
   * KMS (the core cannot): this tab makes them — at sign-in and whenever the core says one is waiting.
   */
  finishKeyShares(): Promise<void> {
    if (this.sharing !== undefined) {
      this.shareAgain = true;
      return this.sharing;
    }
    this.sharing = (async () => {
      do {
        this.shareAgain = false;
        await this.session.sdk.teams.finishKeyShares().catch((error: unknown) => logError(error));
      } while (this.shareAgain);
    })().finally(() => {
      this.sharing = undefined;
    });
    return this.sharing;
  }

  private async loadDirectPeople(): Promise<void> {
    const ids = [...this.rooms.values()].flatMap((r) => (r.directPersonId !== undefined && !this.people.has(r.directPersonId) ? [r.directPersonId] : []));
    for (let i = 0; i < ids.length; i += 85) {
      const page = await this.session.client.people.list({ id: ids.slice(i, i + 85).join(',') });
      for (const p of page.items) this.person({ id: p.id, displayName: p.displayName, email: p.emails[0] ?? '', avatar: p.avatar });
    }
    this.watchPresence(ids);
  }

  async openTeam(team: Team): Promise<TeamView> {
    if (team.encryptionKeyUrl === undefined) return { team, name: undefined };
    return { team, name: (await this.session.sdk.teams.open(team)).name };
  }

  person(p: PersonView): void {
    const known = this.people.get(p.id);
    this.people.set(p.id, { ...known, ...p, avatar: p.avatar ?? known?.avatar });
  }

  async ensurePeople(ids: string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.people.has(id));
    if (missing.length === 0) return;
    for (let i = 0; i < missing.length; i += 85) {
      const page = await this.session.client.people.list({ id: missing.slice(i, i + 85).join(',') });
      for (const p of page.items) this.person({ id: p.id, displayName: p.displayName, email: p.emails[0] ?? '', avatar: p.avatar });
    }
    this.changed();
  }

  async loadMembers(roomId: string): Promise<void> {
    const [page, invitations] = await Promise.all([
      this.session.client.memberships.list({ roomId, max: 1000 }),
      this.session.client.spaceInvitations.forRoom(roomId).catch(() => [] as SpaceInvitation[]),
    ]);
    this.members.set(roomId, page.items);
    this.roomInvitations.set(roomId, invitations);
    for (const m of page.items) if (!this.people.has(m.personId)) this.person({ id: m.personId, displayName: m.personDisplayName, email: m.personEmail });
    this.watchPresence(page.items.map((m) => m.personId));
    this.changed();
  }

  /** Opens a space's newest page of messages (once), with its files. */
  async openTimeline(roomId: string): Promise<void> {
    if (this.timelines.has(roomId)) return;
    const room = this.rooms.get(roomId);
    const timeline: Timeline = { ids: [], complete: false, loadingOlder: true, unreadAnchor: room?.lastReadMessageId, threadsLoaded: new Set() };
    this.timelines.set(roomId, timeline);
    this.changed();
    try {
      const page = await this.session.sdk.messages.list({ roomId, max: PAGE });
      this.addMessages(roomId, page.items);
      this.loadReactions(roomId, page.items);
      timeline.complete = page.items.length < PAGE;
      // The last-read line belongs above the first unread message: with more than a page unread, load
      // back to the last read one (a few pages at most; past that the line sits at the oldest loaded and
      // moves up as one scrolls back). No anchor means all unread: no line.
      const anchor = timeline.unreadAnchor;
      for (let pages = 1; anchor !== undefined && !timeline.complete && pages < UNREAD_PAGES; pages++) {
        const oldest = timeline.ids[0];
        if (oldest === undefined || oldest <= anchor) break;
        const older = await this.session.sdk.messages.list({ roomId, max: PAGE, beforeMessage: oldest });
        this.addMessages(roomId, older.items);
        this.loadReactions(roomId, older.items);
        timeline.complete = older.items.length < PAGE;
      }
    } finally {
      timeline.loadingOlder = false;
      this.changed();
    }
  }

  async loadOlder(roomId: string): Promise<void> {
    const timeline = this.timelines.get(roomId);
    if (timeline === undefined || timeline.complete || timeline.loadingOlder) return;
    const oldest = timeline.ids[0];
    timeline.loadingOlder = true;
    this.changed();
    try {
      const page = await this.session.sdk.messages.list({ roomId, max: PAGE, ...(oldest !== undefined ? { beforeMessage: oldest } : {}) });
      this.addMessages(roomId, page.items);
      this.loadReactions(roomId, page.items);
      if (page.items.length < PAGE) timeline.complete = true;
    } finally {
      timeline.loadingOlder = false;
      this.changed();
    }
  }

  async loadThread(roomId: string, parentId: string): Promise<void> {
    const timeline = this.timelines.get(roomId);
    const page = await this.session.sdk.messages.list({ roomId, parentId, max: 1000 });
    this.addMessages(roomId, page.items);
    this.loadReactions(roomId, page.items);
    if (!this.messages.has(parentId)) this.addMessages(roomId, [await this.session.sdk.messages.get(parentId)]);
    timeline?.threadsLoaded.add(parentId);
    this.changed();
  }

  private addMessages(roomId: string, items: SecureMessage[]): void {
    // Senders who are no longer members (left, or deleted their account: "Deleted person") are not
    // in the member list: ask for their names rather than show an address.
    const strangers = items.map((m) => m.personId).filter((id) => !this.people.has(id));
    if (strangers.length > 0) void this.ensurePeople(strangers).catch(() => undefined);
    let timeline = this.timelines.get(roomId);
    if (timeline === undefined) {
      timeline = { ids: [], complete: false, loadingOlder: false, unreadAnchor: this.rooms.get(roomId)?.lastReadMessageId, threadsLoaded: new Set() };
      this.timelines.set(roomId, timeline);
    }
    const ids = new Set(timeline.ids);
    for (const m of items) {
      const before = this.messages.get(m.id);
      this.messages.set(m.id, m);
      ids.add(m.id);
      if (m.files !== undefined && (before === undefined || before.updated !== m.updated || !this.files.has(m.id))) void this.openMessageFiles(m);
    }
    // UUIDv7 ids sort by creation time.
    timeline.ids = [...ids].sort();
  }

  /** Fetches and opens the reactions on loaded messages (in the background: the messages show at once). */
  private loadReactions(roomId: string, items: readonly SecureMessage[]): void {
    const ids = items.filter((m) => m.deleted === undefined).map((m) => m.id);
    if (ids.length === 0) return;
    void this.session.sdk.reactions.list(roomId, ids).then((listed) => {
      const byMessage = new Map<string, OpenReaction[]>(ids.map((id) => [id, []]));
      for (const r of listed) byMessage.get(r.messageId)?.push(r);
      // A reaction that arrived by event while the list was in flight is kept.
      for (const [id, list] of byMessage) {
        const live = (this.reactions.get(id) ?? []).filter((r) => !list.some((x) => x.id === r.id));
        this.reactions.set(id, [...list, ...live]);
      }
      // Who reacted is named in the tooltip: people who have since left may be unknown here.
      void this.ensurePeople(listed.map((r) => r.personId)).catch(() => undefined);
      this.changed();
    }, (error: unknown) => this.fail(error));
  }

  /**
   * Adds my reaction with this emoji to the message, or removes it if I have it (the SDK decides
   * from the server's list: the core cannot compare sealed emoji).
   */
  async toggleReaction(message: Message, emoji: string): Promise<void> {
    const result = await this.session.sdk.reactions.toggle({ roomId: message.roomId, messageId: message.id, emoji });
    if ('added' in result) this.addReaction(result.added);
    else for (const id of result.removed) this.removeReaction(message.id, id);
    this.changed();
  }

  private addReaction(r: OpenReaction): void {
    const list = this.reactions.get(r.messageId) ?? [];
    if (!list.some((x) => x.id === r.id)) this.reactions.set(r.messageId, [...list, r]);
  }

  private removeReaction(messageId: string, id: string): void {
    const list = this.reactions.get(messageId);
    if (list !== undefined) this.reactions.set(messageId, list.filter((x) => x.id !== id));
  }

  /** Opens the references of the files a message carries (sealed with the message's key). */
  private async openMessageFiles(m: SecureMessage): Promise<void> {
    if (m.files === undefined || m.files.length === 0) return;
    const references = await this.session.sdk.files.references(m);
    const views = m.files.map((f, i): FileView => {
      const view: FileView = { id: f.blobId, messageId: m.id, roomId: m.roomId, personId: m.personId, created: m.created };
      const opened = references[i];
      if (opened instanceof Error || opened === undefined) view.error = opened?.message ?? 'no key';
      else view.reference = opened;
      return view;
    });
    this.files.set(m.id, views);
    this.changed();
  }

  /** The space's file list (details panel), newest first. */
  async loadFiles(roomId: string): Promise<void> {
    const listed = await this.session.sdk.files.list(roomId);
    this.roomFiles.set(
      roomId,
      listed.map(({ entry, reference, error }): FileView => ({
        id: entry.id,
        messageId: entry.messageId,
        roomId: entry.roomId,
        personId: entry.personId,
        created: entry.created,
        ...(reference !== undefined ? { reference } : {}),
        ...(error !== undefined ? { error: error.message } : {}),
      })),
    );
    this.changed();
  }

  // ── Derived views ─────────────────────────────────────────────────────────────────────────

  roomTitle(room: SecureRoom): string {
    if (room.type === 'direct') {
      const other = room.directPersonId !== undefined ? this.people.get(room.directPersonId) : undefined;
      return other?.displayName ?? other?.email ?? '…';
    }
    return room.title ?? '…';
  }

  sortedRooms(filter: Filter, teamId?: string): SecureRoom[] {
    const flaggedRooms = new Set([...this.flags.values()].map((f) => f.roomId));
    return [...this.rooms.values()]
      .filter((r) => {
        if (teamId !== undefined && r.teamId !== teamId) return false;
        switch (filter) {
          case 'all':
            return true;
          case 'unread':
            return (r.unreadCount ?? 0) > 0;
          case 'direct':
            return r.type === 'direct';
          case 'favorites':
            return r.isFavorite === true;
          case 'mentions':
            return (r.mentionCount ?? 0) > 0;
          case 'flags':
            return flaggedRooms.has(r.id);
        }
      })
      .sort((a, b) => b.lastActivity.localeCompare(a.lastActivity));
  }

  nameOf(personId: string, fallbackEmail?: string): string {
    const p = this.people.get(personId);
    return p?.displayName ?? fallbackEmail ?? '…';
  }

  typingIn(roomId: string): string[] {
    return [...(this.typing.get(roomId)?.keys() ?? [])].filter((id) => id !== this.me);
  }

  // ── Actions ───────────────────────────────────────────────────────────────────────────────

  /** Marks a space read up to its newest loaded message (the tab shows it). */
  async markRead(roomId: string): Promise<void> {
    const room = this.rooms.get(roomId);
    const timeline = this.timelines.get(roomId);
    const newest = timeline?.ids.at(-1);
    if (room === undefined || newest === undefined) return;
    if (room.lastReadMessageId !== undefined && room.lastReadMessageId >= newest && (room.unreadCount ?? 0) === 0) return;
    this.rooms.set(roomId, { ...room, lastReadMessageId: newest, unreadCount: 0, mentionCount: 0 });
    this.changed();
    await this.session.client.rooms.markRead(roomId, newest);
  }

  async toggleFlag(message: Message): Promise<void> {
    const flag = this.flags.get(message.id);
    if (flag !== undefined) {
      this.flags.delete(message.id);
      this.changed();
      await this.session.client.flags.delete(flag.id);
    } else {
      const created = await this.session.client.flags.create(message.id);
      this.flags.set(message.id, created);
      this.changed();
    }
  }

  // ── Meetings (MT-1) ─────────────────────────────────────────────────────────────────────────

  /** Asks whether a space has a meeting going on (and whether meetings can be held at all). */
  async loadMeeting(roomId: string): Promise<void> {
    const { available, meeting } = await this.session.sdk.meetings.current(roomId);
    this.meetingsAvailable = available;
    if (meeting !== undefined) this.meetings.set(roomId, meeting);
    else this.meetings.delete(roomId);
    this.changed();
  }

  /** Opens (or, with undefined, closes) the pre-join preview of a space's meeting. */
  previewMeeting(roomId: string | undefined): void {
    this.meetingPreview = roomId;
    this.changed();
  }

  /** Joins (or starts) the space's meeting from this tab; one meeting at a time. `media`: the preview's camera and microphone, handed over. */
  async joinMeeting(roomId: string, media?: { stream: MediaStream; devices: DeviceChoice }): Promise<void> {
    if (this.call !== undefined) await this.leaveMeeting();
    this.meetingPreview = undefined;
    // The call shows (waiting for its key) and hears the meeting's events as soon as it exists.
    let attached: MeetingCall | undefined;
    try {
      const call = await MeetingCall.join(this.session.sdk, roomId, {
        attach: (c) => {
          attached = c;
          this.call = c;
          this.meetings.set(roomId, c.meeting);
          c.subscribe(() => this.changed());
          this.changed();
        },
        ...(media !== undefined ? { media: media.stream, devices: media.devices } : {}),
      });
      this.meetings.set(roomId, call.meeting);
    } catch (error) {
      if (attached !== undefined && this.call === attached) this.call = undefined;
      this.changed();
      throw error;
    }
    this.changed();
  }

  async leaveMeeting(): Promise<void> {
    const call = this.call;
    if (call === undefined) return;
    this.call = undefined;
    await call.leave();
    this.changed();
  }

  async toggleFavorite(room: SecureRoom): Promise<void> {
    const isFavorite = room.isFavorite !== true;
    this.rooms.set(room.id, { ...room, isFavorite });
    this.changed();
    await this.session.client.rooms.favorite(room.id, isFavorite);
  }

  /** Sets (or, undefined, clears) a person's status as the server said, and forgets it at its end time. */
  setAvailability(personId: string, availability: Availability | undefined): void {
    clearTimeout(this.availabilityTimers.get(personId));
    this.availabilityTimers.delete(personId);
    const ends = availability?.until !== undefined ? Date.parse(availability.until) - Date.now() : undefined;
    if (availability === undefined || (ends !== undefined && ends <= 0)) this.availability.delete(personId);
    else {
      this.availability.set(personId, availability);
      // "Do not disturb until 14:00" ends by itself: the server reads it as available from then on.
      if (ends !== undefined && ends < 2 ** 31 - 1) {
        this.availabilityTimers.set(
          personId,
          setTimeout(() => {
            this.availability.delete(personId);
            this.changed();
          }, ends),
        );
      }
    }
    this.changed();
  }

  /** One's own status, from the server (at start, and after another tab changed it). */
  async loadMyStatus(): Promise<void> {
    const [mine] = await this.session.sdk.people.presence([this.me]);
    this.setAvailability(this.me, mine?.availability);
  }

  watchPresence(ids: string[]): void {
    const fresh = ids.filter((id) => id !== this.me && !this.watchedPresence.has(id));
    if (fresh.length === 0) return;
    for (const id of fresh) this.watchedPresence.add(id);
    this.session.sdk.events.subscribePresence([...this.watchedPresence]);
    void this.session.sdk.people.presence(fresh).then((items) => {
      for (const p of items) {
        this.presence.set(p.personId, p.status);
        this.setAvailability(p.personId, p.availability);
      }
      this.changed();
    }, () => undefined);
  }

  // ── Events ────────────────────────────────────────────────────────────────────────────────

  onSignal(frame: Extract<ServerFrame, { type: 'typing' | 'presence' }>): void {
    if (frame.type === 'presence') {
      this.presence.set(frame.presence.personId, frame.presence.status);
      if (frame.presence.statusChange === true) this.setAvailability(frame.presence.personId, frame.presence.availability);
    } else {
      let room = this.typing.get(frame.roomId);
      if (room === undefined) this.typing.set(frame.roomId, (room = new Map<string, ReturnType<typeof setTimeout>>()));
      const previous = room.get(frame.personId);
      if (previous !== undefined) clearTimeout(previous);
      if (frame.isTyping) {
        const r = room;
        room.set(
          frame.personId,
          setTimeout(() => {
            r.delete(frame.personId);
            this.changed();
          }, TYPING_MS),
        );
      } else room.delete(frame.personId);
    }
    this.changed();
  }

  onEvent(event: StoredEvent): void {
    void this.apply(event).catch((e: unknown) => this.fail(e));
  }

  /** The server could not replay what this tab missed: start over from the server's state. */
  async onReset(): Promise<void> {
    this.timelines.clear();
    this.messages.clear();
    this.files.clear();
    this.reactions.clear();
    this.roomFiles.clear();
    this.members.clear();
    this.roomInvitations.clear();
    await this.loadAll();
    if (this.activeRoomId !== undefined) await this.openTimeline(this.activeRoomId);
  }

  private async apply(event: StoredEvent): Promise<void> {
    const { sdk } = this.session;
    switch (event.type) {
      case 'message.created':
      case 'message.updated': {
        const message = await sdk.messages.open(event.data as Message);
        const room = this.rooms.get(message.roomId);
        if (this.timelines.has(message.roomId)) {
          this.addMessages(message.roomId, [message]);
          if (message.files !== undefined && this.roomFiles.has(message.roomId)) this.refreshFiles(message.roomId);
        } else this.messages.set(message.id, message);
        if (event.type === 'message.created' && room !== undefined) {
          this.rooms.set(room.id, { ...room, lastActivity: message.created });
          // The server counts unread messages and mentions; ask it rather than guess.
          if (message.personId !== this.me) this.refreshRoom(room.id);
          this.notifier.onMessage(message, room);
        }
        break;
      }
      case 'message.deleted': {
        const tombstone = event.data as Message;
        const known = this.messages.get(tombstone.id);
        this.messages.set(tombstone.id, { ...(known ?? tombstone), deleted: tombstone.deleted ?? new Date().toISOString(), text: undefined, markdown: undefined, html: undefined });
        this.files.delete(tombstone.id);
        // The core dropped its reactions with it.
        this.reactions.delete(tombstone.id);
        this.refreshRoom(tombstone.roomId);
        break;
      }
      case 'room.created':
      case 'room.updated': {
        const opened = await sdk.spaces.open(event.data as Room);
        const known = this.rooms.get(opened.id);
        // Events carry the space, not my own state in it (counts, favourite): keep mine.
        this.rooms.set(opened.id, { ...known, ...opened, ...(known !== undefined ? pickState(known) : {}) });
        this.notice(renameNotice(event, opened.id, known?.title, opened.title));
        if (known === undefined && event.type === 'room.created' && opened.type !== 'direct') this.notifier.onAdded(opened, event.actorId);
        if (known === undefined || known.encryptionKeyUrl !== opened.encryptionKeyUrl) this.notifier.onRoomKey();
        if (known === undefined) {
          this.refreshRoom(opened.id);
          await this.loadDirectPeople();
        }
        break;
      }
      case 'room.deleted':
        this.forgetRoom((event.data as { id: string }).id);
        break;
      case 'membership.created':
      case 'membership.updated': {
        const m = event.data as Membership;
        if (event.type === 'membership.created') this.notice(membershipNotice(event));
        const list = this.members.get(m.roomId);
        if (list !== undefined) this.members.set(m.roomId, [...list.filter((x) => x.id !== m.id), m]);
        const invited = this.roomInvitations.get(m.roomId);
        if (invited !== undefined && event.type === 'membership.created') this.roomInvitations.set(m.roomId, invited.filter((i) => i.email !== m.personEmail.toLowerCase()));
        this.person({ id: m.personId, displayName: m.personDisplayName, email: m.personEmail });
        if (m.personId === this.me && event.type === 'membership.updated') this.refreshRoom(m.roomId);
        break;
      }
      case 'membership.deleted': {
        const m = event.data as Membership;
        if (m.personId === this.me) {
          this.forgetRoom(m.roomId);
          break;
        }
        this.notice(membershipNotice(event));
        const list = this.members.get(m.roomId);
        if (list !== undefined) this.members.set(m.roomId, list.filter((x) => x.id !== m.id));
        // Someone who left on their own: the SDK session rotates the key if this member is the one
        // to (so what is sent from now on is sealed with a key the leaver cannot get).
        break;
      }
      case 'membership.seen': {
        const seen = event.data as { roomId: string; personId: string; lastSeenId: string };
        const list = this.members.get(seen.roomId);
        if (list !== undefined) this.members.set(seen.roomId, list.map((x) => (x.personId === seen.personId ? { ...x, lastSeenId: seen.lastSeenId } : x)));
        break;
      }
      case 'room.read': {
        const read = event.data as { roomId: string; lastReadMessageId: string };
        const room = this.rooms.get(read.roomId);
        if (room !== undefined) this.rooms.set(room.id, { ...room, lastReadMessageId: read.lastReadMessageId });
        this.refreshRoom(read.roomId);
        break;
      }
      case 'room.favorite': {
        const fav = event.data as { roomId: string; isFavorite: boolean };
        const room = this.rooms.get(fav.roomId);
        if (room !== undefined) this.rooms.set(room.id, { ...room, isFavorite: fav.isFavorite });
        break;
      }
      case 'flag.created': {
        const flag = event.data as Flag;
        this.flags.set(flag.messageId, flag);
        break;
      }
      case 'flag.deleted':
        this.flags.delete((event.data as { messageId: string }).messageId);
        break;
      case 'reaction.created': {
        const reaction = await sdk.reactions.open(event.data as Reaction);
        this.addReaction(reaction);
        void this.ensurePeople([reaction.personId]).catch(() => undefined);
        break;
      }
      case 'reaction.deleted': {
        const gone = event.data as { id: string; messageId: string };
        this.removeReaction(gone.messageId, gone.id);
        break;
      }
      case 'team.created':
      case 'team.updated': {
        const team = event.data as Team;
        this.teams.set(team.id, await this.openTeam(team));
        break;
      }
      case 'team.deleted':
        this.teams.delete((event.data as { id: string }).id);
        break;
      case 'team.membership.created': {
        // Added to a team: it shows in the list with its spaces, joined or not (SPEC SP-3).
        const tm = event.data as TeamMembership;
        if (tm.personId === this.me && !this.teams.has(tm.teamId)) {
          const team = await this.session.client.teams.get(tm.teamId).catch(() => undefined);
          if (team !== undefined) this.teams.set(team.id, await this.openTeam(team));
        }
        break;
      }
      case 'team.membership.deleted': {
        const tm = event.data as TeamMembership;
        if (tm.personId === this.me) this.teams.delete(tm.teamId);
        break;
      }
      case 'space_invitation.received': {
        const invitation = event.data as ReceivedSpaceInvitation;
        this.invitations = [invitation, ...this.invitations.filter((i) => i.id !== invitation.id)];
        break;
      }
      case 'space_invitation.removed':
        this.invitations = this.invitations.filter((i) => i.id !== (event.data as { id: string }).id);
        break;
      case 'space_invitation.accepted': {
        // My session admits them (the SDK); the space's list shows the acceptance meanwhile.
        const invitation = event.data as SpaceInvitation;
        const list = this.roomInvitations.get(invitation.roomId);
        if (list !== undefined) this.roomInvitations.set(invitation.roomId, [...list.filter((i) => i.id !== invitation.id), invitation]);
        break;
      }
      case 'team.keyShare.pending':
        void this.finishKeyShares();
        break;
      case 'meeting.updated': {
        const meeting = event.data as Meeting;
        if (meeting.ended !== undefined) this.meetings.delete(meeting.roomId);
        else this.meetings.set(meeting.roomId, meeting);
        this.call?.update(meeting);
        break;
      }
      case 'call.updated':
      case 'call.signal':
        this.phone.onEvent(event);
        break;
      case 'phone_call.updated':
        this.phoneCalls.apply(event);
        break;
      case 'voicemail.created':
      case 'voicemail.updated':
      case 'voicemail.deleted':
        this.voicemail.apply(event);
        break;
      // Card submissions (Webex attachment actions) answer bots' cards; the web app shows no cards yet.
      // The help desk page follows care requests itself (ui/CareView.tsx); the SDK session admits routed experts.
      // The meetings page follows its own events (ui/scheduling/MeetingsView.tsx); the SDK session admits knocks.
      // A meeting's lobby follows its knocks itself (ui/meeting/MeetingGuests.tsx).
      case 'meeting.knock':
      case 'team.membership.updated':
      case 'attachmentAction.created':
      case 'encryption.kms_message':
      case 'care_request.updated':
      case 'scheduled_meeting.updated':
      case 'scheduled_meeting.deleted':
      case 'personal_room.knock':
        break;
    }
    this.changed();
  }

  private notice(notice: Notice | undefined): void {
    if (notice === undefined) return;
    const list = this.notices.get(notice.roomId) ?? [];
    if (list.some((n) => n.id === notice.id)) return;
    this.notices.set(notice.roomId, [...list, notice]);
    if ('actorId' in notice) void this.ensurePeople([notice.actorId]).catch(() => undefined);
  }

  private forgetRoom(roomId: string): void {
    this.notices.delete(roomId);
    this.rooms.delete(roomId);
    this.timelines.delete(roomId);
    this.members.delete(roomId);
    this.roomFiles.delete(roomId);
  }

  /** Re-reads a space (my unread and mention counts) once events for it settle. */
  refreshRoom(roomId: string): void {
    const pending = this.roomRefresh.get(roomId);
    if (pending !== undefined) clearTimeout(pending);
    this.roomRefresh.set(
      roomId,
      setTimeout(() => {
        this.roomRefresh.delete(roomId);
        void this.session.sdk.spaces.get(roomId).then(
          (room) => {
            this.rooms.set(room.id, room);
            this.changed();
          },
          (error: unknown) => {
            if (error instanceof FlintError && error.status === 404) {
              this.forgetRoom(roomId);
              this.changed();
            }
          },
        );
      }, 150),
    );
  }

  private refreshFiles(roomId: string): void {
    const pending = this.filesRefresh.get(roomId);
    if (pending !== undefined) clearTimeout(pending);
    this.filesRefresh.set(
      roomId,
      setTimeout(() => {
        this.filesRefresh.delete(roomId);
        void this.loadFiles(roomId).catch(() => undefined);
      }, 150),
    );
  }
}

function pickState(room: SecureRoom): Partial<SecureRoom> {
  const state: Partial<SecureRoom> = {};
  if (room.isFavorite !== undefined) state.isFavorite = room.isFavorite;
  if (room.isModerator !== undefined) state.isModerator = room.isModerator;
  if (room.unreadCount !== undefined) state.unreadCount = room.unreadCount;
  if (room.mentionCount !== undefined) state.mentionCount = room.mentionCount;
  if (room.lastReadMessageId !== undefined) state.lastReadMessageId = room.lastReadMessageId;
  if (room.directPersonId !== undefined) state.directPersonId = room.directPersonId;
  return state;
}

/** Re-renders the calling component whenever the store changes. */
export function useStore(store: Store): number {
  return useSyncExternalStore(store.subscribe, () => store.version);
}
