/**
 * How a gateway mounted on the core's own listener (`flint serve`) reaches the core: over loopback
 * to that listener, as any client would. With TLS on, the listener's certificate is trusted
 * explicitly (pinned: it is the server's own), whatever name it was issued for, so the gateway
 * needs no public CA and no host name for its loopback calls.
 * @module
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { FetchLike, KmsTransport, WebSocketConstructor } from '@flint/sdk';
import type { CoreAccess } from './callers.ts';

/** The base URL of a listening server, dialled on loopback. */
export function loopbackUrl(address: AddressInfo | string | null, tls: boolean): string {
  if (address === null || typeof address === 'string') throw new Error('the core is not listening on a TCP port yet');
  const host = address.address === '0.0.0.0' || address.address === '::' ? (address.family === 'IPv6' ? '[::1]' : '127.0.0.1') : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${tls ? 'https' : 'http'}://${host}:${address.port}`;
}

/** `fetch` over node:https trusting exactly `ca` (the listener's own certificate). */
export function pinnedFetch(ca: string): FetchLike {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      const headers = new Headers(init.headers);
      const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
        url,
        { method: init.method ?? 'GET', headers: Object.fromEntries(headers.entries()), ca, checkServerIdentity: () => undefined },
        (res) => {
          const responseHeaders = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (Array.isArray(v)) for (const one of v) responseHeaders.append(k, one);
            else if (v !== undefined) responseHeaders.set(k, v);
          }
          const status = res.statusCode ?? 500;
          const body = status === 204 || status === 304 || init.method === 'HEAD' ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
          resolve(new Response(body, { status, headers: responseHeaders }));
        },
      );
      request.on('error', reject);
      const body = init.body;
      if (body === undefined || body === null) request.end();
      else if (typeof body === 'string' || body instanceof Uint8Array) request.end(body);
      else if (body instanceof ReadableStream) Readable.fromWeb(body as NodeReadableStream<Uint8Array>).on('error', reject).pipe(request);
      else if (body instanceof Blob) void body.arrayBuffer().then((b) => request.end(Buffer.from(b)), reject);
      else reject(new TypeError('pinnedFetch: unsupported body'));
    });
}

/** A WebSocket constructor (the `ws` package) trusting exactly `ca`. */
export function pinnedWebSocket(ca: string | undefined): WebSocketConstructor {
  if (ca === undefined) return WebSocket as unknown as WebSocketConstructor;
  class Pinned extends WebSocket {
    constructor(url: string) {
      // tls.connect takes "no error" (undefined) for a good certificate; ws's typing says boolean.
      super(url, { ca, checkServerIdentity: (() => undefined) as unknown as () => boolean });
    }
  }
  return Pinned as unknown as WebSocketConstructor;
}

/** Core access for a gateway on the core's own listener: loopback, the pinned certificate, the KMS in-process. */
export function loopbackCoreAccess(options: { address: () => AddressInfo | string | null; tlsCert?: string | undefined; kmsTransport?: KmsTransport | undefined }): CoreAccess {
  const tls = options.tlsCert !== undefined;
  return {
    url: () => loopbackUrl(options.address(), tls),
    ...(tls ? { fetch: pinnedFetch(options.tlsCert!) } : {}),
    WebSocket: pinnedWebSocket(options.tlsCert),
    ...(options.kmsTransport !== undefined ? { kmsTransport: options.kmsTransport } : {}),
  };
}
