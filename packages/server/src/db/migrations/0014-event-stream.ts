/**
 * The event log with constant writes per event (issue 15): one `events` row per event instead of
 * one payload plus one row per recipient and a per-person head. A space's events reach whoever was
 * a member at the event's position (`stream_memberships`, intervals in stream positions); any
 * other event names its people in `event_recipients`.
 *
 * The old log is carried over, so a device resumes across the upgrade exactly: each old payload
 * becomes one event whose id is the smallest of its old per-recipient ids, with its old recipients
 * in `event_recipients`. The old ids of one payload were a contiguous run and runs were in append
 * order, so for any id a device holds (its copy of some payload) the payloads after it are exactly
 * those whose run starts above it. New positions start above every old id, and every current
 * membership becomes an open interval.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;

  // Built beside the old table, which keeps its name (and its constraints theirs) until it is dropped.
  await db.schema
    .createTable('events_v2')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('space_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('event_recipients')
    .addColumn('event_id', 'bigint', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_recipients_pk', ['person_id', 'event_id'])
    .execute();
  await db.schema.createIndex('event_recipients_event').on('event_recipients').column('event_id').execute();

  await db.schema
    .createTable('stream_memberships')
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('space_id', 'text', (c) => c.notNull())
    .addColumn('from_pos', 'bigint', (c) => c.notNull())
    .addColumn('to_pos', 'bigint')
    .addPrimaryKeyConstraint('stream_memberships_pk', ['person_id', 'space_id', 'from_pos'])
    .execute();
  await db.schema.createIndex('stream_memberships_space_open').on('stream_memberships').columns(['space_id', 'to_pos']).execute();
  await db.schema.createIndex('stream_memberships_from').on('stream_memberships').column('from_pos').execute();
  await db.schema.createIndex('stream_memberships_to').on('stream_memberships').column('to_pos').execute();

  await db.schema
    .createTable('event_stream')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('base', 'bigint', (c) => c.notNull())
    .addColumn('next_pos', 'bigint', (c) => c.notNull())
    .execute();

  await sql`
    insert into events_v2 (id, space_id, type, actor_id, data, device_id, created_at)
    select f.first_id, null, p.type, p.actor_id, p.data, f.device_id, p.created_at
    from (select payload_id, min(id) as first_id, min(device_id) as device_id from events group by payload_id) f
    join event_payloads p on p.id = f.payload_id`.execute(db);
  await sql`
    insert into event_recipients (event_id, person_id)
    select distinct f.first_id, e.person_id
    from events e join (select payload_id, min(id) as first_id from events group by payload_id) f on f.payload_id = e.payload_id`.execute(db);
  await sql`insert into stream_memberships (person_id, space_id, from_pos, to_pos) select person_id, space_id, 0, null from memberships`.execute(db);

  // Above every id a device may hold: the newest old event, or the newest pruned one.
  const { rows } = await sql<{ top: string | number | null }>`
    select max(x) as top from (select max(id) as x from events union all select max(pruned_through) as x from event_retention) t`.execute(db);
  const start = Number(rows[0]?.top ?? 0) + 1;
  await sql`insert into event_stream (id, base, next_pos) values (1, ${start}, ${start})`.execute(db);

  await db.schema.dropTable('events').execute();
  await db.schema.dropTable('event_payloads').execute();
  await db.schema.alterTable('events_v2').renameTo('events').execute();
  await db.schema.createIndex('events_space_position').on('events').columns(['space_id', 'id']).execute();
  await db.schema.createIndex('events_created_at').on('events').column('created_at').execute();
  await db.schema.dropTable('event_heads').execute();
  if (pg) await sql`analyze events`.execute(db);
}

/** Back to the per-recipient schema, empty: devices resuming after a downgrade are reset by the retention watermark. */
export async function down(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const { rows } = await sql<{ top: string | number | null }>`select max(id) as top from events`.execute(db);
  const top = Number(rows[0]?.top ?? 0);
  for (const t of ['event_stream', 'stream_memberships', 'event_recipients', 'events']) await db.schema.dropTable(t).execute();
  await db.schema
    .createTable('event_payloads')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('events')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('payload_id', 'bigint', (c) => c.notNull())
    .addColumn('device_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_person_id').on('events').columns(['person_id', 'id']).execute();
  await db.schema.createIndex('events_created').on('events').column('created_at').execute();
  await db.schema.createTable('event_heads').addColumn('person_id', 'text', (c) => c.primaryKey()).addColumn('last_id', 'bigint', (c) => c.notNull()).execute();
  await sql`insert into event_retention (id, pruned_through) values (1, ${top}) on conflict (id) do update set pruned_through = excluded.pruned_through`.execute(db);
  if (pg) await sql`select setval('events_id_seq', ${top + 1})`.execute(db);
  else if (top > 0) await sql`insert into sqlite_sequence (name, seq) values ('events', ${top})`.execute(db);
}
