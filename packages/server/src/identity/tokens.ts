/**
 * Bearer secrets. Only their SHA-256 is stored, so a copy of the database lets nobody sign in.
 * A 256-bit random token needs no slow hash: it cannot be guessed, only stolen.
 * @module
 */
import { randomToken, sha256Hex } from '@flint/crypto';

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

export function hashToken(token: string): Promise<string> {
  return sha256Hex(token);
}
