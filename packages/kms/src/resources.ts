/**
 * Resources (KROs): the object a space's keys are bound to, and whose authorization list says who
 * gets them. Creating one is all-or-nothing: any bad key or principal fails the whole request.
 * @module
 */
import type { Kysely, Transaction } from 'kysely';
import type { kms as wire, KmsAuthorizationObject, KmsRequestOf, KmsResourceObject } from '@flint/protocol';
import type { Caller, KmsContext } from './context.ts';
import type { KmsDatabase } from './storage/schema.ts';
import { KmsError } from './errors.ts';
import { canonicalObjectUri, newObjectUri } from './uris.ts';
import { requireAuthorized, requireReadAccess } from './authorization-graph.ts';
import { presentKey, type KeyObject } from './keys.ts';
import { bindingOf } from './bindings.ts';

/** A resource and an authorization as the protocol carries them (`@flint/protocol`). */
export type ResourceObject = KmsResourceObject;
export type AuthorizationObject = KmsAuthorizationObject;

export const MAX_PRINCIPALS_PER_REQUEST = 1000;
const MAX_ID = 512;

/**
 * The principals named in a request: the draft's `authIds` and the SDK's `userIds`, unioned and
 * deduplicated. A KRO named as a principal is canonicalized to its absolute URI.
 */
export function principalsOf(kms: KmsContext, body: { authIds?: string[] | undefined; userIds?: string[] | undefined }): string[] {
  const out = new Set<string>();
  for (const field of ['authIds', 'userIds'] as const) {
    const list = body[field];
    if (list === undefined) continue;
    for (const id of list) {
      if (id.trim() === '' || id.length > MAX_ID) throw KmsError.badRequest(`${field} must hold non-empty strings`);
      out.add(id.startsWith('kms://') || id.startsWith('/resources/') ? canonicalObjectUri(kms, id, 'resources') : id);
    }
  }
  if (out.size > MAX_PRINCIPALS_PER_REQUEST) throw KmsError.badRequest('too many principals in one request');
  return [...out];
}

export function presentAuthorization(row: { uri: string; auth_id: string; resource_uri: string; created_at: number }): AuthorizationObject {
  return { uri: row.uri, authId: row.auth_id, resourceUri: row.resource_uri, createDate: new Date(row.created_at).toISOString() };
}

/** Inserts the authorizations that do not exist yet; answers all of them (new and existing). */
export async function grant(kms: KmsContext, trx: Transaction<KmsDatabase> | Kysely<KmsDatabase>, caller: Caller, resourceUri: string, principals: readonly string[]): Promise<{ all: AuthorizationObject[]; created: AuthorizationObject[] }> {
  const kros = principals.filter((p) => p.startsWith('kms://'));
  if (kros.length > 0) {
    const found = await trx.selectFrom('kms_resources').select('uri').where('uri', 'in', kros).execute();
    if (found.length !== kros.length) throw KmsError.badRequest('an authId names an unknown resource');
  }
  const existing = principals.length === 0 ? [] : await trx.selectFrom('kms_authorizations').selectAll().where('resource_uri', '=', resourceUri).where('auth_id', 'in', principals).execute();
  const have = new Set(existing.map((r) => r.auth_id));
  const now = kms.now();
  const rows = principals.filter((p) => !have.has(p)).map((p) => ({ uri: newObjectUri(kms, 'authorizations'), resource_uri: resourceUri, auth_id: p, created_by: caller.userId, created_at: now }));
  if (rows.length > 0) await trx.insertInto('kms_authorizations').values(rows).execute();
  const created = rows.map(presentAuthorization);
  const byId = new Map([...existing.map(presentAuthorization), ...created].map((a) => [a.authId, a]));
  return { all: principals.map((p) => byId.get(p)!), created };
}

async function presentResource(db: Kysely<KmsDatabase> | Transaction<KmsDatabase>, uri: string): Promise<ResourceObject> {
  const keys = await db.selectFrom('kms_keys').select('uri').where('resource_uri', '=', uri).orderBy('bound_at').orderBy('uri').execute();
  const auths = await db.selectFrom('kms_authorizations').select('uri').where('resource_uri', '=', uri).orderBy('uri').execute();
  const row = await db.selectFrom('kms_resources').select(['room_id', 'team_id']).where('uri', '=', uri).executeTakeFirst();
  const boundTo = row === undefined ? undefined : bindingOf(row);
  return { uri, keyUris: keys.map((k) => k.uri), authorizationUris: auths.map((a) => a.uri), ...(boundTo !== undefined ? { boundTo } : {}) };
}

export async function createResource(kms: KmsContext, caller: Caller, body: KmsRequestOf<typeof wire.KMS_OPERATIONS.createResource>): Promise<{ resource: ResourceObject; authorizations: AuthorizationObject[]; keyUris: string[] }> {
  // The creator is always authorized, once.
  const principals = [...new Set([caller.userId, ...principalsOf(kms, body)])];
  const keyUris = [...new Set((body.keyUris ?? []).map((k) => canonicalObjectUri(kms, k, 'keys')))];
  const uri = newObjectUri(kms, 'resources');
  const now = kms.now();
  return kms.db.transaction().execute(async (trx) => {
    await trx.insertInto('kms_resources').values({ uri, created_by: caller.userId, created_at: now, org_id: caller.orgId === '' ? null : caller.orgId }).execute();
    const { created } = await grant(kms, trx, caller, uri, principals);
    for (const keyUri of keyUris) {
      const key = await trx.selectFrom('kms_keys').selectAll().where('uri', '=', keyUri).executeTakeFirst();
      if (key === undefined || key.user_id !== caller.userId) throw KmsError.forbidden(`Not the owner of key ${keyUri}.`);
      if (key.resource_uri !== null) throw KmsError.conflict(`Key ${keyUri} is already bound.`);
      if (key.expires_at <= now) throw KmsError.badRequest(`Key ${keyUri} expired before it was bound.`);
      await trx.updateTable('kms_keys').set({ resource_uri: uri, bound_at: now, expires_at: now + kms.lifetimes.boundKeyMs }).where('uri', '=', keyUri).execute();
    }
    return { resource: await presentResource(trx, uri), authorizations: created, keyUris };
  });
}

export async function retrieveResource(kms: KmsContext, caller: Caller, uri: string): Promise<ResourceObject> {
  await requireAuthorized(kms, caller.userId, uri);
  return presentResource(kms.db, uri);
}

function dateParam(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw KmsError.badRequest(`${name} must be an RFC 3339 date`);
  return t;
}

/** The resource's bound keys, filtered by bind date; with `count`, the most recently bound ones. */
export async function retrieveResourceKeys(kms: KmsContext, caller: Caller, uri: string, params: { boundAfter: string | null; boundBefore: string | null; count: unknown }): Promise<{ keys: KeyObject[]; officer: boolean }> {
  const access = await requireReadAccess(kms, caller.userId, uri);
  const after = dateParam(params.boundAfter, 'boundAfter');
  const before = dateParam(params.boundBefore, 'boundBefore');
  const count = params.count === undefined || params.count === null ? undefined : Number(params.count);
  if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > 1000)) throw KmsError.badRequest('count must be an integer from 1 to 1000');
  let q = kms.db.selectFrom('kms_keys').selectAll().where('resource_uri', '=', uri);
  if (after !== undefined) q = q.where('bound_at', '>=', after);
  if (before !== undefined) q = q.where('bound_at', '<', before);
  const rows = await q.orderBy('bound_at', 'desc').orderBy('uri', 'desc').limit(count ?? 1000).execute();
  return { keys: rows.reverse().map((r) => presentKey(kms, r)), officer: access === 'officer' };
}
