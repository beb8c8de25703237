/**
 * Invitations by e-mail (SPEC ID-3). An invitation creates the invited person as `invited` (so an
 * admin sees them, and spaces can include them later) and mails a one-time link; it is kept until
 * accepted, withdrawn or expired. Someone outside the org's domains joins as a guest.
 * @module
 */
import type { InvitationPreview } from '@flint/protocol';
import { ApiError } from '../errors.ts';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { InvitationRow, PersonRow } from '../db/schema.ts';
import { iso, newId } from '../infra/ids.ts';
import { assertMayCreateAccount, emailDomain, getOrg, listDomains, normalizeEmail, parsePolicy } from './orgs.ts';
import { findPersonByEmail, insertPerson } from './people.ts';
import { hashToken, newToken } from './tokens.ts';
import { cleanOptionalName } from './names.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { memberOf, requireModeratorIfLocked } from '../spaces/access.ts';
import { presentReceived, upsertSpaceInvitation } from '../spaces/space-invitation-rows.ts';

export interface InviteInput {
  email: string;
  displayName?: string | undefined;
  /** A space the inviter belongs to (and may add people to): where the invitee lands. */
  roomId?: string | undefined;
  /**
   * Refuse an address that already has an account (409), for an admin creating a person of their
   * org (`org-admin.ts`), who then sets that person's roles: never someone else's.
   */
  newAccountOnly?: boolean;
}

/**
 * Invites an address to the org (and into a space, with `roomId`). The answer must not tell
 * whether the address has an account (issue 14, finding 6): refusals are decided before the
 * address is looked up (the inviter's rights, the org's policy, who owns the domain), and an
 * address with an account — here, in another org, or deactivated — gets an invitation row like a
 * new one, whose link is never sent: its owner is told by mail that they have an account (and, with
 * `roomId`, sees the space's invitation in their app). `asGuest` follows the address's domain only.
 */
export async function invite(core: Core, actor: Actor, input: InviteInput): Promise<InvitationRow> {
  if (actor.isGuest) throw ApiError.forbidden('Guests cannot invite people.');
  const org = await getOrg(core.db, actor.orgId);
  if (org === undefined) throw ApiError.notFound('organization');
  if (!actor.isAdmin && !parsePolicy(org).membersMayInvite) throw ApiError.forbidden('Only administrators may invite people in this organization.');
  const email = normalizeEmail(input.email);
  const displayName = input.displayName !== undefined ? cleanOptionalName('displayName', input.displayName) : null;
  if (input.roomId !== undefined) {
    // Only a space one may add people to: its members, and in a locked space its moderators.
    const access = await memberOf(core.db, actor, input.roomId);
    if (access.space.type !== 'group') throw ApiError.badRequest('roomId: people are invited into group spaces only');
    requireModeratorIfLocked(access, 'add people');
  }
  const outcome = await core.events.transact(async (trx, emit) => {
    await assertMayCreateAccount(trx, actor.orgId, email);
    const existing = await findPersonByEmail(trx, email);
    if (input.newAccountOnly === true && existing !== undefined && (existing.status !== 'invited' || existing.org_id !== actor.orgId)) {
      throw ApiError.conflict('This address already has an account.');
    }
    const room = input.roomId !== undefined ? await upsertSpaceInvitation(core, trx, { roomId: input.roomId, email, invitedBy: actor.personId }) : undefined;
    const { invitation, token, placeholder } = await createOrgInvitation(core, trx, actor, { email, roomId: input.roomId, existing, displayName });
    if (!placeholder && existing?.status === 'active' && room !== undefined) {
      emit({ recipients: [existing.id], type: 'space_invitation.received', data: await presentReceived(trx, room, existing.org_id), actorId: actor.personId });
    }
    return { invitation, token, mail: placeholder ? ('link' as const) : existing?.status === 'active' ? ('account' as const) : ('none' as const) };
  });
  if (outcome.mail === 'link') await sendInvitationMail(core, { to: email, orgName: org.display_name, inviterId: actor.personId, token: outcome.token, toSpace: input.roomId !== undefined });
  else if (outcome.mail === 'account') await mailAccountHolder(core, { to: email, orgName: org.display_name, inviterId: actor.personId, toSpace: input.roomId !== undefined });
  return outcome.invitation;
}

/**
 * The org invitation row (and, for an unknown address, the pending person it will activate).
 * `placeholder` says whether the link works: a pending person of the inviter's org. For any other
 * account the row points at it and its link is never sent, so the inviter's list looks the same.
 */
export async function createOrgInvitation(
  core: Core,
  trx: Db,
  actor: Actor,
  input: { email: string; roomId?: string | undefined; existing: PersonRow | undefined; displayName?: string | null; viaSpace?: boolean },
): Promise<{ invitation: InvitationRow; token: string; placeholder: boolean }> {
  const { email, existing } = input;
  const ownDomains = new Set((await listDomains(trx, actor.orgId)).filter((d) => d.verified === 1).map((d) => d.domain));
  const placeholder = existing === undefined || (existing.status === 'invited' && existing.org_id === actor.orgId);
  let person: PersonRow;
  // Re-inviting sends a fresh link and kills the old one (the org's rows for that person only).
  const earlier = existing === undefined ? [] : await trx.selectFrom('invitations').select('id').where('person_id', '=', existing.id).where('org_id', '=', actor.orgId).where('accepted_at', 'is', null).where('revoked_at', 'is', null).execute();
  if (earlier.length > 0) await trx.updateTable('invitations').set({ revoked_at: core.now() }).where('id', 'in', earlier.map((r) => r.id)).execute();
  if (existing !== undefined) {
    person = existing;
  } else {
    person = await insertPerson(core, trx, {
      orgId: actor.orgId,
      email,
      displayName: input.displayName ?? email.slice(0, email.indexOf('@')),
      status: 'invited',
      isGuest: !ownDomains.has(emailDomain(email)),
    });
  }
  const token = newToken('invitation');
  const now = core.now();
  const invitation: InvitationRow = {
    id: newId(),
    org_id: actor.orgId,
    email,
    person_id: person.id,
    invited_by: actor.personId,
    token_hash: await hashToken(token),
    // From the address's domain alone (a placeholder's flag was set so too), never from another org's account.
    as_guest: placeholder ? person.is_guest : ownDomains.has(emailDomain(email)) ? 0 : 1,
    created_at: now,
    expires_at: now + core.config.auth.invitationTtlSec * 1000,
    accepted_at: null,
    revoked_at: null,
    room_id: input.roomId ?? null,
    via_space: input.viaSpace === true ? 1 : 0,
  };
  await trx.insertInto('invitations').values(invitation).execute();
  await recordAdminAction(core, trx, actor, {
    action: earlier.length === 0 ? 'invitation.create' : 'invitation.resend',
    targetId: invitation.id,
    targetName: email,
    changes: { asGuest: { to: invitation.as_guest === 1 } },
  });
  return { invitation, token, placeholder };
}

async function inviterName(core: Core, inviterId: string): Promise<string> {
  return (await core.db.selectFrom('people').select('display_name').where('id', '=', inviterId).executeTakeFirst())?.display_name ?? 'Someone';
}

export async function sendInvitationMail(core: Core, m: { to: string; orgName: string; inviterId: string; token: string; toSpace?: boolean }): Promise<void> {
  const link = `${core.config.publicUrl}/#/invitation/${m.token}`;
  const name = await inviterName(core, m.inviterId);
  await core.mailer.send({
    to: m.to,
    subject: m.toSpace === true ? `${name} invited you to a space on Flint` : `${name} invited you to ${m.orgName} on Flint`,
    text:
      (m.toSpace === true ? `${name} (${m.orgName}) invited you to a space on Flint.\n\n` : `${name} invited you to join ${m.orgName} on Flint.\n\n`) +
      `Accept the invitation and choose a password here:\n${link}\n\n` +
      `Or with the API: POST /api/auth/signup with "invitationToken": "${m.token}".\n`,
  });
}

/** An invited address that already has an account: its owner is told so (the inviter is not). */
async function mailAccountHolder(core: Core, m: { to: string; orgName: string; inviterId: string; toSpace: boolean }): Promise<void> {
  const name = await inviterName(core, m.inviterId);
  await core.mailer.send({
    to: m.to,
    subject: m.toSpace ? `${name} invited you to a space on Flint` : `${name} invited you to ${m.orgName} on Flint`,
    text: m.toSpace
      ? `${name} (${m.orgName}) invited you to a space on Flint.\n\nYou already have an account: open Flint to accept or decline the invitation: ${core.config.publicUrl}/\n`
      : `${name} invited you to ${m.orgName} on Flint. You already have an account with this address, so there is nothing to do: sign in at ${core.config.publicUrl}/\n`,
  });
}

/** The pending invitation a token stands for, or a 4xx saying why it cannot be used. */
export async function invitationByToken(core: Core, db: Db, token: string): Promise<InvitationRow> {
  const row = await db.selectFrom('invitations').selectAll().where('token_hash', '=', await hashToken(token)).executeTakeFirst();
  if (row === undefined || row.revoked_at !== null) throw new ApiError('invalid_credentials', 'The invitation is not valid.');
  if (row.accepted_at !== null) throw new ApiError('gone', 'The invitation has been used already.');
  if (row.expires_at <= core.now()) throw new ApiError('gone', 'The invitation has expired.');
  return row;
}

export async function listInvitations(core: Core, actor: Actor): Promise<InvitationRow[]> {
  // An org invitation made by a space invitation is listed with the space's (`GET /api/rooms/:id/invitations`),
  // where every address looks alike; here, only an unknown address would have one, which would tell it apart.
  let q = core.db.selectFrom('invitations').selectAll().where('org_id', '=', actor.orgId).where('accepted_at', 'is', null).where('revoked_at', 'is', null).where('via_space', '=', 0);
  if (!actor.isAdmin) q = q.where('invited_by', '=', actor.personId);
  return q.orderBy('created_at', 'desc').limit(1000).execute();
}

export async function revokeInvitation(core: Core, actor: Actor, id: string): Promise<void> {
  const row = await core.db.selectFrom('invitations').selectAll().where('id', '=', id).where('org_id', '=', actor.orgId).executeTakeFirst();
  if (row === undefined || row.accepted_at !== null || row.revoked_at !== null) throw ApiError.notFound('invitation');
  if (!actor.isAdmin && row.invited_by !== actor.personId) throw ApiError.notFound('invitation');
  await core.db.transaction().execute(async (trx) => {
    await trx.updateTable('invitations').set({ revoked_at: core.now() }).where('id', '=', id).execute();
    await recordAdminAction(core, trx, actor, { action: 'invitation.revoke', targetId: id, targetName: row.email });
    // The placeholder person goes too, unless another pending invitation still points at it.
    const others = await trx.selectFrom('invitations').select('id').where('person_id', '=', row.person_id).where('accepted_at', 'is', null).where('revoked_at', 'is', null).executeTakeFirst();
    // Only this org's pending person: a row may point at an account of another org (see `invite`).
    if (others === undefined) await trx.deleteFrom('people').where('id', '=', row.person_id).where('org_id', '=', actor.orgId).where('status', '=', 'invited').execute();
  });
}

/** Sends a pending invitation again: a fresh link and expiry, into the same space (the old link dies). */
export async function resendInvitation(core: Core, actor: Actor, id: string): Promise<InvitationRow> {
  const row = await core.db.selectFrom('invitations').selectAll().where('id', '=', id).where('org_id', '=', actor.orgId).executeTakeFirst();
  if (row === undefined || row.accepted_at !== null || row.revoked_at !== null) throw ApiError.notFound('invitation');
  if (!actor.isAdmin && row.invited_by !== actor.personId) throw ApiError.notFound('invitation');
  const person = await core.db.selectFrom('people').select('display_name').where('id', '=', row.person_id).executeTakeFirst();
  return invite(core, actor, { email: row.email, displayName: person?.display_name, roomId: row.room_id ?? undefined });
}

/** What the invitation page shows: who invited the token's holder, to which org and space. */
export async function previewInvitation(core: Core, token: string): Promise<InvitationPreview> {
  const row = await invitationByToken(core, core.db, token);
  const org = await getOrg(core.db, row.org_id);
  const inviter = await core.db.selectFrom('people').select('display_name').where('id', '=', row.invited_by).executeTakeFirst();
  const preview: InvitationPreview = {
    email: row.email,
    orgName: org?.display_name ?? '',
    inviterName: inviter?.display_name ?? 'Someone',
    asGuest: row.as_guest === 1,
    expires: iso(row.expires_at),
  };
  if (row.room_id !== null) preview.roomId = row.room_id;
  return preview;
}
