/**
 * Raw HTTP for file bodies. The typed transport sends buffered bodies; an upload must stream
 * (`duplex: 'half'`) or send one segment as a Blob, and a download must hand over the response body, so these go to `fetch`
 * directly with the client's bearer token. (Cookie-authenticated browsers: not yet.)
 * @module
 */
import type { ErrorBody } from '@flint/protocol';
import type { FlintClient } from '../client.ts';
import { FlintError } from '../errors.ts';
import type { FetchLike } from '../transport.ts';

export async function fileFetch(client: FlintClient, verb: 'GET' | 'PUT', path: string, init: { body?: ReadableStream<Uint8Array> | Blob; headers?: Record<string, string>; fetch?: FetchLike | undefined; signal?: AbortSignal | undefined }): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  const token = client.transport.accessToken;
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const fetchFn = init.fetch ?? ((input: string, options: RequestInit) => globalThis.fetch(input, options));
  let response: Response;
  try {
    // `duplex` is required by fetch for a streamed request body (not yet in every RequestInit typing).
    response = await fetchFn(client.transport.baseUrl + path, { method: verb, headers, ...(init.signal ? { signal: init.signal } : {}), ...(init.body instanceof ReadableStream ? { body: init.body, duplex: 'half' } : init.body !== undefined ? { body: init.body } : {}) });
  } catch (error) {
    throw FlintError.network(`file transfer failed: ${(error as Error).message}`, error);
  }
  if (response.status >= 400) {
    let body: ErrorBody | undefined;
    try {
      body = (await response.json()) as ErrorBody;
    } catch {
      body = undefined;
    }
    throw FlintError.refused(response.status, body?.message ?? `HTTP ${response.status}`, body !== undefined ? { body } : {});
  }
  return response;
}
