/**
 * The Webex-compatible API gateway (SPEC PL-2; DESIGN §1 security realm): `/v1` for bots and
 * Webex SDKs, in plaintext, over Flint's end-to-end encrypted core. It holds no database and no
 * keys of its own: for each request it acts as the caller, through the SDK, with the caller's own
 * token and KMS access (callers.ts), so the core still stores ciphertext only.
 *
 * `gatewayPlugin` mounts it on a listener — the core's under `flint serve` (cli/compose.ts), or its
 * own (`createGatewayServer`) pointed at a core elsewhere.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { nodeHttpFetch } from '@flint/sdk/node/http-fetch';
import { Callers, type CoreAccess } from './callers.ts';
import type { Gateway } from './context.ts';
import type { AddressCheck } from './files/guarded-fetch.ts';
import { WebexError } from './errors.ts';
import { contentRoutes } from './routes/contents.ts';
import { eventRoutes } from './routes/events.ts';
import { membershipRoutes } from './routes/memberships.ts';
import { messageRoutes } from './routes/messages.ts';
import { organizationRoutes } from './routes/organization.ts';
import { adminAuditRoutes } from './routes/admin-audit.ts';
import { peopleRoutes } from './routes/people.ts';
import { roomRoutes } from './routes/rooms.ts';
import { teamRoutes } from './routes/teams.ts';
import { meetingRoutes } from './routes/meetings.ts';
import { telephonyCallRoutes } from './routes/telephony-calls.ts';
import { voiceMessageRoutes } from './routes/voice-messages.ts';
import { telephonyRoutes } from './routes/telephony.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { attachmentActionRoutes } from './routes/attachment-actions.ts';
import { catalogRoutes } from './listen/catalog.ts';
import { mercuryRoutes } from './listen/mercury.ts';
import { MercuryCursors } from './listen/cursors.ts';

export interface GatewayOptions {
  core: CoreAccess;
  /** Let `files: [url]` fetch from loopback and private addresses (intranet installs, tests). */
  allowPrivateFileUrls?: boolean;
  /** The operator's rule for which addresses `files: [url]` may reach (else: public addresses only). */
  fileUrlAddressAllowed?: AddressCheck;
  /** Cache bounds for per-caller state (defaults in limits.ts). */
  callers?: { max: number; idleMs: number; maxAgeMs: number };
}

/** Mounts `/v1` (and the listen() services) in its own encapsulated context of `app`. */
export function gatewayPlugin(options: GatewayOptions): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    const callers = new Callers(options.core, options.callers);
    const cursors = new MercuryCursors();
    app.addHook('onClose', async () => callers.close());
    await app.register(async (scope) => {
      const gateway: Gateway = { callers, core: options.core, log: scope.log, cursors };
      scope.setErrorHandler((error, req, reply) => {
        const e = WebexError.from(error);
        if (e.status >= 500 && e.status !== 502) req.log.error({ err: error, trackingId: req.id, path: req.routeOptions.url }, 'gateway request failed');
        else if (e.status === 502) req.log.warn({ err: (error as Error).message, trackingId: req.id, path: req.routeOptions.url }, 'gateway: upstream unavailable');
        if (e.retryAfterSec !== undefined) void reply.header('Retry-After', String(e.retryAfterSec));
        void reply.header('trackingid', req.id);
        void reply.code(e.status).send(e.body(req.id));
      });
      peopleRoutes(scope, gateway);
      roomRoutes(scope, gateway);
      membershipRoutes(scope, gateway);
      // File bodies stream to the core with back-pressure: the core access's own fetch (pinned TLS
      // on loopback) or node:http — never the global fetch, which buffers a streamed request body.
      messageRoutes(scope, gateway, {
        allowPrivateFileUrls: options.allowPrivateFileUrls === true,
        ...(options.fileUrlAddressAllowed !== undefined ? { fileUrlAddressAllowed: options.fileUrlAddressAllowed } : {}),
        uploadFetch: options.core.fetch ?? nodeHttpFetch,
      });
      contentRoutes(scope, gateway);
      eventRoutes(scope, gateway);
      teamRoutes(scope, gateway);
      meetingRoutes(scope, gateway);
      telephonyCallRoutes(scope, gateway);
      voiceMessageRoutes(scope, gateway);
      telephonyRoutes(scope, gateway);
      organizationRoutes(scope, gateway);
      adminAuditRoutes(scope, gateway);
      webhookRoutes(scope, gateway);
      attachmentActionRoutes(scope, gateway);
      catalogRoutes(scope, gateway);
      mercuryRoutes(scope, gateway);
    });
  };
}
