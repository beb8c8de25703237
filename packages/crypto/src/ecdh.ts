/**
 * The KMS handshake's key agreement: ECDH on P-256, then HKDF-SHA-256 with empty salt and info,
 * 32 bytes out — node-jose's `ECDH-HKDF`, which node-kms and the Webex SDK use. WebCrypto only.
 * @module
 */
import { fromBase64Url, toBase64Url } from './encoding.ts';
import { JoseError } from './jose.ts';

export interface EcPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

export interface EcdhKeyPair {
  privateKey: CryptoKey;
  publicJwk: EcPublicJwk;
}

const P256 = { name: 'ECDH', namedCurve: 'P-256' } as const;

export async function generateEcdhKeyPair(): Promise<EcdhKeyPair> {
  const pair = await globalThis.crypto.subtle.generateKey(P256, true, ['deriveBits']);
  const jwk = await globalThis.crypto.subtle.exportKey('jwk', pair.publicKey);
  return { privateKey: pair.privateKey, publicJwk: ecPublic(jwk) };
}

/**
 * Only the public coordinates count: node-kms's own tests send the whole private JWK (`d`
 * included), and other members (`kid`) are noise.
 */
export function ecPublic(jwk: unknown): EcPublicJwk {
  const j = (jwk ?? {}) as Record<string, unknown>;
  if (j['kty'] !== 'EC' || j['crv'] !== 'P-256' || typeof j['x'] !== 'string' || typeof j['y'] !== 'string') {
    throw new JoseError('an EC P-256 public key is required');
  }
  if (fromBase64Url(j['x']).length !== 32 || fromBase64Url(j['y']).length !== 32) throw new JoseError('bad P-256 coordinates');
  return { kty: 'EC', crv: 'P-256', x: j['x'], y: j['y'] };
}

/** Imports a private P-256 key given as a JWK with `d` (for test vectors and persisted client keys). */
export async function importEcdhPrivateKey(jwk: EcPublicJwk & { d: string }): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey('jwk', { ...ecPublic(jwk), d: jwk.d }, P256, false, ['deriveBits']);
}

/**
 * K_ephemeral = HKDF-SHA-256(Z, salt = "", info = "", 32), where Z is the fixed-length 32-byte
 * x-coordinate of the shared point (a truncated Z breaks one handshake in 256). Importing the
 * peer's key makes WebCrypto reject a point that is not on the curve.
 */
export async function deriveEphemeralKey(privateKey: CryptoKey, peer: unknown): Promise<Uint8Array> {
  let peerKey: CryptoKey;
  try {
    peerKey = await globalThis.crypto.subtle.importKey('jwk', ecPublic(peer), P256, false, []);
  } catch (error) {
    throw new JoseError('the peer EC key is not a valid P-256 point', { cause: error });
  }
  const z = await globalThis.crypto.subtle.deriveBits({ name: 'ECDH', public: peerKey }, privateKey, 256);
  const ikm = await globalThis.crypto.subtle.importKey('raw', z, 'HKDF', false, ['deriveBits']);
  const k = await globalThis.crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new Uint8Array(0) }, ikm, 256);
  return new Uint8Array(k);
}

/** A symmetric key as the `oct` JWK the KMS hands out, and back. */
export function octJwk(key: Uint8Array, kid: string): { kty: 'oct'; kid: string; k: string } {
  return { kty: 'oct', kid, k: toBase64Url(key) };
}

export function keyFromOctJwk(jwk: unknown): Uint8Array {
  const j = (jwk ?? {}) as Record<string, unknown>;
  if (j['kty'] !== 'oct' || typeof j['k'] !== 'string') throw new JoseError('an oct JWK is required');
  const key = fromBase64Url(j['k']);
  if (key.length !== 32) throw new JoseError('an A256GCM key is 32 bytes');
  return key;
}
