/**
 * Randomness and digests from WebCrypto (the only crypto API this package uses, so it runs in
 * browsers and in Node alike).
 * @module
 */
import { toBase64Url, toHex, utf8 } from './encoding.ts';

export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/**
 * A bearer secret: a short type prefix (so a leaked token's kind is recognisable, and secret
 * scanners can match it) and 256 random bits.
 */
export function randomToken(prefix: string): string {
  return `${prefix}_${toBase64Url(randomBytes(32))}`;
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? utf8.encode(data) : data;
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
}
