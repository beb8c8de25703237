/**
 * Invitations by e-mail (SPEC ID-3). An invitation creates the invited person as `invited` (so an
 * admin sees them, and spaces can include them later) and mails a one-time link; it is kept until
 * accepted, withdrawn or expired. Someone outside the org's domains joins as a guest.
 * @module
 */
import { ApiError } from '../errors.ts';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { InvitationRow, PersonRow } from '../db/schema.ts';
import { newId } from '../infra/ids.ts';
import { assertMayCreateAccount, emailDomain, getOrg, listDomains, normalizeEmail, parsePolicy } from './orgs.ts';
import { findPersonByEmail, insertPerson } from './people.ts';
import { hashToken, newToken } from './tokens.ts';
import { cleanOptionalName } from './names.ts';

export interface InviteInput {
  email: string;
  displayName?: string | undefined;
}

export async function invite(core: Core, actor: Actor, input: InviteInput): Promise<InvitationRow> {
  if (actor.isGuest) throw ApiError.forbidden('Guests cannot invite people.');
  const org = await getOrg(core.db, actor.orgId);
  if (org === undefined) throw ApiError.notFound('organization');
  if (!actor.isAdmin && !parsePolicy(org).membersMayInvite) throw ApiError.forbidden('Only administrators may invite people in this organization.');
  const email = normalizeEmail(input.email);
  const { invitation, token } = await core.db.transaction().execute(async (trx) => {
    await assertMayCreateAccount(trx, actor.orgId, email);
    const existing = await findPersonByEmail(trx, email);
    let person: PersonRow;
    if (existing !== undefined) {
      // Re-inviting someone still pending sends a fresh link; an active account needs none.
      if (existing.status !== 'invited' || existing.org_id !== actor.orgId) throw ApiError.conflict('This address already has an account.');
      person = existing;
      await trx.updateTable('invitations').set({ revoked_at: core.now() }).where('person_id', '=', person.id).where('accepted_at', 'is', null).execute();
    } else {
      const ownDomains = new Set((await listDomains(trx, actor.orgId)).filter((d) => d.verified === 1).map((d) => d.domain));
      person = await insertPerson(core, trx, {
        orgId: actor.orgId,
        email,
        displayName: (input.displayName !== undefined ? cleanOptionalName('displayName', input.displayName) : null) ?? email.slice(0, email.indexOf('@')),
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
      as_guest: person.is_guest,
      created_at: now,
      expires_at: now + core.config.auth.invitationTtlSec * 1000,
      accepted_at: null,
      revoked_at: null,
    };
    await trx.insertInto('invitations').values(invitation).execute();
    return { invitation, token };
  });
  const inviter = await core.db.selectFrom('people').select('display_name').where('id', '=', actor.personId).executeTakeFirst();
  await sendInvitationMail(core, { to: email, orgName: org.display_name, inviterName: inviter?.display_name ?? 'Someone', token });
  return invitation;
}

export async function sendInvitationMail(core: Core, m: { to: string; orgName: string; inviterName: string; token: string }): Promise<void> {
  const link = `${core.config.publicUrl}/#/invitation/${m.token}`;
  await core.mailer.send({
    to: m.to,
    subject: `${m.inviterName} invited you to ${m.orgName} on Flint`,
    text:
      `${m.inviterName} invited you to join ${m.orgName} on Flint.\n\n` +
      `Accept the invitation and choose a password here:\n${link}\n\n` +
      `Or with the API: POST /api/auth/signup with "invitationToken": "${m.token}".\n`,
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
  let q = core.db.selectFrom('invitations').selectAll().where('org_id', '=', actor.orgId).where('accepted_at', 'is', null).where('revoked_at', 'is', null);
  if (!actor.isAdmin) q = q.where('invited_by', '=', actor.personId);
  return q.orderBy('created_at', 'desc').limit(1000).execute();
}

export async function revokeInvitation(core: Core, actor: Actor, id: string): Promise<void> {
  const row = await core.db.selectFrom('invitations').selectAll().where('id', '=', id).where('org_id', '=', actor.orgId).executeTakeFirst();
  if (row === undefined || row.accepted_at !== null || row.revoked_at !== null) throw ApiError.notFound('invitation');
  if (!actor.isAdmin && row.invited_by !== actor.personId) throw ApiError.notFound('invitation');
  await core.db.transaction().execute(async (trx) => {
    await trx.updateTable('invitations').set({ revoked_at: core.now() }).where('id', '=', id).execute();
    // The placeholder person goes too, unless another pending invitation still points at it.
    const others = await trx.selectFrom('invitations').select('id').where('person_id', '=', row.person_id).where('accepted_at', 'is', null).where('revoked_at', 'is', null).executeTakeFirst();
    if (others === undefined) await trx.deleteFrom('people').where('id', '=', row.person_id).where('status', '=', 'invited').execute();
  });
}
