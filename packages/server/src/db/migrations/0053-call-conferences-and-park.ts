/**
 * Calls that become conferences (issue 22, MT-6 "add people"): the group space a party's client made
 * for it (its meeting carries the conference on the SFU), who was invited, and who added them.
 * Coordination only: the KMS authorizations of that space were made by that client, not the core.
 * And call park (CL-2): who parked a call, against whose slot (`call_parks`: one call per slot,
 * by its primary key on both engines), and whether a leg is the park's recall.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('calls').addColumn('conference_room_id', 'text', (c) => c.references('spaces.id').onDelete('set null')).execute();
  // JSON array of person ids.
  await db.schema.alterTable('calls').addColumn('conference_invited', 'text').execute();
  await db.schema.alterTable('calls').addColumn('conference_by', 'text').execute();
  await db.schema.alterTable('calls').addColumn('parked_by', 'text').execute();
  await db.schema.alterTable('calls').addColumn('parked_against', 'text').execute();
  await db.schema.alterTable('calls').addColumn('recall', 'text').execute();
  await db.schema
    .createTable('call_parks')
    .addColumn('person_id', 'text', (c) => c.primaryKey().references('people.id').onDelete('cascade'))
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('call_parks').execute();
  await db.schema.alterTable('calls').dropColumn('recall').execute();
  await db.schema.alterTable('calls').dropColumn('parked_against').execute();
  await db.schema.alterTable('calls').dropColumn('parked_by').execute();
  await db.schema.alterTable('calls').dropColumn('conference_by').execute();
  await db.schema.alterTable('calls').dropColumn('conference_invited').execute();
  await db.schema.alterTable('calls').dropColumn('conference_room_id').execute();
}
