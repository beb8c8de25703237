/**
 * Teams: a group of people and spaces, with a general space every team member is in (SPEC SP-3).
 * @module
 */
import type { Team, TeamMembership } from '@flint/protocol';
import type { Kysely } from 'kysely';
import type { Actor, Core } from '../core.ts';
import type { Emit } from '../events/event-service.ts';
import type { Database, TeamMembershipRow, TeamRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { canSee, findPerson, findPersonByEmail } from '../identity/people.ts';
import { personBriefs, shareASpace } from './access.ts';
import { presentMembership, presentRoom, presentTeam, presentTeamMembership } from './presenters.ts';
import { insertMembership, insertSpace } from './rooms.ts';

async function teamMemberIds(db: Kysely<Database>, teamId: string): Promise<string[]> {
  return (await db.selectFrom('team_memberships').select('person_id').where('team_id', '=', teamId).execute()).map((r) => r.person_id);
}

async function myTeamMembership(db: Kysely<Database>, actor: Actor, teamId: string): Promise<{ team: TeamRow; membership: TeamMembershipRow }> {
  const team = await db.selectFrom('teams').selectAll().where('id', '=', teamId).executeTakeFirst();
  const membership = team ? await db.selectFrom('team_memberships').selectAll().where('team_id', '=', teamId).where('person_id', '=', actor.personId).executeTakeFirst() : undefined;
  if (team === undefined || membership === undefined) throw ApiError.notFound('team');
  return { team, membership };
}

function requireTeamModerator(m: TeamMembershipRow, what: string): void {
  if (m.is_moderator !== 1) throw ApiError.forbidden(`Only team moderators may ${what}.`);
}

export async function createTeam(core: Core, actor: Actor, input: { name: string; generalTitle?: string | undefined; encryptionKeyUrl?: string | undefined; kroUri?: string | undefined }): Promise<Team> {
  if (actor.isGuest) throw ApiError.forbidden('Guests cannot create teams.');
  return core.events.transact(async (trx, emit) => {
    const now = core.now();
    const teamId = newId();
    const general = await insertSpace(trx, now, actor, { title: input.generalTitle ?? input.name, encryptionKeyUrl: input.encryptionKeyUrl, kroUri: input.kroUri, type: 'group', teamId, isGeneral: true });
    const team: TeamRow = { id: teamId, org_id: actor.orgId, name: input.name, encryption_key_url: input.encryptionKeyUrl ?? null, creator_id: actor.personId, general_space_id: general.id, created_at: now };
    await trx.insertInto('teams').values(team).execute();
    await trx.insertInto('team_memberships').values({ id: newId(), team_id: teamId, person_id: actor.personId, is_moderator: 1, created_at: now }).execute();
    await insertMembership(trx, emit, now, general.id, actor.personId, false);
    emit({ recipients: [actor.personId], type: 'team.created', data: presentTeam(team), actorId: actor.personId });
    emit({ recipients: [actor.personId], type: 'room.created', data: presentRoom(general), actorId: actor.personId });
    return presentTeam(team);
  });
}

export async function listTeams(core: Core, actor: Actor): Promise<Team[]> {
  const rows = await core.db
    .selectFrom('teams')
    .innerJoin('team_memberships as tm', 'tm.team_id', 'teams.id')
    .selectAll('teams')
    .where('tm.person_id', '=', actor.personId)
    .orderBy('teams.created_at', 'desc')
    .limit(1000)
    .execute();
  return rows.map(presentTeam);
}

export async function getTeam(core: Core, actor: Actor, teamId: string): Promise<Team> {
  return presentTeam((await myTeamMembership(core.db, actor, teamId)).team);
}

export async function renameTeam(core: Core, actor: Actor, teamId: string, input: { name: string; encryptionKeyUrl?: string | undefined }): Promise<Team> {
  return core.events.transact(async (trx, emit) => {
    const { team, membership } = await myTeamMembership(trx, actor, teamId);
    requireTeamModerator(membership, 'rename the team');
    const updated = { ...team, name: input.name, encryption_key_url: input.encryptionKeyUrl ?? team.encryption_key_url };
    await trx.updateTable('teams').set({ name: updated.name, encryption_key_url: updated.encryption_key_url }).where('id', '=', teamId).execute();
    emit({ recipients: await teamMemberIds(trx, teamId), type: 'team.updated', data: presentTeam(updated), actorId: actor.personId });
    return presentTeam(updated);
  });
}

export async function deleteTeam(core: Core, actor: Actor, teamId: string): Promise<void> {
  await core.events.transact(async (trx, emit) => {
    const { membership } = await myTeamMembership(trx, actor, teamId);
    requireTeamModerator(membership, 'delete the team');
    const recipients = await teamMemberIds(trx, teamId);
    // The team's spaces (its general space too) stay, as ordinary spaces.
    await trx.updateTable('spaces').set({ team_id: null, is_general: 0 }).where('team_id', '=', teamId).execute();
    await trx.deleteFrom('teams').where('id', '=', teamId).execute();
    emit({ recipients, type: 'team.deleted', data: { id: teamId }, actorId: actor.personId });
  });
}

export async function listTeamMemberships(core: Core, actor: Actor, teamId: string, max: number): Promise<TeamMembership[]> {
  await myTeamMembership(core.db, actor, teamId);
  const rows = await core.db.selectFrom('team_memberships').selectAll().where('team_id', '=', teamId).orderBy('id').limit(max).execute();
  const people = await personBriefs(core.db, rows.map((r) => r.person_id));
  return rows.flatMap((r) => (people.has(r.person_id) ? [presentTeamMembership(r, people.get(r.person_id)!)] : []));
}

export async function addTeamMember(
  core: Core,
  actor: Actor,
  input: { teamId: string; personId?: string | undefined; personEmail?: string | undefined; isModerator?: boolean | undefined },
): Promise<TeamMembership> {
  if ((input.personId === undefined) === (input.personEmail === undefined)) throw ApiError.badRequest('Give exactly one of personId and personEmail.');
  return core.events.transact(async (trx, emit) => {
    const { team, membership } = await myTeamMembership(trx, actor, input.teamId);
    requireTeamModerator(membership, 'add people');
    const target = input.personId !== undefined ? await findPerson(trx, input.personId) : await findPersonByEmail(trx, input.personEmail!);
    if (target === undefined || target.status === 'deactivated') throw ApiError.notFound('person');
    // By address, only someone the actor may already see, as for spaces (issue 14, finding 6).
    if (input.personEmail !== undefined && !canSee(actor, target) && !(await shareASpace(trx, actor.personId, target.id))) throw ApiError.notFound('person');
    const exists = await trx.selectFrom('team_memberships').select('id').where('team_id', '=', team.id).where('person_id', '=', target.id).executeTakeFirst();
    if (exists !== undefined) throw ApiError.conflict('That person is already in the team.');
    const now = core.now();
    const row: TeamMembershipRow = { id: newId(), team_id: team.id, person_id: target.id, is_moderator: input.isModerator === true ? 1 : 0, created_at: now };
    await trx.insertInto('team_memberships').values(row).execute();
    // A key share the directory asked for (a SCIM group mapped to the team) is done by this add.
    await trx.deleteFrom('team_key_shares').where('team_id', '=', team.id).where('person_id', '=', target.id).where('op', '=', 'add').execute();
    const tm = presentTeamMembership(row, target);
    emit({ recipients: await teamMemberIds(trx, team.id), type: 'team.membership.created', data: tm, actorId: actor.personId });
    // Team members are in the general space.
    const inGeneral = await trx.selectFrom('memberships').select('id').where('space_id', '=', team.general_space_id).where('person_id', '=', target.id).executeTakeFirst();
    if (inGeneral === undefined) {
      const general = await trx.selectFrom('spaces').selectAll().where('id', '=', team.general_space_id).executeTakeFirstOrThrow();
      const m = await insertMembership(trx, emit, now, general.id, target.id, false);
      emit({ space: general.id, type: 'membership.created', data: presentMembership(m, target, 'group'), actorId: actor.personId });
      emit({ recipients: [target.id], type: 'room.created', data: presentRoom(general), actorId: actor.personId, echo: true });
    }
    return tm;
  });
}

export async function setTeamModerator(core: Core, actor: Actor, id: string, isModerator: boolean): Promise<TeamMembership> {
  return core.events.transact(async (trx, emit) => {
    const row = await trx.selectFrom('team_memberships').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw ApiError.notFound('team membership');
    const { membership } = await myTeamMembership(trx, actor, row.team_id).catch(() => {
      throw ApiError.notFound('team membership');
    });
    requireTeamModerator(membership, 'appoint moderators');
    await trx.updateTable('team_memberships').set({ is_moderator: isModerator ? 1 : 0 }).where('id', '=', id).execute();
    const person = (await personBriefs(trx, [row.person_id])).get(row.person_id)!;
    const tm = presentTeamMembership({ ...row, is_moderator: isModerator ? 1 : 0 }, person);
    emit({ recipients: await teamMemberIds(trx, row.team_id), type: 'team.membership.updated', data: tm, actorId: actor.personId });
    return tm;
  });
}

export async function removeTeamMember(core: Core, actor: Actor, id: string): Promise<void> {
  await core.events.transact(async (trx, emit) => {
    const row = await trx.selectFrom('team_memberships').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw ApiError.notFound('team membership');
    const { team, membership } = await myTeamMembership(trx, actor, row.team_id).catch(() => {
      throw ApiError.notFound('team membership');
    });
    if (row.person_id !== actor.personId) requireTeamModerator(membership, 'remove people');
    await dropTeamMembership(trx, emit, actor.personId, team.id, row);
  });
}

/**
 * Takes a team membership away and, with it, the person's memberships of the team's spaces (SPEC
 * SP-3, as in Webex: their KMS access to them came through the team). Answers the spaces they were
 * in (whose keys a client then rotates). `actorId` null: no person acted (the directory's token).
 */
export async function dropTeamMembership(trx: Kysely<Database>, emit: Emit, actorId: string | null, teamId: string, row: TeamMembershipRow): Promise<string[]> {
  const recipients = await teamMemberIds(trx, teamId);
  await trx.deleteFrom('team_memberships').where('id', '=', row.id).execute();
  const person = (await personBriefs(trx, [row.person_id])).get(row.person_id)!;
  emit({ recipients, type: 'team.membership.deleted', data: presentTeamMembership(row, person), actorId });
  const theirs = await trx
    .selectFrom('memberships as m')
    .innerJoin('spaces as s', 's.id', 'm.space_id')
    .selectAll('m')
    .select('s.type as space_type')
    .where('s.team_id', '=', teamId)
    .where('m.person_id', '=', row.person_id)
    .execute();
  for (const { space_type, ...m } of theirs) {
    await trx.deleteFrom('memberships').where('id', '=', m.id).execute();
    await trx.deleteFrom('favorites').where('space_id', '=', m.space_id).where('person_id', '=', row.person_id).execute();
    emit({ space: m.space_id, type: 'membership.deleted', data: presentMembership(m, person, space_type), actorId });
    emit({ change: 'leave', spaceId: m.space_id, personIds: [row.person_id] });
  }
  return theirs.map((m) => m.space_id);
}
