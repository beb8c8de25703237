/**
 * Whiteboards (issue 21: MT-5): boards of a space, their sealed Yjs updates, and the sealed
 * snapshot (merged state and PNG thumbnail) that replaces the updates it covers. All content
 * columns are ciphertext. A board goes with its space (ON DELETE CASCADE), updates with their board.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('whiteboards')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('creator_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('encryption_key_url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // Sequence numbers are handed out by bumping last_seq in the update's transaction (a row lock on PostgreSQL).
    .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('pending_updates', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('snapshot_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('snapshot_state', 'text')
    .addColumn('snapshot_key_url', 'text')
    .addColumn('snapshot_thumbnail', 'text')
    .addColumn('snapshot_by', 'text')
    .addColumn('snapshot_at', 'bigint')
    .execute();
  await db.schema.createIndex('whiteboards_space').on('whiteboards').columns(['space_id', 'updated_at']).execute();
  await db.schema
    .createTable('whiteboard_updates')
    .addColumn('board_id', 'text', (c) => c.notNull().references('whiteboards.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('update_sealed', 'text', (c) => c.notNull())
    .addColumn('encryption_key_url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('whiteboard_updates_pk', ['board_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('whiteboard_updates').execute();
  await db.schema.dropTable('whiteboards').execute();
}
