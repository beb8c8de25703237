/**
 * Reading Webex requests: the bearer token, query parameters in the forms the SDKs send them
 * (`x=a`, repeated keys, comma lists, and the qs "indices" form `x[0]=a&x[1]=b`), body fields with
 * their types checked (unknown fields are ignored, as Webex ignores them: the SDK sends `id` in
 * `rooms.update`), and the `Link` header of a page.
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WebexError } from './errors.ts';
import { GATEWAY_LIMITS } from './limits.ts';

export function bearerOf(req: FastifyRequest): string {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S{10,512})$/i.exec(header) : null;
  if (match?.[1] === undefined) throw WebexError.unauthorized();
  return match[1];
}

type Query = Record<string, unknown>;

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** Every value of a query parameter: repeated, comma-separated, or `name[i]=`. */
export function queryList(query: unknown, name: string): string[] | undefined {
  const q = (query ?? {}) as Query;
  const found: string[] = [...strings(q[name]), ...strings(q[`${name}[]`])];
  const indexed = Object.keys(q)
    .map((k) => ({ k, m: new RegExp(`^${name}\\[(\\d+)\\]$`).exec(k) }))
    .filter((x) => x.m !== null)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]));
  for (const { k } of indexed) found.push(...strings(q[k]));
  if (found.length === 0) return undefined;
  return found
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** One value of a query parameter (the first, if given several times). */
export function queryString(query: unknown, name: string, maxLength = 1024): string | undefined {
  const list = queryList(query, name);
  const value = list?.[0];
  if (value !== undefined && value.length > maxLength) throw WebexError.badRequest(`${name}: at most ${maxLength} characters`);
  return value;
}

/** `max`: a positive integer, clamped (not rejected) above the endpoint's limit, as Webex does. */
export function pageMax(query: unknown, fallback: number = GATEWAY_LIMITS.pageDefault, limit: number = GATEWAY_LIMITS.pageMax): number {
  const raw = queryString(query, 'max', 12);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw WebexError.badRequest('max: a positive integer');
  return Math.min(Number(raw), limit);
}

export function queryEnum<T extends string>(query: unknown, name: string, allowed: readonly T[]): T | undefined {
  const value = queryString(query, name, 64);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw WebexError.badRequest(`${name}: one of ${allowed.join(', ')}`);
  return value as T;
}

/** A JSON request body as an object (Webex bodies are objects). */
export function bodyObject(req: FastifyRequest): Record<string, unknown> {
  const body = req.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw WebexError.badRequest('body: a JSON object');
  return body as Record<string, unknown>;
}

export function optString(body: Record<string, unknown>, name: string, options: { max?: number; min?: number } = {}): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw WebexError.badRequest(`${name}: a string`);
  if (v.length < (options.min ?? 0)) throw WebexError.badRequest(`${name}: at least ${options.min ?? 0} characters`);
  if (options.max !== undefined && v.length > options.max) throw WebexError.badRequest(`${name}: at most ${options.max} characters`);
  return v;
}

export function reqString(body: Record<string, unknown>, name: string, options: { max?: number } = {}): string {
  const v = optString(body, name, { ...options, min: 1 });
  if (v === undefined) throw WebexError.badRequest(`${name}: required`);
  return v;
}

export function optBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw WebexError.badRequest(`${name}: true or false`);
  return v;
}

/** The origin the client reached us at: `Link` URLs and content URLs must keep it, or the SDK drops its token. */
export function originOf(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

/**
 * Sets the one `Link: <…>; rel="next"` header the Webex SDK can parse: absolute, on the request's
 * own origin, the request's query with `params` changed (undefined removes one).
 */
export function setNextLink(req: FastifyRequest, reply: FastifyReply, params: Record<string, string | undefined>): void {
  const url = new URL(req.url, originOf(req));
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  void reply.header('Link', `<${url.toString()}>; rel="next"`);
}

/** The value of a query parameter in a native `Link` (the core's next page). */
export function linkParam(next: string | undefined, name: string): string | undefined {
  if (next === undefined) return undefined;
  return new URL(next).searchParams.get(name) ?? undefined;
}
