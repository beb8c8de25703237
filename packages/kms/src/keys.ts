/**
 * Content keys: created unbound (owned by the creator and their client, to be bound to a resource
 * before `expirationDate`), bound to a resource once, and served to the resource's authorized
 * principals. Key material is 32 random bytes, sealed at rest.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { octJwk } from '@flint/crypto';
import { kms as wire, type KmsKeyObject } from '@flint/protocol';
import type { Selectable } from 'kysely';
import type { Caller, KmsContext } from './context.ts';
import type { KmsKeysTable } from './storage/schema.ts';
import { KmsError } from './errors.ts';
import { newObjectUri } from './uris.ts';
import { readAccess, requireAuthorized } from './authorization-graph.ts';
import { hotQueries } from './storage/hot-queries.ts';

/** A key as the protocol carries it (`@flint/protocol`'s `KmsKeyObject`). */
export type KeyObject = KmsKeyObject;

export const MAX_KEYS_PER_REQUEST = wire.KMS_MAX_KEYS_PER_REQUEST;

export function presentKey(kms: KmsContext, row: Selectable<KmsKeysTable>): KeyObject {
  const key = kms.sealer.open(row.key_sealed, `key:${row.uri}`);
  return {
    uri: row.uri,
    // jwk.kid is the full key URI: clients look keys up by URI.
    jwk: octJwk(key, row.uri),
    userId: row.user_id,
    clientId: row.client_id,
    createDate: new Date(row.created_at).toISOString(),
    expirationDate: new Date(row.expires_at).toISOString(),
    ...(row.resource_uri !== null ? { resourceUri: row.resource_uri } : {}),
    ...(row.bound_at !== null ? { bindDate: new Date(row.bound_at).toISOString() } : {}),
  };
}

/** `count` new keys (the request's schema bounds it; checked again here for other callers). */
export async function createKeys(kms: KmsContext, caller: Caller, count: number): Promise<KeyObject[]> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_KEYS_PER_REQUEST) {
    throw KmsError.badRequest(`count must be an integer from 1 to ${MAX_KEYS_PER_REQUEST}`);
  }
  const now = kms.now();
  const rows = Array.from({ length: count }, () => {
    const uri = newObjectUri(kms, 'keys');
    return {
      uri,
      key_sealed: kms.sealer.seal(randomBytes(32), `key:${uri}`),
      user_id: caller.userId,
      client_id: caller.clientId,
      created_at: now,
      expires_at: now + kms.lifetimes.unboundKeyMs,
      resource_uri: null,
      bound_at: null,
    };
  });
  await kms.db.insertInto('kms_keys').values(rows).execute();
  return rows.map((r) => presentKey(kms, r));
}

async function findKey(kms: KmsContext, uri: string): Promise<Selectable<KmsKeysTable>> {
  const [row] = await hotQueries(kms.db).key(uri);
  // Unknown and forbidden look the same, so key URIs cannot be probed.
  if (row === undefined) throw KmsError.forbidden();
  return row;
}

/**
 * Unbound: its owner only. Bound: anyone authorized on its resource, and the compliance officers of
 * the resource's organization (`officer: true`, which the audit record says).
 */
export async function retrieveKey(kms: KmsContext, caller: Caller, uri: string): Promise<{ key: KeyObject; officer: boolean }> {
  const row = await findKey(kms, uri);
  if (row.resource_uri === null) {
    if (row.user_id !== caller.userId) throw KmsError.forbidden();
    return { key: presentKey(kms, row), officer: false };
  }
  const access = await readAccess(kms, caller.userId, row.resource_uri);
  if (access === undefined) throw KmsError.forbidden();
  return { key: presentKey(kms, row), officer: access === 'officer' };
}

/**
 * Binds an unbound key to a resource. Binding again to the same resource answers as a success,
 * because the Webex SDK replays timed-out requests; binding to another resource is a conflict.
 */
export async function bindKey(kms: KmsContext, caller: Caller, uri: string, resourceUri: string): Promise<KeyObject> {
  await requireAuthorized(kms, caller.userId, resourceUri);
  const row = await findKey(kms, uri);
  if (row.resource_uri === resourceUri) return presentKey(kms, row);
  if (row.resource_uri !== null) throw KmsError.conflict('The key is already bound to another resource.');
  if (row.user_id !== caller.userId) throw KmsError.forbidden();
  const now = kms.now();
  if (row.expires_at <= now) throw KmsError.badRequest('The unbound key expired before it was bound.');
  const result = await kms.db
    .updateTable('kms_keys')
    .set({ resource_uri: resourceUri, bound_at: now, expires_at: now + kms.lifetimes.boundKeyMs })
    .where('uri', '=', uri)
    .where('resource_uri', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    // Lost a race with another bind of the same key: answer as if it had come first.
    const again = await findKey(kms, uri);
    if (again.resource_uri !== resourceUri) throw KmsError.conflict('The key is already bound to another resource.');
    return presentKey(kms, again);
  }
  return presentKey(kms, await findKey(kms, uri));
}
