/**
 * Bearer secrets. Only their SHA-256 is stored, so a copy of the database lets nobody sign in.
 * A 256-bit random token needs no slow hash: it cannot be guessed, only stolen.
 * @module
 */
import { createHash } from 'node:crypto';
import { randomBytes, randomToken, toHex } from '@flint/crypto';

export const TOKEN_PREFIX = {
  access: 'fla',
  refresh: 'flr',
  cookie: 'flc',
  bot: 'flb',
  invitation: 'fli',
  signup: 'fls',
  kms: 'flk',
  reset: 'flp',
  scim: 'flsc',
} as const;

export function newToken(kind: keyof typeof TOKEN_PREFIX): string {
  return randomToken(TOKEN_PREFIX[kind]);
}

/**
 * An API bearer token (access or bot) in the shape Webex SDKs parse: `<secret>_<cluster>_<orgId>`,
 * exactly three `_`-separated parts, the last the org's UUID (the official JS SDK reads the org
 * from it to discover its services, and `listen()` refuses other shapes). So the secret part —
 * the kind's prefix, a dash and 256 random bits in hex — never contains `_`. The org id is no
 * secret; the token is still looked up by the SHA-256 of the whole string.
 */
export function newApiToken(kind: 'access' | 'bot', orgId: string): string {
  return `${TOKEN_PREFIX[kind]}-${toHex(randomBytes(32))}_us_${orgId}`;
}

/**
 * SHA-256 hex of the token's UTF-8 bytes (the same digest as @flint/crypto's sha256Hex). Done with
 * node:crypto synchronously: it runs on every authenticated request, and WebCrypto's digest is an
 * asynchronous job whose scheduling cost more than the hash itself (fan-out profile).
 */
export function hashTokenSync(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function hashToken(token: string): Promise<string> {
  return Promise.resolve(hashTokenSync(token));
}

/**
 * An integration's code, refresh or access token: `<prefix>-<64 hex>.<grant key>` (access tokens
 * also `_us_<orgId>`, the Webex shape). The grant key is never stored (see protocol
 * `integrationGrantKey`); only the SHA-256 of the whole token is.
 */
export function newGrantToken(kind: 'code' | 'refresh' | 'access', grantKey: string, orgId?: string): string {
  const prefix = kind === 'code' ? 'flo' : kind === 'refresh' ? 'flr' : 'flg';
  const base = `${prefix}-${toHex(randomBytes(32))}.${grantKey}`;
  return kind === 'access' ? `${base}_us_${orgId ?? ''}` : base;
}
