/**
 * Names people read as they are (display names, first/last/nick names, org names, bot names):
 * normalized to NFC, so two spellings of one name are one name, and refused (400) when they hold
 * what lets a name pass for another or break what shows it (issue 14, finding 6):
 * - control characters (C0, DEL, C1; NUL included) and line/paragraph separators;
 * - unpaired UTF-16 surrogates (not text; they break encoders and comparisons);
 * - bidirectional overrides and isolates, U+202A–U+202E and U+2066–U+2069, with which
 *   "Alice\u202Eecila" shows as another name.
 * Joiners (ZWJ in emoji, Indic scripts) and right-to-left letters stay allowed.
 * @module
 */
import { ApiError } from '../errors.ts';

const FORBIDDEN = /[\p{Cc}\p{Cs}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

function describe(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code >= 0xd800 && code <= 0xdfff) return `an unpaired surrogate (${hex})`;
  if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return `a bidirectional override or isolate (${hex})`;
  return `a control character (${hex})`;
}

/** The name as stored: NFC, trimmed; a 400 naming `field` when it is blank or holds a refused character. */
export function cleanName(field: string, raw: string): string {
  const bad = FORBIDDEN.exec(raw);
  if (bad !== null) throw ApiError.badRequest(`${field}: must not contain ${describe(bad[0])}`);
  const name = raw.normalize('NFC').trim();
  if (name === '') throw ApiError.badRequest(`${field}: must not be blank`);
  return name;
}

/** For optional name parts (first, last, nick): blank means "none". */
export function cleanOptionalName(field: string, raw: string): string | null {
  const bad = FORBIDDEN.exec(raw);
  if (bad !== null) throw ApiError.badRequest(`${field}: must not contain ${describe(bad[0])}`);
  return raw.normalize('NFC').trim() || null;
}
