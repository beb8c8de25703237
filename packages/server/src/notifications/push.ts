/**
 * Web Push (RFC 8030, payloads encrypted per RFC 8291, VAPID per RFC 8292) with the `web-push`
 * library: it makes the VAPID key pair, signs the VAPID JWT and encrypts the payload
 * (`aes128gcm`) to the device's keys. Flint sends the request itself (node:http(s) with the outbound
 * address policy's `lookup` hook, the webhook timeout and the job's abort signal) rather than through
 * `sendNotification`, so a push endpoint — a URL the client chose — is held to the same rules as a
 * webhook target: no private or loopback address unless the operator allows it.
 *
 * The VAPID key pair is made on the first start and kept in the database (`vapid_keys`), so every
 * instance signs with the same key and subscriptions survive restarts; `FLINT_VAPID_PUBLIC_KEY` /
 * `FLINT_VAPID_PRIVATE_KEY` override it.
 * @module
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { createHash } from 'node:crypto';
import { NOTIFICATION_LIMITS, type PushPayload } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { refusedHost } from '../infra/address-policy.ts';
import { targetLookup } from '../webhooks/target-policy.ts';

/** web-push, loaded with the first key pair or push rather than at start-up. */
const webPush = async () => (await import('web-push')).default;

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** The VAPID key pair: configured, else the stored one, else made now and stored (the first instance to store wins). */
export async function vapidKeys(core: Core): Promise<VapidKeys> {
  const configured = core.config.notifications.vapid;
  if (configured !== undefined) return configured;
  const stored = await core.db.selectFrom('vapid_keys').selectAll().where('id', '=', 1).executeTakeFirst();
  if (stored !== undefined) return { publicKey: stored.public_key, privateKey: stored.private_key };
  const made = (await webPush()).generateVAPIDKeys();
  await core.db
    .insertInto('vapid_keys')
    .values({ id: 1, public_key: made.publicKey, private_key: made.privateKey, created_at: core.now() })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const row = await core.db.selectFrom('vapid_keys').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  return { publicKey: row.public_key, privateKey: row.private_key };
}

/** Checks an endpoint the client gave: https (http only where the operator lets the server reach any address), and an allowed host. */
function checkEndpoint(core: Core, endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw ApiError.badRequest('endpoint: not a valid URL');
  }
  const policy = core.config.webhooks.targets;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.mode === 'any')) throw ApiError.badRequest('endpoint: must be an https:// URL');
  if (url.username !== '' || url.password !== '') throw ApiError.badRequest('endpoint: must not hold credentials');
  const refused = refusedHost(policy, url.hostname);
  if (refused !== undefined) throw ApiError.badRequest(`endpoint: this server does not connect to ${refused} addresses (FLINT_WEBHOOK_TARGETS, FLINT_WEBHOOK_ALLOW)`);
}

export async function subscribe(core: Core, actor: Actor, input: { endpoint: string; keys: { p256dh: string; auth: string } }): Promise<{ id: string; created: string }> {
  checkEndpoint(core, input.endpoint);
  const p256dh = Buffer.from(input.keys.p256dh, 'base64url');
  if (p256dh.length !== 65 || p256dh[0] !== 0x04) throw ApiError.badRequest('keys.p256dh: not an uncompressed P-256 public key');
  if (Buffer.from(input.keys.auth, 'base64url').length !== 16) throw ApiError.badRequest('keys.auth: must be 16 bytes');
  const now = core.now();
  return core.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('push_subscriptions').select(['id', 'person_id']).where('endpoint', '=', input.endpoint).executeTakeFirst();
    // An endpoint is one browser profile's: re-subscribing it (after a sign-in as someone else, too) moves it.
    if (existing !== undefined) await trx.deleteFrom('push_subscriptions').where('id', '=', existing.id).execute();
    const id = newId();
    await trx.insertInto('push_subscriptions').values({ id, person_id: actor.personId, endpoint: input.endpoint, p256dh: input.keys.p256dh, auth: input.keys.auth, created_at: now, last_success_at: null }).execute();
    const mine = await trx.selectFrom('push_subscriptions').select('id').where('person_id', '=', actor.personId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    const extra = mine.slice(NOTIFICATION_LIMITS.subscriptionsPerPerson).map((r) => r.id);
    if (extra.length > 0) await trx.deleteFrom('push_subscriptions').where('id', 'in', extra).execute();
    return { id, created: new Date(now).toISOString() };
  });
}

export async function unsubscribe(core: Core, actor: Actor, id: string): Promise<void> {
  const result = await core.db.deleteFrom('push_subscriptions').where('id', '=', id).where('person_id', '=', actor.personId).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw ApiError.notFound('push subscription');
}

export interface PushTarget {
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** The push service's answer: delivered, gone for good (404/410: the subscription is removed), or failed (retried). */
export type PushOutcome = { kind: 'sent' } | { kind: 'gone' } | { kind: 'failed'; reason: string };

const RESPONSE_DRAIN_BYTES = 64 * 1024;

/** Sends Web Push messages (a Topic header per event, so a push service collapses a resend of the same event). */
export class PushSender {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 16 });

  constructor(private readonly core: Core) {}

  async send(target: PushTarget, payload: PushPayload, eventKey: string, signal: AbortSignal): Promise<PushOutcome> {
    const keys = await vapidKeys(this.core);
    const { notifications, webhooks } = this.core.config;
    const refused = (() => {
      try {
        checkEndpoint(this.core, target.endpoint);
        return undefined;
      } catch (error) {
        return error instanceof ApiError ? error.message : 'bad endpoint';
      }
    })();
    if (refused !== undefined) return { kind: 'gone' };
    const details = (await webPush()).generateRequestDetails({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, JSON.stringify(payload), {
      vapidDetails: { subject: notifications.vapidSubject, publicKey: keys.publicKey, privateKey: keys.privateKey },
      TTL: notifications.pushTtlSec,
      contentEncoding: 'aes128gcm',
      urgency: payload.kind === 'message' ? 'normal' : 'high',
      // RFC 8030 §5.4: a push service replaces an undelivered message of the same topic.
      topic: createHash('sha256').update(eventKey).digest('base64url').slice(0, 32),
    });
    const url = new URL(details.endpoint);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(details.headers)) headers[name] = String(value);
    const body = details.body ?? Buffer.alloc(0);
    headers['Content-Length'] = String(body.length);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
        const req = send(url, { method: 'POST', headers, agent: url.protocol === 'https:' ? this.https : this.http, lookup: targetLookup(webhooks.targets), signal });
        const timer = setTimeout(() => req.destroy(new Error(`no answer within ${webhooks.timeoutMs} ms`)), webhooks.timeoutMs);
        req.on('response', (res: IncomingMessage) => {
          resolve(res.statusCode ?? 0);
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
      if (status >= 200 && status <= 299) return { kind: 'sent' };
      if (status === 404 || status === 410) return { kind: 'gone' };
      return { kind: 'failed', reason: `HTTP ${status}` };
    } catch (error) {
      if (signal.aborted) throw error;
      return { kind: 'failed', reason: error instanceof Error ? error.message.slice(0, 200) : 'push failed' };
    }
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
