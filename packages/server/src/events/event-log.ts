/**
 * The durable event log: a payload per event and one narrow row per recipient, so a person's stream is exactly the
 * events they were allowed to see when they happened (a removed member gets nothing after the
 * removal). Ids are assigned in commit order — on PostgreSQL under a transaction-scoped advisory
 * lock, on SQLite by its single writer — so a reader that has seen id N has seen every event below
 * N that will ever exist for that person. That is what makes resume-by-last-id exact.
 * @module
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EventBatch } from './event-bus.ts';

export interface PendingEvent {
  recipients: readonly string[];
  type: string;
  data: unknown;
  actorId: string | null;
  deviceId?: string | null;
  /**
   * A per-recipient copy that is not a change of its own (e.g. `room.created` sent to someone added
   * to a space, so their client learns of it): stored and streamed as usual, skipped by background
   * consumers such as webhooks.
   */
  echo?: boolean;
}

export interface StoredEventRow {
  id: number;
  type: string;
  data: string;
  actor_id: string | null;
  device_id: string | null;
  created_at: number;
}

/** An arbitrary constant: the advisory lock's key for event appends. */
const EVENT_LOCK_KEY = 7_245_001;
const CHUNK = 500;

/**
 * Appends events inside the caller's transaction, at its end (so the lock is held only briefly),
 * and returns the batches to publish once it commits.
 */
export async function appendEvents(trx: Kysely<Database>, engine: 'sqlite' | 'postgres', events: readonly PendingEvent[], now: number): Promise<EventBatch[]> {
  if (events.length === 0) return [];
  if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${EVENT_LOCK_KEY})`.execute(trx);
  const batches: EventBatch[] = [];
  const heads = new Map<string, number>();
  const everyone = [...new Set(events.flatMap((e) => e.recipients))];
  for (let i = 0; i < everyone.length; i += CHUNK) {
    const rows = await trx.selectFrom('event_heads').select(['person_id', 'last_id']).where('person_id', 'in', everyone.slice(i, i + CHUNK)).execute();
    for (const r of rows) heads.set(r.person_id, Number(r.last_id));
  }
  for (const event of events) {
    const recipients = [...new Set(event.recipients)];
    if (recipients.length === 0) continue;
    const payload = await trx
      .insertInto('event_payloads')
      .values({ type: event.type, actor_id: event.actorId, data: JSON.stringify(event.data), created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const payloadId = Number(payload.id);
    const batch: EventBatch = { kind: 'event', type: event.type, data: event.data, actorId: event.actorId, created: now, deviceId: event.deviceId ?? null, recipients: [] };
    for (let i = 0; i < recipients.length; i += CHUNK) {
      const chunk = recipients.slice(i, i + CHUNK);
      const inserted = await trx
        .insertInto('events')
        .values(chunk.map((person_id) => ({ person_id, payload_id: payloadId, device_id: event.deviceId ?? null, created_at: now })))
        .returning(['id', 'person_id'])
        .execute();
      for (const row of inserted) {
        const id = Number(row.id);
        batch.recipients.push([row.person_id, id, heads.get(row.person_id) ?? 0]);
        heads.set(row.person_id, id);
      }
    }
    batches.push(batch);
  }
  const touched = [...new Set(batches.flatMap((b) => b.recipients.map((r) => r[0])))];
  for (let i = 0; i < touched.length; i += CHUNK) {
    await trx
      .insertInto('event_heads')
      .values(touched.slice(i, i + CHUNK).map((person_id) => ({ person_id, last_id: heads.get(person_id)! })))
      .onConflict((oc) => oc.column('person_id').doUpdateSet((eb) => ({ last_id: eb.ref('excluded.last_id') })))
      .execute();
  }
  return batches;
}

/** A person's events after `afterId`, oldest first. */
export async function readEvents(db: Kysely<Database>, personId: string, afterId: number, limit: number): Promise<StoredEventRow[]> {
  return db
    .selectFrom('events as e')
    .innerJoin('event_payloads as p', 'p.id', 'e.payload_id')
    .select(['e.id', 'p.type', 'p.data', 'p.actor_id', 'e.device_id', 'e.created_at'])
    .where('e.person_id', '=', personId)
    .where('e.id', '>', afterId)
    .orderBy('e.id')
    .limit(limit)
    .execute();
}

export async function headOf(db: Kysely<Database>, personId: string): Promise<number> {
  const row = await db.selectFrom('event_heads').select('last_id').where('person_id', '=', personId).executeTakeFirst();
  return row ? Number(row.last_id) : 0;
}
