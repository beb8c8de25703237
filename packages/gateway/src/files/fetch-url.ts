/**
 * Fetching a file named by URL for `POST /v1/messages {files: [url]}` (SPEC FL-3, PL-2), as Webex
 * fetches it: only http and https, a bounded size, time and number of redirects. The gateway then
 * encrypts and uploads it like any file, so the core never sees it.
 *
 * The fetch runs on the server, so it must not become a way into the server's own network: by
 * default an address that is loopback, private, link-local, or otherwise not public is refused —
 * checked on the address actually connected to (a custom DNS lookup), so a name that resolves to
 * an internal address (DNS rebinding) is refused as well. `allowPrivateAddresses` lifts that, for
 * an install whose files live on an intranet, and for tests.
 *
 * Written here rather than in the isomorphic SDK because it needs Node's sockets for that check.
 * @module
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { WebexError } from '../errors.ts';
import { GATEWAY_LIMITS } from '../limits.ts';

export interface FetchedFile {
  bytes: Uint8Array;
  name: string;
  type: string;
}

export interface FetchUrlOptions {
  allowPrivateAddresses?: boolean;
  maxBytes?: number;
  timeoutMs?: number;
}

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

export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return internal.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 4) return internal.check(address, 'ipv4');
  if (family === 6) return internal.check(address, 'ipv6');
  return true;
}

const refused = (url: string) => WebexError.badRequest(`files: ${url.slice(0, 200)} is not on a public address`);

/** A DNS lookup that refuses internal addresses (the check happens on what is really dialled). */
function publicLookup(hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses;
    if (list.length === 0 || list.some((a) => isInternalAddress(a.address))) {
      const error: NodeJS.ErrnoException = new Error(`${hostname} resolves to an internal address`);
      error.code = 'EINTERNALADDRESS';
      return callback(error, []);
    }
    if (options.all === true) return callback(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
}

function nameFrom(response: IncomingMessage, url: URL): string {
  const disposition = response.headers['content-disposition'];
  if (typeof disposition === 'string') {
    const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
    if (star?.[1] !== undefined) {
      try {
        return decodeURIComponent(star[1]).slice(0, 255);
      } catch {
        // fall through to the plain filename
      }
    }
    const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
    if (plain?.[1] !== undefined) return plain[1].slice(0, 255);
  }
  const last = url.pathname.split('/').filter(Boolean).at(-1);
  try {
    return last !== undefined ? decodeURIComponent(last).slice(0, 255) : 'file';
  } catch {
    return last?.slice(0, 255) ?? 'file';
  }
}

function get(url: URL, options: Required<FetchUrlOptions>, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      { method: 'GET', signal, headers: { 'user-agent': 'flint-gateway/0.1', accept: '*/*' }, ...(options.allowPrivateAddresses ? {} : { lookup: publicLookup }) },
      resolve,
    );
    request.on('error', reject);
    request.end();
  });
}

export async function fetchFileFromUrl(raw: string, opts: FetchUrlOptions = {}): Promise<FetchedFile> {
  const options: Required<FetchUrlOptions> = {
    allowPrivateAddresses: opts.allowPrivateAddresses ?? false,
    maxBytes: opts.maxBytes ?? GATEWAY_LIMITS.fileBytes,
    timeoutMs: opts.timeoutMs ?? GATEWAY_LIMITS.fileFetchTimeoutMs,
  };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw WebexError.badRequest('files: not a URL');
  }
  const signal = AbortSignal.timeout(options.timeoutMs);
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw WebexError.badRequest('files: only http and https URLs');
    if (url.username !== '' || url.password !== '') throw WebexError.badRequest('files: URLs with credentials are not fetched');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // A literal address is dialled without a lookup, so it is checked here.
    if (!options.allowPrivateAddresses && isIP(host) !== 0 && isInternalAddress(host)) throw refused(raw);
    let response: IncomingMessage;
    try {
      response = await get(url, options, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EINTERNALADDRESS') throw refused(raw);
      if (signal.aborted) throw WebexError.badRequest(`files: fetching the URL took longer than ${options.timeoutMs / 1000} s`);
      throw WebexError.badRequest(`files: the URL could not be fetched (${(error as Error).message.slice(0, 120)})`);
    }
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && typeof response.headers.location === 'string') {
      response.resume();
      if (hop >= GATEWAY_LIMITS.fileFetchRedirects) throw WebexError.badRequest('files: too many redirects');
      url = new URL(response.headers.location, url);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw WebexError.badRequest(`files: the URL answered HTTP ${status}`);
    }
    const declared = Number(response.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      response.destroy();
      throw new WebexError('payload_too_large', `A file may be at most ${options.maxBytes} bytes.`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > options.maxBytes) {
          response.destroy();
          throw new WebexError('payload_too_large', `A file may be at most ${options.maxBytes} bytes.`);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof WebexError) throw error;
      throw WebexError.badRequest(signal.aborted ? `files: fetching the URL took longer than ${options.timeoutMs / 1000} s` : 'files: the transfer was cut off');
    }
    const type = String(response.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim() || 'application/octet-stream';
    return { bytes: new Uint8Array(Buffer.concat(chunks)), name: nameFrom(response, url), type };
  }
}
