/**
 * Calls that become conferences (issue 22, MT-6 "add people"): the group space a party's client made
 * for it (its meeting carries the conference on the SFU), who was invited, and who added them.
 * Coordination only: the KMS authorizations of that space were made by that client, not the core.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('calls').addColumn('conference_room_id', 'text', (c) => c.references('spaces.id').onDelete('set null')).execute();
  // JSON array of person ids.
  await db.schema.alterTable('calls').addColumn('conference_invited', 'text').execute();
  await db.schema.alterTable('calls').addColumn('conference_by', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('calls').dropColumn('conference_by').execute();
  await db.schema.alterTable('calls').dropColumn('conference_invited').execute();
  await db.schema.alterTable('calls').dropColumn('conference_room_id').execute();
}
