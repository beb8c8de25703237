/**
 * Who may act on a resource (KRO): principals on its authorization list, directly or through a
 * KRO named as an `authId` (everyone authorized on that KRO), transitively with cycle protection.
 * Only the KMS's own tables are consulted — nothing the core stores can grant access.
 * @module
 */
import type { KmsContext } from './context.ts';
import { KmsError } from './errors.ts';
import { isOfficerFor } from './officers.ts';
import { hotQueries } from './storage/hot-queries.ts';

const MAX_DEPTH = 8;

export async function isAuthorized(kms: KmsContext, userId: string, resourceUri: string): Promise<boolean> {
  const seen = new Set<string>();
  let frontier = [resourceUri];
  for (let depth = 0; depth < MAX_DEPTH && frontier.length > 0; depth++) {
    for (const uri of frontier) seen.add(uri);
    // One resource (every first step, and most graphs): the prepared read.
    const rows = frontier.length === 1 ? await hotQueries(kms.db).authorizedOn(frontier[0]!) : await kms.db.selectFrom('kms_authorizations').select('auth_id').where('resource_uri', 'in', frontier).execute();
    if (rows.some((r) => r.auth_id === userId)) return true;
    frontier = rows.map((r) => r.auth_id).filter((id) => id.startsWith('kms://') && !seen.has(id));
  }
  return false;
}

/** Throws 404 for an unknown resource and 403 when the caller is not on its list. */
export async function requireAuthorized(kms: KmsContext, userId: string, resourceUri: string): Promise<void> {
  const exists = await kms.db.selectFrom('kms_resources').select('uri').where('uri', '=', resourceUri).executeTakeFirst();
  // A caller not authorized learns nothing, not even whether the resource exists.
  if (exists === undefined) throw KmsError.forbidden();
  if (!(await isAuthorized(kms, userId, resourceUri))) throw KmsError.forbidden();
}

/**
 * Who may read a resource's keys: its authorized principals (`member`) and the compliance officers
 * of its organization (`officer`, granted in the KMS only: officers.ts). Undefined: neither.
 */
export async function readAccess(kms: KmsContext, userId: string, resourceUri: string): Promise<'member' | 'officer' | undefined> {
  if (await isAuthorized(kms, userId, resourceUri)) return 'member';
  return (await isOfficerFor(kms, userId, resourceUri)) ? 'officer' : undefined;
}

/** Like `requireAuthorized`, for reading keys: members and the organization's compliance officers. */
export async function requireReadAccess(kms: KmsContext, userId: string, resourceUri: string): Promise<'member' | 'officer'> {
  const exists = await kms.db.selectFrom('kms_resources').select('uri').where('uri', '=', resourceUri).executeTakeFirst();
  if (exists === undefined) throw KmsError.forbidden();
  const access = await readAccess(kms, userId, resourceUri);
  if (access === undefined) throw KmsError.forbidden();
  return access;
}
