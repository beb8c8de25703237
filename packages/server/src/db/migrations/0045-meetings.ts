/**
 * Meetings (SPEC MT-1, MT-2): a space's meeting and who is in it. Nothing here is content: the media
 * key is a KMS URI, the media itself never touches the database.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('meetings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    // The space's id while the meeting goes on, NULL once it ended: the unique index makes "one
    // meeting per space at a time" hold on both engines (NULLs never collide) with no partial index.
    .addColumn('active_space_id', 'text', (c) => c.unique())
    // The media server's room number (Janus VideoRoom ids are integers).
    .addColumn('media_room', 'bigint', (c) => c.notNull())
    .addColumn('key_url', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .execute();
  await db.schema.createIndex('meetings_space').on('meetings').columns(['space_id', 'started_at']).execute();
  await db.schema
    .createTable('meeting_participants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    // The publisher id the media server knows this participant's media by, once they publish.
    .addColumn('media_feed', 'bigint')
    .addColumn('audio_muted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('video_off', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sharing_screen', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('hand_raised', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    .addColumn('left_at', 'bigint')
    .execute();
  await db.schema.createIndex('meeting_participants_meeting').on('meeting_participants').columns(['meeting_id', 'left_at']).execute();
  await db.schema.createIndex('meeting_participants_person').on('meeting_participants').column('person_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('meeting_participants').execute();
  await db.schema.dropTable('meetings').execute();
}
