/**
 * The KMS's side of the protocol's JOSE envelopes on node:crypto (issue 15, the KMS hot path):
 * JWE `dir`/A256GCM under an ephemeral key, the handshake's RSA-OAEP/A256GCM JWE, and PS256 JWS
 * answers. `@flint/crypto` does the same with the `jose` library over WebCrypto, which runs in
 * browsers too; in Node each of its calls imports the key again (for the static RSA key: parsing
 * and checking it, per message) and runs AES-GCM of a few hundred bytes as an asynchronous
 * thread-pool job — about 0.3 ms of a key retrieval's 0.9. Here the static key is imported once,
 * AES-GCM runs inline, and only the RSA signature still goes to the thread pool. Only the compact
 * forms the protocol uses are read, as strictly as `jose` reads them (same header checks; the
 * tests read each other's output: envelopes.test.ts).
 * @module
 */
import { createCipheriv, createDecipheriv, createPrivateKey, constants, privateDecrypt, randomBytes, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { JoseError, type Jwk } from '@flint/crypto';

const B64URL = /^[A-Za-z0-9_-]*$/;

function fromB64url(part: string, what: string): Buffer {
  if (!B64URL.test(part)) throw new JoseError(`malformed JWE ${what}`);
  return Buffer.from(part, 'base64url');
}

function b64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/** The parts of a compact JWE, its protected header checked against what the caller accepts. */
function parseJwe(compact: string, alg: 'dir' | 'RSA-OAEP'): { header: Record<string, unknown>; aad: Buffer; encryptedKey: Buffer; iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const parts = compact.split('.');
  if (parts.length !== 5) throw new JoseError('a compact JWE has five parts');
  const [protectedPart, keyPart, ivPart, ctPart, tagPart] = parts as [string, string, string, string, string];
  let header: unknown;
  try {
    header = JSON.parse(fromB64url(protectedPart, 'header').toString('utf8'));
  } catch (error) {
    if (error instanceof JoseError) throw error;
    throw new JoseError('malformed JWE header', { cause: error });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new JoseError('the JWE header is not an object');
  const h = header as Record<string, unknown>;
  // As jose with keyManagementAlgorithms [alg] and contentEncryptionAlgorithms ['A256GCM']; it
  // also refuses compression and any critical extension, which nothing here understands.
  if (h['alg'] !== alg) throw new JoseError('unexpected JWE "alg"');
  if (h['enc'] !== 'A256GCM') throw new JoseError('unexpected JWE "enc"');
  if (h['zip'] !== undefined) throw new JoseError('JWE compression is not supported');
  if (h['crit'] !== undefined) throw new JoseError('no critical JWE extension is supported');
  const encryptedKey = fromB64url(keyPart, 'encrypted key');
  if (alg === 'dir' && encryptedKey.length !== 0) throw new JoseError('a dir JWE carries no encrypted key');
  const iv = fromB64url(ivPart, 'iv');
  const tag = fromB64url(tagPart, 'tag');
  if (iv.length !== 12) throw new JoseError('an A256GCM iv is 12 bytes');
  if (tag.length !== 16) throw new JoseError('an A256GCM tag is 16 bytes');
  return { header: h, aad: Buffer.from(protectedPart, 'ascii'), encryptedKey, iv, ciphertext: fromB64url(ctPart, 'ciphertext'), tag };
}

function openGcm(key: Uint8Array, jwe: { aad: Buffer; iv: Buffer; ciphertext: Buffer; tag: Buffer }): Uint8Array {
  if (key.length !== 32) throw new JoseError('an A256GCM key is 32 bytes');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, jwe.iv, { authTagLength: 16 });
    decipher.setAAD(jwe.aad);
    decipher.setAuthTag(jwe.tag);
    return Buffer.concat([decipher.update(jwe.ciphertext), decipher.final()]);
  } catch (error) {
    throw new JoseError('the JWE does not decrypt under this key', { cause: error });
  }
}

function sealGcm(key: Uint8Array, header: Record<string, unknown>, plaintext: string, encryptedKey = ''): string {
  if (key.length !== 32) throw new JoseError('an A256GCM key is 32 bytes');
  const protectedPart = b64url(JSON.stringify(header));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(protectedPart, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${protectedPart}.${encryptedKey}.${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
}

/** A `dir`/A256GCM JWE under an ephemeral key: what every KMS message after the handshake is. */
export function decryptDir(key: Uint8Array, compact: string): { plaintext: Uint8Array; header: Record<string, unknown> } {
  const jwe = parseJwe(compact, 'dir');
  return { plaintext: openGcm(key, jwe), header: jwe.header };
}

export function encryptDir(key: Uint8Array, plaintext: string, kid: string): string {
  return sealGcm(key, { alg: 'dir', enc: 'A256GCM', kid }, plaintext);
}

/** The static RSA key, imported once: opens handshake requests (RSA-OAEP with SHA-1, as node-jose makes them) and signs answers (PS256). */
export class StaticKeyOps {
  private readonly key: KeyObject;

  constructor(
    privateJwk: Jwk,
    private readonly kid: string,
  ) {
    const { kty, n, e, d, p, q, dp, dq, qi } = privateJwk;
    if (kty !== 'RSA' || d === undefined) throw new JoseError('not an RSA private key');
    this.key = createPrivateKey({ key: { kty, n, e, d, p, q, dp, dq, qi } as JsonWebKey, format: 'jwk' });
  }

  decryptRsaOaep(compact: string): { plaintext: Uint8Array; header: Record<string, unknown> } {
    const jwe = parseJwe(compact, 'RSA-OAEP');
    let cek: Buffer;
    try {
      cek = privateDecrypt({ key: this.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, jwe.encryptedKey);
    } catch (error) {
      throw new JoseError('cannot decrypt the handshake JWE', { cause: error });
    }
    if (cek.length !== 32) throw new JoseError('the handshake JWE carries no A256GCM key');
    return { plaintext: openGcm(cek, jwe), header: jwe.header };
  }

  /** PS256 (RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt), as WebCrypto and jose make it; on the thread pool. */
  signJws(payload: string): Promise<string> {
    const signingInput = `${b64url(JSON.stringify({ alg: 'PS256', kid: this.kid }))}.${b64url(payload)}`;
    return new Promise((resolve, reject) =>
      sign('sha256', Buffer.from(signingInput, 'ascii'), { key: this.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, (error, signature) =>
        error !== null ? reject(error) : resolve(`${signingInput}.${signature.toString('base64url')}`),
      ),
    );
  }
}
