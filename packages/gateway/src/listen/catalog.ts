/**
 * The minimal Webex service catalog (U2C) and device registry (WDM) that the official SDK's
 * `listen()` needs (SPEC PL-2; reference §8.5): both U2C catalog calls answer in the "hostmap"
 * format, naming this server for `hydra`, `wdm` and `metrics`; a device registration answers the
 * Mercury WebSocket URL on the same host. Everything is derived from the request's own origin, so
 * it works behind any host name. A device id names the WebSocket, which authenticates with the
 * caller's token itself (so any gateway instance can serve it); the only state kept for a device is
 * where its socket left off (listen/cursors.ts), dropped when the device is unregistered.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WebexError } from '../errors.ts';
import { hydra } from '../ids.ts';
import { originOf } from '../request.ts';
import { v1, type Gateway } from '../context.ts';

/** Where the SDK posts its client metrics (Flint's own `/metrics` is Prometheus). */
export const METRICS_PREFIX = '/webex-metrics/api/v1';
export const U2C_PREFIX = '/u2c/api/v1';
export const WDM_PREFIX = '/wdm/api/v1';
export const MERCURY_PREFIX = '/mercury/api/v1/devices';
/** The catalog host's id: the `urn:TEAM:us-east-2_a` prefix maps to the hydra cluster `us`. */
export const CLUSTER_ID = 'urn:TEAM:us-east-2_a:flint';

function catalog(req: FastifyRequest): object {
  const origin = originOf(req);
  const url = new URL(origin);
  return {
    serviceLinks: { hydra: `${origin}/v1`, wdm: `${origin}${WDM_PREFIX}`, metrics: `${origin}${METRICS_PREFIX}` },
    // The key carries the port; the entry's host must not (the SDK appends the port itself).
    hostCatalog: { [url.host]: [{ host: url.hostname.replace(/^\[|\]$/g, ''), ttl: -1, priority: 5, id: CLUSTER_ID }] },
    format: 'hostmap',
  };
}

const DEVICE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function deviceIdFrom(value: string): string {
  if (!DEVICE_ID.test(value)) throw WebexError.notFound('device');
  return value;
}

export function catalogRoutes(app: FastifyInstance, gw: Gateway): void {
  // Asked before sign-in with the org from the token: no authentication, nothing secret.
  app.get(`${U2C_PREFIX}/limited/catalog`, { schema: { hide: true } }, async (req) => catalog(req));
  v1(app, gw, 'GET', `${U2C_PREFIX}/catalog`, async ({ req }) => catalog(req));

  // The SDK reports client metrics; an unanswered post is an unhandled rejection that ends Node.
  for (const path of ['clientmetrics', 'clientmetrics-prelogin', 'client/metrics']) {
    app.post(`${METRICS_PREFIX}/${path}`, { schema: { hide: true } }, async (_req, reply) => reply.code(204).send());
  }

  const device = (req: FastifyRequest, id: string, body: Record<string, unknown>, personId: string) => {
    const origin = originOf(req);
    const ws = origin.replace(/^http/, 'ws');
    return {
      url: `${origin}${WDM_PREFIX}/devices/${id}`,
      webSocketUrl: `${ws}${MERCURY_PREFIX}/${id}`,
      deviceType: typeof body['deviceType'] === 'string' ? body['deviceType'] : 'WEB',
      name: typeof body['name'] === 'string' ? body['name'].slice(0, 128) : 'webex-sdk',
      model: typeof body['model'] === 'string' ? body['model'].slice(0, 128) : 'web-js-sdk',
      userId: hydra.person(personId),
      services: {},
      features: { developer: [], entitlement: [], user: [] },
      intranetInactivityCheckUrl: `${origin}/health`,
      creationTime: new Date().toISOString(),
    };
  };

  v1(app, gw, 'POST', `${WDM_PREFIX}/devices`, async ({ req, caller }) => device(req, randomUUID(), (req.body ?? {}) as Record<string, unknown>, caller.me.id));
  // A refresh re-registers the same device.
  v1(app, gw, 'PUT', `${WDM_PREFIX}/devices/:deviceId`, async ({ req, caller }) =>
    device(req, deviceIdFrom((req.params as { deviceId: string }).deviceId), (req.body ?? {}) as Record<string, unknown>, caller.me.id),
  );
  v1(app, gw, 'GET', `${WDM_PREFIX}/devices/:deviceId`, async ({ req, caller }) => device(req, deviceIdFrom((req.params as { deviceId: string }).deviceId), {}, caller.me.id));
  v1(app, gw, 'DELETE', `${WDM_PREFIX}/devices/:deviceId`, async ({ req, caller }) => {
    gw.cursors.forget(deviceIdFrom((req.params as { deviceId: string }).deviceId), caller.me.id);
  });
}
