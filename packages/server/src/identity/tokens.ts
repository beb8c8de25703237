/**
 * Bearer secrets. Only their SHA-256 is stored, so a copy of the database lets nobody sign in.
 * A 256-bit random token needs no slow hash: it cannot be guessed, only stolen.
 * @module
 */
import { createHash } from 'node:crypto';
import { randomToken } from '@flint/crypto';

export const TOKEN_PREFIX = {
  access: 'fla',
  refresh: 'flr',
  cookie: 'flc',
  bot: 'flb',
  invitation: 'fli',
  kms: 'flk',
} as const;

export function newToken(kind: keyof typeof TOKEN_PREFIX): string {
  return randomToken(TOKEN_PREFIX[kind]);
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
