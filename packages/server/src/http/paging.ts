/**
 * Webex-style paging: `max` (clamped, not rejected) and an RFC 5988 `Link: <…>; rel="next"` header
 * whose origin is the one the request came to (the Webex SDK follows only same-origin links). The
 * cursors themselves are paging/cursor.ts.
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LIMITS } from '@flint/protocol';

export function pageSize(max: number | undefined): number {
  return Math.min(max ?? LIMITS.pageDefault, LIMITS.pageMax);
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
