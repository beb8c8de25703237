/**
 * Scheduled meetings and personal rooms (SPEC MT-3, MT-4; docs/meetings-scheduling.md). A meeting
 * owns an ordinary end-to-end encrypted space its scheduler's client made (title sealed, invitees
 * who have accounts authorized at the KMS and added by that client); the core keeps the schedule —
 * title, times, time zone, invitees' addresses — because the calendar invitation it mails must
 * carry them in clear: that is metadata the core holds by design (docs/threat-model.md). A personal
 * room is a name (`<base>/meet/<name>`) and a space of its owner's, made lazily by the owner's client.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Email, Id } from './common.ts';
import { defineMethod } from './method.ts';

export const SCHEDULING_LIMITS = {
  /** A meeting's title, in characters (Webex: 128). */
  titleChars: 128,
  /** Invitees of one meeting. */
  invitees: 100,
  /** An invitee's display name, in characters (Webex: 128). */
  inviteeNameChars: 128,
  /** Shortest and longest meeting (Webex: 10 min to 23 h 59 min). */
  minDurationMs: 10 * 60_000,
  maxDurationMs: (23 * 60 + 59) * 60_000,
  /** How far ahead a meeting may start. */
  maxAheadMs: 366 * 24 * 3_600_000,
  /** Meetings one person may schedule in 24 hours (Webex: 100 a day). */
  perDay: 100,
  /** How long before its start a meeting is `ready` (may be joined). */
  readyBeforeMs: 15 * 60_000,
  /** A personal room's name: 3–40 of lowercase letters, digits, dots, dashes; starting and ending with a letter or digit. */
  roomNameMin: 3,
  roomNameMax: 40,
  /** Meetings one list answers at most (clamped), and by default. */
  pageMax: 100,
  pageDefault: 10,
  /** A recurrence rule (RFC 5545 RRULE): its length, its occurrences, and how long a series may run. */
  recurrenceChars: 200,
  recurrenceOccurrences: 200,
  recurrenceSpanMs: 2 * 366 * 24 * 3_600_000,
} as const;

/**
 * A recurrence rule, RFC 5545's RRULE value (Webex's `recurrence`), e.g. `FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10`.
 * Flint takes FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL (1–99), BYDAY (weekly: days; monthly:
 * one day with an ordinal, `2TU`, `-1FR`), BYMONTHDAY (monthly: one day, 1–31 or -1), WKST, and COUNT
 * or UNTIL — one of them: a series ends, after at most 200 meetings and two years. Occurrences keep
 * the first one's wall-clock time in the meeting's time zone (across daylight-saving changes).
 */
export const Recurrence = Type.String({ minLength: 1, maxLength: SCHEDULING_LIMITS.recurrenceChars, pattern: '^(RRULE:)?[A-Za-z0-9=;,:+-]+$', description: 'RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10' });

export const ROOM_NAME_PATTERN = '^[a-z0-9](?:[a-z0-9.-]{1,38})[a-z0-9]$';

/** 32 hex digits: Webex's shape for a meeting (series) id, which is not a hydra id. */
export const MeetingId = Type.String({ pattern: '^[0-9a-f]{32}$', description: 'meeting id (32 hex digits)' });
export const MeetingIdParams = Type.Object({ id: MeetingId }, { additionalProperties: false });

export const MeetingState = Type.Union([Type.Literal('scheduled'), Type.Literal('ready'), Type.Literal('lobby'), Type.Literal('inProgress'), Type.Literal('ended')]);
export type MeetingState = Static<typeof MeetingState>;

export const MeetingInvitee = Type.Object({
  email: Type.String(),
  displayName: Type.Optional(Type.String()),
  /** The Flint person with that address, when there was one at scheduling time. */
  personId: Type.Optional(Id),
});
export type MeetingInvitee = Static<typeof MeetingInvitee>;

export const ScheduledMeeting = Type.Object({
  id: MeetingId,
  title: Type.String(),
  /** ISO 8601 UTC. */
  start: Type.String(),
  end: Type.String(),
  /** The IANA zone the scheduler chose (times are answered in UTC). */
  timezone: Type.String(),
  /** 9–10 digits, unique in the deployment. */
  meetingNumber: Type.String(),
  /** The link that opens the meeting's space in the web app. */
  webLink: Type.String(),
  /** `scheduled`, `ready` (may be joined: from 15 minutes before the start), `ended` (after the end). */
  state: MeetingState,
  /** The meeting's space (end-to-end encrypted; its title is sealed). */
  roomId: Id,
  hostUserId: Id,
  hostDisplayName: Type.String(),
  hostEmail: Type.String(),
  invitees: Type.Array(MeetingInvitee),
  /** The iCalendar SEQUENCE of the last invitation sent. */
  sequence: Type.Integer(),
  /** A recurring meeting's rule (normalized RRULE value); `start`/`end` are then the listed occurrence's. */
  recurrence: Type.Optional(Type.String()),
  /** A recurring meeting's first occurrence (the series' own times), when `start`/`end` name a later one. */
  seriesStart: Type.Optional(Type.String()),
  seriesEnd: Type.Optional(Type.String()),
  /** How many meetings the series holds. */
  occurrences: Type.Optional(Type.Integer({ minimum: 1 })),
  created: Type.String(),
  updated: Type.String(),
});
export type ScheduledMeeting = Static<typeof ScheduledMeeting>;

const Title = Type.String({ minLength: 1, maxLength: SCHEDULING_LIMITS.titleChars });
const Time = Type.String({ format: 'date-time', description: 'ISO 8601 with a zone or offset' });
const TimeZone = Type.String({ minLength: 1, maxLength: 64 });
const InviteeInput = Type.Object(
  { email: Email, displayName: Type.Optional(Type.String({ minLength: 1, maxLength: SCHEDULING_LIMITS.inviteeNameChars })) },
  { additionalProperties: false },
);
const Invitees = Type.Array(InviteeInput, { maxItems: SCHEDULING_LIMITS.invitees });
export type MeetingInviteeInput = Static<typeof InviteeInput>;

export const createMeeting = defineMethod({
  id: 'meetings.create',
  verb: 'POST',
  path: '/api/meetings',
  summary: `Schedule a meeting in a group space one made (its title sealed; one's client added the invitees who have accounts). The core keeps the schedule and mails each invitee an iCalendar REQUEST. ${SCHEDULING_LIMITS.minDurationMs / 60_000} min to 23 h 59 min long, not in the past, at most ${SCHEDULING_LIMITS.invitees} invitees and ${SCHEDULING_LIMITS.perDay} meetings a day.`,
  tag: 'meetings',
  auth: 'person',
  body: Type.Object(
    {
      title: Title,
      start: Time,
      end: Time,
      timezone: Type.Optional(TimeZone),
      roomId: Id,
      invitees: Type.Optional(Invitees),
      recurrence: Type.Optional(Recurrence),
      /** Mail the invitations (default true). */
      sendEmail: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  response: ScheduledMeeting,
  status: 200,
});

export const listMeetings = defineMethod({
  id: 'meetings.list',
  verb: 'GET',
  path: '/api/meetings',
  summary: `Meetings one hosts or is invited to (by account or address) that overlap [from, to) — by default now to 7 days on (one bound alone: 7 days either side) — by start, each occurrence of a recurring meeting as its own item; \`max\` up to ${SCHEDULING_LIMITS.pageMax} and a Link to the next page.`,
  tag: 'meetings',
  auth: 'person',
  query: Type.Object(
    {
      from: Type.Optional(Time),
      to: Type.Optional(Time),
      max: Type.Optional(Type.Integer({ minimum: 1 })),
      cursor: Type.Optional(Type.String({ maxLength: 200 })),
      meetingNumber: Type.Optional(Type.String({ pattern: '^[0-9]{9,10}$' })),
      roomId: Type.Optional(Id),
    },
    { additionalProperties: false },
  ),
  response: Type.Object({ items: Type.Array(ScheduledMeeting) }),
  status: 200,
});

export const getMeeting = defineMethod({
  id: 'meetings.get',
  verb: 'GET',
  path: '/api/meetings/:id',
  summary: 'A meeting one hosts or is invited to, or whose space one is a member of.',
  tag: 'meetings',
  auth: 'person',
  params: MeetingIdParams,
  response: ScheduledMeeting,
  status: 200,
});

export const updateMeeting = defineMethod({
  id: 'meetings.update',
  verb: 'PUT',
  path: '/api/meetings/:id',
  summary: 'Change a meeting one hosts (title, times, time zone, invitees); a change mails an update (SEQUENCE + 1) to every invitee, and a CANCEL to those removed.',
  tag: 'meetings',
  auth: 'person',
  params: MeetingIdParams,
  body: Type.Object(
    {
      title: Type.Optional(Title),
      start: Type.Optional(Time),
      end: Type.Optional(Time),
      timezone: Type.Optional(TimeZone),
      invitees: Type.Optional(Invitees),
      /** A new rule, or `null` to make it a single meeting (its first occurrence). */
      recurrence: Type.Optional(Type.Union([Recurrence, Type.Null()])),
      sendEmail: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  response: ScheduledMeeting,
  status: 200,
});

export const deleteMeeting = defineMethod({
  id: 'meetings.delete',
  verb: 'DELETE',
  path: '/api/meetings/:id',
  summary: 'Cancel a meeting one hosts: every invitee is mailed an iCalendar CANCEL; the meeting’s space stays.',
  tag: 'meetings',
  auth: 'person',
  params: MeetingIdParams,
  query: Type.Object({ sendEmail: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false }),
  response: null,
  status: 204,
});

export const PersonalRoom = Type.Object({
  name: Type.String(),
  /** `<base>/meet/<name>`. */
  link: Type.String(),
  ownerId: Id,
  ownerDisplayName: Type.String(),
  ownerEmail: Type.String(),
  /** The room's space, once the owner's client made it. */
  roomId: Type.Optional(Id),
});
export type PersonalRoom = Static<typeof PersonalRoom>;

export const getPersonalRoom = defineMethod({
  id: 'personalRoom.get',
  verb: 'GET',
  path: '/api/personal-room',
  summary: 'One’s personal room: its name and link (a name is given on first use, from one’s address), and its space once made.',
  tag: 'meetings',
  auth: 'person',
  response: PersonalRoom,
  status: 200,
});

export const renamePersonalRoom = defineMethod({
  id: 'personalRoom.rename',
  verb: 'PUT',
  path: '/api/personal-room',
  summary: `Change one’s room name (3–40 lowercase letters, digits, dots, dashes): the old link stops working at once; 409 when the name is taken.`,
  tag: 'meetings',
  auth: 'person',
  body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  response: PersonalRoom,
  status: 200,
});

export const setPersonalRoomSpace = defineMethod({
  id: 'personalRoom.setSpace',
  verb: 'PUT',
  path: '/api/personal-room/space',
  summary: 'Name the space of one’s personal room: a group space one made (one’s client made its key). Once only; 409 after.',
  tag: 'meetings',
  auth: 'person',
  body: Type.Object({ roomId: Id }, { additionalProperties: false }),
  response: PersonalRoom,
  status: 200,
});

export const PersonalRoomCard = Type.Object({
  name: Type.String(),
  link: Type.String(),
  ownerDisplayName: Type.String(),
});
export type PersonalRoomCard = Static<typeof PersonalRoomCard>;

export const resolvePersonalRoom = defineMethod({
  id: 'personalRoom.resolve',
  verb: 'GET',
  path: '/api/meet/:name',
  summary: 'Whose room a `/meet/<name>` link is (open to anyone, as the link is shared: the owner’s name only); 404 for a name nobody has.',
  tag: 'meetings',
  auth: 'none',
  params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  response: PersonalRoomCard,
  status: 200,
});

export const PersonalRoomEntry = Type.Object({
  name: Type.String(),
  ownerId: Id,
  ownerDisplayName: Type.String(),
  /** The room's space, when the owner made it. */
  roomId: Type.Optional(Id),
  /** Whether the caller is a member of that space (the owner is; others are added by the owner's client). */
  isMember: Type.Boolean(),
});
export type PersonalRoomEntry = Static<typeof PersonalRoomEntry>;

export const enterPersonalRoom = defineMethod({
  id: 'personalRoom.enter',
  verb: 'GET',
  path: '/api/meet/:name/entry',
  summary: 'For a signed-in visitor: the room’s owner, its space, and whether one is a member of it.',
  tag: 'meetings',
  auth: 'person',
  params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  response: PersonalRoomEntry,
  status: 200,
});

export const knockPersonalRoom = defineMethod({
  id: 'personalRoom.knock',
  verb: 'POST',
  path: '/api/meet/:name/knock',
  summary:
    'Ask to enter a personal room one is not a member of: the owner is told (`personal_room.knock`, a durable event), and the owner’s client authorizes one at the KMS and adds one — the core cannot (DESIGN §2, invariant 2). 202; 409 when the owner has not made the room’s space yet.',
  tag: 'meetings',
  auth: 'person',
  params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  response: Type.Object({ ownerDisplayName: Type.String() }),
  status: 202,
});

/** The data of `personal_room.knock`, to the room's owner. */
export const PersonalRoomKnock = Type.Object({ roomId: Id, personId: Id, displayName: Type.String(), name: Type.String() });
export type PersonalRoomKnock = Static<typeof PersonalRoomKnock>;
