/**
 * The ECDHE handshake (create `/ecdhe`): the client's P-256 public key arrives inside an RSA-OAEP
 * JWE; the KMS answers with its own fresh P-256 public key, and both sides derive K_ephemeral
 * with HKDF. The answer is signed, not encrypted, since there is no shared key yet.
 * @module
 */
import { deriveEphemeralKey, ecPublic, generateEcdhKeyPair, JoseError } from '@flint/crypto';
import type { KmsEphemeralKeyObject } from '@flint/protocol';
import { KmsError } from './errors.ts';
import type { Caller, KmsContext } from './context.ts';
import { newObjectUri } from './uris.ts';
import { saveEphemeralKey } from './ephemeral-keys.ts';

/** The KMS's half of the handshake, as the protocol carries it (`@flint/protocol`). */
export type EphemeralKeyObject = KmsEphemeralKeyObject;

export async function createEphemeralKey(kms: KmsContext, caller: Caller, clientJwk: unknown): Promise<EphemeralKeyObject> {
  let peer;
  try {
    peer = ecPublic(clientJwk);
  } catch (error) {
    if (error instanceof JoseError) throw KmsError.badRequest('jwk must be an EC P-256 public key');
    throw error;
  }
  const mine = await generateEcdhKeyPair();
  let key: Uint8Array;
  try {
    key = await deriveEphemeralKey(mine.privateKey, peer);
  } catch (error) {
    if (error instanceof JoseError) throw KmsError.badRequest('jwk is not a valid P-256 point');
    throw error;
  }
  const createdAt = kms.now();
  // The Webex SDK re-keys at expirationDate − 30 s and misbehaves without the field, so it is
  // always present and far enough ahead.
  const expiresAt = createdAt + kms.lifetimes.ephemeralMs;
  const uri = newObjectUri(kms, 'ecdhe');
  await saveEphemeralKey(kms, { uri, key, userId: caller.userId, clientId: caller.clientId, createdAt, expiresAt });
  return {
    uri,
    jwk: mine.publicJwk,
    userId: caller.userId,
    clientId: caller.clientId,
    createDate: new Date(createdAt).toISOString(),
    expirationDate: new Date(expiresAt).toISOString(),
  };
}
