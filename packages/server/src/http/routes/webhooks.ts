/**
 * Webhooks (SPEC PL-2).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { webhooks } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { createWebhook, deleteWebhook, getWebhook, listWebhooks, updateWebhook } from '../../webhooks/webhooks.ts';
import { pageSize, setNextLink } from '../paging.ts';
import { decodeCursor, encodeCursor } from '../../paging/cursor.ts';
import { route } from '../route.ts';

const isIdCursor = (v: unknown): v is string => typeof v === 'string' && v.length <= 40;

export function webhookRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, webhooks.createWebhook, async ({ actor, body }) => createWebhook(core, actor, body));
  route(app, core, webhooks.listWebhooks, async ({ actor, query, req, reply }) => {
    const result = await listWebhooks(core, actor, { ownedBy: query.ownedBy, max: pageSize(query.max), after: decodeCursor(query.cursor, isIdCursor) });
    if (result.next !== undefined) setNextLink(req, reply, encodeCursor(result.next));
    return { items: result.items };
  });
  route(app, core, webhooks.getWebhook, async ({ actor, params }) => getWebhook(core, actor, params.id));
  route(app, core, webhooks.updateWebhook, async ({ actor, params, body }) => updateWebhook(core, actor, params.id, body));
  route(app, core, webhooks.deleteWebhook, async ({ actor, params }) => {
    await deleteWebhook(core, actor, params.id);
  });
}
