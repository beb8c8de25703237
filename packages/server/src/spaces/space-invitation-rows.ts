/**
 * The rows of invitations into a space (migration 0036) and their wire shapes: shared by space
 * invitations (`space-invitations.ts`) and org invitations naming a space (`identity/invitations.ts`).
 * @module
 */
import { MESSAGING_LIMITS, type ReceivedSpaceInvitation, type SpaceInvitation } from '@flint/protocol';
import type { Kysely } from 'kysely';
import type { Core } from '../core.ts';
import type { Database, SpaceInvitationRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';

/** Pending invitations a space may hold at once (docs/limits.md). */
export const PENDING_INVITATIONS_PER_SPACE: number = MESSAGING_LIMITS.pendingInvitationsPerSpace;

export function presentSpaceInvitation(row: SpaceInvitationRow, ownDomains: ReadonlySet<string>): SpaceInvitation {
  const domain = row.email.slice(row.email.lastIndexOf('@') + 1);
  const out: SpaceInvitation = { id: row.id, roomId: row.space_id, email: row.email, invitedBy: row.invited_by, outsideOrg: !ownDomains.has(domain), created: iso(row.created_at), expires: iso(row.expires_at) };
  if (row.accepted_at !== null) out.accepted = iso(row.accepted_at);
  if (row.accepted_person_id !== null) out.acceptedPersonId = row.accepted_person_id;
  return out;
}

export async function presentReceived(db: Kysely<Database>, row: SpaceInvitationRow, inviteeOrgId: string): Promise<ReceivedSpaceInvitation> {
  const inviter = await db.selectFrom('people').selectAll().where('id', '=', row.invited_by).executeTakeFirst();
  const space = await db.selectFrom('spaces').select('org_id').where('id', '=', row.space_id).executeTakeFirst();
  const org = inviter === undefined ? undefined : await db.selectFrom('orgs').select('display_name').where('id', '=', inviter.org_id).executeTakeFirst();
  const out: ReceivedSpaceInvitation = {
    id: row.id,
    roomId: row.space_id,
    inviterName: inviter?.display_name ?? '',
    inviterEmail: inviter?.email ?? '',
    inviterOrgName: org?.display_name ?? '',
    external: space !== undefined && space.org_id !== inviteeOrgId,
    created: iso(row.created_at),
    expires: iso(row.expires_at),
  };
  if (row.accepted_at !== null) out.accepted = iso(row.accepted_at);
  return out;
}

/**
 * Makes or refreshes the invitation of `email` into `roomId` (a new expiry and inviter; an
 * acceptance is kept), after sweeping the space's expired ones; at most
 * PENDING_INVITATIONS_PER_SPACE at once. Decided without looking the address up.
 */
export async function upsertSpaceInvitation(core: Pick<Core, 'now' | 'config'>, trx: Kysely<Database>, input: { roomId: string; email: string; invitedBy: string }): Promise<SpaceInvitationRow> {
  const now = core.now();
  const expires = now + core.config.auth.invitationTtlSec * 1000;
  await trx.deleteFrom('space_invitations').where('space_id', '=', input.roomId).where('expires_at', '<=', now).execute();
  const previous = await trx.selectFrom('space_invitations').selectAll().where('space_id', '=', input.roomId).where('email', '=', input.email).executeTakeFirst();
  if (previous !== undefined) {
    await trx.updateTable('space_invitations').set({ invited_by: input.invitedBy, created_at: now, expires_at: expires }).where('id', '=', previous.id).execute();
    return { ...previous, invited_by: input.invitedBy, created_at: now, expires_at: expires };
  }
  const pending = await trx.selectFrom('space_invitations').select((eb) => eb.fn.countAll<number>().as('n')).where('space_id', '=', input.roomId).executeTakeFirstOrThrow();
  if (Number(pending.n) >= PENDING_INVITATIONS_PER_SPACE) throw ApiError.badRequest(`A space holds at most ${PENDING_INVITATIONS_PER_SPACE} pending invitations.`);
  const row: SpaceInvitationRow = { id: newId(), space_id: input.roomId, email: input.email, invited_by: input.invitedBy, created_at: now, expires_at: expires, accepted_at: null, accepted_person_id: null };
  await trx.insertInto('space_invitations').values(row).execute();
  return row;
}

/** The verified domains of the org a space belongs to (what `outsideOrg` is judged by). */
export async function spaceOrgDomains(db: Kysely<Database>, spaceId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('spaces')
    .innerJoin('org_domains', 'org_domains.org_id', 'spaces.org_id')
    .select('org_domains.domain')
    .where('spaces.id', '=', spaceId)
    .where('org_domains.verified', '=', 1)
    .execute();
  return new Set(rows.map((r) => r.domain));
}
