/**
 * The event log is pruned after a retention period; this row remembers the highest id pruned, so a
 * device resuming from before it is told to refetch (`reset`) instead of silently missing events.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('event_retention')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('pruned_through', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('event_retention').execute();
}
