/**
 * Team changes the directory asks for that only a client can finish (issue 18). A SCIM group
 * mapped to a team changes who should be in it, but the core cannot authorize anyone on the team's
 * KMS resource, nor rotate a key (DESIGN §2: it holds no keys and cannot obtain them). So:
 *
 * - **add**: the core records a pending share and tells the team's moderators (`team.keyShare.pending`).
 *   A moderator's client, when it is next online, authorizes the person at the KMS and adds the team
 *   membership through the ordinary route (which clears the share). Until then the person is *not*
 *   in the team: a membership without a key would show spaces nobody can read.
 * - **remove**: the core takes the person out of the team and its spaces at once (no key is needed
 *   to stop serving ciphertext), and records which spaces; a moderator's client then removes the
 *   person's KMS authorization and rotates those spaces' keys, and clears the share.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Actor, Core } from '../core.ts';
import type { Database, TeamKeyShareRow } from '../db/schema.ts';
import type { Emit } from '../events/event-service.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { dropTeamMembership } from './teams.ts';

export interface TeamKeyShare {
  id: string;
  teamId: string;
  personId: string;
  op: 'add' | 'remove';
  spaceIds: string[];
  created: string;
}

function present(row: TeamKeyShareRow): TeamKeyShare {
  return { id: row.id, teamId: row.team_id, personId: row.person_id, op: row.op, spaceIds: JSON.parse(row.spaces) as string[], created: iso(row.created_at) };
}

async function moderators(trx: Kysely<Database>, teamId: string): Promise<string[]> {
  return (await trx.selectFrom('team_memberships').select('person_id').where('team_id', '=', teamId).where('is_moderator', '=', 1).execute()).map((r) => r.person_id);
}

async function put(trx: Kysely<Database>, emit: Emit, now: number, teamId: string, personId: string, op: 'add' | 'remove', spaces: string[]): Promise<void> {
  await trx.deleteFrom('team_key_shares').where('team_id', '=', teamId).where('person_id', '=', personId).execute();
  await trx.insertInto('team_key_shares').values({ id: newId(), team_id: teamId, person_id: personId, op, spaces: JSON.stringify(spaces), created_at: now }).execute();
  emit({ recipients: await moderators(trx, teamId), type: 'team.keyShare.pending', data: { teamId }, actorId: null });
}

/** The directory wants `personId` in the team: a pending share, unless they are in it already. */
export async function requestTeamAdd(trx: Kysely<Database>, emit: Emit, now: number, teamId: string, personId: string): Promise<void> {
  const member = await trx.selectFrom('team_memberships').select('id').where('team_id', '=', teamId).where('person_id', '=', personId).executeTakeFirst();
  if (member !== undefined) {
    // Already in (perhaps added by hand): nothing to share; a pending removal is moot.
    await trx.deleteFrom('team_key_shares').where('team_id', '=', teamId).where('person_id', '=', personId).execute();
    return;
  }
  const pending = await trx.selectFrom('team_key_shares').select('op').where('team_id', '=', teamId).where('person_id', '=', personId).executeTakeFirst();
  if (pending?.op === 'add') return;
  await put(trx, emit, now, teamId, personId, 'add', []);
}

/** The directory wants `personId` out of the team: out at once, the KMS side left to a moderator's client. */
export async function requestTeamRemove(trx: Kysely<Database>, emit: Emit, now: number, actorId: string | null, teamId: string, personId: string): Promise<void> {
  await trx.deleteFrom('team_key_shares').where('team_id', '=', teamId).where('person_id', '=', personId).where('op', '=', 'add').execute();
  const row = await trx.selectFrom('team_memberships').selectAll().where('team_id', '=', teamId).where('person_id', '=', personId).executeTakeFirst();
  if (row === undefined) return;
  const spaces = await dropTeamMembership(trx, emit, actorId, teamId, row);
  await put(trx, emit, now, teamId, personId, 'remove', spaces);
}

/** The shares waiting in the teams this person moderates. */
export async function listTeamKeyShares(core: Core, actor: Actor): Promise<TeamKeyShare[]> {
  const rows = await core.db
    .selectFrom('team_key_shares as k')
    .innerJoin('team_memberships as tm', (j) => j.onRef('tm.team_id', '=', 'k.team_id').on('tm.person_id', '=', actor.personId).on('tm.is_moderator', '=', 1))
    .selectAll('k')
    .orderBy('k.created_at')
    .orderBy('k.id')
    .limit(500)
    .execute();
  return rows.map(present);
}

/** A moderator's client finished (or, for an add, declines) a share. */
export async function clearTeamKeyShare(core: Core, actor: Actor, id: string): Promise<void> {
  const row = await core.db.selectFrom('team_key_shares').selectAll().where('id', '=', id).executeTakeFirst();
  const moderator =
    row === undefined ? undefined : await core.db.selectFrom('team_memberships').select('id').where('team_id', '=', row.team_id).where('person_id', '=', actor.personId).where('is_moderator', '=', 1).executeTakeFirst();
  if (row === undefined || moderator === undefined) throw ApiError.notFound('key share');
  await core.db.deleteFrom('team_key_shares').where('id', '=', id).execute();
}
