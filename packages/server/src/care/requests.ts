/**
 * Care requests (SPEC SP-7): a question asked on a queue, in an ordinary encrypted space the
 * asker's client made, routed to an expert (`routing.ts`), taken from the queue, handed off, and
 * resolved. The core only records who has the request and adds members; it never sees the
 * question (sealed in the space) and never grants a key: an expert the core records is made a
 * member only by `admitExpert`, which a member's client calls after authorizing them at the KMS
 * (DESIGN §2, invariant 2; the SDK's `care` does both). Every change is a `care_request.updated`
 * event to those concerned — the asker, the expert, whoever handed it off, and the experts of its
 * queue (and of the queue it left), so their queue views follow live.
 * @module
 */
import { CARE_LIMITS, type CareRequest } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { CareRequestRow } from '../db/schema.ts';
import type { Emit } from '../events/event-service.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { memberOf, membershipOf, membershipPairs, personBriefs } from '../spaces/access.ts';
import { presentMembership, presentRoom } from '../spaces/presenters.ts';
import { assertMemberLimit, insertMembership } from '../spaces/rooms.ts';
import { queueOfOrg } from './queues.ts';
import { routeToExpert } from './routing.ts';

export async function presentRequests(db: Db, rows: readonly CareRequestRow[]): Promise<CareRequest[]> {
  if (rows.length === 0) return [];
  const people = await personBriefs(
    db,
    rows.flatMap((r) => [r.asker_id, ...(r.expert_id !== null ? [r.expert_id] : [])]),
  );
  const queues = new Map((await db.selectFrom('care_queues').select(['id', 'name']).where('id', 'in', [...new Set(rows.map((r) => r.queue_id))]).execute()).map((q) => [q.id, q.name]));
  const withExpert = rows.filter((r) => r.expert_id !== null);
  const admitted = await membershipPairs(
    db,
    withExpert.map((r) => r.space_id),
    withExpert.map((r) => r.expert_id!),
  );
  return rows.map((row) => {
    const request: CareRequest = {
      id: row.id,
      queueId: row.queue_id,
      queueName: queues.get(row.queue_id) ?? '',
      roomId: row.space_id,
      askerId: row.asker_id,
      askerName: people.get(row.asker_id)?.display_name ?? '',
      status: row.status,
      awaitingAdmission: row.status !== 'resolved' && row.expert_id !== null && !admitted.has(`${row.space_id}/${row.expert_id}`),
      created: iso(Number(row.created_at)),
      updated: iso(Number(row.updated_at)),
    };
    if (row.expert_id !== null) {
      request.expertId = row.expert_id;
      request.expertName = people.get(row.expert_id)?.display_name ?? '';
    }
    if (row.handed_off_by !== null) request.handedOffBy = row.handed_off_by;
    if (row.resolved_at !== null) request.resolved = iso(Number(row.resolved_at));
    return request;
  });
}

async function present(db: Db, row: CareRequestRow): Promise<CareRequest> {
  return (await presentRequests(db, [row]))[0]!;
}

async function expertsOf(db: Db, queueIds: readonly string[]): Promise<string[]> {
  const rows = await db.selectFrom('care_experts').select('person_id').where('queue_id', 'in', [...queueIds]).execute();
  return rows.map((r) => r.person_id);
}

async function isExpertOf(db: Db, queueId: string, personId: string): Promise<boolean> {
  return (await db.selectFrom('care_experts').select('person_id').where('queue_id', '=', queueId).where('person_id', '=', personId).executeTakeFirst()) !== undefined;
}

/** Tells everyone concerned (module comment); `alsoQueues`: a queue the request just left. */
async function announce(trx: Db, emit: Emit, actor: Actor, row: CareRequestRow, alsoQueues: readonly string[] = []): Promise<CareRequest> {
  const request = await present(trx, row);
  const recipients = new Set([row.asker_id, ...(row.expert_id !== null ? [row.expert_id] : []), ...(row.handed_off_by !== null ? [row.handed_off_by] : []), actor.personId]);
  for (const id of await expertsOf(trx, [row.queue_id, ...alsoQueues])) recipients.add(id);
  emit({ recipients: [...recipients], type: 'care_request.updated', data: request, actorId: actor.personId });
  return request;
}

/**
 * The request if the actor may see it — its asker, its expert, whoever handed it off, or an expert
 * of its queue — else 404, as for a missing one.
 */
async function visibleRequest(db: Db, actor: Actor, id: string): Promise<CareRequestRow> {
  const row = await db.selectFrom('care_requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined || row.org_id !== actor.orgId) throw ApiError.notFound('care request');
  if (row.asker_id === actor.personId || row.expert_id === actor.personId || row.handed_off_by === actor.personId) return row;
  if (await isExpertOf(db, row.queue_id, actor.personId)) return row;
  throw ApiError.notFound('care request');
}

/**
 * Asks on a queue, in a group space the asker made and is alone in (their client sealed its title
 * and the question), and routes it: to an available expert, recorded for a member's client to
 * admit, or waiting in the queue.
 */
export async function askQuestion(core: Core, actor: Actor, input: { queueId: string; roomId: string }): Promise<CareRequest> {
  if (actor.type !== 'person') throw ApiError.forbidden('Only people ask on help-desk queues.');
  return core.events.transact(async (trx, emit) => {
    const queue = await queueOfOrg(trx, actor, input.queueId);
    const access = await memberOf(trx, actor, input.roomId);
    if (access.space.type !== 'group' || access.space.team_id !== null || access.space.creator_id !== actor.personId) {
      throw ApiError.badRequest('roomId: must be a group space you made, outside any team');
    }
    const members = await trx.selectFrom('memberships').select('person_id').where('space_id', '=', input.roomId).limit(2).execute();
    if (members.length !== 1) throw ApiError.badRequest('roomId: you must be the space’s only member');
    const existing = await trx.selectFrom('care_requests').select('id').where('space_id', '=', input.roomId).executeTakeFirst();
    if (existing !== undefined) throw ApiError.conflict('That space holds a care request already.');
    const open = await trx.selectFrom('care_requests').select((eb) => eb.fn.countAll<number>().as('n')).where('asker_id', '=', actor.personId).where('status', '!=', 'resolved').executeTakeFirstOrThrow();
    if (Number(open.n) >= CARE_LIMITS.openPerAsker) throw ApiError.conflict(`At most ${CARE_LIMITS.openPerAsker} open care requests at a time: resolve one first.`);
    const expert = await routeToExpert(core, trx, queue.id, [actor.personId]);
    const now = core.now();
    const row: CareRequestRow = {
      id: newId(),
      org_id: actor.orgId,
      queue_id: queue.id,
      space_id: input.roomId,
      asker_id: actor.personId,
      status: expert === undefined ? 'waiting' : 'assigned',
      expert_id: expert ?? null,
      handed_off_by: null,
      created_at: now,
      updated_at: now,
      resolved_at: null,
    };
    await trx.insertInto('care_requests').values(row).execute();
    return announce(trx, emit, actor, row);
  });
}

/** One's requests: asked, assigned, handed off, and the open ones of one's queues; newest first. */
export async function listRequests(core: Core, actor: Actor): Promise<CareRequest[]> {
  const myQueues = (await core.db.selectFrom('care_experts').select('queue_id').where('person_id', '=', actor.personId).execute()).map((r) => r.queue_id);
  const rows = await core.db
    .selectFrom('care_requests')
    .selectAll()
    .where('org_id', '=', actor.orgId)
    .where((eb) =>
      eb.or([
        eb('asker_id', '=', actor.personId),
        eb('expert_id', '=', actor.personId),
        eb('handed_off_by', '=', actor.personId),
        ...(myQueues.length > 0 ? [eb.and([eb('queue_id', 'in', myQueues), eb('status', '!=', 'resolved')])] : []),
      ]),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(CARE_LIMITS.listed)
    .execute();
  return presentRequests(core.db, rows);
}

/** An expert of the queue takes a waiting request (the asker's client then admits them). */
export async function takeRequest(core: Core, actor: Actor, id: string): Promise<CareRequest> {
  return core.events.transact(async (trx, emit) => {
    const row = await visibleRequest(trx, actor, id);
    if (!(await isExpertOf(trx, row.queue_id, actor.personId))) throw ApiError.forbidden('Only the queue’s experts take its requests.');
    if (row.asker_id === actor.personId) throw ApiError.forbidden('You cannot take your own question.');
    if (row.status !== 'waiting') throw ApiError.conflict(row.status === 'resolved' ? 'The request is resolved.' : 'Another expert has the request already.');
    const updated: CareRequestRow = { ...row, status: 'assigned', expert_id: actor.personId, updated_at: core.now() };
    const result = await trx.updateTable('care_requests').set({ status: 'assigned', expert_id: actor.personId, updated_at: updated.updated_at }).where('id', '=', id).where('status', '=', 'waiting').executeTakeFirst();
    // Two experts taking at once (PostgreSQL): the second finds it taken.
    if (Number(result.numUpdatedRows) === 0) throw ApiError.conflict('Another expert has the request already.');
    return announce(trx, emit, actor, updated);
  });
}

/**
 * The assigned expert hands off: to another expert (of any of the org's queues; the request stays
 * on its queue) or to another queue (routed there afresh, or waiting). They stay a member of the
 * space — to admit the next expert and follow up — until they leave it.
 */
export async function handOffRequest(core: Core, actor: Actor, id: string, input: { personId?: string | undefined; queueId?: string | undefined }): Promise<CareRequest> {
  if ((input.personId === undefined) === (input.queueId === undefined)) throw ApiError.badRequest('body: exactly one of personId and queueId');
  return core.events.transact(async (trx, emit) => {
    const row = await visibleRequest(trx, actor, id);
    if (row.status !== 'assigned' || row.expert_id !== actor.personId) throw ApiError.forbidden('Only the expert who has the request hands it off.');
    const now = core.now();
    let updated: CareRequestRow;
    if (input.personId !== undefined) {
      if (input.personId === actor.personId || input.personId === row.asker_id) throw ApiError.badRequest('personId: another expert than yourself and the asker');
      const target = await trx
        .selectFrom('care_experts as e')
        .innerJoin('care_queues as q', 'q.id', 'e.queue_id')
        .innerJoin('people as p', 'p.id', 'e.person_id')
        .select('e.person_id')
        .where('e.person_id', '=', input.personId)
        .where('q.org_id', '=', actor.orgId)
        .where('p.status', '=', 'active')
        .executeTakeFirst();
      if (target === undefined) throw ApiError.badRequest('personId: not an expert of your organization’s queues');
      updated = { ...row, expert_id: input.personId, handed_off_by: actor.personId, updated_at: now };
    } else {
      const queue = await queueOfOrg(trx, actor, input.queueId!).catch(() => {
        throw ApiError.badRequest('queueId: not a queue of your organization');
      });
      const expert = await routeToExpert(core, trx, queue.id, [actor.personId, row.asker_id]);
      updated = { ...row, queue_id: queue.id, status: expert === undefined ? 'waiting' : 'assigned', expert_id: expert ?? null, handed_off_by: actor.personId, updated_at: now };
    }
    await trx
      .updateTable('care_requests')
      .set({ queue_id: updated.queue_id, status: updated.status, expert_id: updated.expert_id, handed_off_by: updated.handed_off_by, updated_at: now })
      .where('id', '=', id)
      .execute();
    return announce(trx, emit, actor, updated, updated.queue_id !== row.queue_id ? [row.queue_id] : []);
  });
}

/**
 * Makes the assigned expert a member of the request's space. A member calls it — through the SDK,
 * right after authorizing the expert on the space's KRO at the KMS — so the membership never comes
 * before the key access a member granted. 409 when the expert is a member already.
 */
export async function admitExpert(core: Core, actor: Actor, id: string): Promise<CareRequest> {
  return core.events.transact(async (trx, emit) => {
    const row = await trx.selectFrom('care_requests').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw ApiError.notFound('care request');
    const access = await memberOf(trx, actor, row.space_id).catch(() => {
      throw ApiError.notFound('care request');
    });
    if (row.status === 'resolved' || row.expert_id === null) throw ApiError.conflict('The request has no expert to admit.');
    if ((await membershipOf(trx, row.space_id, row.expert_id)) !== undefined) throw ApiError.conflict('The expert is a member of the space already.');
    const brief = (await personBriefs(trx, [row.expert_id])).get(row.expert_id);
    if (brief === undefined || brief.status !== 'active') throw ApiError.conflict('The expert is no longer active.');
    const count = await trx.selectFrom('memberships').select((eb) => eb.fn.countAll<number>().as('n')).where('space_id', '=', row.space_id).executeTakeFirstOrThrow();
    assertMemberLimit(Number(count.n));
    const membershipRow = await insertMembership(trx, emit, core.now(), row.space_id, row.expert_id, false);
    emit({ space: row.space_id, type: 'membership.created', data: presentMembership(membershipRow, brief, access.space.type), actorId: actor.personId });
    emit({ recipients: [row.expert_id], type: 'room.created', data: presentRoom(access.space), actorId: actor.personId, echo: true });
    const updated = { ...row, updated_at: core.now() };
    await trx.updateTable('care_requests').set({ updated_at: updated.updated_at }).where('id', '=', id).execute();
    return announce(trx, emit, actor, updated);
  });
}

/** The asker or the assigned expert resolves the request (again: the same answer, nothing changes). */
export async function resolveRequest(core: Core, actor: Actor, id: string): Promise<CareRequest> {
  return core.events.transact(async (trx, emit) => {
    const row = await visibleRequest(trx, actor, id);
    if (row.asker_id !== actor.personId && row.expert_id !== actor.personId) throw ApiError.forbidden('Only the asker and the expert who has the request resolve it.');
    if (row.status === 'resolved') return present(trx, row);
    const now = core.now();
    const updated: CareRequestRow = { ...row, status: 'resolved', resolved_at: now, updated_at: now };
    await trx.updateTable('care_requests').set({ status: 'resolved', resolved_at: now, updated_at: now }).where('id', '=', id).execute();
    return announce(trx, emit, actor, updated);
  });
}

/** Open requests whose expert waits for admission into a space the actor is a member of. */
export async function listAwaitingAdmission(core: Core, actor: Actor): Promise<CareRequest[]> {
  const rows = await core.db
    .selectFrom('care_requests as r')
    .innerJoin('memberships as mine', (j) => j.onRef('mine.space_id', '=', 'r.space_id').on('mine.person_id', '=', actor.personId))
    .leftJoin('memberships as ex', (j) => j.onRef('ex.space_id', '=', 'r.space_id').onRef('ex.person_id', '=', 'r.expert_id'))
    .selectAll('r')
    .where('r.status', '=', 'assigned')
    .where('r.expert_id', 'is not', null)
    .where('ex.id', 'is', null)
    .orderBy('r.updated_at')
    .limit(CARE_LIMITS.listed)
    .execute();
  return presentRequests(core.db, rows);
}
