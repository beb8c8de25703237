/**
 * Voicemail (SPEC CL-3, SEC-1, SEC-4; docs/voicemail.md): each message's sealed reference, its
 * ciphertext blob's key and metadata (caller, callee, duration, read state); and a person's
 * voicemail settings (voicemail to e-mail, the PIN's argon2id hash). No column holds audio or a key.
 * A message goes with its direct space (ON DELETE CASCADE).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('voicemails')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('caller_id', 'text', (c) => c.notNull())
    .addColumn('callee_id', 'text', (c) => c.notNull())
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('encryption_key_url', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .addColumn('email_claimed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  await db.schema.createIndex('voicemails_callee').on('voicemails').columns(['callee_id', 'status', 'created_at']).execute();
  await db.schema
    .createTable('voicemail_settings')
    .addColumn('person_id', 'text', (c) => c.primaryKey())
    .addColumn('email_copy', 'integer', (c) => c.notNull().defaultTo(0))
    // When the opt-in was last turned on: only messages that came in since are mailed.
    .addColumn('email_copy_since', 'bigint')
    .addColumn('pin_hash', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('voicemail_settings').execute();
  await db.schema.dropTable('voicemails').execute();
}
