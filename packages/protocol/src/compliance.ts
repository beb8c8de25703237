/**
 * The core's compliance API (SPEC CP-1, CP-2): what a compliance officer reads of their org — its
 * spaces, memberships, messages (and, from the event log, their edits and deletions), files, and
 * blinded-index search — as **ciphertext and metadata**. Opening any of it needs the keys, which
 * only the KMS grants, and only to the officers its own operator named (`flint kms officers add`).
 * The core's `compliance_officer` role opens these routes; it opens no key.
 *
 * Every list is paged with `cursor` (opaque) and `max`, the next page in a `Link` header. Lists run
 * oldest first (ids are time-ordered) so that an export can be resumed from its last cursor, except
 * `messages` with `sort=newest` (Webex's order for `/v1/messages`).
 * @module
 */
import { Type, type Static } from 'typebox';
import { Email, Id, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';
import { Message } from './messages.ts';
import { Membership, Room } from './spaces.ts';
import { FileEntry } from './files.ts';
import { SearchHit, SearchMessagesBody } from './search.ts';

export const COMPLIANCE_LIMITS = {
  /** Largest page of any compliance list. */
  pageMax: 1000,
  pageDefault: 100,
} as const;

const PageMax = Type.Integer({ minimum: 1, description: `page size, clamped to ${COMPLIANCE_LIMITS.pageMax}` });
const Cursor = Type.String({ minLength: 1, maxLength: 300 });

/** Who: a person's id or address (an address that names nobody matches nothing). */
const PersonFilter = {
  personId: Type.Optional(Id),
  personEmail: Type.Optional(Email),
};

/** A space of the org, with its members (ids) so that a direct space can be named. */
export const ComplianceRoom = Type.Intersect([Room, Type.Object({ orgId: Id, memberIds: Type.Array(Id) })]);
export type ComplianceRoom = Static<typeof ComplianceRoom>;

export const listSpaces = defineMethod({
  id: 'compliance.spaces',
  verb: 'GET',
  path: '/api/compliance/spaces',
  summary: 'Compliance: the org’s spaces (titles sealed), oldest first; optionally one space, or those a person is a member of.',
  tag: 'compliance',
  auth: 'person',
  query: Type.Object(
    { roomId: Type.Optional(Id), type: Type.Optional(Type.Union([Type.Literal('group'), Type.Literal('direct')])), ...PersonFilter, cursor: Type.Optional(Cursor), max: Type.Optional(PageMax) },
    { additionalProperties: false },
  ),
  response: Type.Object({ items: Type.Array(ComplianceRoom) }),
  status: 200,
});

export const listMemberships = defineMethod({
  id: 'compliance.memberships',
  verb: 'GET',
  path: '/api/compliance/memberships',
  summary: 'Compliance: the current memberships of the org’s spaces, oldest first (history: the events list).',
  tag: 'compliance',
  auth: 'person',
  query: Type.Object({ roomId: Type.Optional(Id), ...PersonFilter, cursor: Type.Optional(Cursor), max: Type.Optional(PageMax) }, { additionalProperties: false }),
  response: Type.Object({ items: Type.Array(Membership) }),
  status: 200,
});

export const ListComplianceMessagesQuery = Type.Object(
  {
    roomId: Type.Optional(Id),
    parentId: Type.Optional(Id),
    ...PersonFilter,
    /** Created at or after. */
    from: Type.Optional(Timestamp),
    /** Created before. */
    to: Type.Optional(Timestamp),
    /** `oldest` (default) or `newest` first. */
    sort: Type.Optional(Type.Union([Type.Literal('oldest'), Type.Literal('newest')])),
    cursor: Type.Optional(Cursor),
    max: Type.Optional(PageMax),
  },
  { additionalProperties: false },
);

export const listMessages = defineMethod({
  id: 'compliance.messages',
  verb: 'GET',
  path: '/api/compliance/messages',
  summary: 'Compliance: the org’s messages as they are now (sealed), filtered by space, sender and dates; deleted ones and earlier versions are in the events list.',
  tag: 'compliance',
  auth: 'person',
  query: ListComplianceMessagesQuery,
  response: Type.Object({ items: Type.Array(Message) }),
  status: 200,
});

export const getMessage = defineMethod({
  id: 'compliance.message',
  verb: 'GET',
  path: '/api/compliance/messages/:id',
  summary: 'Compliance: one message of the org (sealed).',
  tag: 'compliance',
  auth: 'person',
  params: Type.Object({ id: Id }, { additionalProperties: false }),
  response: Message,
  status: 200,
});

export const COMPLIANCE_RESOURCES = ['messages', 'memberships', 'rooms'] as const;
export type ComplianceResource = (typeof COMPLIANCE_RESOURCES)[number];
export const COMPLIANCE_EVENT_TYPES = ['created', 'updated', 'deleted'] as const;
export type ComplianceEventType = (typeof COMPLIANCE_EVENT_TYPES)[number];

/**
 * One activity of the org, from the core's event log: `data` is what the log holds — a message
 * (sealed content; the tombstone of a deleted one), a membership, a room (sealed title).
 */
export const ComplianceEvent = Type.Object({
  /** The event's position in the log: unique, growing. */
  id: Type.String(),
  resource: Type.Union([Type.Literal('messages'), Type.Literal('memberships'), Type.Literal('rooms')]),
  type: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted')]),
  actorId: Type.Optional(Id),
  orgId: Id,
  roomId: Id,
  created: Timestamp,
  data: Type.Record(Type.String(), Type.Unknown()),
});
export type ComplianceEvent = Static<typeof ComplianceEvent>;

export const ListComplianceEventsQuery = Type.Object(
  {
    /** Comma-separated resources (default: all three). */
    resource: Type.Optional(Type.String({ maxLength: 100 })),
    /** Comma-separated types (default: all three). */
    type: Type.Optional(Type.String({ maxLength: 100 })),
    actorId: Type.Optional(Id),
    roomId: Type.Optional(Id),
    /** At or after. */
    from: Type.Optional(Timestamp),
    /** Before. */
    to: Type.Optional(Timestamp),
    cursor: Type.Optional(Cursor),
    /**
     * Only the events after this one (an event's `id`): where a feed that keeps the last event it
     * delivered resumes, even when the page it came from had no next page. Not with `cursor`.
     */
    after: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
    max: Type.Optional(PageMax),
  },
  { additionalProperties: false },
);

export const listEvents = defineMethod({
  id: 'compliance.events',
  verb: 'GET',
  path: '/api/compliance/events',
  summary: 'Compliance: the org’s activities (messages created, edited, deleted; memberships; rooms) from the event log, oldest first.',
  tag: 'compliance',
  auth: 'person',
  query: ListComplianceEventsQuery,
  response: Type.Object({ items: Type.Array(ComplianceEvent) }),
  status: 200,
});

export const listFiles = defineMethod({
  id: 'compliance.files',
  verb: 'GET',
  path: '/api/compliance/files',
  summary: 'Compliance: the files of the org’s messages (references sealed), oldest first; their ciphertext downloads at /api/files/:id/content.',
  tag: 'compliance',
  auth: 'person',
  query: Type.Object(
    { roomId: Type.Optional(Id), ...PersonFilter, from: Type.Optional(Timestamp), to: Type.Optional(Timestamp), cursor: Type.Optional(Cursor), max: Type.Optional(PageMax) },
    { additionalProperties: false },
  ),
  response: Type.Object({ items: Type.Array(FileEntry) }),
  status: 200,
});

/** As the member's search, without "mentions me"; `roomIds` bound the spaces (of the org). */
export const ComplianceSearchBody = Type.Omit(SearchMessagesBody, ['mentionsMe']);

export const searchMessages = defineMethod({
  id: 'compliance.search',
  verb: 'POST',
  path: '/api/compliance/search',
  summary: 'Compliance: messages of the org’s spaces matching blinded terms (blinded by the officer with search keys from the KMS), newest first.',
  tag: 'compliance',
  auth: 'person',
  body: ComplianceSearchBody,
  response: Type.Object({ items: Type.Array(SearchHit), next: Type.Optional(Type.String()) }),
  status: 200,
});
