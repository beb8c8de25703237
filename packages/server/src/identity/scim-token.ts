/**
 * The org's dedicated SCIM token (issue 18): a long-lived bearer a directory (Okta, Entra ID…) is
 * given instead of an admin's access token, which expires with `FLINT_ACCESS_TOKEN_TTL`. One per
 * org; an org admin creates it (shown once), rotates it (the old one stops at once) and revokes it
 * in the console. Only its SHA-256 is stored. It works on that org's SCIM routes only — the HTTP
 * edge tries it there and nowhere else, and the actor it yields holds no admin role and no session,
 * so it reaches neither the rest of the API nor the KMS's token exchange.
 * @module
 */
import type { Actor, Core } from '../core.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { hashTokenSync, TOKEN_PREFIX } from './tokens.ts';
import { randomBytes, toHex } from '@flint/crypto';

const PREFIX = `${TOKEN_PREFIX.scim}-`;

export function isScimToken(token: string): boolean {
  return token.startsWith(PREFIX);
}

/** Marking a use on every request would make every read a write; once a minute is enough. */
const TOUCH_MS = 60_000;

/** The actor a SCIM token stands for; 401 when it is unknown (revoked, rotated away). */
export async function authenticateScimToken(core: Core, token: string): Promise<Actor> {
  const row = await core.db.selectFrom('scim_tokens').selectAll().where('hash', '=', hashTokenSync(token)).executeTakeFirst();
  if (row === undefined) throw ApiError.unauthorized();
  const now = core.now();
  if (row.last_used_at === null || now - row.last_used_at > TOUCH_MS) await core.db.updateTable('scim_tokens').set({ last_used_at: now }).where('org_id', '=', row.org_id).execute();
  return { personId: `scim-token:${row.id}`, orgId: row.org_id, sessionId: `scim-token:${row.id}`, type: 'person', isAdmin: false, isGuest: false, via: 'scim' };
}

export interface ScimTokenInfo {
  created: string;
  createdBy?: string;
  lastUsed?: string;
}

function requireAdmin(actor: Actor): void {
  if (!actor.isAdmin || actor.via === 'scim') throw ApiError.forbidden('This requires the organization administrator role.');
}

export async function scimTokenInfo(core: Core, actor: Actor): Promise<ScimTokenInfo | undefined> {
  requireAdmin(actor);
  const row = await core.db
    .selectFrom('scim_tokens')
    .leftJoin('people', 'people.id', 'scim_tokens.created_by')
    .select(['scim_tokens.created_at', 'scim_tokens.last_used_at', 'people.display_name'])
    .where('scim_tokens.org_id', '=', actor.orgId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { created: iso(row.created_at), ...(row.display_name !== null ? { createdBy: row.display_name } : {}), ...(row.last_used_at !== null ? { lastUsed: iso(row.last_used_at) } : {}) };
}

/** Creates the org's token, or rotates it (the previous one stops working at once). Shown once. */
export async function createScimToken(core: Core, actor: Actor): Promise<{ token: string; created: string }> {
  requireAdmin(actor);
  const token = `${PREFIX}${toHex(randomBytes(32))}`;
  const now = core.now();
  await core.db.transaction().execute(async (trx) => {
    const old = await trx.deleteFrom('scim_tokens').where('org_id', '=', actor.orgId).executeTakeFirst();
    await trx.insertInto('scim_tokens').values({ org_id: actor.orgId, id: newId(), hash: hashTokenSync(token), created_by: actor.personId, created_at: now, last_used_at: null }).execute();
    await recordAdminAction(core, trx, actor, { action: 'scim.tokenCreate', targetId: actor.orgId, targetName: 'SCIM', changes: { scimToken: { to: Number(old.numDeletedRows) > 0 ? 'rotated' : 'created' } } });
  });
  return { token, created: iso(now) };
}

export async function revokeScimToken(core: Core, actor: Actor): Promise<void> {
  requireAdmin(actor);
  const gone = await core.db.deleteFrom('scim_tokens').where('org_id', '=', actor.orgId).executeTakeFirst();
  if (Number(gone.numDeletedRows) === 0) throw ApiError.notFound('SCIM token');
  await recordAdminAction(core, core.db, actor, { action: 'scim.tokenRevoke', targetId: actor.orgId, targetName: 'SCIM' });
}
