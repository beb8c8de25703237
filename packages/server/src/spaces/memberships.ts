/**
 * Memberships: list, add (by id or e-mail, guests from other orgs too), moderator flag, remove and
 * leave (SPEC SP-2, SP-4). Joining a team space is adding oneself as a member of the team.
 * @module
 */
import type { Membership } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { MembershipRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { canSee, findPerson, findPersonByEmail } from '../identity/people.ts';
import { memberOf, personBriefs, requireModeratorIfLocked, seeSpace, shareASpace } from './access.ts';
import { presentMembership, presentRoom } from './presenters.ts';
import { assertMemberLimit, insertMembership } from './rooms.ts';

export async function listMemberships(
  core: Core,
  actor: Actor,
  input: { roomId: string; personId?: string | undefined; personEmail?: string | undefined; max: number; after?: string | undefined },
): Promise<{ items: Membership[]; next?: string }> {
  const { space } = await memberOf(core.db, actor, input.roomId);
  let q = core.db.selectFrom('memberships').selectAll().where('space_id', '=', space.id);
  if (input.personId !== undefined) q = q.where('person_id', '=', input.personId);
  if (input.personEmail !== undefined) {
    const person = await findPersonByEmail(core.db, input.personEmail);
    q = q.where('person_id', '=', person?.id ?? '');
  }
  if (input.after !== undefined) q = q.where('id', '>', input.after);
  const rows = await q.orderBy('id').limit(input.max + 1).execute();
  const page = rows.slice(0, input.max);
  const people = await personBriefs(core.db, page.map((r) => r.person_id));
  const items = page.flatMap((r) => {
    const p = people.get(r.person_id);
    return p ? [presentMembership(r, p, space.type)] : [];
  });
  const last = page.at(-1);
  return rows.length > input.max && last ? { items, next: last.id } : { items };
}

async function loadMembership(core: Core, actor: Actor, id: string): Promise<{ row: MembershipRow; access: Awaited<ReturnType<typeof memberOf>> }> {
  const row = await core.db.selectFrom('memberships').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) throw ApiError.notFound('membership');
  try {
    return { row, access: await memberOf(core.db, actor, row.space_id) };
  } catch (error) {
    // A membership of a space one cannot see does not exist, as far as one can tell.
    if (error instanceof ApiError) throw ApiError.notFound('membership');
    throw error;
  }
}

export async function getMembership(core: Core, actor: Actor, id: string): Promise<Membership> {
  const { row, access } = await loadMembership(core, actor, id);
  const person = (await personBriefs(core.db, [row.person_id])).get(row.person_id);
  if (person === undefined) throw ApiError.notFound('membership');
  return presentMembership(row, person, access.space.type);
}

export async function addMembership(
  core: Core,
  actor: Actor,
  input: { roomId: string; personId?: string | undefined; personEmail?: string | undefined; isModerator?: boolean | undefined },
): Promise<Membership> {
  if ((input.personId === undefined) === (input.personEmail === undefined)) throw ApiError.badRequest('Give exactly one of personId and personEmail.');
  return core.events.transact(async (trx, emit) => {
    const access = await seeSpace(trx, actor, input.roomId);
    const { space } = access;
    const target = input.personId !== undefined ? await findPerson(trx, input.personId) : await findPersonByEmail(trx, input.personEmail!);
    if (target === undefined || target.status === 'deactivated') throw ApiError.notFound('person');
    // By address, only someone the actor may already see (their org's directory, or a space they
    // share): anyone else answers exactly like an unknown address, so adding cannot probe for
    // accounts (issue 14, finding 6). They are invited instead (`space-invitations.ts`), and accept.
    if (input.personEmail !== undefined && !canSee(actor, target) && !(await shareASpace(trx, actor.personId, target.id))) throw ApiError.notFound('person');
    if (space.type === 'direct') throw ApiError.badRequest('A direct space has exactly its two people.');
    const joiningSelf = target.id === actor.personId;
    if (access.membership === undefined) {
      // Only a team member joining a team space themselves gets past here without being a member.
      if (!(access.viaTeam && joiningSelf)) throw ApiError.forbidden('Join the space first.');
      if (input.isModerator === true) throw ApiError.forbidden('Only moderators appoint moderators.');
    } else {
      requireModeratorIfLocked({ space, membership: access.membership }, 'add people');
      if (input.isModerator === true && !(space.is_locked === 1 && access.membership.is_moderator === 1)) {
        throw ApiError.forbidden('Only moderators of a locked space appoint moderators.');
      }
    }
    const count = await trx.selectFrom('memberships').select((eb) => eb.fn.countAll<number>().as('n')).where('space_id', '=', space.id).executeTakeFirstOrThrow();
    assertMemberLimit(Number(count.n));
    const existing = await trx.selectFrom('memberships').select('id').where('space_id', '=', space.id).where('person_id', '=', target.id).executeTakeFirst();
    if (existing !== undefined) throw ApiError.conflict('That person is already a member of this space.');
    const row = await insertMembership(trx, emit, core.now(), space.id, target.id, input.isModerator === true);
    const membership = presentMembership(row, target, space.type);
    emit({ space: space.id, type: 'membership.created', data: membership, actorId: actor.personId });
    emit({ recipients: [target.id], type: 'room.created', data: presentRoom(space), actorId: actor.personId, echo: true });
    return membership;
  });
}

export async function setModerator(core: Core, actor: Actor, id: string, isModerator: boolean): Promise<Membership> {
  return core.events.transact(async (trx, emit) => {
    const row = await trx.selectFrom('memberships').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw ApiError.notFound('membership');
    const access = await memberOf(trx, actor, row.space_id).catch(() => {
      throw ApiError.notFound('membership');
    });
    const { space } = access;
    if (space.type === 'direct') throw ApiError.badRequest('A direct space has no moderators.');
    const actorIsModerator = access.membership.is_moderator === 1;
    if (space.is_locked === 1 ? !actorIsModerator : row.person_id !== actor.personId) {
      throw ApiError.forbidden(space.is_locked === 1 ? 'Only moderators appoint moderators.' : 'Lock the space (become its moderator) first.');
    }
    if (!isModerator && space.is_locked === 1 && row.is_moderator === 1) {
      const moderators = await trx.selectFrom('memberships').select((eb) => eb.fn.countAll<number>().as('n')).where('space_id', '=', space.id).where('is_moderator', '=', 1).executeTakeFirstOrThrow();
      if (Number(moderators.n) <= 1) throw ApiError.conflict('A locked space keeps at least one moderator; unlock it first.');
    }
    await trx.updateTable('memberships').set({ is_moderator: isModerator ? 1 : 0 }).where('id', '=', id).execute();
    // Making oneself moderator of an unlocked space locks it (as in Webex).
    if (isModerator && space.is_locked === 0) {
      await trx.updateTable('spaces').set({ is_locked: 1 }).where('id', '=', space.id).execute();
      emit({ space: space.id, type: 'room.updated', data: presentRoom({ ...space, is_locked: 1 }), actorId: actor.personId });
    }
    const person = (await personBriefs(trx, [row.person_id])).get(row.person_id)!;
    const membership = presentMembership({ ...row, is_moderator: isModerator ? 1 : 0 }, person, space.type);
    emit({ space: space.id, type: 'membership.updated', data: membership, actorId: actor.personId });
    return membership;
  });
}

export async function removeMembership(core: Core, actor: Actor, id: string): Promise<void> {
  await core.events.transact(async (trx, emit) => {
    const row = await trx.selectFrom('memberships').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw ApiError.notFound('membership');
    const access = await memberOf(trx, actor, row.space_id).catch(() => {
      throw ApiError.notFound('membership');
    });
    const { space } = access;
    if (space.type === 'direct') throw ApiError.badRequest('One cannot leave or be removed from a direct space.');
    if (row.person_id !== actor.personId) requireModeratorIfLocked(access, 'remove people');
    await trx.deleteFrom('memberships').where('id', '=', id).execute();
    await trx.deleteFrom('favorites').where('space_id', '=', space.id).where('person_id', '=', row.person_id).execute();
    const person = (await personBriefs(trx, [row.person_id])).get(row.person_id)!;
    // The removed person hears of the removal, and nothing after it.
    emit({ space: space.id, type: 'membership.deleted', data: presentMembership(row, person, space.type), actorId: actor.personId });
    emit({ change: 'leave', spaceId: space.id, personIds: [row.person_id] });
  });
}
