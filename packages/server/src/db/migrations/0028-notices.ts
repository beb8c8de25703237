/**
 * Maintenance and incident notices an org's admins publish (SPEC AD-3): shown as a banner while
 * `starts_at <= now < ends_at`, withdrawn by setting `withdrawn_at` (kept for the record).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('emailed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('withdrawn_at', 'bigint')
    .execute();
  await db.schema.createIndex('notices_org_time').on('notices').columns(['org_id', 'ends_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notices').execute();
}
