/**
 * The `fetch` the gateway gives the SDK's `uploadFromUrl` for `POST /v1/messages {files: [url]}`
 * (SPEC FL-3, PL-2). The fetch runs on the server, so it must not become a way into the server's
 * own network (SSRF): an address that is loopback, private, link-local or otherwise not public is
 * refused — checked on the address actually dialled (a custom DNS lookup), so a name that resolves
 * to an internal address (DNS rebinding included) is refused too, and again on every redirect.
 * `allowPrivateAddresses` lifts that for an install whose files live on an intranet, and for tests;
 * `addressAllowed` replaces the built-in rule with the operator's (under `flint` the core's address
 * policy, FLINT_WEBHOOK_TARGETS and FLINT_WEBHOOK_ALLOW, given by the composition root).
 *
 * On node:http(s) rather than the global fetch, which offers no hook on the dialled address. The
 * SDK's `uploadFromUrl` keeps the rest (schemes, size caps, the deadline, streaming encryption).
 * @module
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { Readable } from 'node:stream';
import type { FetchLike } from '@flint/sdk';
import { GATEWAY_LIMITS } from '../limits.ts';

const internal = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  internal.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(net, prefix, 'ipv6');
}

/** True for any address that is not plainly public (unparseable ones included). */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return internal.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 4) return internal.check(address, 'ipv4');
  if (family === 6) return internal.check(address, 'ipv6');
  return true;
}

export class InternalAddressError extends Error {
  override readonly name = 'InternalAddressError';
}

/** Whether the gateway may dial `address`, reached under the URL's host name `hostname`. */
export type AddressCheck = (address: string, hostname: string) => boolean;

const builtIn: AddressCheck = (address) => !isInternalAddress(address);

/** A DNS lookup that refuses internal addresses: the check is on what is really dialled. */
function guardedLookup(allowed: AddressCheck) {
  return (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      if (addresses.length === 0 || addresses.some((a) => !allowed(a.address, hostname))) return callback(new InternalAddressError(`${hostname} resolves to an internal address`), []);
      if (options.all === true) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

function get(url: URL, allowed: AddressCheck | undefined, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      { method: 'GET', headers: { 'user-agent': 'flint-gateway/0.1', accept: '*/*' }, ...(signal ? { signal } : {}), ...(allowed === undefined ? {} : { lookup: guardedLookup(allowed) }) },
      resolve,
    );
    request.on('error', reject);
    request.end();
  });
}

function toResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (Array.isArray(v)) for (const one of v) headers.append(k, one);
    else if (v !== undefined) headers.set(k, v);
  }
  const body = Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>;
  return new Response(body, { status: res.statusCode ?? 502, headers });
}

/** GET only (all `uploadFromUrl` needs), following at most `fileFetchRedirects` redirects, each checked. */
export function guardedFetch(options: { allowPrivateAddresses?: boolean; addressAllowed?: AddressCheck } = {}): FetchLike {
  const allowed = options.allowPrivateAddresses === true ? undefined : (options.addressAllowed ?? builtIn);
  return async (input, init) => {
    let url = new URL(input);
    const signal = init.signal ?? undefined;
    for (let hop = 0; ; hop++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('only http and https are fetched');
      const host = url.hostname.replace(/^\[|\]$/g, '');
      // A literal address is dialled without a lookup, so it is checked here.
      if (allowed !== undefined && isIP(host) !== 0 && !allowed(host, host)) throw new InternalAddressError(`${host} is an internal address`);
      const res = await get(url, allowed, signal);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && typeof location === 'string') {
        res.resume();
        if (hop >= GATEWAY_LIMITS.fileFetchRedirects) throw new TypeError('too many redirects');
        url = new URL(location, url);
        continue;
      }
      return toResponse(res);
    }
  };
}
