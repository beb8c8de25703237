/**
 * Spaces, memberships, messages, mentions, teams, per-person state, and the event log.
 */
import { PostgresAdapter, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema
    .createTable('spaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('encryption_key_url', 'text')
    .addColumn('kro_uri', 'text')
    .addColumn('creator_id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text')
    .addColumn('is_general', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_locked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_announcement_only', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('direct_key', 'text', (c) => c.unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_activity_at', 'bigint', (c) => c.notNull())
    .addColumn('last_message_id', 'text')
    .execute();
  await db.schema.createIndex('spaces_team').on('spaces').column('team_id').execute();

  await db.schema
    .createTable('memberships')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id'))
    .addColumn('is_moderator', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_read_message_id', 'text')
    .addColumn('last_read_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('memberships_space_person', ['space_id', 'person_id'])
    .execute();
  await db.schema.createIndex('memberships_person').on('memberships').columns(['person_id', 'space_id']).execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text')
    .addColumn('text', 'text')
    .addColumn('markdown', 'text')
    .addColumn('html', 'text')
    .addColumn('encryption_key_url', 'text')
    .addColumn('mentioned_people', 'text')
    .addColumn('mentioned_groups', 'text')
    .addColumn('edit_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint')
    .execute();
  // Pages of a space newest first: (space_id, id) with UUIDv7 ids is creation order.
  await db.schema.createIndex('messages_space_id').on('messages').columns(['space_id', 'id']).execute();
  await db.schema.createIndex('messages_parent').on('messages').columns(['parent_id', 'id']).execute();

  await db.schema
    .createTable('message_mentions')
    .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('space_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_mentions_pk', ['message_id', 'person_id'])
    .execute();
  await db.schema.createIndex('message_mentions_person').on('message_mentions').columns(['person_id', 'space_id', 'message_id']).execute();

  await db.schema
    .createTable('teams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('encryption_key_url', 'text')
    .addColumn('creator_id', 'text', (c) => c.notNull())
    .addColumn('general_space_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('team_memberships')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id'))
    .addColumn('is_moderator', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('team_memberships_team_person', ['team_id', 'person_id'])
    .execute();
  await db.schema.createIndex('team_memberships_person').on('team_memberships').column('person_id').execute();

  await db.schema
    .createTable('flags')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('space_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('flags_person_message', ['person_id', 'message_id'])
    .execute();

  await db.schema
    .createTable('favorites')
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('favorites_pk', ['person_id', 'space_id'])
    .execute();

  // An event's content is stored once; each recipient gets a small row pointing at it (a message to
  // a 100-member space writes one payload and 100 narrow rows, not 100 copies of the message).
  await db.schema
    .createTable('event_payloads')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('event_payloads_created').on('event_payloads').column('created_at').execute();

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

  // Each person's newest event id: the `prevId` that lets a connection tell a gap from the next event.
  await db.schema
    .createTable('event_heads')
    .addColumn('person_id', 'text', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['event_heads', 'events', 'event_payloads', 'favorites', 'flags', 'team_memberships', 'teams', 'message_mentions', 'messages', 'memberships', 'spaces']) {
    await db.schema.dropTable(t).execute();
  }
}
