/**
 * From events to deliveries, inside the transaction of the change (an `EventService` hook): the
 * events a webhook may receive become delivery jobs in the same commit, so a change that was
 * acknowledged never loses its webhook, and a change rolled back never fires one.
 *
 * The cost on the event path: nothing when no webhook is active; otherwise an in-memory lookup per
 * event; a query only when an org-wide webhook is a candidate (the orgs of the recipients), or when
 * a resource's `enrich` needs one; plus one insert per batch of deliveries.
 *
 * Who receives what: a creator-owned webhook gets the events its creator received (was a recipient
 * of, e.g. a member of the space at the time); an org-owned one gets the events received by anyone
 * of its org. Per-recipient copies that are not changes of their own (`echo`) are skipped, and the
 * copies of one change (a direct space created for both people) make one delivery.
 * @module
 */
import type { Kysely } from 'kysely';
import type { WebhookEvent, WebhookResource } from '@flint/protocol';
import type { Database } from '../db/schema.ts';
import { audienceOf, type PendingEvent } from '../events/event-log.ts';
import type { TransactHook } from '../events/event-service.ts';
import { enqueueJobs, type NewJob } from '../jobs/job-queue.ts';
import { matchesFilter } from './filters.ts';
import type { ActiveWebhook, WebhookRegistry } from './registry.ts';
import { resolveEventType, type ResolvedEvent, type WebhookData } from './resources.ts';

export const WEBHOOK_QUEUE = 'webhooks.deliver';

/** A delivery job's payload: no content, no secret (the secret is read when delivering). */
export interface DeliveryPayload {
  webhookId: string;
  resource: WebhookResource;
  event: WebhookEvent;
  actorId: string | null;
  data: WebhookData;
}

interface Group {
  resolved: ResolvedEvent;
  data: Record<string, unknown>;
  actorId: string | null;
  recipients: Set<string>;
  candidates: readonly ActiveWebhook[];
}

const CHUNK = 500;

async function orgsOf(trx: Kysely<Database>, people: ReadonlySet<string>): Promise<Set<string>> {
  const ids = [...people];
  const orgs = new Set<string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await trx.selectFrom('people').select('org_id').distinct().where('id', 'in', ids.slice(i, i + CHUNK)).execute();
    for (const r of rows) orgs.add(r.org_id);
  }
  return orgs;
}

export interface DispatchOptions {
  registry: WebhookRegistry;
  /** Attempts per delivery. */
  attempts: number;
  now: () => number;
  /** Called after the commit when deliveries were enqueued (wakes this instance's job runner). */
  enqueued: () => void;
}

export function webhookDispatcher(options: DispatchOptions): TransactHook {
  const { registry } = options;
  return async (trx, events: readonly PendingEvent[], items) => {
    if (registry.isEmpty) return undefined;
    const groups = new Map<string, Group>();
    for (const event of events) {
      if (event.echo === true) continue;
      const resolved = resolveEventType(event.type);
      if (resolved === undefined) continue;
      const candidates = registry.candidates(resolved.resource, resolved.event);
      if (candidates.length === 0) continue;
      const data = event.data as Record<string, unknown>;
      const key = `${event.type}\u0000${String(data['id'])}`;
      const group = groups.get(key);
      // A space's event reaches its members (and whoever left it in this transaction, after the event).
      const recipients = await audienceOf(trx, event, items);
      if (group === undefined) groups.set(key, { resolved, data, actorId: event.actorId, recipients: new Set(recipients), candidates });
      else for (const r of recipients) group.recipients.add(r);
    }
    if (groups.size === 0) return undefined;
    const jobs: NewJob[] = [];
    for (const group of groups.values()) {
      let orgs: Set<string> | undefined;
      const visible: ActiveWebhook[] = [];
      for (const webhook of group.candidates) {
        if (webhook.ownedBy === 'creator') {
          if (group.recipients.has(webhook.createdBy)) visible.push(webhook);
        } else {
          orgs ??= await orgsOf(trx, group.recipients);
          if (orgs.has(webhook.orgId)) visible.push(webhook);
        }
      }
      if (visible.length === 0) continue;
      const { spec, resource, event } = group.resolved;
      const extra = spec.enrich ? await spec.enrich(trx, group.data) : {};
      const data = spec.present(group.data, extra);
      const facts = { ...data, ...spec.facts?.(data, group.data) };
      for (const webhook of visible) {
        if (webhook.filter !== undefined && !matchesFilter(webhook.filter, spec.filters, facts, webhook.createdBy)) continue;
        const payload: DeliveryPayload = { webhookId: webhook.id, resource, event, actorId: group.actorId, data };
        jobs.push({ queue: WEBHOOK_QUEUE, payload, maxAttempts: options.attempts });
      }
    }
    if (jobs.length === 0) return undefined;
    await enqueueJobs(trx, jobs, options.now());
    return options.enqueued;
  };
}
