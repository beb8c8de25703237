/**
 * Problem reports (SPEC AD-5): what a person sent, for their org's admins. The screenshot is a blob
 * (its key here); the client log is JSON of entries that hold codes and numbers, never content.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('feedback_reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('person_name', 'text', (c) => c.notNull())
    .addColumn('person_email', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('logs', 'text', (c) => c.notNull())
    .addColumn('log_entries', 'integer', (c) => c.notNull())
    .addColumn('screenshot_key', 'text')
    .addColumn('screenshot_type', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('client_version', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('feedback_reports_org_time').on('feedback_reports').columns(['org_id', 'created_at', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('feedback_reports').execute();
}
