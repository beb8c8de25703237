/**
 * Blinded search tokens (SPEC SR-1): one row per (token, message). The primary key leads with the
 * token because a query asks for a handful of tokens across up to a thousand spaces; `space_id`
 * next serves `WHERE space_id = ? AND token IN (…)` as well as the membership filter. Rows go with
 * their message (cascade), so a delete, or a space's deletion, leaves no token behind.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('search_tokens')
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('space_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('search_tokens_pk', ['token', 'space_id', 'message_id'])
    .execute();
  // Replacing a message's tokens on edit, and the cascade on delete, look rows up by message.
  await db.schema.createIndex('search_tokens_message').on('search_tokens').column('message_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('search_tokens').execute();
}
