/**
 * Legal holds (SPEC CP-4): a person's or a space's content exempt from retention until released.
 * Released holds stay (with who released them and when) for the record; the admin audit log has
 * both actions as well.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('legal_holds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('target_name', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('released_by', 'text')
    .addColumn('released_at', 'bigint')
    // The matching hold at the KMS (crypto-shredding honours only the KMS's holds), placed by the admin's client.
    .addColumn('kms_hold_uri', 'text')
    .execute();
  await db.schema.createIndex('legal_holds_org').on('legal_holds').columns(['org_id', 'released_at']).execute();
  await db.schema.createIndex('legal_holds_target').on('legal_holds').columns(['kind', 'target_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('legal_holds').execute();
}
