/**
 * From events to pushes (SPEC MS-5; DESIGN §5: notifications are durable jobs).
 *
 * In the transaction of the change (an `EventService` hook, like the webhook dispatcher): a new
 * message, or someone added to a space by someone else, becomes one `notifications.push` job — only
 * when a member of the space has a push subscription at all (one indexed query), so a space where
 * nobody uses push costs nothing more. The job's handler decides per member with `shouldNotify`
 * (@flint/protocol: the person's defaults, the space's and team's settings, mute, the
 * do-not-disturb status and hours), and sends a push holding **ids only** to each of their devices.
 *
 * Once per event per device: a `push_deliveries` row is written after each accepted push, and a
 * retried job skips the devices it already reached. Between a push service's acceptance and that row
 * (a crash in between), a retry would send again: the push carries the event's `Topic` (RFC 8030
 * §5.4: the push service replaces an undelivered message of the same topic), and the service worker
 * shows it under a tag naming the event, which replaces rather than adds a notification. A 404 or
 * 410 from the push service removes the subscription (the browser dropped it).
 *
 * An incoming call (`call.updated` in state `ringing`, CL-1) becomes a push to the callee's devices,
 * once per leg that rings (a forward or transfer rings someone else: another event key); the rule is
 * `shouldNotify`'s `{ kind: 'call' }` (every level but `off`, in the direct space's settings), and a
 * call that stopped ringing before its job ran pushes nothing.
 *
 * A new voicemail (`voicemail.created`, sent once its audio is uploaded, CL-3) becomes a push to the
 * mailbox owner's devices, by the same rule as a call in the direct space it was left in; a message
 * deleted or already heard before the job ran pushes nothing.
 * @module
 */
import type { Kysely } from 'kysely';
import { shouldNotify, type Call, type Message, type Membership, type NotifiableEvent, type PushPayload, type Voicemail } from '@flint/protocol';
import type { Core } from '../core.ts';
import type { Database } from '../db/schema.ts';
import type { PendingEvent } from '../events/event-log.ts';
import type { TransactHook } from '../events/event-service.ts';
import { enqueueJobs, type ClaimedJob, type NewJob } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/job-runner.ts';
import { contextsFor } from './settings.ts';
import type { PushSender } from './push.ts';

export const PUSH_QUEUE = 'notifications.push';
const PUSH_ATTEMPTS = 6;
/** Pushes sent at once by one job. */
const PARALLEL = 8;
/** Delivery records are kept this long (past every retry of their job), then pruned. */
export const DELIVERY_RETENTION_MS = 7 * 86_400_000;

/** A push job: ids only, like the push itself. */
export interface PushJob {
  /** `message:<id>`, `added:<membership id>`, `call:<call id>:<leg>` or `voicemail:<id>`: one event. */
  eventKey: string;
  kind: 'message' | 'added' | 'call' | 'voicemail';
  /** For `call`: the direct space if the call has one yet ('' if not; only the person's defaults apply then); for `voicemail`: its direct space. */
  spaceId: string;
  actorId: string | null;
  messageId?: string;
  /** For `added`: the person added; for `call`: the callee who rings; for `voicemail`: the mailbox's owner. */
  personId?: string;
  callId?: string;
  voicemailId?: string;
  mentionedPeople?: string[];
  mentionsAll?: boolean;
}

function notifiable(event: PendingEvent): PushJob | undefined {
  if (event.echo === true) return undefined;
  if (event.type === 'call.updated') {
    const call = event.data as Call;
    if (call.state !== 'ringing') return undefined;
    return { eventKey: `call:${call.id}:${call.callee.personId}`, kind: 'call', spaceId: call.roomId ?? '', actorId: call.caller.personId, personId: call.callee.personId, callId: call.id };
  }
  if (event.type === 'voicemail.created') {
    const v = event.data as Voicemail;
    return { eventKey: `voicemail:${v.id}`, kind: 'voicemail', spaceId: v.roomId, actorId: v.callerId, personId: v.calleeId, voicemailId: v.id };
  }
  if (event.space === undefined) return undefined;
  if (event.type === 'message.created') {
    const m = event.data as Message;
    return { eventKey: `message:${m.id}`, kind: 'message', spaceId: event.space, actorId: event.actorId ?? null, messageId: m.id, mentionedPeople: m.mentionedPeople ?? [], mentionsAll: m.mentionedGroups?.includes('all') ?? false };
  }
  if (event.type === 'membership.created') {
    const m = event.data as Membership;
    if (event.actorId === undefined || event.actorId === m.personId) return undefined;
    return { eventKey: `added:${m.id}`, kind: 'added', spaceId: event.space, actorId: event.actorId, personId: m.personId };
  }
  return undefined;
}

async function anySubscriber(trx: Kysely<Database>, job: PushJob): Promise<boolean> {
  let q = trx.selectFrom('push_subscriptions as ps').select('ps.id').limit(1);
  if (job.kind !== 'message') q = q.where('ps.person_id', '=', job.personId!);
  else q = q.innerJoin('memberships as m', 'm.person_id', 'ps.person_id').where('m.space_id', '=', job.spaceId).where('ps.person_id', '!=', job.actorId ?? '');
  return (await q.executeTakeFirst()) !== undefined;
}

export function notificationDispatcher(options: { now: () => number; enqueued: () => void }): TransactHook {
  return async (trx, events) => {
    const jobs: NewJob[] = [];
    const seen = new Set<string>();
    for (const event of events) {
      const job = notifiable(event);
      if (job === undefined || seen.has(job.eventKey)) continue;
      seen.add(job.eventKey);
      if (await anySubscriber(trx, job)) jobs.push({ queue: PUSH_QUEUE, payload: job, maxAttempts: PUSH_ATTEMPTS });
    }
    if (jobs.length === 0) return undefined;
    await enqueueJobs(trx, jobs, options.now());
    return options.enqueued;
  };
}

export class PushFailed extends Error {
  override readonly name = 'PushFailed';
}

/** Runs push jobs: decides who is notified, and pushes ids to each of their devices not yet reached. */
export class PushNotifier implements JobHandler {
  readonly backoff = { baseMs: 5_000, maxMs: 300_000 };

  constructor(
    private readonly core: Core,
    private readonly sender: PushSender,
  ) {}

  /** The people this event notifies now (their devices are then pushed to). */
  async audience(job: PushJob): Promise<Map<string, NotifiableEvent>> {
    const { db } = this.core;
    const now = this.core.now();
    const out = new Map<string, NotifiableEvent>();
    if (job.kind === 'call') {
      // Still ringing for this callee when the job runs? A call answered, declined or ended meanwhile rings no one.
      const ringing = await db.selectFrom('calls').select('id').where('id', '=', job.callId!).where('callee_id', '=', job.personId!).where('state', '=', 'ringing').executeTakeFirst();
      if (ringing === undefined) return out;
      const team = job.spaceId === '' ? undefined : await db.selectFrom('spaces').select('team_id').where('id', '=', job.spaceId).executeTakeFirst();
      const contexts = await contextsFor(db, [job.personId!], job.spaceId, team?.team_id ?? null, now);
      for (const [personId, context] of contexts) if (shouldNotify({ kind: 'call' }, context, now)) out.set(personId, { kind: 'call' });
      return out;
    }
    if (job.kind === 'voicemail') {
      // Still there and unheard when the job runs? One played or deleted meanwhile needs no notice.
      const waiting = await db.selectFrom('voicemails').select('id').where('id', '=', job.voicemailId!).where('callee_id', '=', job.personId!).where('read_at', 'is', null).executeTakeFirst();
      if (waiting === undefined) return out;
      const team = await db.selectFrom('spaces').select('team_id').where('id', '=', job.spaceId).executeTakeFirst();
      const contexts = await contextsFor(db, [job.personId!], job.spaceId, team?.team_id ?? null, now);
      for (const [personId, context] of contexts) if (shouldNotify({ kind: 'voicemail' }, context, now)) out.set(personId, { kind: 'voicemail' });
      return out;
    }
    const space = await db.selectFrom('spaces').select(['id', 'team_id']).where('id', '=', job.spaceId).executeTakeFirst();
    if (space === undefined) return out;
    let people: string[];
    if (job.kind === 'added') {
      // Still a member (not removed again meanwhile)?
      const still = await db.selectFrom('memberships').select('person_id').where('space_id', '=', space.id).where('person_id', '=', job.personId!).executeTakeFirst();
      people = still === undefined ? [] : [still.person_id];
    } else {
      people = (await db.selectFrom('memberships as m').innerJoin('push_subscriptions as ps', 'ps.person_id', 'm.person_id').select('m.person_id').distinct().where('m.space_id', '=', space.id).execute())
        .map((r) => r.person_id)
        .filter((id) => id !== job.actorId);
    }
    const contexts = await contextsFor(db, people, space.id, space.team_id, now);
    for (const [personId, context] of contexts) {
      const event: NotifiableEvent = job.kind === 'added' ? { kind: 'added' } : { kind: 'message', mentionsMe: job.mentionsAll === true || (job.mentionedPeople ?? []).includes(personId) };
      if (shouldNotify(event, context, now)) out.set(personId, event);
    }
    return out;
  }

  async run(claimed: ClaimedJob, signal: AbortSignal): Promise<void> {
    const job = claimed.payload as PushJob;
    const { db } = this.core;
    // A message deleted before its push went out notifies nobody.
    if (job.messageId !== undefined && (await db.selectFrom('messages').select('id').where('id', '=', job.messageId).executeTakeFirst()) === undefined) return;
    const audience = await this.audience(job);
    if (audience.size === 0) return;
    const targets = await db
      .selectFrom('push_subscriptions as ps')
      .leftJoin('push_deliveries as d', (j) => j.onRef('d.subscription_id', '=', 'ps.id').on('d.event_key', '=', job.eventKey))
      .select(['ps.id', 'ps.person_id', 'ps.endpoint', 'ps.p256dh', 'ps.auth'])
      .where('ps.person_id', 'in', [...audience.keys()])
      .where('d.subscription_id', 'is', null)
      .execute();
    const failures: string[] = [];
    const queue = [...targets];
    const worker = async () => {
      for (let target = queue.shift(); target !== undefined; target = queue.shift()) {
        const event = audience.get(target.person_id)!;
        const payload: PushPayload =
          job.kind === 'call'
            ? { v: 1, kind: 'call', callId: job.callId!, ...(job.spaceId !== '' ? { spaceId: job.spaceId } : {}) }
            : job.kind === 'voicemail'
              ? { v: 1, kind: 'voicemail', voicemailId: job.voicemailId! }
              : { v: 1, kind: job.kind === 'added' ? 'added' : event.kind === 'message' && event.mentionsMe ? 'mention' : 'message', spaceId: job.spaceId, ...(job.messageId !== undefined ? { messageId: job.messageId } : {}) };
        const outcome = await this.sender.send(target, payload, job.eventKey, signal);
        const now = this.core.now();
        this.core.metrics.pushes.inc({ result: outcome.kind });
        if (outcome.kind === 'sent') {
          await db.insertInto('push_deliveries').values({ event_key: job.eventKey, subscription_id: target.id, sent_at: now }).onConflict((oc) => oc.columns(['event_key', 'subscription_id']).doNothing()).execute();
          await db.updateTable('push_subscriptions').set({ last_success_at: now }).where('id', '=', target.id).execute();
        } else if (outcome.kind === 'gone') {
          await db.deleteFrom('push_subscriptions').where('id', '=', target.id).execute();
        } else {
          failures.push(outcome.reason);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, targets.length) }, worker));
    // Only the devices not reached are tried again.
    if (failures.length > 0) throw new PushFailed(`${failures.length} of ${targets.length} pushes failed: ${failures[0]}`);
  }
}

/** Drops delivery records past every retry of their jobs. */
export async function prunePushDeliveries(db: Kysely<Database>, before: number): Promise<void> {
  await db.deleteFrom('push_deliveries').where('sent_at', '<', before).execute();
}
