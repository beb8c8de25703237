/**
 * Hunt groups (SPEC CL-4): agents (active people of the org) in order with weights, a ringing
 * policy (hunting.ts decides the order), no-answer advance and overflow, an extension; agents log
 * themselves in and out. Changes by admins are audited (CP-5).
 * @module
 */
import { TELEPHONY_LIMITS, type HuntGroup, type HuntPolicy } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { TelephonyHuntGroupsTable } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { countWhere, requireMember, requireTelephonyAdmin, telephonyName } from './access.ts';
import { locationOfOrg } from './locations.ts';
import { extensionsOf, numbersOf, releaseOwner, setExtension } from './numbers.ts';

export interface HuntGroupInput {
  name: string;
  locationId: string;
  extension?: string | null | undefined;
  enabled?: boolean | undefined;
  policy: HuntPolicy;
  noAnswer?: { nextAgentEnabled: boolean; rings: number; overflowDestination?: string | undefined } | undefined;
  agents: { personId: string; weight?: number | undefined }[];
}

async function present(db: Db, rows: readonly TelephonyHuntGroupsTable[]): Promise<HuntGroup[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const agents = await db
    .selectFrom('telephony_hunt_agents as a')
    .innerJoin('people as p', 'p.id', 'a.person_id')
    .select(['a.group_id', 'a.person_id', 'a.position', 'a.weight', 'a.logged_in', 'p.display_name'])
    .where('a.group_id', 'in', ids)
    .orderBy('a.position')
    .execute();
  const [extensions, numbers, agentExtensions] = await Promise.all([extensionsOf(db, 'HUNT_GROUP', ids), numbersOf(db, 'HUNT_GROUP', ids), extensionsOf(db, 'PEOPLE', [...new Set(agents.map((a) => a.person_id))])]);
  return rows.map((r) => {
    const extension = extensions.get(r.id);
    const phoneNumber = numbers.get(r.id)?.[0];
    return {
      id: r.id,
      name: r.name,
      locationId: r.location_id,
      ...(extension !== undefined ? { extension } : {}),
      ...(phoneNumber !== undefined ? { phoneNumber } : {}),
      enabled: r.enabled === 1,
      policy: r.policy as HuntPolicy,
      noAnswer: { nextAgentEnabled: r.advance_enabled === 1, rings: Number(r.advance_rings), ...(r.overflow_destination !== null ? { overflowDestination: r.overflow_destination } : {}) },
      agents: agents
        .filter((a) => a.group_id === r.id)
        .map((a) => {
          const ext = agentExtensions.get(a.person_id);
          return { personId: a.person_id, displayName: a.display_name, weight: Number(a.weight), loggedIn: a.logged_in === 1, ...(ext !== undefined ? { extension: ext } : {}) };
        }),
      created: iso(Number(r.created_at)),
    };
  });
}

async function groupOfOrg(db: Db, orgId: string, id: string): Promise<TelephonyHuntGroupsTable> {
  const row = await db.selectFrom('telephony_hunt_groups').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined || row.org_id !== orgId) throw ApiError.notFound('hunt group');
  return row;
}

async function getGroup(db: Db, orgId: string, id: string): Promise<HuntGroup> {
  return (await present(db, [await groupOfOrg(db, orgId, id)]))[0]!;
}

async function checkAgents(db: Db, orgId: string, agents: readonly { personId: string }[]): Promise<void> {
  const ids = agents.map((a) => a.personId);
  if (new Set(ids).size !== ids.length) throw ApiError.badRequest('agents: a person may be an agent once');
  if (ids.length === 0) return;
  const found = await db.selectFrom('people').select('id').where('id', 'in', ids).where('org_id', '=', orgId).where('status', '=', 'active').where('type', '=', 'person').execute();
  if (found.length !== ids.length) throw ApiError.badRequest('agents: every agent must be an active person of your organization');
}

/** An extension destination must be assigned; a number may be anywhere. */
export async function checkDestination(db: Db, orgId: string, field: string, destination: string | undefined): Promise<void> {
  if (destination === undefined || destination.startsWith('+')) return;
  const row = await db.selectFrom('telephony_extensions').select('extension').where('org_id', '=', orgId).where('extension', '=', destination).executeTakeFirst();
  if (row === undefined) throw ApiError.badRequest(`${field}: extension ${destination} is not assigned`);
}

async function writeAgents(db: Db, groupId: string, agents: readonly { personId: string; weight?: number | undefined }[]): Promise<void> {
  const before = new Map((await db.selectFrom('telephony_hunt_agents').selectAll().where('group_id', '=', groupId).execute()).map((a) => [a.person_id, a]));
  await db.deleteFrom('telephony_hunt_agents').where('group_id', '=', groupId).execute();
  let position = 0;
  for (const a of agents) {
    // Kept agents keep their logged-in state and idle time.
    const kept = before.get(a.personId);
    await db
      .insertInto('telephony_hunt_agents')
      .values({ group_id: groupId, person_id: a.personId, position: position++, weight: a.weight ?? kept?.weight ?? 1, logged_in: kept?.logged_in ?? 1, idle_since: kept?.idle_since ?? null })
      .execute();
  }
}

export async function listHuntGroups(core: Core, actor: Actor): Promise<HuntGroup[]> {
  requireMember(actor);
  return present(core.db, await core.db.selectFrom('telephony_hunt_groups').selectAll().where('org_id', '=', actor.orgId).orderBy('name').limit(TELEPHONY_LIMITS.huntGroupsPerOrg).execute());
}

export async function myHuntGroups(core: Core, actor: Actor): Promise<HuntGroup[]> {
  requireMember(actor);
  const ids = (await core.db.selectFrom('telephony_hunt_agents').select('group_id').where('person_id', '=', actor.personId).execute()).map((r) => r.group_id);
  if (ids.length === 0) return [];
  return present(core.db, await core.db.selectFrom('telephony_hunt_groups').selectAll().where('id', 'in', ids).orderBy('name').execute());
}

export async function getHuntGroup(core: Core, actor: Actor, id: string): Promise<HuntGroup> {
  requireMember(actor);
  return getGroup(core.db, actor.orgId, id);
}

export async function createHuntGroup(core: Core, actor: Actor, input: HuntGroupInput): Promise<HuntGroup> {
  requireTelephonyAdmin(actor);
  const name = telephonyName('name', input.name);
  return core.db.transaction().execute(async (trx) => {
    if ((await countWhere(trx, 'telephony_hunt_groups', 'org_id', actor.orgId)) >= TELEPHONY_LIMITS.huntGroupsPerOrg) throw ApiError.conflict(`An organization has at most ${TELEPHONY_LIMITS.huntGroupsPerOrg} hunt groups.`);
    await locationOfOrg(trx, actor.orgId, input.locationId, 'locationId');
    const taken = await trx.selectFrom('telephony_hunt_groups').select('id').where('org_id', '=', actor.orgId).where('name', '=', name).executeTakeFirst();
    if (taken !== undefined) throw ApiError.conflict('A hunt group of that name exists already.');
    await checkAgents(trx, actor.orgId, input.agents);
    await checkDestination(trx, actor.orgId, 'noAnswer.overflowDestination', input.noAnswer?.overflowDestination);
    const id = newId();
    const noAnswer = input.noAnswer ?? { nextAgentEnabled: true, rings: 3 };
    await trx
      .insertInto('telephony_hunt_groups')
      .values({
        id,
        org_id: actor.orgId,
        location_id: input.locationId,
        name,
        policy: input.policy,
        enabled: input.enabled === false ? 0 : 1,
        advance_enabled: noAnswer.nextAgentEnabled ? 1 : 0,
        advance_rings: noAnswer.rings,
        overflow_destination: noAnswer.overflowDestination ?? null,
        circular_next: 0,
        created_at: core.now(),
      })
      .execute();
    if (input.extension !== undefined && input.extension !== null) await setExtension(trx, actor.orgId, { type: 'HUNT_GROUP', id }, input.extension);
    await writeAgents(trx, id, input.agents);
    await recordAdminAction(core, trx, actor, { action: 'telephony.huntGroup.create', targetId: id, targetName: name, changes: { agents: { to: input.agents.length } } });
    return getGroup(trx, actor.orgId, id);
  });
}

export async function updateHuntGroup(core: Core, actor: Actor, id: string, input: Partial<HuntGroupInput>): Promise<HuntGroup> {
  requireTelephonyAdmin(actor);
  const name = input.name === undefined ? undefined : telephonyName('name', input.name);
  return core.db.transaction().execute(async (trx) => {
    const row = await groupOfOrg(trx, actor.orgId, id);
    if (name !== undefined && name !== row.name) {
      const taken = await trx.selectFrom('telephony_hunt_groups').select('id').where('org_id', '=', actor.orgId).where('name', '=', name).executeTakeFirst();
      if (taken !== undefined) throw ApiError.conflict('A hunt group of that name exists already.');
    }
    if (input.locationId !== undefined) await locationOfOrg(trx, actor.orgId, input.locationId, 'locationId');
    if (input.agents !== undefined) await checkAgents(trx, actor.orgId, input.agents);
    if (input.noAnswer !== undefined) await checkDestination(trx, actor.orgId, 'noAnswer.overflowDestination', input.noAnswer.overflowDestination);
    await trx
      .updateTable('telephony_hunt_groups')
      .set({
        ...(name !== undefined ? { name } : {}),
        ...(input.locationId !== undefined ? { location_id: input.locationId } : {}),
        ...(input.policy !== undefined ? { policy: input.policy } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled ? 1 : 0 } : {}),
        ...(input.noAnswer !== undefined ? { advance_enabled: input.noAnswer.nextAgentEnabled ? 1 : 0, advance_rings: input.noAnswer.rings, overflow_destination: input.noAnswer.overflowDestination ?? null } : {}),
      })
      .where('id', '=', id)
      .execute();
    if (input.extension !== undefined) await setExtension(trx, actor.orgId, { type: 'HUNT_GROUP', id }, input.extension);
    if (input.agents !== undefined) await writeAgents(trx, id, input.agents);
    await recordAdminAction(core, trx, actor, { action: 'telephony.huntGroup.update', targetId: id, targetName: name ?? row.name });
    return getGroup(trx, actor.orgId, id);
  });
}

export async function deleteHuntGroup(core: Core, actor: Actor, id: string): Promise<void> {
  requireTelephonyAdmin(actor);
  await core.db.transaction().execute(async (trx) => {
    const row = await groupOfOrg(trx, actor.orgId, id);
    await releaseOwner(trx, 'HUNT_GROUP', id);
    await trx.deleteFrom('telephony_hunt_agents').where('group_id', '=', id).execute();
    await trx.deleteFrom('telephony_hunt_groups').where('id', '=', id).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.huntGroup.delete', targetId: id, targetName: row.name });
  });
}

/** An agent logs themselves in or out (not audited: it is their own state, like presence). */
export async function setAgentLogin(core: Core, actor: Actor, id: string, loggedIn: boolean): Promise<HuntGroup> {
  requireMember(actor);
  await groupOfOrg(core.db, actor.orgId, id);
  const result = await core.db.updateTable('telephony_hunt_agents').set({ logged_in: loggedIn ? 1 : 0 }).where('group_id', '=', id).where('person_id', '=', actor.personId).executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw ApiError.forbidden('You are not an agent of this hunt group.');
  return getGroup(core.db, actor.orgId, id);
}
