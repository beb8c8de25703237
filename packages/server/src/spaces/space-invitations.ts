/**
 * Invitations into a space by e-mail address (issue 14, finding 6; SPEC SP-2, ID-2, ID-3), as Slack
 * Connect and Webex invite external participants.
 *
 * What the inviter learns must not depend on whether the address has an account: every refusal is
 * decided before the address is looked up (the inviter's rights in the space, the org's policy, the
 * space's limit of pending invitations), and then the answer is `202 {id, roomId, email}` whether the
 * address is unknown, has an account in the inviter's org or another, or is deactivated. The
 * invitation is kept by address; what happens next is told to the address's owner only:
 * - an account (any org): the invitation shows in their app (`space_invitation.received`) and they
 *   are mailed; they accept or decline;
 * - no account, in a domain the inviter's org may make accounts in: the existing org invitation (a
 *   pending person and a sign-up link, `identity/invitations.ts`), naming the space; signing up with
 *   it accepts the space invitation;
 * - no account, in a domain another org owns: a mail saying they were invited, to accept once their
 *   own org has given them an account (only the owner makes accounts there: `assertMayCreateAccount`);
 * - deactivated: nothing is sent.
 *
 * Accepting grants nothing by itself: the core never grants keys (DESIGN §2, invariant 2). A
 * member's device — the inviter's, or any member's when the inviter has left — authorizes the
 * invitee at the KMS and then admits them (`admit`, called by the SDK after the authorization).
 * Declining deletes the invitation.
 * @module
 */
import type { Membership, ReceivedSpaceInvitation, SpaceInvitation, SpaceInvitationSent } from '@flint/protocol';
import type { Kysely } from 'kysely';
import type { Actor, Core } from '../core.ts';
import type { Database, SpaceInvitationRow } from '../db/schema.ts';
import type { Emit } from '../events/event-service.ts';
import { ApiError } from '../errors.ts';
import { getOrg, normalizeEmail, orgOwningEmail, parsePolicy } from '../identity/orgs.ts';
import { presentReceived, presentSpaceInvitation, spaceOrgDomains, upsertSpaceInvitation } from './space-invitation-rows.ts';
import { findPerson, findPersonByEmail } from '../identity/people.ts';
import { createOrgInvitation, sendInvitationMail } from '../identity/invitations.ts';
import { memberOf, membershipOf, personBriefs, requireModeratorIfLocked } from './access.ts';
import { presentMembership, presentRoom } from './presenters.ts';
import { assertMemberLimit, insertMembership } from './rooms.ts';

/**
 * Invites an address into a space. The same answer for every address (see the module comment);
 * 409 only for an address that is already a member's, which the member list shows anyway.
 */
export async function inviteToSpace(core: Core, actor: Actor, roomId: string, rawEmail: string): Promise<SpaceInvitationSent> {
  const email = normalizeEmail(rawEmail);
  // Every refusal first, from what the inviter may already know: their rights, the org's policy, the space's limits.
  if (actor.isGuest) throw ApiError.forbidden('Guests cannot invite people.');
  const org = await getOrg(core.db, actor.orgId);
  if (org === undefined) throw ApiError.notFound('organization');
  if (!actor.isAdmin && !parsePolicy(org).membersMayInvite) throw ApiError.forbidden('Only administrators may invite people in this organization.');
  const outcome = await core.events.transact(async (trx, emit) => {
    const access = await memberOf(trx, actor, roomId);
    if (access.space.type !== 'group') throw ApiError.badRequest('roomId: people are invited into group spaces only');
    requireModeratorIfLocked(access, 'add people');
    const member = await trx
      .selectFrom('memberships')
      .innerJoin('people', 'people.id', 'memberships.person_id')
      .select('memberships.id')
      .where('memberships.space_id', '=', roomId)
      .where('people.email', '=', email)
      .executeTakeFirst();
    if (member !== undefined) throw ApiError.conflict('That address is already a member of this space.');
    const row = await upsertSpaceInvitation(core, trx, { roomId, email, invitedBy: actor.personId });
    // Only now is the address looked up: what follows is told to the address's owner, never to the inviter.
    const person = await findPersonByEmail(trx, email);
    let mail: (() => Promise<void>) | undefined;
    if (person === undefined || (person.status === 'invited' && person.org_id === actor.orgId)) {
      const owner = await orgOwningEmail(trx, email);
      if (owner === undefined || owner.id === actor.orgId) {
        const { token } = await createOrgInvitation(core, trx, actor, { email, roomId, existing: person, viaSpace: true });
        mail = () => sendInvitationMail(core, { to: email, orgName: org.display_name, token, inviterId: actor.personId, toSpace: true });
      } else {
        mail = () => mailInvitedNoAccount(core, email, actor.personId, org.display_name);
      }
    } else if (person.status === 'active') {
      emit({ recipients: [person.id], type: 'space_invitation.received', data: await presentReceived(trx, row, person.org_id), actorId: actor.personId });
      mail = () => mailInvitedAccount(core, email, actor.personId, org.display_name);
    } else if (person.status === 'invited') {
      mail = () => mailInvitedNoAccount(core, email, actor.personId, org.display_name);
    }
    // Deactivated: kept like any other invitation, and nothing is sent.
    return { sent: { id: row.id, roomId, email }, mail };
  });
  await outcome.mail?.();
  return outcome.sent;
}

async function inviterName(core: Core, personId: string): Promise<string> {
  return (await core.db.selectFrom('people').select('display_name').where('id', '=', personId).executeTakeFirst())?.display_name ?? 'Someone';
}

async function mailInvitedAccount(core: Core, to: string, inviterId: string, orgName: string): Promise<void> {
  const name = await inviterName(core, inviterId);
  await core.mailer.send({
    to,
    subject: `${name} invited you to a space on Flint`,
    text:
      `${name} (${orgName}) invited you to a space on Flint.\n\n` +
      `Open Flint to accept or decline the invitation: ${core.config.publicUrl}/\n` +
      `If you accept, you join the space as a guest of ${orgName}; its members will see your name and address.\n`,
  });
}

async function mailInvitedNoAccount(core: Core, to: string, inviterId: string, orgName: string): Promise<void> {
  const name = await inviterName(core, inviterId);
  await core.mailer.send({
    to,
    subject: `${name} invited you to a space on Flint`,
    text:
      `${name} (${orgName}) invited you to a space on Flint.\n\n` +
      `Your address belongs to an organization that gives out its own Flint accounts. Once you have yours, ` +
      `sign in at ${core.config.publicUrl}/ to accept or decline the invitation.\n`,
  });
}

/** Accepts the invitation into `spaceId` for `email` on behalf of someone who just signed up with its link. */
export async function acceptOnSignup(core: Core, personId: string, email: string, spaceId: string): Promise<void> {
  await core.events.transact(async (trx, emit) => {
    const row = await trx.selectFrom('space_invitations').selectAll().where('space_id', '=', spaceId).where('email', '=', normalizeEmail(email)).executeTakeFirst();
    if (row === undefined || row.expires_at <= core.now() || row.accepted_at !== null) return;
    // Already made a member meanwhile (by id, as an org invitation's inviter may): nothing to admit.
    if ((await membershipOf(trx, spaceId, personId)) !== undefined) {
      await trx.deleteFrom('space_invitations').where('id', '=', row.id).execute();
      return;
    }
    await markAccepted(core, trx, emit, row, personId);
  });
}

async function markAccepted(core: Core, trx: Kysely<Database>, emit: Emit, row: SpaceInvitationRow, personId: string): Promise<SpaceInvitationRow> {
  const accepted: SpaceInvitationRow = { ...row, accepted_at: core.now(), accepted_person_id: personId };
  await trx.updateTable('space_invitations').set({ accepted_at: accepted.accepted_at, accepted_person_id: personId }).where('id', '=', row.id).execute();
  // The inviter's device admits them; if the inviter left, every member hears of it (any may admit).
  const inviterStays = (await membershipOf(trx, row.space_id, row.invited_by)) !== undefined;
  const data = presentSpaceInvitation(accepted, await spaceOrgDomains(trx, row.space_id));
  if (inviterStays) emit({ recipients: [row.invited_by], type: 'space_invitation.accepted', data, actorId: personId });
  else emit({ space: row.space_id, type: 'space_invitation.accepted', data, actorId: personId });
  return accepted;
}

/** One's own invitation (sent to one's address, not expired), or 404 — also for anyone else's. */
async function ownInvitation(core: Core, db: Kysely<Database>, actor: Actor, id: string): Promise<{ row: SpaceInvitationRow; email: string }> {
  const me = await findPerson(db, actor.personId);
  const row = await db.selectFrom('space_invitations').selectAll().where('id', '=', id).executeTakeFirst();
  if (me === undefined || row === undefined || row.email !== me.email || row.expires_at <= core.now()) throw ApiError.notFound('invitation');
  return { row, email: me.email };
}

export async function listMyInvitations(core: Core, actor: Actor): Promise<ReceivedSpaceInvitation[]> {
  const me = await findPerson(core.db, actor.personId);
  if (me === undefined) return [];
  const rows = await core.db.selectFrom('space_invitations').selectAll().where('email', '=', me.email).where('expires_at', '>', core.now()).orderBy('created_at', 'desc').limit(1000).execute();
  return Promise.all(rows.map((r) => presentReceived(core.db, r, me.org_id)));
}

export async function acceptInvitation(core: Core, actor: Actor, id: string): Promise<ReceivedSpaceInvitation> {
  return core.events.transact(async (trx, emit) => {
    const { row } = await ownInvitation(core, trx, actor, id);
    if (row.accepted_at !== null) return presentReceived(trx, row, actor.orgId);
    return presentReceived(trx, await markAccepted(core, trx, emit, row, actor.personId), actor.orgId);
  });
}

export async function declineInvitation(core: Core, actor: Actor, id: string): Promise<void> {
  await core.events.transact(async (trx, emit) => {
    const { row } = await ownInvitation(core, trx, actor, id);
    await trx.deleteFrom('space_invitations').where('id', '=', row.id).execute();
    emit({ recipients: [actor.personId], type: 'space_invitation.removed', data: { id: row.id, roomId: row.space_id }, actorId: actor.personId });
  });
}

/** A space's invitations, for a member. */
export async function listRoomInvitations(core: Core, actor: Actor, roomId: string): Promise<SpaceInvitation[]> {
  await memberOf(core.db, actor, roomId);
  const rows = await core.db.selectFrom('space_invitations').selectAll().where('space_id', '=', roomId).where('expires_at', '>', core.now()).orderBy('created_at').limit(1000).execute();
  const domains = await spaceOrgDomains(core.db, roomId);
  return rows.map((r) => presentSpaceInvitation(r, domains));
}

/** A member's view of one invitation of a space they may add people to; 404 for any other. */
async function invitationToManage(trx: Kysely<Database>, actor: Actor, id: string): Promise<SpaceInvitationRow> {
  const row = await trx.selectFrom('space_invitations').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) throw ApiError.notFound('invitation');
  const access = await memberOf(trx, actor, row.space_id).catch(() => {
    throw ApiError.notFound('invitation');
  });
  requireModeratorIfLocked(access, 'add people');
  return row;
}

export async function revokeRoomInvitation(core: Core, actor: Actor, id: string): Promise<void> {
  await core.events.transact(async (trx, emit) => {
    const row = await invitationToManage(trx, actor, id);
    await trx.deleteFrom('space_invitations').where('id', '=', row.id).execute();
    const person = await findPersonByEmail(trx, row.email);
    if (person !== undefined && person.status === 'active') emit({ recipients: [person.id], type: 'space_invitation.removed', data: { id: row.id, roomId: row.space_id }, actorId: actor.personId });
  });
}

/** Accepted invitations this member should admit: those they sent, and those whose sender left. */
export async function listAwaitingAdmission(core: Core, actor: Actor): Promise<SpaceInvitation[]> {
  const rows = await core.db
    .selectFrom('space_invitations as i')
    .innerJoin('memberships as mine', (j) => j.onRef('mine.space_id', '=', 'i.space_id').on('mine.person_id', '=', actor.personId))
    .leftJoin('memberships as sender', (j) => j.onRef('sender.space_id', '=', 'i.space_id').onRef('sender.person_id', '=', 'i.invited_by'))
    .selectAll('i')
    .where('i.accepted_at', 'is not', null)
    .where('i.expires_at', '>', core.now())
    .where((eb) => eb.or([eb('i.invited_by', '=', actor.personId), eb('sender.id', 'is', null)]))
    .orderBy('i.accepted_at')
    .limit(1000)
    .execute();
  return Promise.all(rows.map(async (r) => presentSpaceInvitation(r, await spaceOrgDomains(core.db, r.space_id))));
}

/**
 * Makes an accepted invitee a member. The SDK calls it after authorizing them at the KMS, so the
 * membership never comes before the key access a member granted (the core grants none).
 */
export async function admitInvitee(core: Core, actor: Actor, id: string): Promise<Membership> {
  return core.events.transact(async (trx, emit) => {
    const row = await invitationToManage(trx, actor, id);
    if (row.accepted_at === null || row.accepted_person_id === null) throw ApiError.conflict('The invitation has not been accepted yet.');
    const person = await findPerson(trx, row.accepted_person_id);
    if (person === undefined || person.status !== 'active' || person.email !== row.email) throw ApiError.notFound('invitation');
    const space = (await trx.selectFrom('spaces').selectAll().where('id', '=', row.space_id).executeTakeFirstOrThrow());
    if ((await membershipOf(trx, space.id, person.id)) !== undefined) {
      await trx.deleteFrom('space_invitations').where('id', '=', row.id).execute();
      throw ApiError.conflict('That person is already a member of this space.');
    }
    const count = await trx.selectFrom('memberships').select((eb) => eb.fn.countAll<number>().as('n')).where('space_id', '=', space.id).executeTakeFirstOrThrow();
    assertMemberLimit(Number(count.n));
    await trx.deleteFrom('space_invitations').where('id', '=', row.id).execute();
    const membershipRow = await insertMembership(trx, emit, core.now(), space.id, person.id, false);
    const brief = (await personBriefs(trx, [person.id])).get(person.id)!;
    const membership = presentMembership(membershipRow, brief, space.type);
    emit({ space: space.id, type: 'membership.created', data: membership, actorId: actor.personId });
    emit({ recipients: [person.id], type: 'room.created', data: presentRoom(space), actorId: actor.personId, echo: true });
    emit({ recipients: [person.id], type: 'space_invitation.removed', data: { id: row.id, roomId: space.id }, actorId: actor.personId });
    return membership;
  });
}
