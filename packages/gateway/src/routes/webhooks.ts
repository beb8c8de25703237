/**
 * `/v1/webhooks` (SPEC PL-2): a thin mapping onto the core's native webhooks (`/api/webhooks`,
 * which deliver, sign, retry and auto-disable). Webhooks registered here are `idFormat: 'hydra'`:
 * their filters name Webex ids and their deliveries carry them, so a bot sees Webex ids end to end.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { webhooks } from '@flint/protocol';
import { WebexError } from '../errors.ts';
import { hydra, pathId } from '../ids.ts';
import { bodyObject, linkParam, optString, pageMax, queryEnum, queryString, reqString, setNextLink } from '../request.ts';
import { v1, type Gateway } from '../context.ts';

type Webhook = webhooks.Webhook;

function presentWebhook(w: Webhook): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: hydra.webhook(w.id),
    name: w.name,
    targetUrl: w.targetUrl,
    resource: w.resource,
    event: w.event,
    status: w.status,
    created: w.created,
    ownedBy: w.ownedBy,
    orgId: hydra.org(w.orgId),
    createdBy: hydra.person(w.createdBy),
    appId: hydra.application(w.appId),
  };
  if (w.filter !== undefined) out['filter'] = w.filter;
  if (w.secret !== undefined) out['secret'] = w.secret;
  return out;
}

function ownedByOf(body: Record<string, unknown>): 'creator' | 'org' | undefined {
  const v = optString(body, 'ownedBy');
  if (v === undefined) return undefined;
  if (v !== 'creator' && v !== 'org') throw WebexError.badRequest('ownedBy: creator or org');
  return v;
}

export function webhookRoutes(app: FastifyInstance, gw: Gateway): void {
  v1(app, gw, 'GET', '/v1/webhooks', async ({ req, reply, caller }) => {
    const ownedBy = queryEnum(req.query, 'ownedBy', ['org'] as const);
    const cursor = queryString(req.query, 'cursor', 300);
    const page = await caller.session.api.webhooks.list({ max: pageMax(req.query), ...(ownedBy !== undefined ? { ownedBy } : {}), ...(cursor !== undefined ? { cursor } : {}) });
    const next = linkParam(page.next, 'cursor');
    if (next !== undefined) setNextLink(req, reply, { cursor: next });
    return { items: page.items.map(presentWebhook) };
  });

  v1(app, gw, 'POST', '/v1/webhooks', async ({ req, caller }) => {
    const body = bodyObject(req);
    const filter = optString(body, 'filter');
    const secret = optString(body, 'secret');
    const ownedBy = ownedByOf(body);
    const created = await caller.session.api.webhooks.create({
      name: reqString(body, 'name'),
      targetUrl: reqString(body, 'targetUrl'),
      resource: reqString(body, 'resource') as Webhook['resource'],
      event: reqString(body, 'event') as Webhook['event'],
      ...(filter !== undefined && filter !== '' ? { filter } : {}),
      ...(secret !== undefined && secret !== '' ? { secret } : {}),
      ...(ownedBy !== undefined ? { ownedBy } : {}),
      idFormat: 'hydra',
    });
    return presentWebhook(created);
  });

  v1(app, gw, 'GET', '/v1/webhooks/:webhookId', async ({ req, caller }) => presentWebhook(await caller.session.api.webhooks.get(pathId('WEBHOOK', (req.params as { webhookId: string }).webhookId))));

  v1(app, gw, 'PUT', '/v1/webhooks/:webhookId', async ({ req, caller }) => {
    const id = pathId('WEBHOOK', (req.params as { webhookId: string }).webhookId);
    const body = bodyObject(req);
    const secret = optString(body, 'secret');
    const ownedBy = ownedByOf(body);
    const status = optString(body, 'status');
    if (status !== undefined && status !== 'active' && status !== 'inactive') throw WebexError.badRequest('status: active or inactive');
    const updated = await caller.session.api.webhooks.update(id, {
      // Webex requires both on PUT; the SDK sends the whole webhook object back (extra fields are ignored).
      name: reqString(body, 'name'),
      targetUrl: reqString(body, 'targetUrl'),
      ...(secret !== undefined && secret !== '' ? { secret } : {}),
      ...(ownedBy !== undefined ? { ownedBy } : {}),
      ...(status !== undefined ? { status } : {}),
    });
    return presentWebhook(updated);
  });

  v1(app, gw, 'DELETE', '/v1/webhooks/:webhookId', async ({ req, caller }) => {
    await caller.session.api.webhooks.delete(pathId('WEBHOOK', (req.params as { webhookId: string }).webhookId));
  });
}
