/**
 * Opaque page cursors: a JSON value in base64url, checked by the reader's own guard, so a client
 * cannot hand back anything but a cursor this server issued. Domain code (search) and the HTTP
 * paging helpers both use them; it knows nothing of requests.
 * @module
 */
import { fromBase64Url, toBase64Url, utf8 } from '@flint/crypto';
import { ApiError } from '../errors.ts';

export function encodeCursor(value: unknown): string {
  return toBase64Url(utf8.encode(JSON.stringify(value)));
}

export function decodeCursor<T>(cursor: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(fromBase64Url(cursor)));
  } catch {
    throw ApiError.badRequest('cursor: not a cursor this server issued');
  }
  if (!check(value)) throw ApiError.badRequest('cursor: not a cursor this server issued');
  return value;
}
