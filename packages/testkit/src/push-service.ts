/**
 * A Web Push service on loopback for tests: the push-service side of RFC 8030, as Mozilla's
 * autopush or Google's FCM would be for a browser, so the core's pushes are received, checked and
 * opened for real. It hands out subscriptions (each with its own P-256 key pair and 16-byte auth
 * secret, as a browser's `PushManager.subscribe` makes them), and for each POST to an endpoint:
 * checks the VAPID `Authorization: vapid t=<JWT>, k=<key>` header (RFC 8292: ES256 signature by
 * `k`, `aud` the endpoint's origin, `exp` within 24 hours, a `sub`), the `TTL` header and
 * `Content-Encoding: aes128gcm`, then decrypts the body with the subscription's private key
 * (RFC 8291, with `http_ece`, the library `web-push` itself uses to encrypt) and records the
 * plaintext. It answers 201 as push services do, or the status a test chooses (410 Gone: the
 * subscription expired).
 *
 * What it does not do: deliver to a browser. Chromium's own push service is not reachable from
 * here, so browser tests hand the recorded payload to the service worker themselves.
 * @module
 */
import { createECDH, createPublicKey, randomBytes, randomUUID, verify, type ECDH } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import ece from 'http_ece';

export interface TestPushSubscription {
  id: string;
  /** As `PushSubscription.toJSON()` gives it: what the client registers with Flint. */
  json: { endpoint: string; keys: { p256dh: string; auth: string } };
}

export interface ReceivedPush {
  subscriptionId: string;
  headers: IncomingHttpHeaders;
  /** The encrypted body as it arrived. */
  raw: Buffer;
  /** The decrypted payload. */
  plaintext: string;
  /** The VAPID JWT's claims and the key that signed it. */
  vapid: { claims: Record<string, unknown>; publicKey: string };
  /** The status answered. */
  status: number;
}

export interface TestPushService extends AsyncDisposable {
  url: string;
  /** A new subscription (a device). */
  subscribe(): TestPushSubscription;
  /** Every push accepted or refused, in arrival order. */
  received: ReceivedPush[];
  /** Problems with requests that were refused (bad VAPID, bad encryption…), for assertions. */
  refusals: string[];
  /** Answer this status to pushes to this subscription (e.g. 410: it expired). */
  answer(subscriptionId: string, status: number): void;
  waitFor(predicate: (received: readonly ReceivedPush[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface Device {
  ecdh: ECDH;
  auth: Buffer;
  status: number;
}

/** Verifies a VAPID header (RFC 8292 §2, §3) for `audience`; answers the claims or throws why not. */
function checkVapid(header: string | undefined, audience: string, now: number): { claims: Record<string, unknown>; publicKey: string } {
  const m = /^vapid t=([A-Za-z0-9_.-]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (m === null) throw new Error('Authorization is not "vapid t=…, k=…"');
  const [token, k] = [m[1]!, m[2]!];
  const [h, p, s] = token.split('.');
  if (h === undefined || p === undefined || s === undefined) throw new Error('the JWT has not three parts');
  const head = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
  if (head.alg !== 'ES256') throw new Error(`JWT alg ${String(head.alg)}`);
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Error('k is not an uncompressed P-256 key');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) throw new Error('the JWT signature does not verify with k');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (claims['aud'] !== audience) throw new Error(`aud ${String(claims['aud'])} is not ${audience}`);
  const exp = Number(claims['exp']);
  if (!Number.isFinite(exp) || exp * 1000 <= now || exp * 1000 > now + 24 * 3600 * 1000) throw new Error('exp is not within the next 24 hours');
  if (typeof claims['sub'] !== 'string' || !/^(mailto:|https:)/.test(claims['sub'])) throw new Error('sub is not a mailto: or https: URL');
  return { claims, publicKey: k };
}

export async function startPushService(): Promise<TestPushService> {
  const devices = new Map<string, Device>();
  const received: ReceivedPush[] = [];
  const refusals: string[] = [];
  const waiters = new Set<() => void>();
  let origin = '';

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const id = /^\/push\/([0-9a-f-]{36})$/.exec(req.url ?? '')?.[1];
      const device = id === undefined ? undefined : devices.get(id);
      const refuse = (status: number, why: string) => {
        refusals.push(why);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(why);
      };
      if (req.method !== 'POST') return refuse(405, 'POST only');
      if (id === undefined || device === undefined) return refuse(404, 'no such subscription');
      let vapid: ReceivedPush['vapid'];
      try {
        vapid = checkVapid(req.headers.authorization, origin, Date.now());
      } catch (error) {
        return refuse(401, `VAPID: ${(error as Error).message}`);
      }
      if (!/^\d+$/.test(String(req.headers['ttl'] ?? ''))) return refuse(400, 'TTL header missing');
      if (req.headers['content-encoding'] !== 'aes128gcm') return refuse(415, `Content-Encoding ${String(req.headers['content-encoding'])}`);
      let plaintext: string;
      try {
        plaintext = ece.decrypt(raw, { version: 'aes128gcm', privateKey: device.ecdh, authSecret: device.auth.toString('base64url') }).toString('utf8');
      } catch (error) {
        return refuse(400, `decryption failed: ${(error as Error).message}`);
      }
      received.push({ subscriptionId: id, headers: req.headers, raw, plaintext, vapid, status: device.status });
      res.writeHead(device.status, device.status === 201 ? { location: `${origin}/message/${randomUUID()}` } : {}).end();
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    url: origin,
    received,
    refusals,
    subscribe() {
      const id = randomUUID();
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      devices.set(id, { ecdh, auth, status: 201 });
      return { id, json: { endpoint: `${origin}/push/${id}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } } };
    },
    answer(subscriptionId, status) {
      const device = devices.get(subscriptionId);
      if (device === undefined) throw new Error('no such subscription');
      device.status = status;
    },
    waitFor(predicate, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!predicate(received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`push service: condition not met within ${timeoutMs} ms (${received.length} received, refusals: ${refusals.join('; ') || 'none'})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
