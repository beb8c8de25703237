/**
 * The durable event log, with writes per event that do not grow with the audience: one `events`
 * row per event. A space's events name the space, and a person's stream is derived when it is read
 * from their membership *intervals* in stream positions (`stream_memberships`: member for events
 * at `from_pos` ≤ id < `to_pos`), as Matrix homeservers do with stream orderings and membership at
 * a position. So a person's stream is exactly the events they were allowed to see when they
 * happened: a removed member gets the removal and nothing after it, and someone added again gets
 * the space's events again from the re-add. Events that are not a space's (read state, KMS
 * replies, favourites, a direct space's per-person `room.created`, teams) name their people in
 * `event_recipients`: a small per-person log.
 *
 * Positions and the horizon that makes resume-by-last-id exact are in positions.ts.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { StreamPositions } from './positions.ts';

interface EventFields {
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

/** An event for whoever is a member of `space` at its position, or for the people named. */
export type PendingEvent = EventFields & ({ space: string; recipients?: undefined } | { recipients: readonly string[]; space?: undefined });

/**
 * A change of who is in a space's stream, at its place among the transaction's events: a `join`
 * gets the events after it, a `leave` stops before the events after it (so a removal event emitted
 * before the `leave` reaches the removed person). `personIds: 'all'` ends every open membership
 * (the space was deleted).
 */
export interface StreamChange {
  change: 'join' | 'leave';
  spaceId: string;
  personIds: readonly string[] | 'all';
}

export type Pending = PendingEvent | StreamChange;

export function isEvent(item: Pending): item is PendingEvent {
  return !('change' in item);
}

export interface StoredEventRow {
  id: number;
  space_id: string | null;
  type: string;
  data: string;
  actor_id: string | null;
  device_id: string | null;
  created_at: number;
}

/** A membership interval in stream positions. */
export interface StreamInterval {
  personId: string;
  spaceId: string;
  from: number;
  to: number | null;
}

const CHUNK = 500;
const COLUMNS = ['e.id', 'e.space_id', 'e.type', 'e.data', 'e.actor_id', 'e.device_id', 'e.created_at'] as const;

function audienceSize(event: PendingEvent): number {
  return event.space !== undefined ? 1 : event.recipients.length;
}

/**
 * Appends a transaction's events and stream changes inside it, at its end, in emit order. Writes one
 * row per event (plus one per named person for events without a space, and one per membership
 * change), whatever the size of the space. Answers the position after the last event, for the
 * post-commit nudge, or undefined when no event was stored.
 */
export async function appendEvents(trx: Kysely<Database>, positions: StreamPositions, items: readonly Pending[], now: number): Promise<number | undefined> {
  const kept = items.filter((item) => !isEvent(item) || audienceSize(item) > 0);
  if (kept.length === 0) return undefined;
  const count = kept.filter(isEvent).length;
  let position = await positions.reserve(trx, count);
  const rows: Database['events'][] = [];
  const recipients: Database['event_recipients'][] = [];
  for (const item of kept) {
    if (!isEvent(item)) {
      await applyChange(trx, item, position);
      continue;
    }
    rows.push({ id: position, space_id: item.space ?? null, type: item.type, actor_id: item.actorId, data: JSON.stringify(item.data), device_id: item.deviceId ?? null, created_at: now });
    if (item.recipients !== undefined) for (const person_id of new Set(item.recipients)) recipients.push({ event_id: position, person_id });
    position++;
  }
  for (let i = 0; i < rows.length; i += CHUNK) await trx.insertInto('events').values(rows.slice(i, i + CHUNK)).execute();
  for (let i = 0; i < recipients.length; i += CHUNK) await trx.insertInto('event_recipients').values(recipients.slice(i, i + CHUNK)).execute();
  return count > 0 ? position : undefined;
}

async function applyChange(trx: Kysely<Database>, change: StreamChange, position: number): Promise<void> {
  if (change.change === 'join') {
    if (change.personIds === 'all') throw new Error('a join names its people');
    const values = [...new Set(change.personIds)].map((person_id) => ({ person_id, space_id: change.spaceId, from_pos: position, to_pos: null }));
    for (let i = 0; i < values.length; i += CHUNK) {
      await trx
        .insertInto('stream_memberships')
        .values(values.slice(i, i + CHUNK))
        .onConflict((oc) => oc.columns(['person_id', 'space_id', 'from_pos']).doUpdateSet({ to_pos: null }))
        .execute();
    }
    return;
  }
  const base = trx.updateTable('stream_memberships').set({ to_pos: position }).where('space_id', '=', change.spaceId).where('to_pos', 'is', null);
  if (change.personIds === 'all') {
    await base.execute();
    return;
  }
  const people = [...new Set(change.personIds)];
  for (let i = 0; i < people.length; i += CHUNK) await base.where('person_id', 'in', people.slice(i, i + CHUNK)).execute();
}

/** A page of a person's stream. */
export interface StreamPage {
  rows: StoredEventRow[];
  /** Every event of the person below this position is in `rows` or was before `from`. */
  complete: number;
}

/**
 * A person's events at positions `from` ≤ id < `horizon`, oldest first, at most about `limit`:
 * their own events, and their spaces' events while they were members.
 */
export async function readStream(db: Kysely<Database>, personId: string, from: number, horizon: number, limit: number): Promise<StreamPage> {
  const own = await db
    .selectFrom('event_recipients as r')
    .innerJoin('events as e', 'e.id', 'r.event_id')
    .select(COLUMNS)
    .where('r.person_id', '=', personId)
    .where('r.event_id', '>=', from)
    .where('r.event_id', '<', horizon)
    .orderBy('r.event_id')
    .limit(limit)
    .execute();
  const spaces = await db
    .selectFrom('stream_memberships as m')
    .innerJoin('events as e', (join) => join.onRef('e.space_id', '=', 'm.space_id').onRef('e.id', '>=', 'm.from_pos'))
    .select(COLUMNS)
    .where('m.person_id', '=', personId)
    .where((eb) => eb.or([eb('m.to_pos', 'is', null), eb('m.to_pos', '>', from)]))
    .where((eb) => eb.or([eb('m.to_pos', 'is', null), eb('e.id', '<', eb.ref('m.to_pos'))]))
    .where('e.id', '>=', from)
    .where('e.id', '<', horizon)
    .orderBy('e.id')
    .limit(limit)
    .execute();
  let complete = horizon;
  for (const part of [own, spaces]) if (part.length >= limit) complete = Math.min(complete, Number(part[part.length - 1]!.id) + 1);
  const byId = new Map<number, StoredEventRow>();
  for (const row of [...own, ...spaces]) {
    const id = Number(row.id);
    if (id < complete) byId.set(id, { ...row, id, created_at: Number(row.created_at) });
  }
  return { rows: [...byId.values()].sort((a, b) => a.id - b.id), complete };
}

/** What the log gained at positions `from` ≤ id < `end`, for an instance's hub. */
export interface Tail {
  events: StoredEventRow[];
  /** The people of each event that has no space. */
  recipients: Map<number, string[]>;
  /** Memberships that began or ended in the window. */
  changes: StreamInterval[];
  end: number;
}

/** Every event (and membership change) at `from` ≤ position < `horizon`, at most `limit` events. */
export async function readTail(db: Kysely<Database>, from: number, horizon: number, limit: number): Promise<Tail> {
  const rows = await db.selectFrom('events as e').select(COLUMNS).where('e.id', '>=', from).where('e.id', '<', horizon).orderBy('e.id').limit(limit).execute();
  const end = rows.length >= limit ? Number(rows[rows.length - 1]!.id) + 1 : horizon;
  const events = rows.map((row) => ({ ...row, id: Number(row.id), created_at: Number(row.created_at) }));
  const recipients = new Map<number, string[]>();
  if (events.some((e) => e.space_id === null)) {
    const named = await db.selectFrom('event_recipients').select(['event_id', 'person_id']).where('event_id', '>=', from).where('event_id', '<', end).execute();
    for (const r of named) {
      const id = Number(r.event_id);
      const list = recipients.get(id);
      if (list === undefined) recipients.set(id, [r.person_id]);
      else list.push(r.person_id);
    }
  }
  const changed = await db
    .selectFrom('stream_memberships')
    .selectAll()
    .where((eb) => eb.or([eb.and([eb('from_pos', '>=', from), eb('from_pos', '<', end)]), eb.and([eb('to_pos', '>=', from), eb('to_pos', '<', end)])]))
    .execute();
  return { events, recipients, changes: changed.map(intervalOf), end };
}

/** A person's memberships that reach `since` or later. */
export async function intervalsOf(db: Kysely<Database>, personId: string, since: number): Promise<StreamInterval[]> {
  const rows = await db
    .selectFrom('stream_memberships')
    .selectAll()
    .where('person_id', '=', personId)
    .where((eb) => eb.or([eb('to_pos', 'is', null), eb('to_pos', '>', since)]))
    .execute();
  return rows.map(intervalOf);
}

function intervalOf(row: Database['stream_memberships']): StreamInterval {
  return { personId: row.person_id, spaceId: row.space_id, from: Number(row.from_pos), to: row.to_pos === null ? null : Number(row.to_pos) };
}

/** Who a pending event reaches, as of the end of its transaction (for webhooks: a space's members and those who left it in the transaction). */
export async function audienceOf(trx: Kysely<Database>, event: PendingEvent, items: readonly Pending[]): Promise<string[]> {
  if (event.space === undefined) return [...event.recipients];
  const people = new Set((await trx.selectFrom('memberships').select('person_id').where('space_id', '=', event.space).execute()).map((r) => r.person_id));
  for (const item of items) {
    if (!isEvent(item) && item.change === 'leave' && item.spaceId === event.space && item.personIds !== 'all') for (const p of item.personIds) people.add(p);
  }
  return [...people];
}
