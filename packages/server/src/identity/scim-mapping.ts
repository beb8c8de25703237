/**
 * What a SCIM group's members get, as the org's admin maps the group (issue 18): the `org_admin`
 * role, or a Flint team. The directory is the source of truth for the mapped groups:
 *
 * - **role**: a member gets `org_admin`; leaving the last group mapped to it takes the role back —
 *   only when directory sync granted it (`scim_role_grants`), never a role an admin granted by hand,
 *   and never the org's last admin.
 * - **team**: a member is to be in the team. The team's spaces are end-to-end encrypted and the core
 *   cannot authorize anyone at the KMS, so joining waits for a team moderator's client
 *   (`spaces/team-key-shares.ts`); leaving takes the person out of the team at once.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Actor, Core } from '../core.ts';
import type { Database, ScimGroupRow } from '../db/schema.ts';
import type { Emit } from '../events/event-service.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { ApiError } from '../errors.ts';
import { requestTeamAdd, requestTeamRemove } from '../spaces/team-key-shares.ts';

export const MAPPABLE_ROLE = 'org_admin';

async function personEmail(trx: Kysely<Database>, personId: string): Promise<string> {
  return (await trx.selectFrom('people').select('email').where('id', '=', personId).executeTakeFirst())?.email ?? personId;
}

async function grantRole(core: Core, trx: Kysely<Database>, actor: Actor, personId: string): Promise<boolean> {
  const has = await trx.selectFrom('person_roles').select('role').where('person_id', '=', personId).where('role', '=', MAPPABLE_ROLE).executeTakeFirst();
  if (has !== undefined) return false;
  await trx.insertInto('person_roles').values({ person_id: personId, role: MAPPABLE_ROLE }).execute();
  await trx.insertInto('scim_role_grants').values({ person_id: personId, role: MAPPABLE_ROLE }).execute();
  await recordAdminAction(core, trx, actor, { action: 'person.roles', targetId: personId, targetName: await personEmail(trx, personId), changes: { roles: { from: [], to: [MAPPABLE_ROLE] }, source: { to: 'SCIM' } } });
  return true;
}

/** Takes back a role directory sync granted, unless another group mapped to it still holds the person. */
async function revokeRole(core: Core, trx: Kysely<Database>, actor: Actor, orgId: string, personId: string): Promise<boolean> {
  const granted = await trx.selectFrom('scim_role_grants').select('role').where('person_id', '=', personId).where('role', '=', MAPPABLE_ROLE).executeTakeFirst();
  if (granted === undefined) return false;
  const still = await trx
    .selectFrom('scim_group_members as m')
    .innerJoin('scim_groups as g', 'g.id', 'm.group_id')
    .select('g.id')
    .where('m.person_id', '=', personId)
    .where('g.map_role', '=', MAPPABLE_ROLE)
    .executeTakeFirst();
  if (still !== undefined) return false;
  const admins = await trx
    .selectFrom('person_roles')
    .innerJoin('people', 'people.id', 'person_roles.person_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('person_roles.role', '=', MAPPABLE_ROLE)
    .where('people.org_id', '=', orgId)
    .where('people.status', '=', 'active')
    .executeTakeFirstOrThrow();
  // The org keeps an administrator: the last one stays one (the grant too, so a later sync can end it).
  if (Number(admins.n) <= 1) return false;
  await trx.deleteFrom('person_roles').where('person_id', '=', personId).where('role', '=', MAPPABLE_ROLE).execute();
  await trx.deleteFrom('scim_role_grants').where('person_id', '=', personId).where('role', '=', MAPPABLE_ROLE).execute();
  await recordAdminAction(core, trx, actor, { action: 'person.roles', targetId: personId, targetName: await personEmail(trx, personId), changes: { roles: { from: [MAPPABLE_ROLE], to: [] }, source: { to: 'SCIM' } } });
  return true;
}

async function teamExists(trx: Kysely<Database>, orgId: string, teamId: string): Promise<boolean> {
  return (await trx.selectFrom('teams').select('id').where('id', '=', teamId).where('org_id', '=', orgId).executeTakeFirst()) !== undefined;
}

/** Whether another group mapped to the same team still holds the person. */
async function inOtherTeamGroup(trx: Kysely<Database>, groupId: string, teamId: string, personId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('scim_group_members as m')
    .innerJoin('scim_groups as g', 'g.id', 'm.group_id')
    .select('g.id')
    .where('m.person_id', '=', personId)
    .where('g.map_team_id', '=', teamId)
    .where('g.id', '!=', groupId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The effects of a change of a group's members, inside the transaction that wrote it (the member
 * rows already changed). `group` is the group as it is mapped now.
 */
export async function applyMemberEffects(core: Core, trx: Kysely<Database>, emit: Emit, actor: Actor, group: ScimGroupRow, added: readonly string[], removed: readonly string[]): Promise<void> {
  const now = core.now();
  const actorId = actor.via === 'scim' ? null : actor.personId;
  let roles = false;
  if (group.map_role === MAPPABLE_ROLE) {
    for (const p of added) roles = (await grantRole(core, trx, actor, p)) || roles;
    for (const p of removed) roles = (await revokeRole(core, trx, actor, group.org_id, p)) || roles;
  }
  if (group.map_team_id !== null && (await teamExists(trx, group.org_id, group.map_team_id))) {
    for (const p of added) await requestTeamAdd(trx, emit, now, group.map_team_id, p);
    for (const p of removed) if (!(await inOtherTeamGroup(trx, group.id, group.map_team_id, p))) await requestTeamRemove(trx, emit, now, actorId, group.map_team_id, p);
  }
  // A role changed: cached actors (isAdmin) must not outlive it.
  if (roles) core.authCache.clear();
}

export interface GroupMapping {
  role?: typeof MAPPABLE_ROLE | undefined;
  teamId?: string | undefined;
}

/**
 * The admin maps a group (console). The old mapping's effects end for its members (a role granted
 * through it is taken back; pending team shares are dropped, team memberships kept — they are the
 * team's now), then the new one's apply. Mapping to a team needs its moderator: the one whose
 * client can share the team's key.
 */
export async function setGroupMapping(core: Core, actor: Actor, groupId: string, mapping: GroupMapping): Promise<ScimGroupRow> {
  if (!actor.isAdmin || actor.via === 'scim') throw ApiError.forbidden('This requires the organization administrator role.');
  if (mapping.role !== undefined && mapping.teamId !== undefined) throw ApiError.badRequest('Map a group to a role or to a team, not both.');
  return core.events.transact(async (trx, emit) => {
    const group = await trx.selectFrom('scim_groups').selectAll().where('id', '=', groupId).where('org_id', '=', actor.orgId).executeTakeFirst();
    if (group === undefined) throw ApiError.notFound('group');
    if (mapping.teamId !== undefined) {
      const mine = await trx
        .selectFrom('team_memberships as tm')
        .innerJoin('teams', 'teams.id', 'tm.team_id')
        .select('tm.is_moderator')
        .where('tm.team_id', '=', mapping.teamId)
        .where('tm.person_id', '=', actor.personId)
        .where('teams.org_id', '=', actor.orgId)
        .executeTakeFirst();
      if (mine === undefined) throw ApiError.notFound('team');
      if (mine.is_moderator !== 1) throw ApiError.forbidden('Only a moderator of the team may map a group to it (their app shares the team’s key).');
    }
    const members = (await trx.selectFrom('scim_group_members').select('person_id').where('group_id', '=', groupId).execute()).map((r) => r.person_id);
    const next: ScimGroupRow = { ...group, map_role: mapping.role ?? null, map_team_id: mapping.teamId ?? null, updated_at: Math.max(core.now(), group.updated_at + 1) };
    await trx.updateTable('scim_groups').set({ map_role: next.map_role, map_team_id: next.map_team_id, updated_at: next.updated_at }).where('id', '=', groupId).execute();
    if (group.map_role !== null && group.map_role !== next.map_role) {
      // As if they left this group for the role: its row maps to something else now.
      let roles = false;
      for (const p of members) roles = (await revokeRole(core, trx, actor, group.org_id, p)) || roles;
      if (roles) core.authCache.clear();
    }
    if (group.map_team_id !== null && group.map_team_id !== next.map_team_id && members.length > 0) {
      await trx.deleteFrom('team_key_shares').where('team_id', '=', group.map_team_id).where('op', '=', 'add').where('person_id', 'in', members).execute();
    }
    const fresh: ScimGroupRow = { ...next, map_role: next.map_role !== group.map_role ? next.map_role : null, map_team_id: next.map_team_id !== group.map_team_id ? next.map_team_id : null };
    await applyMemberEffects(core, trx, emit, actor, fresh, members, []);
    const describe = (g: Pick<ScimGroupRow, 'map_role' | 'map_team_id'>) => (g.map_role !== null ? `role:${g.map_role}` : g.map_team_id !== null ? `team:${g.map_team_id}` : 'none');
    if (describe(group) !== describe(next)) {
      await recordAdminAction(core, trx, actor, { action: 'scim.groupMapping', targetId: group.id, targetName: group.display_name, changes: { mapping: { from: describe(group), to: describe(next) } } });
    }
    return next;
  });
}

/** A person leaves every group (their SCIM resource was deleted): the groups' effects end. */
export async function leaveAllGroups(core: Core, actor: Actor, orgId: string, personId: string): Promise<void> {
  await core.events.transact(async (trx, emit) => {
    const groups = await trx
      .selectFrom('scim_group_members as m')
      .innerJoin('scim_groups as g', 'g.id', 'm.group_id')
      .selectAll('g')
      .where('m.person_id', '=', personId)
      .where('g.org_id', '=', orgId)
      .execute();
    await trx.deleteFrom('scim_group_members').where('person_id', '=', personId).execute();
    for (const g of groups) await applyMemberEffects(core, trx, emit, actor, g, [], [personId]);
  });
}
