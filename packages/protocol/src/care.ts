/**
 * The care assistant (SPEC SP-7): an organization's help-desk queues, each with a group of experts
 * (people of the org). A person asks a question on a queue: their client makes an ordinary
 * end-to-end encrypted space (title and question sealed at the KMS as always) and hands the core
 * its id; the core routes the request to an available expert and records them; a member's client
 * (the asker's, or the handing-off expert's) authorizes that expert at the KMS and only then has
 * the core add them (`admit`) — the core never grants a key (DESIGN §2, invariant 2). Requests
 * nobody could take wait in their queue, visible to its experts, who take them; the assigned
 * expert hands off to another expert or queue, and the asker or the expert resolves the request.
 * Nothing here is content: the core knows who asked whom on which queue, and when (docs/care.md).
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

export const CARE_LIMITS = {
  /** Queues per organization. */
  queuesPerOrg: 100,
  /** Experts per queue. */
  expertsPerQueue: 200,
  /** A queue's name, in characters. */
  nameChars: 100,
  /** Open (waiting or assigned) requests one asker may have at a time. */
  openPerAsker: 20,
  /** Open requests routed to one expert at most; an expert at this load is not "available". */
  openPerExpert: 20,
  /** Requests one list answers at most (newest first). */
  listed: 500,
} as const;

export const CareExpert = Type.Object({
  personId: Id,
  displayName: Type.String(),
  email: Type.String(),
});
export type CareExpert = Static<typeof CareExpert>;

export const CareQueue = Type.Object({
  id: Id,
  name: Type.String(),
  experts: Type.Array(CareExpert),
  created: Timestamp,
});
export type CareQueue = Static<typeof CareQueue>;

export const CareStatus = Type.Union([Type.Literal('waiting'), Type.Literal('assigned'), Type.Literal('resolved')]);
export type CareStatus = Static<typeof CareStatus>;

export const CareRequest = Type.Object({
  id: Id,
  queueId: Id,
  queueName: Type.String(),
  /** The space of the conversation (its title and messages sealed; the asker made it). */
  roomId: Id,
  askerId: Id,
  askerName: Type.String(),
  /** `waiting`: no expert yet (in the queue); `assigned`: routed to or taken by `expertId`; `resolved`: done. */
  status: CareStatus,
  expertId: Type.Optional(Id),
  expertName: Type.Optional(Type.String()),
  /** The expert is recorded but not a member of the space yet: a member's client must authorize them at the KMS and admit them. */
  awaitingAdmission: Type.Boolean(),
  /** Who handed the request off last (an expert who may still be a member). */
  handedOffBy: Type.Optional(Id),
  created: Timestamp,
  updated: Timestamp,
  resolved: Type.Optional(Timestamp),
});
export type CareRequest = Static<typeof CareRequest>;

const QueueName = Type.String({ minLength: 1, maxLength: CARE_LIMITS.nameChars });
const ExpertIds = Type.Array(Id, { maxItems: CARE_LIMITS.expertsPerQueue, uniqueItems: true });

export const listQueues = defineMethod({
  id: 'care.queues.list',
  verb: 'GET',
  path: '/api/care/queues',
  summary: 'The help-desk queues of one’s organization, by name, with their experts (anyone of the org may ask on one).',
  tag: 'care',
  auth: 'person',
  response: Type.Object({ items: Type.Array(CareQueue) }),
  status: 200,
});

export const createQueue = defineMethod({
  id: 'care.queues.create',
  verb: 'POST',
  path: '/api/care/queues',
  summary: `Define a help-desk queue and its experts (active people of the org). Org admins; at most ${CARE_LIMITS.queuesPerOrg} queues; audited.`,
  tag: 'care',
  auth: 'person',
  body: Type.Object({ name: QueueName, expertIds: ExpertIds }, { additionalProperties: false }),
  response: CareQueue,
  status: 200,
});

export const updateQueue = defineMethod({
  id: 'care.queues.update',
  verb: 'PUT',
  path: '/api/care/queues/:id',
  summary: 'Rename a queue or replace its experts (requests already assigned stay with their expert). Org admins; audited.',
  tag: 'care',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ name: Type.Optional(QueueName), expertIds: Type.Optional(ExpertIds) }, { additionalProperties: false }),
  response: CareQueue,
  status: 200,
});

export const deleteQueue = defineMethod({
  id: 'care.queues.delete',
  verb: 'DELETE',
  path: '/api/care/queues/:id',
  summary: 'Delete a queue that has no open request (409 otherwise); its resolved requests go with it, their spaces stay. Org admins; audited.',
  tag: 'care',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

export const listRequests = defineMethod({
  id: 'care.requests.list',
  verb: 'GET',
  path: '/api/care/requests',
  summary: `One’s care requests: those one asked, those assigned to one, and the open ones of the queues one is an expert of; newest first, at most ${CARE_LIMITS.listed}.`,
  tag: 'care',
  auth: 'person',
  response: Type.Object({ items: Type.Array(CareRequest) }),
  status: 200,
});

export const createRequest = defineMethod({
  id: 'care.requests.create',
  verb: 'POST',
  path: '/api/care/requests',
  summary:
    'Ask on a queue, in a group space one made and is alone in (the question is its first message, sealed). The core routes it to an available expert — active, not away or on do not disturb, under the load limit; the fewest open requests first, then the one routed to longest ago — or leaves it waiting in the queue.',
  tag: 'care',
  auth: 'person',
  body: Type.Object({ queueId: Id, roomId: Id }, { additionalProperties: false }),
  response: CareRequest,
  status: 200,
});

export const takeRequest = defineMethod({
  id: 'care.requests.take',
  verb: 'POST',
  path: '/api/care/requests/:id/take',
  summary: 'An expert of the queue takes a waiting request; a member of its space (the asker’s client) then admits them.',
  tag: 'care',
  auth: 'person',
  params: IdParams,
  response: CareRequest,
  status: 200,
});

export const handOffRequest = defineMethod({
  id: 'care.requests.handOff',
  verb: 'POST',
  path: '/api/care/requests/:id/handoff',
  summary:
    'The assigned expert hands the request to another expert (of any of the org’s queues) or to another queue (routed there as a new question, or waiting). Exactly one of `personId`, `queueId`.',
  tag: 'care',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ personId: Type.Optional(Id), queueId: Type.Optional(Id) }, { additionalProperties: false }),
  response: CareRequest,
  status: 200,
});

export const admitExpert = defineMethod({
  id: 'care.requests.admit',
  verb: 'POST',
  path: '/api/care/requests/:id/admit',
  summary: 'A member of the request’s space adds its assigned expert to it — after authorizing them at the KMS (the SDK does both; the core grants no key).',
  tag: 'care',
  auth: 'person',
  params: IdParams,
  response: CareRequest,
  status: 200,
});

export const resolveRequest = defineMethod({
  id: 'care.requests.resolve',
  verb: 'POST',
  path: '/api/care/requests/:id/resolve',
  summary: 'The asker or the assigned expert marks the request resolved; the space and its conversation stay.',
  tag: 'care',
  auth: 'person',
  params: IdParams,
  response: CareRequest,
  status: 200,
});

export const awaitingAdmission = defineMethod({
  id: 'care.requests.awaiting',
  verb: 'GET',
  path: '/api/care/requests/awaiting',
  summary: 'Open requests whose assigned expert waits to be admitted into a space one is a member of (for one’s client to authorize at the KMS and admit).',
  tag: 'care',
  auth: 'person',
  response: Type.Object({ items: Type.Array(CareRequest) }),
  status: 200,
});
