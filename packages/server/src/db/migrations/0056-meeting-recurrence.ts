/**
 * Recurring meetings (SPEC MT-4): a scheduled meeting's recurrence rule (RFC 5545 RRULE, null for a
 * single meeting), and its occurrences, one row each (a single meeting has one), made when the
 * meeting is scheduled or changed: the list of one's meetings in a window is then one indexed range
 * over occurrences, paged as before.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('scheduled_meetings').addColumn('recurrence', 'text').execute();
  await db.schema
    .createTable('meeting_occurrences')
    .addColumn('meeting_id', 'text', (c) => c.notNull().references('scheduled_meetings.id').onDelete('cascade'))
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('meeting_occurrences_pk', ['meeting_id', 'start_at'])
    .execute();
  await db.schema.createIndex('meeting_occurrences_start').on('meeting_occurrences').columns(['start_at', 'meeting_id']).execute();
  await sql`INSERT INTO meeting_occurrences (meeting_id, start_at, end_at) SELECT id, start_at, end_at FROM scheduled_meetings`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('meeting_occurrences').execute();
  await db.schema.alterTable('scheduled_meetings').dropColumn('recurrence').execute();
}
