/**
 * Ephemeral keys (the per-session K_ephemeral of the handshake), persisted sealed in the KMS
 * database: Webex clients never renegotiate on their own before `expirationDate − 30 s`, so a key
 * lost by a restart or unknown to another node would break every one of their requests.
 * @module
 */
import type { KmsContext } from './context.ts';
import { hotQueries } from './storage/hot-queries.ts';

export interface EphemeralKey {
  uri: string;
  key: Uint8Array;
  userId: string;
  clientId: string;
  createdAt: number;
  expiresAt: number;
}

export async function saveEphemeralKey(kms: KmsContext, key: EphemeralKey): Promise<void> {
  await kms.db
    .insertInto('kms_ephemeral_keys')
    .values({
      uri: key.uri,
      key_sealed: kms.sealer.seal(key.key, `ephemeral:${key.uri}`),
      user_id: key.userId,
      client_id: key.clientId,
      created_at: key.createdAt,
      expires_at: key.expiresAt,
    })
    .execute();
}

/** The live key with this URI, or undefined if it is unknown, deleted or expired. */
export async function findEphemeralKey(kms: KmsContext, uri: string): Promise<EphemeralKey | undefined> {
  const [row] = await hotQueries(kms.db).ephemeralKey(uri);
  if (row === undefined || row.expires_at <= kms.now()) return undefined;
  return {
    uri: row.uri,
    key: kms.sealer.open(row.key_sealed, `ephemeral:${row.uri}`),
    userId: row.user_id,
    clientId: row.client_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export async function deleteEphemeralKey(kms: KmsContext, uri: string): Promise<void> {
  await kms.db.deleteFrom('kms_ephemeral_keys').where('uri', '=', uri).execute();
}

/** Forgets expired keys (they are refused anyway); returns how many were removed. */
export async function sweepEphemeralKeys(kms: KmsContext): Promise<number> {
  const result = await kms.db.deleteFrom('kms_ephemeral_keys').where('expires_at', '<=', kms.now()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
