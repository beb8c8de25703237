/**
 * Webhook rows to their wire shape (the Webex fields, plus `idFormat`).
 * @module
 */
import type { Webhook, WebhookEvent, WebhookResource } from '@flint/protocol';
import type { WebhookRow } from '../db/schema.ts';
import { iso } from '../infra/ids.ts';

export function presentWebhook(row: WebhookRow): Webhook {
  const webhook: Webhook = {
    id: row.id,
    name: row.name,
    targetUrl: row.target_url,
    resource: row.resource as WebhookResource | 'all',
    event: row.event as WebhookEvent | 'all',
    status: row.status,
    created: iso(row.created_at),
    ownedBy: row.owned_by,
    orgId: row.org_id,
    createdBy: row.created_by,
    appId: row.app_id,
    idFormat: row.id_format,
  };
  if (row.filter !== null) webhook.filter = row.filter;
  // Shown to those who may see the webhook, as Webex does: they need it to check signatures.
  if (row.secret !== null) webhook.secret = row.secret;
  return webhook;
}
