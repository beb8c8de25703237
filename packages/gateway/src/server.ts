/**
 * The gateway on its own listener, in front of a core elsewhere (`flint gateway serve --core-url`):
 * the same routes as under `flint serve`. It reaches the core over HTTP(S) with each caller's token
 * and the KMS through the core's relay (as a device of the caller), so it needs no database, no KMS
 * address and no secret of its own — and several can run side by side (the listen() devices are
 * stateless).
 * @module
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import websocket from '@fastify/websocket';
import WebSocket from 'ws';
import type { FetchLike, WebSocketConstructor } from '@flint/sdk';
import { gatewayPlugin, type GatewayOptions } from './gateway.ts';
import { WebexError } from './errors.ts';

export interface GatewayServerConfig extends Omit<GatewayOptions, 'core'> {
  /** The core's base URL, e.g. https://flint.example.com. */
  coreUrl: string;
  host?: string;
  port?: number;
  tls?: { cert: string; key: string } | undefined;
  /** Trust X-Forwarded-* (behind a reverse proxy), so Link and content URLs keep the client's origin. */
  trustProxy?: boolean;
  fetch?: FetchLike;
  /** Log level of the listener's pino logger (default: warn). */
  logLevel?: string;
}

export interface GatewayServer {
  app: FastifyInstance;
  /** Starts listening; answers the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

const TRACKING_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export async function createGatewayServer(config: GatewayServerConfig): Promise<GatewayServer> {
  const app = Fastify({
    logger: { level: config.logLevel ?? 'warn' },
    // Like the core: no request logs with URLs (ids) or headers (tokens).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'trackingId' }),
    bodyLimit: 1024 * 1024,
    trustProxy: config.trustProxy === true,
    // Webex ids in paths are longer than Fastify's default 100 characters allow.
    routerOptions: { maxParamLength: 512 },
    // A malformed percent-escape in the path, or a path parameter past maxParamLength: refused by
    // Fastify before any route runs, answered in the Webex shape like every other error.
    frameworkErrors: (error, req, reply) => {
      const e = WebexError.from(error);
      const answer = reply as unknown as FastifyReply;
      void answer.header('TrackingID', req.id);
      void answer.code(e.status).send(e.body(req.id));
    },
    genReqId: (req) => {
      const incoming = req.headers['trackingid'];
      return typeof incoming === 'string' && TRACKING_ID.test(incoming) ? incoming : `FLINT_GW_${randomUUID()}`;
    },
    ...(config.tls ? { https: { cert: config.tls.cert, key: config.tls.key } } : {}),
  }) as unknown as FastifyInstance;
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (req, reply) => {
    void reply.header('TrackingID', req.id);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ message: 'The requested resource could not be found.', errors: [{ description: `No route for ${req.method} ${req.url.split('?')[0] ?? ''}` }], trackingId: req.id, code: 'not_found' });
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const { coreUrl, fetch, host: _host, port: _port, tls: _tls, trustProxy: _trust, logLevel: _level, ...options } = config;
  await app.register(
    gatewayPlugin({
      ...options,
      core: { url: () => coreUrl.replace(/\/+$/, ''), WebSocket: WebSocket as unknown as WebSocketConstructor, ...(fetch !== undefined ? { fetch } : {}) },
    }),
  );
  return {
    app,
    async listen() {
      return app.listen({ host: config.host ?? '127.0.0.1', port: config.port ?? 0 });
    },
    close: () => app.close(),
  };
}
