/**
 * A webhook receiver on loopback for tests: records every POST (raw bytes, headers, parsed body)
 * and answers with the status the test chooses — or never answers (`'hang'`), to hold a delivery
 * in flight. It can stop and start again on the same port, as a receiver that goes down for a while.
 * @module
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { WebhookEnvelope } from '@flint/protocol';

export interface ReceivedDelivery {
  /** The request path (e.g. `/bob`), so one receiver can serve several webhooks. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received: what the signature covers. */
  raw: Buffer;
  body: WebhookEnvelope;
  /** `X-Flint-Delivery-Id`: the same on every attempt of one delivery. */
  deliveryId: string;
  /** `X-Spark-Signature`, when the webhook has a secret. */
  signature: string | undefined;
  /** When it arrived (epoch ms). */
  at: number;
  /** The status answered. */
  status: number | 'hang';
}

/** Chooses the answer to a delivery: a status, or `'hang'` (never answer). */
export type Responder = (delivery: Omit<ReceivedDelivery, 'status'>, index: number) => number | 'hang';

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` (add a path per webhook). */
  url: string;
  port: number;
  /** Every POST, in arrival order (including the ones answered with an error). */
  deliveries: ReceivedDelivery[];
  respond(responder: Responder | number | 'hang'): void;
  /** Resolves when `predicate` holds for the deliveries (checked on each arrival and now). */
  waitFor(predicate: (deliveries: readonly ReceivedDelivery[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Stops listening (and drops hanging requests); `start()` listens on the same port again. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startWebhookReceiver(options: { port?: number; respond?: Responder | number | 'hang' } = {}): Promise<WebhookReceiver> {
  const fixed = (r: number | 'hang'): Responder => () => r;
  let responder: Responder = typeof options.respond === 'function' ? options.respond : fixed(options.respond ?? 200);
  const deliveries: ReceivedDelivery[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  let server: Server | undefined;
  let port = options.port ?? 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const raw = Buffer.concat(chunks);
          let body: WebhookEnvelope;
          try {
            body = JSON.parse(raw.toString('utf8')) as WebhookEnvelope;
          } catch {
            body = {} as WebhookEnvelope;
          }
          const header = (name: string) => {
            const v = req.headers[name];
            return typeof v === 'string' ? v : undefined;
          };
          const base = { path: req.url ?? '/', headers: req.headers, raw, body, deliveryId: header('x-flint-delivery-id') ?? '', signature: header('x-spark-signature'), at: Date.now() };
          const status = responder(base, deliveries.length);
          deliveries.push({ ...base, status });
          if (status === 'hang') hanging.add(res);
          else res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
          for (const w of waiters) w();
        });
      });
      s.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });

  await listen();
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}`,
    port,
    deliveries,
    respond(r) {
      responder = typeof r === 'function' ? r : fixed(r);
    },
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(deliveries)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`webhook receiver: condition not met within ${timeoutMs} ms (${deliveries.length} deliveries)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s === undefined) return;
      hanging.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      if (server === undefined) await listen();
    },
  };
  return receiver;
}
