/**
 * Who may see and change a space: the one place these rules live (SPEC SP-2 … SP-4, SEC-3).
 * A space one may not see answers exactly like a missing one (404): a non-member learns nothing.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Actor } from '../core.ts';
import type { Database, MembershipRow, SpaceRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';

export interface SpaceAccess {
  space: SpaceRow;
  /** The actor's membership, if they are a member. */
  membership: MembershipRow | undefined;
  /** True when the actor may see it only as a member of its team (and may join it). */
  viaTeam: boolean;
}

export async function loadSpace(db: Kysely<Database>, spaceId: string): Promise<SpaceRow | undefined> {
  return db.selectFrom('spaces').selectAll().where('id', '=', spaceId).executeTakeFirst();
}

export async function membershipOf(db: Kysely<Database>, spaceId: string, personId: string): Promise<MembershipRow | undefined> {
  return db.selectFrom('memberships').selectAll().where('space_id', '=', spaceId).where('person_id', '=', personId).executeTakeFirst();
}

/** True when two people are members of one space (a direct space included). */
export async function shareASpace(db: Kysely<Database>, a: string, b: string): Promise<boolean> {
  const row = await db
    .selectFrom('memberships as m1')
    .innerJoin('memberships as m2', 'm2.space_id', 'm1.space_id')
    .select('m1.space_id')
    .where('m1.person_id', '=', a)
    .where('m2.person_id', '=', b)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function isTeamMember(db: Kysely<Database>, teamId: string, personId: string): Promise<boolean> {
  const row = await db.selectFrom('team_memberships').select('id').where('team_id', '=', teamId).where('person_id', '=', personId).executeTakeFirst();
  return row !== undefined;
}

/** The space if the actor may see it (member, or member of its team); else 404. */
export async function seeSpace(db: Kysely<Database>, actor: Actor, spaceId: string): Promise<SpaceAccess> {
  const space = await loadSpace(db, spaceId);
  if (space === undefined) throw ApiError.notFound('room');
  const membership = await membershipOf(db, spaceId, actor.personId);
  if (membership !== undefined) return { space, membership, viaTeam: false };
  if (space.team_id !== null && (await isTeamMember(db, space.team_id, actor.personId))) return { space, membership: undefined, viaTeam: true };
  throw ApiError.notFound('room');
}

/** The space and the actor's membership; a non-member gets 404, a team member who has not joined 403. */
export async function memberOf(db: Kysely<Database>, actor: Actor, spaceId: string): Promise<SpaceAccess & { membership: MembershipRow }> {
  const access = await seeSpace(db, actor, spaceId);
  if (access.membership === undefined) throw ApiError.forbidden('Join the space first.');
  return { ...access, membership: access.membership };
}

/** In a locked space only moderators may do this; in an unlocked one every member may. */
export function requireModeratorIfLocked(access: { space: SpaceRow; membership: MembershipRow }, what: string): void {
  if (access.space.is_locked === 1 && access.membership.is_moderator !== 1) {
    throw ApiError.forbidden(`Only moderators may ${what} in a locked space.`);
  }
}

export async function memberIds(db: Kysely<Database>, spaceId: string): Promise<string[]> {
  const rows = await db.selectFrom('memberships').select('person_id').where('space_id', '=', spaceId).execute();
  return rows.map((r) => r.person_id);
}

export async function personBriefs(db: Kysely<Database>, ids: readonly string[]) {
  if (ids.length === 0) return new Map<string, { id: string; email: string; display_name: string; org_id: string; is_guest: number; status: string }>();
  const rows = await db.selectFrom('people').select(['id', 'email', 'display_name', 'org_id', 'is_guest', 'status']).where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Which of these (space, person) pairs are memberships now, as `space/person` keys: one query for a
 * page of things that each name a space and a person (a care request's expert, a meeting's invitees),
 * to say who of them is already in.
 */
export async function membershipPairs(db: Kysely<Database>, spaceIds: readonly string[], personIds: readonly string[]): Promise<Set<string>> {
  if (spaceIds.length === 0 || personIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('memberships')
    .select(['space_id', 'person_id'])
    .where('space_id', 'in', [...new Set(spaceIds)])
    .where('person_id', 'in', [...new Set(personIds)])
    .execute();
  return new Set(rows.map((m) => `${m.space_id}/${m.person_id}`));
}
