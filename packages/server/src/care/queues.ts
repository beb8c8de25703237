/**
 * Help-desk queues (SPEC SP-7): an org admin defines them and their experts; everyone of the org
 * lists them (to ask on one). Changes are audited (CP-5). A queue's experts are active people of
 * its org; replacing the experts leaves requests already assigned with their expert.
 * @module
 */
import { CARE_LIMITS, type CareQueue } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { cleanName } from '../identity/names.ts';

interface QueueRow {
  id: string;
  org_id: string;
  name: string;
  created_at: number;
}

function queueName(raw: string): string {
  const name = cleanName('name', raw.trim());
  if (name === '') throw ApiError.badRequest('name: must not be empty');
  return name;
}

function requireAdmin(actor: Actor): void {
  if (!actor.isAdmin) throw ApiError.forbidden('Defining help-desk queues requires the organization administrator role.');
}

/** The queues of rows, with their experts, in one query for all. */
async function presentQueues(db: Db, rows: readonly QueueRow[]): Promise<CareQueue[]> {
  if (rows.length === 0) return [];
  const experts = await db
    .selectFrom('care_experts as e')
    .innerJoin('people as p', 'p.id', 'e.person_id')
    .select(['e.queue_id', 'p.id', 'p.display_name', 'p.email'])
    .where(
      'e.queue_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('p.display_name')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    experts: experts.filter((e) => e.queue_id === row.id).map((e) => ({ personId: e.id, displayName: e.display_name, email: e.email })),
    created: iso(Number(row.created_at)),
  }));
}

/** A queue of the actor's org, or 404 (another org's queue is as missing as an unknown one). */
export async function queueOfOrg(db: Db, actor: Actor, id: string): Promise<QueueRow> {
  const row = await db.selectFrom('care_queues').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined || row.org_id !== actor.orgId) throw ApiError.notFound('queue');
  return row;
}

export async function listQueues(core: Core, actor: Actor): Promise<CareQueue[]> {
  const rows = await core.db.selectFrom('care_queues').selectAll().where('org_id', '=', actor.orgId).orderBy('name').limit(CARE_LIMITS.queuesPerOrg).execute();
  return presentQueues(core.db, rows);
}

export async function getQueue(db: Db, id: string): Promise<CareQueue> {
  const row = await db.selectFrom('care_queues').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return (await presentQueues(db, [row]))[0]!;
}

/** Every id must be an active person (not a bot) of the actor's org: a 400 naming the field otherwise. */
async function checkExperts(db: Db, actor: Actor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = await db.selectFrom('people').select('id').where('id', 'in', [...ids]).where('org_id', '=', actor.orgId).where('status', '=', 'active').where('type', '=', 'person').execute();
  if (found.length !== ids.length) throw ApiError.badRequest('expertIds: every expert must be an active person of your organization');
}

async function assertNameFree(db: Db, orgId: string, name: string, except?: string): Promise<void> {
  let q = db.selectFrom('care_queues').select('id').where('org_id', '=', orgId).where('name', '=', name);
  if (except !== undefined) q = q.where('id', '!=', except);
  if ((await q.executeTakeFirst()) !== undefined) throw ApiError.conflict('A queue of that name exists already.');
}

export async function createQueue(core: Core, actor: Actor, input: { name: string; expertIds: string[] }): Promise<CareQueue> {
  requireAdmin(actor);
  const name = queueName(input.name);
  return core.db.transaction().execute(async (trx) => {
    const count = await trx.selectFrom('care_queues').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', actor.orgId).executeTakeFirstOrThrow();
    if (Number(count.n) >= CARE_LIMITS.queuesPerOrg) throw ApiError.conflict(`An organization has at most ${CARE_LIMITS.queuesPerOrg} queues.`);
    await assertNameFree(trx, actor.orgId, name);
    await checkExperts(trx, actor, input.expertIds);
    const id = newId();
    await trx.insertInto('care_queues').values({ id, org_id: actor.orgId, name, created_at: core.now() }).execute();
    for (const personId of input.expertIds) await trx.insertInto('care_experts').values({ queue_id: id, person_id: personId, last_routed_at: null }).execute();
    await recordAdminAction(core, trx, actor, { action: 'careQueue.create', targetId: id, targetName: name, changes: { experts: { to: input.expertIds.length } } });
    return getQueue(trx, id);
  });
}

export async function updateQueue(core: Core, actor: Actor, id: string, input: { name?: string | undefined; expertIds?: string[] | undefined }): Promise<CareQueue> {
  requireAdmin(actor);
  const name = input.name === undefined ? undefined : queueName(input.name);
  return core.db.transaction().execute(async (trx) => {
    const row = await queueOfOrg(trx, actor, id);
    const changes: Record<string, { from?: unknown; to?: unknown }> = {};
    if (name !== undefined && name !== row.name) {
      await assertNameFree(trx, actor.orgId, name, id);
      await trx.updateTable('care_queues').set({ name }).where('id', '=', id).execute();
      changes['name'] = { from: row.name, to: name };
    }
    if (input.expertIds !== undefined) {
      await checkExperts(trx, actor, input.expertIds);
      const before = (await trx.selectFrom('care_experts').select('person_id').where('queue_id', '=', id).execute()).map((r) => r.person_id);
      const removed = before.filter((p) => !input.expertIds!.includes(p));
      const added = input.expertIds.filter((p) => !before.includes(p));
      // Kept experts keep their place in the rotation.
      if (removed.length > 0) await trx.deleteFrom('care_experts').where('queue_id', '=', id).where('person_id', 'in', removed).execute();
      for (const personId of added) await trx.insertInto('care_experts').values({ queue_id: id, person_id: personId, last_routed_at: null }).execute();
      if (removed.length > 0 || added.length > 0) changes['experts'] = { from: before.length, to: input.expertIds.length };
    }
    if (Object.keys(changes).length > 0) await recordAdminAction(core, trx, actor, { action: 'careQueue.update', targetId: id, targetName: name ?? row.name, changes });
    return getQueue(trx, id);
  });
}

export async function deleteQueue(core: Core, actor: Actor, id: string): Promise<void> {
  requireAdmin(actor);
  await core.db.transaction().execute(async (trx) => {
    const row = await queueOfOrg(trx, actor, id);
    const open = await trx.selectFrom('care_requests').select('id').where('queue_id', '=', id).where('status', '!=', 'resolved').limit(1).executeTakeFirst();
    if (open !== undefined) throw ApiError.conflict('The queue has open requests: resolve or hand them off first.');
    await trx.deleteFrom('care_requests').where('queue_id', '=', id).execute();
    await trx.deleteFrom('care_experts').where('queue_id', '=', id).execute();
    await trx.deleteFrom('care_queues').where('id', '=', id).execute();
    await recordAdminAction(core, trx, actor, { action: 'careQueue.delete', targetId: id, targetName: row.name });
  });
}
