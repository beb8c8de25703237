/**
 * Calls a protocol method over HTTP. Injectable `fetch` (tests, browsers, proxies); every call is
 * typed by the method object, so a path or field can never drift from the server's.
 * @module
 */
import { methodPath, type MethodBody, type MethodParams, type MethodQuery, type MethodResult, type MethodSpec, type ErrorBody } from '@flint/protocol';
import { FlintError } from './errors.ts';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  baseUrl: string;
  fetch?: FetchLike;
  /** Sent as X-Flint-Client and recorded on the session (SPEC ID-8). */
  clientVersion?: string;
  /** Use the web session cookie instead of a bearer token (browsers). */
  useCookie?: boolean;
}

export type CallInput<M extends MethodSpec> = (MethodParams<M> extends undefined ? { params?: undefined } : { params: MethodParams<M> }) &
  (MethodQuery<M> extends undefined ? { query?: undefined } : { query?: MethodQuery<M> }) &
  (MethodBody<M> extends undefined ? { body?: undefined } : { body: MethodBody<M> });

export interface RawBody {
  data: Blob | Uint8Array | ArrayBuffer;
  contentType: string;
}

export class Transport {
  readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  accessToken: string | undefined;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async call<M extends MethodSpec>(method: M, input: CallInput<M>, raw?: RawBody): Promise<MethodResult<M>> {
    const response = await this.send(method, input, raw);
    if (method.response === null || response.status === 204) return undefined as MethodResult<M>;
    return (await response.json()) as MethodResult<M>;
  }

  /**
   * Like `call`, but answers the raw response (binary downloads, headers such as `Link`).
   * `headers` adds request headers the method needs beside its body (e.g. `X-Flint-Device-Id`).
   */
  async send<M extends MethodSpec>(method: M, input: CallInput<M>, raw?: RawBody, headers?: Record<string, string>): Promise<Response> {
    let url = this.baseUrl + methodPath(method.path, input.params);
    const query = input.query as Record<string, unknown> | undefined;
    if (query) {
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) search.set(k, typeof v === 'string' ? v : JSON.stringify(v));
      const s = search.toString();
      if (s !== '') url += `?${s}`;
    }
    return this.fetchUrl(method.verb, url, input.body, raw, headers);
  }

  async fetchUrl(verb: string, url: string, body?: unknown, raw?: RawBody, extraHeaders?: Record<string, string>): Promise<Response> {
    // The caller's extra headers go first, so they can never replace the credentials set below.
    const headers: Record<string, string> = { ...extraHeaders, accept: 'application/json' };
    if (this.options.clientVersion !== undefined) headers['x-flint-client'] = this.options.clientVersion;
    if (this.accessToken !== undefined && !this.options.useCookie) headers['authorization'] = `Bearer ${this.accessToken}`;
    if (this.options.useCookie && verb !== 'GET') headers['x-flint-csrf'] = '1';
    let payload: BodyInit | undefined;
    if (raw !== undefined) {
      headers['content-type'] = raw.contentType;
      payload = raw.data as BodyInit;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await this.fetchFn(url, { method: verb, headers, body: payload, credentials: this.options.useCookie ? 'same-origin' : 'omit' });
    } catch (error) {
      throw FlintError.network(`cannot reach ${this.baseUrl}: ${(error as Error).message}`, error);
    }
    if (response.status >= 400) {
      let errorBody: ErrorBody | undefined;
      try {
        errorBody = (await response.json()) as ErrorBody;
      } catch {
        errorBody = undefined;
      }
      const retry = response.headers.get('retry-after');
      throw FlintError.refused(response.status, errorBody?.message ?? `HTTP ${response.status}`, {
        ...(errorBody !== undefined ? { body: errorBody } : {}),
        ...(retry !== null ? { retryAfterSec: Number(retry) } : {}),
      });
    }
    return response;
  }
}

/** The `rel="next"` URL of a Link header, if any. */
export function nextLink(response: Response): string | undefined {
  const link = response.headers.get('link');
  const match = link ? /<([^>]+)>;\s*rel="next"/.exec(link) : null;
  return match?.[1];
}
