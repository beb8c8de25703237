/**
 * Delivering one webhook event: the job handler for `webhooks.deliver`. It re-reads the webhook
 * (a deleted or inactive webhook, or one whose creator was deactivated, gets nothing), builds the
 * Webex envelope, signs the exact body bytes (`X-Spark-Signature: hex(HMAC-SHA1(secret, body))`),
 * and POSTs it with a timeout, to an address the target policy allows, following no redirect.
 *
 * A 2xx answer is success. Anything else (another status, a refused or reset connection, a timeout)
 * is a failed delivery: it counts towards auto-disable — as at Webex, 100 failures within 5 minutes
 * (FLINT_WEBHOOK_DISABLE_*) set the webhook `inactive` until `PUT status=active` — and the job is
 * retried with back-off until its attempts run out. Every attempt of one delivery carries the same
 * `X-Flint-Delivery-Id`: delivery is at least once, so a receiver may see a repeat after a crash.
 * @module
 */
import { createHmac } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { sql } from 'kysely';
import { toHydraId, webhooks as wire, type HydraType, type WebhookEnvelope } from '@flint/protocol';
import type { Core } from '../core.ts';
import type { WebhookRow } from '../db/schema.ts';
import { iso } from '../infra/ids.ts';
import type { JobHandler } from '../jobs/job-runner.ts';
import type { ClaimedJob } from '../jobs/job-queue.ts';
import type { DeliveryPayload } from './dispatch.ts';
import { bumpWebhooksVersion, type WebhookRegistry } from './registry.ts';
import { RESOURCES, type WebhookData } from './resources.ts';
import { refuseTarget, targetLookup } from './target-policy.ts';

const USER_AGENT = 'Flint-Webhooks/1';
/** A receiver's answer body is read (and dropped) up to this; a longer one closes the connection. */
const RESPONSE_DRAIN_BYTES = 64 * 1024;

/**
 * Where a Webex client fetches a message's file (the gateway serves `/v1/contents/{id}`): Webex's
 * content id names the message and the file's place in it (`messageUUID/index`; a message's files
 * are in upload order, as the message lists them).
 */
export function webexContentUrl(publicUrl: string, messageId: string, index: number): string {
  return `${publicUrl}/v1/contents/${toHydraId('CONTENT', `${messageId}/${index}`)}`;
}

/** The delivered data with Webex ids, for webhooks registered through the gateway. */
function hydraData(data: WebhookData, spec: { hydraIds: Readonly<Record<string, HydraType>>; hydraLocalId?(d: WebhookData): string | undefined }, publicUrl: string): WebhookData {
  const out: Record<string, unknown> = { ...data };
  for (const [field, type] of Object.entries(spec.hydraIds)) {
    const value = out[field];
    const convert = (v: unknown, index: number) => (typeof v !== 'string' ? v : type === 'CONTENT' ? webexContentUrl(publicUrl, data.id, index) : toHydraId(type, v));
    if (Array.isArray(value)) out[field] = value.map(convert);
    else if (value !== undefined) out[field] = convert(value, 0);
  }
  const local = spec.hydraLocalId?.(data);
  if (local !== undefined && spec.hydraIds['id'] !== undefined) out['id'] = toHydraId(spec.hydraIds['id'], local);
  return out as WebhookData;
}

/** The body a receiver gets: the webhook's fields, who acted, and the resource without content. */
export function buildEnvelope(webhook: WebhookRow, payload: DeliveryPayload, publicUrl: string): WebhookEnvelope {
  const hydra = webhook.id_format === 'hydra';
  const id = (type: HydraType, v: string) => (hydra ? toHydraId(type, v) : v);
  const envelope: WebhookEnvelope = {
    id: id('WEBHOOK', webhook.id),
    name: webhook.name,
    targetUrl: webhook.target_url,
    resource: payload.resource,
    event: payload.event,
    orgId: id('ORGANIZATION', webhook.org_id),
    createdBy: id('PEOPLE', webhook.created_by),
    appId: id('APPLICATION', webhook.app_id),
    ownedBy: webhook.owned_by,
    status: webhook.status,
    created: iso(webhook.created_at),
    data: hydra ? hydraData(payload.data, RESOURCES[payload.resource], publicUrl) : payload.data,
  };
  if (webhook.filter !== null) envelope.filter = webhook.filter;
  if (payload.actorId !== null) envelope.actorId = id('PEOPLE', payload.actorId);
  return envelope;
}

export function signBody(secret: string, body: Uint8Array): string {
  return createHmac('sha1', secret).update(body).digest('hex');
}

/** A failed attempt; its message is stored on the job and logged, so it holds no URL or body. */
class DeliveryFailed extends Error {
  override readonly name = 'DeliveryFailed';
}

export class WebhookDeliverer implements JobHandler {
  readonly backoff: { baseMs: number; maxMs: number };
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 16 });

  constructor(
    private readonly core: Core,
    private readonly registry: WebhookRegistry,
  ) {
    this.backoff = { baseMs: core.config.webhooks.retryBaseMs, maxMs: core.config.webhooks.retryMaxMs };
  }

  async run(job: ClaimedJob, signal: AbortSignal): Promise<void> {
    const payload = job.payload as DeliveryPayload;
    const row = await this.core.db
      .selectFrom('webhooks as w')
      .innerJoin('people as p', 'p.id', 'w.created_by')
      .leftJoin('person_roles as r', (j) => j.onRef('r.person_id', '=', 'w.created_by').on('r.role', '=', 'org_admin'))
      .selectAll('w')
      .select(['p.status as creatorStatus', 'r.role as creatorRole'])
      .where('w.id', '=', payload.webhookId)
      .executeTakeFirst();
    // Gone, disabled, or its creator may no longer see what it would deliver: the delivery is dropped.
    const dropped = row === undefined || row.status !== 'active' || row.creatorStatus === 'deactivated' || (row.owned_by === 'org' && row.creatorRole === null);
    if (dropped) {
      this.core.metrics.webhookDeliveries.inc({ result: 'dropped' });
      return;
    }
    const envelope = buildEnvelope(row, payload, this.core.config.publicUrl);
    const body = Buffer.from(JSON.stringify(envelope), 'utf8');
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(body.length),
      'user-agent': USER_AGENT,
      [wire.DELIVERY_ID_HEADER.toLowerCase()]: job.id,
    };
    if (row.secret !== null) headers[wire.SIGNATURE_HEADER.toLowerCase()] = signBody(row.secret, body);
    let failure: string | undefined;
    try {
      const status = await this.post(row.target_url, body, headers, signal);
      if (status < 200 || status > 299) failure = `HTTP ${status}`;
    } catch (error) {
      if (signal.aborted) throw error;
      failure = describe(error);
    }
    this.core.metrics.webhookDeliveries.inc({ result: failure === undefined ? 'delivered' : 'failed' });
    if (failure === undefined) return;
    await this.recordFailure(row.id);
    throw new DeliveryFailed(failure);
  }

  private post(target: string, body: Buffer, headers: Record<string, string>, signal: AbortSignal): Promise<number> {
    const { targets, timeoutMs } = this.core.config.webhooks;
    // Literal addresses never reach the lookup hook: check them (and the scheme) here, every time.
    const refused = refuseTarget(target, targets);
    if (refused !== undefined) return Promise.reject(new DeliveryFailed(refused.replace(/^targetUrl: /, '')));
    const url = new URL(target);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const req = send(url, {
        method: 'POST',
        headers,
        agent: url.protocol === 'https:' ? this.https : this.http,
        lookup: targetLookup(targets),
        signal,
      });
      // Bounds the whole exchange: a receiver that answers slowly, or never ends its body, is cut off.
      const timer = setTimeout(() => req.destroy(new DeliveryFailed(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('response', (res: IncomingMessage) => {
        resolve(res.statusCode ?? 0);
        // Only the status matters. The body is drained (so the connection can be reused) up to a bound.
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > RESPONSE_DRAIN_BYTES) req.destroy();
        });
        res.on('close', () => clearTimeout(timer));
      });
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.end(body);
    });
  }

  /**
   * Counts a failed delivery in the webhook's window (one statement, so instances failing at once
   * all count) and disables the webhook when the count reaches the threshold.
   */
  private async recordFailure(webhookId: string): Promise<void> {
    const { disableFailures, disableWindowSec } = this.core.config.webhooks;
    const now = this.core.now();
    const windowStart = now - disableWindowSec * 1000;
    const counted = await this.core.db
      .updateTable('webhooks')
      .set((eb) => {
        const fresh = eb.or([eb('failures_since', 'is', null), eb('failures_since', '<', windowStart)]);
        return {
          failures: eb.case().when(fresh).then(sql<number>`1`).else(eb('failures', '+', 1)).end(),
          failures_since: eb.case().when(fresh).then(now).else(eb.ref('failures_since')).end(),
        };
      })
      .where('id', '=', webhookId)
      .where('status', '=', 'active')
      .returning(['failures'])
      .executeTakeFirst();
    if (counted === undefined || Number(counted.failures) < disableFailures) return;
    const disabled = await this.core.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('webhooks')
        .set({ status: 'inactive', disabled_at: now, updated_at: now, failures: 0, failures_since: null })
        .where('id', '=', webhookId)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await bumpWebhooksVersion(trx);
      return true;
    });
    if (!disabled) return;
    this.core.metrics.webhooksDisabled.inc();
    this.core.log.warn({ webhookId, failures: disableFailures, windowSec: disableWindowSec }, 'webhook disabled after repeated failed deliveries');
    await this.registry.load();
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** A short reason without the URL (which may carry credentials) or any body. */
function describe(error: unknown): string {
  if (error instanceof DeliveryFailed) return error.message;
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  if (e.name === 'TargetRefused' && typeof e.message === 'string') return e.message;
  if (typeof e.code === 'string') return `connection failed (${e.code})`;
  return 'connection failed';
}
