/**
 * Encrypted files (SPEC FL-1): one row per uploaded blob. The row knows the space, the uploader,
 * the ciphertext size and — once attached — the message and its sealed reference; never a name,
 * a type or a key.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('blob_key', 'text', (c) => c.notNull())
    // Declared ciphertext size: reserved against the org's quota from the start of the upload.
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    // No foreign key: deleting a message must leave the row so the blob can be removed after commit.
    .addColumn('message_id', 'text')
    .addColumn('reference', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  // A space's file list, newest first (UUIDv7 ids sort by time).
  await db.schema.createIndex('files_space_id').on('files').columns(['space_id', 'id']).execute();
  await db.schema.createIndex('files_message').on('files').column('message_id').execute();
  await db.schema.createIndex('files_org').on('files').column('org_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('files').execute();
}
