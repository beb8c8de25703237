/**
 * Changing and reading a resource's authorization list. Any authorized principal may add others
 * or remove anyone (including themselves: leaving), as in Webex; nobody else may do either.
 * @module
 */
import type { kms as wire, KmsRequestOf } from '@flint/protocol';
import type { Caller, KmsContext } from './context.ts';
import { KmsError } from './errors.ts';
import { canonicalObjectUri } from './uris.ts';
import { requireAuthorized } from './authorization-graph.ts';
import { grant, presentAuthorization, principalsOf, type AuthorizationObject } from './resources.ts';

export async function addAuthorizations(kms: KmsContext, caller: Caller, body: KmsRequestOf<typeof wire.KMS_OPERATIONS.createAuthorizations>): Promise<{ resourceUri: string; all: AuthorizationObject[]; created: AuthorizationObject[] }> {
  const resourceUri = canonicalObjectUri(kms, body.resourceUri, 'resources');
  const principals = principalsOf(kms, body);
  if (principals.length === 0) throw KmsError.badRequest('authIds or userIds must name at least one principal');
  await requireAuthorized(kms, caller.userId, resourceUri);
  const result = await kms.db.transaction().execute((trx) => grant(kms, trx, caller, resourceUri, principals));
  return { resourceUri, ...result };
}

export async function listAuthorizations(kms: KmsContext, caller: Caller, resourceUri: string, authId: string | null): Promise<AuthorizationObject[]> {
  await requireAuthorized(kms, caller.userId, resourceUri);
  let q = kms.db.selectFrom('kms_authorizations').selectAll().where('resource_uri', '=', resourceUri);
  if (authId !== null) q = q.where('auth_id', '=', normalizeAuthId(kms, authId));
  return (await q.orderBy('uri').execute()).map(presentAuthorization);
}

function normalizeAuthId(kms: KmsContext, authId: string): string {
  return authId.startsWith('kms://') || authId.startsWith('/resources/') ? canonicalObjectUri(kms, authId, 'resources') : authId;
}

/** Removes one authorization, named by resource and authId, or by its own URI. */
export async function removeAuthorization(kms: KmsContext, caller: Caller, target: { resourceUri: string; authId: string } | { uri: string }): Promise<AuthorizationObject> {
  const row =
    'uri' in target
      ? await kms.db.selectFrom('kms_authorizations').selectAll().where('uri', '=', target.uri).executeTakeFirst()
      : await kms.db.selectFrom('kms_authorizations').selectAll().where('resource_uri', '=', target.resourceUri).where('auth_id', '=', normalizeAuthId(kms, target.authId)).executeTakeFirst();
  if (row === undefined) {
    // Only an authorized caller learns that the authorization does not exist.
    if ('resourceUri' in target) await requireAuthorized(kms, caller.userId, target.resourceUri);
    else throw KmsError.forbidden();
    throw KmsError.notFound('No such authorization.');
  }
  await requireAuthorized(kms, caller.userId, row.resource_uri);
  await kms.db.deleteFrom('kms_authorizations').where('uri', '=', row.uri).execute();
  return presentAuthorization(row);
}
