/**
 * Webex-style paging: `max` (clamped, not rejected) and an RFC 5988 `Link: <…>; rel="next"` header
 * whose origin is the one the request came to (the Webex SDK follows only same-origin links).
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LIMITS } from '@flint/protocol';
import { fromBase64Url, toBase64Url, utf8 } from '@flint/crypto';
import { ApiError } from '../errors.ts';

export function pageSize(max: number | undefined): number {
  return Math.min(max ?? LIMITS.pageDefault, LIMITS.pageMax);
}

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

export function setNextLink(req: FastifyRequest, reply: FastifyReply, cursor: string): void {
  const url = new URL(req.url, `${req.protocol}://${req.host}`);
  url.searchParams.set('cursor', cursor);
  void reply.header('Link', `<${url.toString()}>; rel="next"`);
}

/** A `Link` to the next page that changes some query parameters (undefined removes one). */
export function setNextLinkParams(req: FastifyRequest, reply: FastifyReply, params: Record<string, string | undefined>): void {
  const url = new URL(req.url, `${req.protocol}://${req.host}`);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  void reply.header('Link', `<${url.toString()}>; rel="next"`);
}
