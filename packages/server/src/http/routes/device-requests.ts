/**
 * Approving a new browser from an enrolled one: the core carries the requests (identity/device-requests.ts).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { deviceRequests } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { answerDeviceRequest, createDeviceRequest, getDeviceRequest, listDeviceRequests } from '../../identity/device-requests.ts';
import { route } from '../route.ts';

export function deviceRequestRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, deviceRequests.createDeviceRequest, async ({ actor, body, client }) => createDeviceRequest(core, actor, body, client));
  route(app, core, deviceRequests.listDeviceRequests, async ({ actor }) => ({ items: await listDeviceRequests(core, actor) }));
  route(app, core, deviceRequests.getDeviceRequest, async ({ actor, params }) => getDeviceRequest(core, actor, params.id));
  route(app, core, deviceRequests.answerDeviceRequest, async ({ actor, params, body }) => answerDeviceRequest(core, actor, params.id, body.status));
}
