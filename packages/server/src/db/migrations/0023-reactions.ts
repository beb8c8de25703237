/**
 * Emoji reactions (issue 16): who reacted to which message, the emoji sealed with the space's key
 * (the core cannot read it). They go with their message (ON DELETE CASCADE: a deleted message, or
 * one dropped by retention, takes its reactions along).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('space_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('emoji', 'text', (c) => c.notNull())
    .addColumn('encryption_key_url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // Lists read by message; the per-person limit counts by message and person.
  await db.schema.createIndex('reactions_message_person').on('reactions').columns(['message_id', 'person_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('reactions').execute();
}
