/**
 * Guests in meetings (issue 21, MT-3; docs/meetings.md "Guests"): the links members make (only the
 * token's SHA-256 is stored), the lobby's knocks, and the mark on a guest's ephemeral `people` row
 * naming the space whose meeting it is a guest of (such a person has no password and an address
 * under `.invalid`, which no mail reaches).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('meeting_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('created_by', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('meeting_links_space').on('meeting_links').columns(['space_id', 'expires_at']).execute();
  await db.schema
    .createTable('meeting_knocks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
    .addColumn('link_id', 'text', (c) => c.notNull().references('meeting_links.id').onDelete('cascade'))
    .addColumn('person_id', 'text', (c) => c.notNull().unique().references('people.id').onDelete('cascade'))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .addColumn('decided_by', 'text')
    .addColumn('participant_id', 'text')
    // Set once the guest left or the meeting ended: the guest account is over.
    .addColumn('ended_at', 'bigint')
    .execute();
  await db.schema.createIndex('meeting_knocks_meeting').on('meeting_knocks').columns(['meeting_id', 'state']).execute();
  await db.schema.createIndex('meeting_knocks_link').on('meeting_knocks').columns(['link_id', 'created_at']).execute();
  await db.schema.alterTable('people').addColumn('meeting_guest_space', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('people').dropColumn('meeting_guest_space').execute();
  await db.schema.dropTable('meeting_knocks').execute();
  await db.schema.dropTable('meeting_links').execute();
}
