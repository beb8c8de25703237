/**
 * A `FetchLike` for Node on node:http(s), for large uploads (SPEC FL-1). Node's built-in fetch
 * (undici) reads a streamed request body as fast as it is produced, not as fast as the socket
 * drains, so a multi-gigabyte upload grows the client's memory with the file (measured: +262 MiB
 * for 256 MiB on Node 20, +274 MiB on Node 24). This one pipes the body with back-pressure (+18 MiB for the same file).
 * Node only: import it as `@flint/sdk/node` and pass it as the `fetch` of a file in `session.messages.send({ files })`, or to
 * `createSession` for all its calls; browsers stream natively.
 * @module
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { FetchLike } from '../transport.ts';

function headersOf(init: RequestInit): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (out[name] = value));
  return out;
}

export const nodeHttpFetch: FetchLike = (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: init.method ?? 'GET', headers: headersOf(init), ...(init.signal ? { signal: init.signal } : {}) }, (res: IncomingMessage) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (typeof value === 'string') headers.set(name, value);
        else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      }
      const status = res.statusCode ?? 500;
      const body = status === 204 || status === 304 || init.method === 'HEAD' ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
      if (body === null) res.resume();
      resolve(new Response(body, { status, headers }));
    });
    req.on('error', reject);
    const body = init.body;
    if (body instanceof ReadableStream) {
      Readable.fromWeb(body as NodeReadableStream<Uint8Array>)
        .on('error', (error) => req.destroy(error))
        .pipe(req);
    } else if (body === undefined || body === null) {
      req.end();
    } else if (typeof body === 'string' || body instanceof Uint8Array) {
      req.end(body);
    } else {
      reject(new TypeError('nodeHttpFetch: send a string, bytes or a ReadableStream'));
      req.destroy();
    }
  });
