/**
 * Durable background jobs (DESIGN §5) and webhooks (SPEC PL-2).
 *
 * `jobs` is a small general queue: a job is claimable while `status` is pending or running and
 * `run_at` has passed. A claim sets `run_at` to the end of its lease, so one index serves both new
 * work and the recovery of jobs whose worker died. Finished jobs are deleted; failed ones stay for
 * inspection until pruned.
 *
 * `webhooks` holds registrations; `cache_versions` is a counter each instance polls to know when to
 * reload its in-memory copy of the active webhooks.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    // The claim that holds the job (instance and claim number): finishing checks it, so a worker
    // whose lease expired cannot settle a job another worker has taken over.
    .addColumn('locked_by', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();

  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('target_url', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('filter', 'text')
    // Needed in clear to sign deliveries (HMAC); never logged.
    .addColumn('secret', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('owned_by', 'text', (c) => c.notNull())
    .addColumn('id_format', 'text', (c) => c.notNull())
    // Failed deliveries in the current window (auto-disable), and when that window began.
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failures_since', 'bigint')
    .addColumn('disabled_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhooks_created_by').on('webhooks').columns(['created_by', 'id']).execute();
  await db.schema.createIndex('webhooks_org').on('webhooks').columns(['org_id', 'owned_by', 'id']).execute();

  await db.schema
    .createTable('cache_versions')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('cache_versions').execute();
  await db.schema.dropTable('webhooks').execute();
  await db.schema.dropTable('jobs').execute();
}
