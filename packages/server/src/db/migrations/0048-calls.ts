/**
 * Calls (SPEC CL-1, CL-2): the call state machine, who is on a call now, per-person history and call
 * settings. Metadata only: the media key is a KMS URI, SDP and ICE candidates are relayed as events
 * and never stored here, and the media itself goes peer to peer.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('caller_id', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('callee_id', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    // The two parties' direct space (the key's KMS resource); NULL until the caller's client names it.
    .addColumn('space_id', 'text', (c) => c.references('spaces.id').onDelete('set null'))
    .addColumn('key_url', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('media', 'text', (c) => c.notNull())
    .addColumn('caller_endpoint', 'text')
    .addColumn('callee_endpoint', 'text')
    .addColumn('held_by', 'text')
    // Counts the legs that rang (a forward or transfer starts another): a ring timeout names its leg.
    .addColumn('ring_leg', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('ring_until', 'bigint')
    // When the current callee's leg started ringing (history of a transferred call counts from there).
    .addColumn('leg_started_at', 'bigint', (c) => c.notNull())
    // JSON array of {reason, fromPersonId, toPersonId}.
    .addColumn('redirections', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('answered_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('end_reason', 'text')
    .addColumn('ended_by', 'text')
    .execute();
  await db.schema.createIndex('calls_caller').on('calls').columns(['caller_id', 'created_at']).execute();
  await db.schema.createIndex('calls_callee').on('calls').columns(['callee_id', 'created_at']).execute();
  // A person is on at most one call at a time (no call waiting yet): the primary key makes "busy"
  // hold on both engines even when two calls reach the same person at once.
  await db.schema
    .createTable('call_lines')
    .addColumn('person_id', 'text', (c) => c.primaryKey().references('people.id').onDelete('cascade'))
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .execute();
  await db.schema.createIndex('call_lines_call').on('call_lines').column('call_id').execute();
  await db.schema
    .createTable('call_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('media', 'text', (c) => c.notNull())
    .addColumn('other_person_id', 'text', (c) => c.notNull())
    .addColumn('space_id', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('answered_at', 'bigint')
    .addColumn('ended_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('call_history_person').on('call_history').columns(['person_id', 'id']).execute();
  await db.schema
    .createTable('call_settings')
    .addColumn('person_id', 'text', (c) => c.primaryKey().references('people.id').onDelete('cascade'))
    .addColumn('dnd', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('forward_always', 'text')
    .addColumn('forward_busy', 'text')
    .addColumn('forward_no_answer', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('call_settings').execute();
  await db.schema.dropTable('call_history').execute();
  await db.schema.dropTable('call_lines').execute();
  await db.schema.dropTable('calls').execute();
}
