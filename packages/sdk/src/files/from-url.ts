/**
 * Sharing a file from a URL (SPEC FL-3): the *client* fetches the URL, encrypts what arrives on the
 * fly and streams it up, exactly as `uploadFile` does for a local file — the core never sees the
 * URL or the bytes. Used by the web app and by the Webex gateway (`files: [url]` on `/v1/messages`).
 *
 * Limits are explicit (`URL_UPLOAD_LIMITS`, docs/limits.md): http and https only, no credentials
 * in the URL, a size cap checked against `Content-Length` before anything is uploaded and again
 * while bytes stream, and one deadline for the whole fetch-and-upload. A response without a
 * `Content-Length` is read into memory up to `maxUnknownLengthBytes` (the core needs the size up
 * front to reserve quota).
 *
 * Server-side callers (the gateway) must pass a `sourceFetch` that refuses private and loopback
 * addresses: a browser-safe SDK cannot resolve names, so it cannot guard against SSRF by itself.
 * @module
 */
import type { FlintClient } from '../client.ts';
import { FlintError } from '../errors.ts';
import type { FetchLike } from '../transport.ts';
import type { SpaceKey } from './reference.ts';
import { uploadFile, type UploadedFile } from './upload.ts';

/** Defaults of `uploadFromUrl`; documented in docs/limits.md. */
export const URL_UPLOAD_LIMITS = {
  /** Largest file fetched from a URL, in plaintext bytes (Webex's own file limit is 100 MB). */
  maxBytes: 100 * 1024 * 1024,
  /** A response of unknown length is held in memory up to this many bytes. */
  maxUnknownLengthBytes: 16 * 1024 * 1024,
  /** The whole fetch and upload must finish within this time. */
  timeoutMs: 60_000,
  /** The longest URL accepted. */
  urlChars: 2048,
} as const;

export interface UrlUploadOptions {
  /** Largest plaintext accepted (default `URL_UPLOAD_LIMITS.maxBytes`). */
  maxBytes?: number;
  /** For a response without Content-Length (default `URL_UPLOAD_LIMITS.maxUnknownLengthBytes`, never above `maxBytes`). */
  maxUnknownLengthBytes?: number;
  /** Deadline for fetching and uploading, in ms (default `URL_UPLOAD_LIMITS.timeoutMs`). */
  timeoutMs?: number;
  /** The file's name; by default from Content-Disposition, else the URL's last path segment. */
  name?: string;
  /** The file's type; by default the response's Content-Type. */
  type?: string;
  /** Fetches the URL (default: global fetch). Server-side callers pass one that blocks internal addresses. */
  sourceFetch?: FetchLike;
  /** Talks to Flint for the upload (as `UploadOptions.fetch`). */
  fetch?: FetchLike;
  /** Cancels the fetch and the upload. */
  signal?: AbortSignal;
}

/** The source's faults: what the caller gave (`invalid`), or a source that did not answer well (`network`, with the cause). */
function refuse(code: 'bad_request' | 'payload_too_large' | 'network_error', message: string, cause?: unknown): FlintError {
  const kind = code === 'network_error' ? 'network' : 'invalid';
  return new FlintError({ kind, message, subject: 'file-source', ...(code !== 'network_error' ? { code } : {}), ...(cause !== undefined ? { cause } : {}) });
}

/** The stream as it is, noting the error it fails with (if it does). */
function watched(stream: ReadableStream<Uint8Array>, onError: (error: unknown) => void): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        onError(error);
        controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** Checks the URL before any request: http(s) only, no user info, bounded length. */
export function checkSourceUrl(raw: string): URL {
  if (raw.length > URL_UPLOAD_LIMITS.urlChars) throw refuse('bad_request', `The URL is longer than ${URL_UPLOAD_LIMITS.urlChars} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('bad_request', 'Not a valid URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('bad_request', 'Only http and https URLs can be shared.');
  if (url.username !== '' || url.password !== '') throw refuse('bad_request', 'URLs with credentials are not fetched.');
  return url;
}

/** The file name a response suggests: Content-Disposition (RFC 6266, `filename*` first), else the path's last segment. */
export function nameFromResponse(response: Response, url: URL): string {
  const disposition = response.headers.get('content-disposition') ?? '';
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition)?.[1];
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/.exec(disposition);
  let name: string | undefined;
  try {
    if (extended !== undefined) name = decodeURIComponent(extended.trim());
  } catch {
    name = undefined;
  }
  name ??= plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2];
  if (name === undefined || name.trim() === '') {
    const segment = url.pathname.split('/').filter((s) => s !== '').at(-1);
    try {
      name = segment !== undefined ? decodeURIComponent(segment) : undefined;
    } catch {
      name = segment;
    }
  }
  // A name is a label, never a path: keep its last component and no control characters.
  // eslint-disable-next-line no-control-regex
  const clean = (name ?? '').split(/[/\\]/).at(-1)!.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return clean === '' ? 'file' : clean;
}

/** Passes at most `limit` bytes through; more errors the stream. */
function capped(limit: number, what: string): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.length;
      if (seen > limit) controller.error(refuse('payload_too_large', `${what} is larger than ${limit} bytes.`));
      else controller.enqueue(chunk);
    },
  });
}

async function readUpTo(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    total += r.value.length;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw refuse('payload_too_large', `The file at the URL has no declared length and is larger than ${limit} bytes.`);
    }
    parts.push(r.value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Fetches `url`, encrypts it and uploads it into the space; answers what `messages.create` needs
 * (as `uploadFile` does). The source's faults are `FlintError`s with `subject: 'file-source'` —
 * kind `invalid` (code `bad_request`: bad URL, scheme or answer; `payload_too_large`) or `network`
 * (unreachable or too slow) — and the upload's are the core's (`refused`, with its status).
 */
export async function uploadFromUrl(client: FlintClient, spaceKey: SpaceKey, roomId: string, rawUrl: string, options: UrlUploadOptions = {}): Promise<UploadedFile> {
  const url = checkSourceUrl(rawUrl);
  const maxBytes = options.maxBytes ?? URL_UPLOAD_LIMITS.maxBytes;
  const maxUnknown = Math.min(options.maxUnknownLengthBytes ?? URL_UPLOAD_LIMITS.maxUnknownLengthBytes, maxBytes);
  const timeoutMs = options.timeoutMs ?? URL_UPLOAD_LIMITS.timeoutMs;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal !== undefined ? AbortSignal.any([options.signal, deadline]) : deadline;
  const sourceFetch = options.sourceFetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));
  const timedOut = () => refuse('network_error', `Fetching ${url.host} and uploading took longer than ${timeoutMs} ms.`);

  let response: Response;
  try {
    response = await sourceFetch(url.href, { method: 'GET', signal, redirect: 'follow', credentials: 'omit' });
  } catch (error) {
    if (deadline.aborted) throw timedOut();
    if (options.signal?.aborted) throw error;
    throw refuse('network_error', `Could not fetch ${url.host}: ${(error as Error).message}`, error);
  }
  const finalUrl = response.url !== '' ? checkSourceUrl(response.url) : url;
  if (!response.ok || response.body === null) {
    await response.body?.cancel().catch(() => undefined);
    throw refuse('bad_request', `${url.host} answered ${response.status}.`);
  }
  const name = options.name ?? nameFromResponse(response, finalUrl);
  const type = options.type ?? (response.headers.get('content-type')?.split(';')[0]?.trim() || 'application/octet-stream');
  const lengthHeader = response.headers.get('content-length');
  // A compressed answer's Content-Length counts the compressed bytes, which fetch has already undone.
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  let sourceError: unknown;
  const declared = lengthHeader !== null && /^\d+$/.test(lengthHeader) && !encoded ? Number(lengthHeader) : undefined;
  try {
    if (declared !== undefined) {
      if (declared > maxBytes) {
        await response.body.cancel().catch(() => undefined);
        throw refuse('payload_too_large', `The file at the URL is ${declared} bytes; at most ${maxBytes} are shared.`);
      }
      // Streamed straight through encryption: at most a few chunks are ever in memory.
      const body = watched(response.body, (error) => (sourceError = error)).pipeThrough(capped(declared, 'The file at the URL'));
      return await uploadFile(client, spaceKey, roomId, body, { name, type, size: declared, ...(options.fetch ? { fetch: options.fetch } : {}), signal });
    }
    const bytes = await readUpTo(response.body, maxUnknown);
    return await uploadFile(client, spaceKey, roomId, bytes, { name, type, attempts: 1, ...(options.fetch ? { fetch: options.fetch } : {}), signal });
  } catch (error) {
    if (deadline.aborted && !(error instanceof FlintError && error.status >= 400)) throw timedOut();
    // The source broke off mid-answer (the upload then failed with it, or came out short): the source's fault.
    if (sourceError !== undefined) throw refuse('network_error', `${url.host} broke off its answer${sourceError instanceof Error ? `: ${sourceError.message}` : ''}`, sourceError);
    if (error instanceof FlintError && error.kind === 'invalid' && error.subject === undefined) throw refuse('bad_request', `${url.host}: ${error.message}`, error);
    throw error;
  }
}
