/**
 * The HTTP edge of the core: a Fastify instance with the cross-cutting concerns — tracking ids,
 * authentication, rate limits, error normalization, metrics, OpenAPI — and the route modules.
 * @module
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import { LIMITS } from '@flint/protocol';
import type { Core } from '../core.ts';
import { ApiError } from '../errors.ts';
import { authenticateBearer, authenticateCookie } from '../identity/sessions.ts';
import { assertRouteScope } from '../identity/scopes.ts';
import { authenticateScimToken, isScimToken } from '../identity/scim-token.ts';
import { lazySerializerFactory, validatorCompiler } from './validation.ts';
import { closeQuietConnections } from './graceful-close.ts';
import { transportHeaders } from './transport.ts';
import { authRoutes, SESSION_COOKIE } from './routes/auth.ts';
import { peopleRoutes } from './routes/people.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { spaceInvitationRoutes } from './routes/space-invitations.ts';
import { organizationRoutes } from './routes/organizations.ts';
import { systemRoutes } from './routes/system.ts';
import { roomRoutes } from './routes/rooms.ts';
import { teamRoutes } from './routes/teams.ts';
import { messageRoutes } from './routes/messages.ts';
import { eventRoutes } from './routes/events.ts';
import { encryptionRoutes } from './routes/encryption.ts';
import { fileRoutes } from './routes/files.ts';
import { searchRoutes } from './routes/search.ts';
import { attachmentActionRoutes } from './routes/attachment-actions.ts';
import { reactionRoutes } from './routes/reactions.ts';
import { whiteboardRoutes } from './routes/whiteboards.ts';
import { notificationRoutes } from './routes/notifications.ts';
import type { KmsLink } from '../kms-link/kms-link.ts';
import { OutboundKmsLink } from '../kms-link/outbound-link.ts';
import { kmsLinkRoutes } from './routes/kms-link.ts';
import { registerWebApp } from './web-app.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { complianceRoutes } from './routes/compliance.ts';
import { adminAuditRoutes } from './routes/admin-audit.ts';
import { adminPeopleRoutes } from './routes/admin-people.ts';
import { adminDomainRoutes } from './routes/admin-domains.ts';
import { oauthRoutes } from './routes/oauth.ts';
import { ssoRoutes } from './routes/sso.ts';
import { directoryRoutes } from './routes/directory.ts';
import { scimRoutes } from './routes/scim.ts';
import { samlRoutes } from './routes/saml.ts';
import { adminReportRoutes } from './routes/admin-reports.ts';
import { serviceHealthRoutes } from './routes/service-health.ts';
import { feedbackRoutes } from './routes/feedback.ts';
import { deviceRequestRoutes } from './routes/device-requests.ts';
import { retentionRoutes } from './routes/retention.ts';
import { careRoutes } from './routes/care.ts';
import { telephonyRoutes } from './routes/telephony.ts';
import { meetingRoutes } from './routes/meetings.ts';
import { meetingGuestRoutes } from './routes/meeting-guests.ts';
import { callRoutes } from './routes/calls.ts';
import { voicemailRoutes } from './routes/voicemail.ts';
import { schedulingRoutes } from './routes/scheduling.ts';

/** sha256 of the <style> inside swagger-ui's logo (swagger-ui-standalone-preset.js). */
const SWAGGER_LOGO_STYLE_HASH = 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w=';

export interface AppOptions {
  /** A folder with the built web app, served at `/`. */
  webRoot?: string | undefined;
  /** Extra routes mounted by the composition root (the KMS, the gateway). */
  plugins?: readonly ((app: FastifyInstance) => Promise<void> | void)[];
  /** Lets tests add routes (e.g. a slow one for the shutdown test) before the app is sealed. */
  extend?: (app: FastifyInstance) => void;
  /** How the core reaches the KMS (in-process under `flint serve`, or HTTP). */
  kmsLink?: KmsLink | undefined;
}

const TRACKING_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Any error as the Webex body `{message, errors:[{description}], trackingId, code}`; a 500 never carries its cause. */
function sendError(error: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const apiError = ApiError.from(error);
  if (apiError.status >= 500) req.log.error({ err: error, trackingId: req.id, path: req.routeOptions.url }, 'request failed');
  if (apiError.retryAfterSec !== undefined) reply.header('Retry-After', String(apiError.retryAfterSec));
  void reply.code(apiError.status).send({
    message: apiError.message,
    errors: (apiError.details.length > 0 ? apiError.details : [apiError.message]).map((description) => ({ description })),
    trackingId: req.id,
    code: apiError.code,
  });
}

export async function buildApp(core: Core, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: core.log,
    // Request logs carry method, path (never the query) and status — no headers, bodies or tokens.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'trackingId' }),
    bodyLimit: LIMITS.jsonBodyBytes,
    trustProxy: core.config.trustProxy,
    genReqId: (req) => {
      const incoming = req.headers['trackingid'];
      return typeof incoming === 'string' && TRACKING_ID.test(incoming) ? incoming : `FLINT_${randomUUID()}`;
    },
    ...(core.config.tls ? { https: { cert: core.config.tls.cert, key: core.config.tls.key } } : {}),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Webex ids in paths (the gateway's /v1 on this listener) run past Fastify's default of 100
    // characters: a membership id names two UUIDs.
    routerOptions: { maxParamLength: 512 },
    schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory() } },
    // What Fastify refuses before any route runs — a malformed percent-escape in the path, a path
    // parameter past maxParamLength — is answered in the same Webex shape as every other error.
    frameworkErrors: (error, req, reply) => {
      reply.header('TrackingID', req.id);
      sendError(error, req, reply);
    },
  }) as unknown as FastifyInstance;
  closeQuietConnections(app);

  app.setValidatorCompiler(validatorCompiler());
  // Fastify accepts text/plain by default; the API speaks JSON (and images for avatars) only.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('actor', undefined);
  await app.register(cookie);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Flint native API',
        version: '0.1.0',
        description:
          'The native API of Flint’s core realm. Content fields are ciphertext; errors use the Webex shape ' +
          '`{message, errors:[{description}], trackingId}` plus a machine-readable `code`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Swagger UI's top-bar logo is an SVG with an inline <style>: allow exactly that one by its
    // hash (not 'unsafe-inline'), so /docs shows without a CSP violation (tests/e2e/web-app-polish).
    transformStaticCSP: (header: string) => header.replace("style-src 'self' https:", `style-src 'self' https: '${SWAGGER_LOGO_STYLE_HASH}'`),
  });

  const transport = transportHeaders(core.config);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('TrackingID', req.id);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.headers(transport);
    (req as { startedAt?: bigint }).startedAt = process.hrtime.bigint();
  });

  // Authentication runs before validation so that an unauthenticated caller learns nothing about a
  // route's input rules, and rate limits count per principal.
  app.addHook('preValidation', async (req) => {
    const authz = req.headers.authorization;
    const routeAuth = req.routeOptions.config.auth;
    // Routes open to anyone (sign-in, sign-up, refresh) never act as a session, so they ignore
    // credentials altogether: an expired token must not stop its own refresh.
    if (routeAuth === undefined || routeAuth === 'none') {
      // (nothing to authenticate)
    } else if (typeof authz === 'string' && authz !== '') {
      const match = /^Bearer\s+(\S{10,512})$/i.exec(authz);
      if (match?.[1] === undefined) throw ApiError.unauthorized('The Authorization header must be "Bearer <token>".');
      // The org's SCIM directory token is tried on the SCIM routes only: anywhere else it is no
      // access token at all (401), so it cannot reach the rest of the API or the KMS exchange.
      req.actor = routeAuth === 'scim' && isScimToken(match[1]) ? await authenticateScimToken(core, match[1]) : await authenticateBearer(core, match[1]);
    } else {
      const cookieValue = req.cookies[SESSION_COOKIE];
      if (cookieValue !== undefined) {
        req.actor = await authenticateCookie(core, cookieValue, req.ip);
        // A cookie is sent by the browser on its own; a custom header cannot be added cross-site
        // without a CORS preflight, which Flint never grants, so it proves the request is our app's.
        if (req.actor !== undefined && UNSAFE_METHODS.has(req.method) && req.headers['x-flint-csrf'] === undefined) {
          req.actor = undefined;
          throw ApiError.forbidden('A cookie-authenticated request that changes state needs the X-Flint-CSRF header.');
        }
      }
    }
    // An integration's token reaches only the routes its scopes open (identity/scopes.ts).
    if (req.actor?.scopes !== undefined) assertRouteScope(req.actor, req.routeOptions.config.methodId);
    if (req.actor !== undefined) {
      // A copy per request: the auth cache holds the actor without any one request's origin.
      const userAgent = req.headers['user-agent'];
      req.actor = { ...req.actor, origin: { ip: req.ip, userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : undefined, trackingId: req.id } };
    }
    const skip = req.routeOptions.config.methodId === undefined;
    if (skip) return;
    const key = req.actor ? `req:p:${req.actor.personId}` : `req:ip:${req.ip}`;
    const { count, resetInSec } = await core.limiter.hit(key, 60);
    if (count > core.config.rateLimit.requestsPerMinute) throw ApiError.rateLimited(resetInSec);
  });

  app.setErrorHandler((error, req, reply) => sendError(error, req, reply));

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({
      message: 'The requested resource could not be found.',
      errors: [{ description: `No route for ${req.method} ${req.url.split('?')[0] ?? ''}` }],
      trackingId: req.id,
      code: 'not_found',
    });
  });

  app.addHook('onResponse', async (req, reply) => {
    const routeLabel = req.routeOptions.config.methodId ?? (req.routeOptions.url ?? 'unmatched');
    core.metrics.httpRequests.inc({ method: req.method, route: routeLabel, status: String(reply.statusCode) });
    const started = (req as { startedAt?: bigint }).startedAt;
    const seconds = started === undefined ? 0 : Number(process.hrtime.bigint() - started) / 1e9;
    core.metrics.httpDuration.observe({ method: req.method, route: routeLabel }, seconds);
    req.log.info(
      { method: req.method, path: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(seconds * 1000) },
      'request',
    );
  });

  systemRoutes(app, core);
  authRoutes(app, core);
  peopleRoutes(app, core);
  sessionRoutes(app, core);
  invitationRoutes(app, core);
  spaceInvitationRoutes(app, core);
  organizationRoutes(app, core);
  roomRoutes(app, core);
  teamRoutes(app, core);
  messageRoutes(app, core);
  eventRoutes(app, core);
  encryptionRoutes(app, core, options.kmsLink);
  if (options.kmsLink instanceof OutboundKmsLink) kmsLinkRoutes(app, options.kmsLink);
  fileRoutes(app, core);
  searchRoutes(app, core);
  attachmentActionRoutes(app, core);
  reactionRoutes(app, core);
  whiteboardRoutes(app, core);
  notificationRoutes(app, core);
  webhookRoutes(app, core);
  adminAuditRoutes(app, core);
  complianceRoutes(app, core);
  adminPeopleRoutes(app, core);
  adminDomainRoutes(app, core);
  ssoRoutes(app, core);
  oauthRoutes(app, core);
  scimRoutes(app, core);
  samlRoutes(app, core);
  directoryRoutes(app, core);
  adminReportRoutes(app, core);
  serviceHealthRoutes(app, core, options.kmsLink);
  feedbackRoutes(app, core);
  deviceRequestRoutes(app, core);
  retentionRoutes(app, core);
  careRoutes(app, core);
  telephonyRoutes(app, core);
  meetingRoutes(app, core);
  meetingGuestRoutes(app, core);
  callRoutes(app, core);
  voicemailRoutes(app, core);
  schedulingRoutes(app, core);
  for (const plugin of options.plugins ?? []) await plugin(app);
  options.extend?.(app);

  if (options.webRoot !== undefined) await registerWebApp(app, options.webRoot, core.config.publicUrl);
  return app;
}
