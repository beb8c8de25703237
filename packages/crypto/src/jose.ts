/**
 * The JOSE envelopes of the Cisco KMS protocol and of content encryption, on the `jose` library
 * (WebCrypto underneath, so this runs in browsers and in Node alike). Only compact
 * serializations are used: two dots for a JWS, four for a JWE.
 * @module
 */
import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { utf8 } from './encoding.ts';

/** A JSON Web Key as it travels on the wire (a plain object). */
export type Jwk = JWK;

/** The one error type of this package: the envelope is malformed, forged or not for this key. */
export class JoseError extends Error {
  override readonly name = 'JoseError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export type CompactKind = 'jws' | 'jwe' | 'invalid';

/** Tells a JWS (3 parts) from a JWE (5 parts) the way node-kms does: by counting dots. */
export function compactKind(compact: string): CompactKind {
  const dots = compact.split('.').length - 1;
  return dots === 2 ? 'jws' : dots === 4 ? 'jwe' : 'invalid';
}

/** The protected header of a JWS or JWE, unverified (to pick the key, never to trust). */
export function protectedHeader(compact: string): Record<string, unknown> {
  try {
    return decodeProtectedHeader(compact);
  } catch (error) {
    throw new JoseError('malformed JOSE header', { cause: error });
  }
}

function asBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? utf8.encode(data) : data;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== 32) throw new JoseError('an A256GCM key is 32 bytes');
}

/**
 * `dir`/`A256GCM` JWE. With a `kid` it is a KMS message under an ephemeral key; without one it is
 * content, whose header must be exactly `{"alg":"dir","enc":"A256GCM"}` (Webex clients carry the
 * key URI beside the ciphertext, never inside it).
 */
export async function encryptDir(key: Uint8Array, plaintext: string | Uint8Array, kid?: string, testVector?: { iv: Uint8Array }): Promise<string> {
  checkKey(key);
  const header = kid === undefined ? { alg: 'dir', enc: 'A256GCM' } : { alg: 'dir', enc: 'A256GCM', kid };
  const jwe = new CompactEncrypt(asBytes(plaintext)).setProtectedHeader(header);
  if (testVector !== undefined) jwe.setInitializationVector(testVector.iv);
  return jwe.encrypt(key);
}

export async function decryptDir(key: Uint8Array, compact: string): Promise<{ plaintext: Uint8Array; header: Record<string, unknown> }> {
  checkKey(key);
  try {
    const { plaintext, protectedHeader: header } = await compactDecrypt(compact, key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    return { plaintext, header: header };
  } catch (error) {
    throw new JoseError('cannot decrypt the JWE with this key', { cause: error });
  }
}

/** Content encryption as Webex clients do it: a JWE compact string, header without `kid`. */
export async function encryptContent(key: Uint8Array, plaintext: string): Promise<string> {
  return encryptDir(key, plaintext);
}

export async function decryptContent(key: Uint8Array, compact: string): Promise<string> {
  return utf8.decode((await decryptDir(key, compact)).plaintext);
}

/**
 * Opens content with a WebCrypto AES-GCM key (a decrypt-only, non-extractable one, as a service
 * worker holds: it can open what it is given but never hand the key bytes on).
 */
export async function decryptContentWithCryptoKey(key: CryptoKey, compact: string): Promise<string> {
  try {
    const { plaintext } = await compactDecrypt(compact, key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
    return utf8.decode(plaintext);
  } catch (error) {
    throw new JoseError('cannot decrypt the JWE with this key', { cause: error });
  }
}

/**
 * The static key's JWK reduced to what RSA needs: node-kms uses one JWK both to encrypt to the
 * KMS and to verify its signatures, so an `alg` or `use` member would break one of the two.
 */
function rsaPublic(jwk: Jwk): Jwk {
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw new JoseError('not an RSA public key');
  return { kty: 'RSA', n: jwk.n, e: jwk.e };
}

function rsaPrivate(jwk: Jwk): Jwk {
  const { kty, n, e, d, p, q, dp, dq, qi } = jwk;
  if (kty !== 'RSA' || d === undefined) throw new JoseError('not an RSA private key');
  return { kty, n, e, d, p, q, dp, dq, qi };
}

/** The handshake request envelope: RSA-OAEP (SHA-1, as node-jose picks it) + A256GCM. */
export async function encryptRsaOaep(publicJwk: Jwk, plaintext: string | Uint8Array, kid: string): Promise<string> {
  const key = await importJWK(rsaPublic(publicJwk), 'RSA-OAEP');
  return new CompactEncrypt(asBytes(plaintext)).setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A256GCM', kid }).encrypt(key);
}

export async function decryptRsaOaep(privateJwk: Jwk, compact: string): Promise<{ plaintext: Uint8Array; header: Record<string, unknown> }> {
  try {
    const key = await importJWK(rsaPrivate(privateJwk), 'RSA-OAEP');
    const { plaintext, protectedHeader: header } = await compactDecrypt(compact, key, {
      keyManagementAlgorithms: ['RSA-OAEP'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    return { plaintext, header: header };
  } catch (error) {
    throw new JoseError('cannot decrypt the handshake JWE', { cause: error });
  }
}

/** The KMS signs handshake answers (and errors it cannot encrypt) with PS256, the draft's mandatory algorithm. */
export async function signJws(privateJwk: Jwk, payload: string | Uint8Array, kid: string): Promise<string> {
  const key = await importJWK(rsaPrivate(privateJwk), 'PS256');
  return new CompactSign(asBytes(payload)).setProtectedHeader({ alg: 'PS256', kid }).sign(key);
}

/** Verifies a KMS signature; accepts PS256 and RS256, the two node-kms and the Webex SDK accept. */
export async function verifyJws(publicJwk: Jwk, compact: string): Promise<{ payload: Uint8Array; header: Record<string, unknown> }> {
  try {
    const alg = protectedHeader(compact)['alg'];
    if (alg !== 'PS256' && alg !== 'RS256') throw new JoseError(`unexpected JWS algorithm ${String(alg)}`);
    const key = await importJWK(rsaPublic(publicJwk), alg);
    const { payload, protectedHeader: header } = await compactVerify(compact, key, { algorithms: [alg] });
    return { payload, header: header };
  } catch (error) {
    if (error instanceof JoseError) throw error;
    throw new JoseError('the JWS signature does not verify', { cause: error });
  }
}
