/**
 * Guests in meetings (SPEC MT-3's guests, SEC-5; docs/meetings.md "Guests"): a member makes a
 * meeting link for a space; whoever opens it gives a display name and becomes an ephemeral *guest
 * account* (no e-mail, no password) whose one session reaches only its own meeting routes, its event
 * stream and the KMS exchange. The guest knocks and waits in the meeting's lobby; a member in the
 * meeting admits or denies. Admission makes the guest a participant at the core; the admitting
 * member's client then puts the guest on the meeting's KMS resource and names a new key epoch —
 * the core is not trusted to say who was admitted. The guest is never on the space's resource.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';
import { Meeting } from './meetings.ts';

export const GUEST_LIMITS = {
  /** Guests waiting in the lobby or admitted, in one meeting at a time. */
  guestsPerMeeting: 10,
  /** Guests joining through one link in an hour (every join is a knock). */
  knocksPerLinkPerHour: 30,
  /** A guest's display name, in characters. */
  displayNameChars: 64,
  /** The longest life of a meeting link, in hours (7 days). */
  linkTtlHoursMax: 168,
  /** A link's life when none is asked for, in hours. */
  linkTtlHoursDefault: 24,
  /** Links of one space usable at once (not revoked, not expired). */
  linksPerSpace: 20,
  /** A link's token, in characters (what the guest's page sends). */
  tokenChars: 100,
} as const;

/** A meeting link as members see it: never its token, which is shown once, when made. */
export const MeetingLink = Type.Object({
  id: Id,
  roomId: Id,
  createdBy: Id,
  created: Timestamp,
  expires: Timestamp,
});
export type MeetingLink = Static<typeof MeetingLink>;

export const KnockState = Type.Union([Type.Literal('waiting'), Type.Literal('admitted'), Type.Literal('denied')]);
export type KnockState = Static<typeof KnockState>;

/** A guest at the meeting's door. */
export const MeetingKnock = Type.Object({
  id: Id,
  meetingId: Id,
  roomId: Id,
  /** The guest's (ephemeral) person id. */
  personId: Id,
  displayName: Type.String(),
  state: KnockState,
  created: Timestamp,
  /** The member who admitted or denied. */
  decidedBy: Type.Optional(Id),
  /** The guest's participant in the meeting, once admitted. */
  participantId: Type.Optional(Id),
});
export type MeetingKnock = Static<typeof MeetingKnock>;

const LinkParams = Type.Object({ id: Id }, { additionalProperties: false });
const KnockParams = Type.Object({ id: Id, knockId: Id }, { additionalProperties: false });

export const createLink = defineMethod({
  id: 'meetingLinks.create',
  verb: 'POST',
  path: '/api/rooms/:id/meeting-links',
  summary: `Make a link guests join the space’s meetings by (members only). The answer carries the link’s secret once; only its hash is stored. It expires after \`expiresInHours\` (default ${GUEST_LIMITS.linkTtlHoursDefault}, at most ${GUEST_LIMITS.linkTtlHoursMax}); at most ${GUEST_LIMITS.linksPerSpace} usable links per space.`,
  tag: 'meetings',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ expiresInHours: Type.Optional(Type.Integer({ minimum: 1, maximum: GUEST_LIMITS.linkTtlHoursMax })) }, { additionalProperties: false }),
  response: Type.Object({ link: MeetingLink, token: Type.String(), url: Type.String() }),
  status: 201,
});

export const listLinks = defineMethod({
  id: 'meetingLinks.list',
  verb: 'GET',
  path: '/api/rooms/:id/meeting-links',
  summary: 'The space’s usable meeting links (not revoked, not expired), without their secrets. Members only.',
  tag: 'meetings',
  auth: 'person',
  params: IdParams,
  response: Type.Object({ items: Type.Array(MeetingLink) }),
  status: 200,
});

export const revokeLink = defineMethod({
  id: 'meetingLinks.revoke',
  verb: 'DELETE',
  path: '/api/meeting-links/:id',
  summary: 'Revoke a meeting link at once (any member of its space): nobody joins by it any more. Guests already in stay.',
  tag: 'meetings',
  auth: 'person',
  params: LinkParams,
  response: null,
  status: 204,
});

export const GuestJoinBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: GUEST_LIMITS.tokenChars }),
    displayName: Type.String({ minLength: 1, maxLength: GUEST_LIMITS.displayNameChars }),
  },
  { additionalProperties: false },
);

export const joinAsGuest = defineMethod({
  id: 'meetingGuests.join',
  verb: 'POST',
  path: '/api/meeting-guests',
  summary: `Join the meeting going on in a link’s space as a guest: makes an ephemeral guest account and its one session (the access token answered reaches only the guest’s meeting routes, its event stream and the KMS exchange), and knocks. 404 for an unknown, expired or revoked link; 409 \`meeting_not_started\` when no meeting goes on; 409 when ${GUEST_LIMITS.guestsPerMeeting} guests wait or are in already; 429 after ${GUEST_LIMITS.knocksPerLinkPerHour} joins by one link in an hour.`,
  tag: 'meetings',
  auth: 'none',
  body: GuestJoinBody,
  response: Type.Object({ personId: Id, sessionId: Id, accessToken: Type.String(), expiresIn: Type.Integer(), knock: MeetingKnock }),
  status: 201,
});

export const guestStatus = defineMethod({
  id: 'meetingGuests.me',
  verb: 'GET',
  path: '/api/meeting-guests/me',
  summary: 'A guest’s own knock (waiting, admitted or denied) and, once admitted, the meeting and the guest’s participant id.',
  tag: 'meetings',
  auth: 'person',
  response: Type.Object({ knock: MeetingKnock, meeting: Type.Optional(Meeting) }),
  status: 200,
});

export const guestLeave = defineMethod({
  id: 'meetingGuests.leave',
  verb: 'POST',
  path: '/api/meeting-guests/me/leave',
  summary: 'A guest leaves the lobby or the meeting: the guest account ends (its session is revoked).',
  tag: 'meetings',
  auth: 'person',
  response: null,
  status: 204,
});

export const listKnocks = defineMethod({
  id: 'meetingKnocks.list',
  verb: 'GET',
  path: '/api/meetings/:id/knocks',
  summary: 'The guests waiting in the meeting’s lobby (members in the meeting only).',
  tag: 'meetings',
  auth: 'person',
  params: Type.Object({ id: Id }, { additionalProperties: false }),
  response: Type.Object({ items: Type.Array(MeetingKnock) }),
  status: 200,
});

const DeciderBody = Type.Object({ participantId: Id }, { additionalProperties: false });

export const admitKnock = defineMethod({
  id: 'meetingKnocks.admit',
  verb: 'POST',
  path: '/api/meetings/:id/knocks/:knockId/admit',
  summary:
    'Admit a waiting guest (a member in the meeting, naming their own participant id): the guest becomes a participant. The admitting member’s client must then put the guest on the meeting’s KMS resource and name the next key epoch (the SDK’s `admit` does both): until then the guest gets no key. 409 if the knock was decided already.',
  tag: 'meetings',
  auth: 'person',
  params: KnockParams,
  body: DeciderBody,
  response: Type.Object({ knock: MeetingKnock, meeting: Meeting }),
  status: 200,
});

export const denyKnock = defineMethod({
  id: 'meetingKnocks.deny',
  verb: 'POST',
  path: '/api/meetings/:id/knocks/:knockId/deny',
  summary: 'Deny a waiting guest (a member in the meeting): the guest is told and never joins. 409 if the knock was decided already.',
  tag: 'meetings',
  auth: 'person',
  params: KnockParams,
  body: DeciderBody,
  response: MeetingKnock,
  status: 200,
});
