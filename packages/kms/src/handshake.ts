/**
 * The ECDHE handshake (create `/ecdhe`): the client's P-256 public key arrives inside an RSA-OAEP
 * JWE; the KMS answers with its own fresh P-256 public key, and both sides derive K_ephemeral
 * with HKDF. The answer is signed, not encrypted, since there is no shared key yet.
 * The agreement runs on node:crypto (synchronous, no key import per step): the same ECDH-HKDF as
 * `@flint/crypto`'s WebCrypto one (`deriveEphemeralKey`), which the SDK and node-kms use.
 * @module
 */
import { createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { ecPublic, JoseError, type EcPublicJwk } from '@flint/crypto';
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
  let peerKey: KeyObject;
  try {
    // OpenSSL refuses coordinates that are not a point of the curve.
    peerKey = createPublicKey({ key: { ...peer }, format: 'jwk' });
  } catch {
    throw KmsError.badRequest('jwk is not a valid P-256 point');
  }
  const mine = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // K_ephemeral = HKDF-SHA-256(Z, salt = "", info = "", 32); Z is the 32-byte x-coordinate.
  const z = diffieHellman({ privateKey: mine.privateKey, publicKey: peerKey });
  const key = new Uint8Array(hkdfSync('sha256', z, new Uint8Array(0), new Uint8Array(0), 32));
  const publicJwk = ecPublic(mine.publicKey.export({ format: 'jwk' })) satisfies EcPublicJwk;
  const createdAt = kms.now();
  // The Webex SDK re-keys at expirationDate − 30 s and misbehaves without the field, so it is
  // always present and far enough ahead.
  const expiresAt = createdAt + kms.lifetimes.ephemeralMs;
  const uri = newObjectUri(kms, 'ecdhe');
  await saveEphemeralKey(kms, { uri, key, userId: caller.userId, clientId: caller.clientId, createdAt, expiresAt });
  return {
    uri,
    jwk: publicJwk,
    userId: caller.userId,
    clientId: caller.clientId,
    createDate: new Date(createdAt).toISOString(),
    expirationDate: new Date(expiresAt).toISOString(),
  };
}
