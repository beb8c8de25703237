/**
 * Service health, the connection test and notices (SPEC AD-3): thin handlers over
 * admin/service-health.ts, infra/connection-test.ts and admin/notices.ts.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { adminRoles, serviceHealth } from '@flint/protocol';
import type { Actor, Core } from '../../core.ts';
import { ApiError } from '../../errors.ts';
import { checkServiceHealth, monitoringHealth } from '../../admin/service-health.ts';
import { roleHolders } from '../../admin/roles.ts';
import { activeNotices, createNotice, listNotices, withdrawNotice } from '../../admin/notices.ts';
import { downloadPayload, spendConnectionTest } from '../../infra/connection-test.ts';
import { authenticateBearer, authenticateCookie } from '../../identity/sessions.ts';
import type { KmsLink } from '../../kms-link/kms-link.ts';
import { SESSION_COOKIE } from './auth.ts';
import { originAllowed } from '../origin.ts';
import { REPLY_SENT, route } from '../route.ts';

const { CONNECTION_TEST_LIMITS } = serviceHealth;
const HELLO_TIMEOUT_MS = 10_000;

export function serviceHealthRoutes(app: FastifyInstance, core: Core, kmsLink: KmsLink | undefined): void {
  route(app, core, serviceHealth.getServiceHealth, async () => checkServiceHealth(core, kmsLink));

  // For monitoring (no sign-in): states only, 503 when a part is down.
  const monitoring = monitoringHealth(core, kmsLink);
  app.get(serviceHealth.MONITORING_PATH, { schema: { hide: true } }, async (_req, reply) => {
    const health = await monitoring();
    return reply.code(health.status === 'down' ? 503 : 200).header('Cache-Control', 'no-store').send(health);
  });

  route(app, core, serviceHealth.connectionPing, async ({ actor, reply }) => {
    await spendConnectionTest(core, actor);
    void reply.header('Cache-Control', 'no-store');
    return { serverTime: new Date(core.now()).toISOString() };
  });

  route(app, core, serviceHealth.connectionDownload, async ({ actor, query, reply }) => {
    await spendConnectionTest(core, actor);
    const body = downloadPayload(query.bytes);
    void reply.code(200).header('Content-Type', 'application/octet-stream').header('Cache-Control', 'no-store').header('Content-Length', String(body.length)).send(body);
    return REPLY_SENT;
  });

  // Encapsulated so this octet-stream parser (buffering at most maxBytes) applies to this route only.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: CONNECTION_TEST_LIMITS.maxBytes }, (_req, body, done) => done(null, body));
    route(
      scope,
      core,
      serviceHealth.connectionUpload,
      async ({ actor, req }) => {
        await spendConnectionTest(core, actor);
        if (!Buffer.isBuffer(req.body)) throw new ApiError('unsupported_media_type', 'Send the test data as application/octet-stream.');
        return { bytes: req.body.length };
      },
      { bodyLimit: CONNECTION_TEST_LIMITS.maxBytes },
    );
  });

  // The test's WebSocket: `{"type":"hello","token"?}` first (or the web cookie on an upgrade from
  // Flint's own origin), then each text frame is echoed, up to socketEchoes, then a normal close.
  app.get(serviceHealth.CONNECTION_TEST_SOCKET_PATH, { websocket: true, schema: { hide: true } }, (socket: WebSocket, req) => {
    const cookie = req.cookies[SESSION_COOKIE];
    const cookieFromOwnOrigin = originAllowed(req, core.config.publicUrl);
    let actor: Actor | undefined;
    let echoes = 0;
    const timer = setTimeout(() => socket.close(4001, 'expected a hello frame'), HELLO_TIMEOUT_MS);
    socket.on('close', () => clearTimeout(timer));
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? undefined : (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString('utf8');
      if (text === undefined || Buffer.byteLength(text) > CONNECTION_TEST_LIMITS.socketFrameBytes) {
        socket.close(4400, `Frames are text of at most ${CONNECTION_TEST_LIMITS.socketFrameBytes} bytes.`);
        return;
      }
      if (actor === undefined) {
        void (async () => {
          try {
            const hello = JSON.parse(text) as { type?: unknown; token?: unknown };
            if (hello.type !== 'hello') throw ApiError.badRequest('expected a hello frame');
            if (typeof hello.token === 'string') actor = await authenticateBearer(core, hello.token);
            else if (cookie !== undefined && cookieFromOwnOrigin) actor = await authenticateCookie(core, cookie, req.ip);
            else throw ApiError.unauthorized();
            await spendConnectionTest(core, actor);
            clearTimeout(timer);
            socket.send(JSON.stringify({ type: 'ready', echoes: CONNECTION_TEST_LIMITS.socketEchoes }));
          } catch (error) {
            const e = ApiError.from(error);
            socket.close(e.status === 429 ? 4429 : e.status === 401 ? 4401 : 4400, e.code);
          }
        })();
        return;
      }
      socket.send(text);
      if (++echoes >= CONNECTION_TEST_LIMITS.socketEchoes) socket.close(1000, 'done');
    });
  });

  // The roles page (SPEC ID-7) lives with the other console additions of this change.
  route(app, core, adminRoles.listRoleHolders, async ({ actor }) => ({ items: await roleHolders(core, actor) }));

  route(app, core, serviceHealth.createNotice, async ({ actor, body }) => createNotice(core, actor, body));
  route(app, core, serviceHealth.listNotices, async ({ actor }) => ({ items: await listNotices(core, actor) }));
  route(app, core, serviceHealth.withdrawNotice, async ({ actor, params }) => {
    await withdrawNotice(core, actor, params.id);
  });
  route(app, core, serviceHealth.activeNotices, async ({ actor }) => ({ items: await activeNotices(core, actor) }));
}
