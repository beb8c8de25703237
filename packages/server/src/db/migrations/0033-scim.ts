/**
 * SCIM 2.0 users (issue 18, SPEC ID-6): what the directory's client says about a person beyond the
 * person row — its `externalId` — and whether it deleted the resource (the person stays, deactivated,
 * for the history of their messages; the SCIM resource is gone).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scim_users')
    .addColumn('person_id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scim_users_external').on('scim_users').columns(['org_id', 'external_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('scim_users').execute();
}
