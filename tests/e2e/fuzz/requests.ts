/**
 * What the fuzz suites send and what they demand of every answer: a fuzzed request (raw, so it can
 * carry what no SDK would), and the Webex error shape `{message, errors:[{description}], trackingId}`.
 * @module
 */
import assert from 'node:assert/strict';

/** A request that hangs is a failure too (a stuck handler, a lock never released). */
const REQUEST_TIMEOUT_MS = 15_000;

export interface FuzzRequest {
  verb: string;
  /** Path with parameters already filled (and encoded). */
  path: string;
  query?: Record<string, string>;
  /** `{ json }` is sent as JSON, `{ text }` as is (labelled JSON: malformed bodies), nothing: no body. */
  body?: { json: unknown } | { text: string; contentType?: string };
  token?: string;
}

export interface FuzzResponse {
  status: number;
  text: string;
  json: unknown;
}

export async function send(baseUrl: string, r: FuzzRequest): Promise<FuzzResponse> {
  const url = new URL(r.path, baseUrl);
  for (const [k, v] of Object.entries(r.query ?? {})) url.searchParams.append(k, v);
  const headers: Record<string, string> = {};
  if (r.token !== undefined) headers['authorization'] = `Bearer ${r.token}`;
  let body: string | undefined;
  if (r.body !== undefined) {
    if ('json' in r.body) {
      body = JSON.stringify(r.body.json);
      headers['content-type'] = 'application/json';
    } else {
      body = r.body.text;
      headers['content-type'] = r.body.contentType ?? 'application/json';
    }
  }
  const response = await fetch(url, { method: r.verb, headers, ...(body !== undefined ? { body } : {}), redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/**
 * A path segment's value percent-encoded as UTF-8 bytes; unlike encodeURIComponent it takes any
 * string (a lone surrogate is sent as U+FFFD, as a browser would).
 */
export function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) out += /[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/**
 * Path segments no encoder makes, sent as they are: malformed percent-escapes and an id past the
 * router's parameter length.
 */
export const RAW_SEGMENTS = ['%', '%E0%A4%A', '%C0%AF', '%zz', 'x'.repeat(600)] as const;

/** A short, readable form of a request for failure messages (the counterexample). */
export function describe(r: FuzzRequest): string {
  const q = r.query && Object.keys(r.query).length > 0 ? `?${new URLSearchParams(r.query).toString()}` : '';
  const body = r.body === undefined ? '' : 'json' in r.body ? ` ${JSON.stringify(r.body.json)}` : ` <${r.body.contentType ?? 'application/json'}> ${JSON.stringify(r.body.text)}`;
  return `${r.verb} ${r.path}${q}${r.token === undefined ? ' (no token)' : ''}${body}`.slice(0, 2000);
}

/** Fails unless the answer is a client error in the Webex shape. */
export function assertWebexClientError(r: FuzzRequest, response: FuzzResponse): void {
  const where = `${describe(r)}\n→ ${response.status} ${response.text.slice(0, 500)}`;
  assert.ok(response.status >= 400 && response.status < 500, `expected a 4xx: ${where}`);
  // A HEAD answer has no body to be shaped (its headers are a GET's).
  if (r.verb === 'HEAD') return;
  const body = response.json as { message?: unknown; errors?: unknown; trackingId?: unknown } | undefined;
  assert.ok(typeof body === 'object' && body !== null, `a 4xx without a JSON body: ${where}`);
  assert.equal(typeof body.message, 'string', `no message: ${where}`);
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0, `no errors[]: ${where}`);
  for (const e of body.errors as unknown[]) assert.equal(typeof (e as { description?: unknown }).description, 'string', `an error without a description: ${where}`);
  assert.ok(typeof body.trackingId === 'string' && body.trackingId !== '', `no trackingId: ${where}`);
}

/** Fails on a 5xx (the only thing a fuzzed request with well-formed input may not get). */
export function assertNoServerError(r: FuzzRequest, response: FuzzResponse): void {
  assert.ok(response.status < 500, `a server error: ${describe(r)}\n→ ${response.status} ${response.text.slice(0, 500)}`);
}
