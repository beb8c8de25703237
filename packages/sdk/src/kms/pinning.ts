/**
 * Pinning the KMS's static key. A client takes the KMS's RSA key from the core's discovery answer
 * and seals its handshake (bearer, device and password credentials) to it; a core that answered
 * with a key of its own could read that handshake and speak to the KMS in the client's place. A
 * client that knows the KMS's key from elsewhere (its operator, a previous session) gives it here,
 * and discovery must agree (docs/threat-model.md).
 * @module
 */
import type { Jwk } from '@flint/crypto';
import { FlintError } from '../errors.ts';

function asJwk(key: string | Jwk): Jwk {
  return typeof key === 'string' ? (JSON.parse(key) as Jwk) : key;
}

/** Throws unless the discovered static key is the pinned one (same RSA modulus and exponent). */
export function requirePinnedKmsKey(discovered: string | Jwk, pinned: string | Jwk): void {
  const a = asJwk(discovered);
  const b = asJwk(pinned);
  if (a.kty !== 'RSA' || a.n === undefined || a.n !== b.n || a.e !== b.e) {
    throw FlintError.invalid('The KMS key the core announced is not the pinned one: refusing to send it anything.', 'forbidden');
  }
}
