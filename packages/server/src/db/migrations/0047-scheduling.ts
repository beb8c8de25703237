/**
 * Scheduled meetings and personal rooms (SPEC MT-3, MT-4; docs/meetings-scheduling.md). A meeting
 * owns an ordinary end-to-end encrypted space its scheduler's client made; what is here is the
 * schedule a calendar invitation must carry in clear (title, times, time zone, invitees' addresses)
 * — metadata the core holds by design — and a personal room's name and the space it opens.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scheduled_meetings')
    // 32 hex digits, Webex's shape for a meeting series id (meeting ids are not hydra ids).
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('host_id', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    // The meeting's space; the space goes, the meeting goes.
    .addColumn('space_id', 'text', (c) => c.notNull().unique().references('spaces.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('meeting_number', 'text', (c) => c.notNull().unique())
    // iCalendar SEQUENCE: 0 when sent first, +1 for every change mailed as an update.
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scheduled_meetings_host_start').on('scheduled_meetings').columns(['host_id', 'start_at']).execute();
  await db.schema
    .createTable('meeting_invitees')
    .addColumn('meeting_id', 'text', (c) => c.notNull().references('scheduled_meetings.id').onDelete('cascade'))
    // Lower-cased; the address the invitation went to.
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    // The person with that address when the meeting was scheduled, if any (they see the meeting).
    .addColumn('person_id', 'text', (c) => c.references('people.id').onDelete('set null'))
    .addPrimaryKeyConstraint('meeting_invitees_pk', ['meeting_id', 'email'])
    .execute();
  await db.schema.createIndex('meeting_invitees_person').on('meeting_invitees').column('person_id').execute();
  await db.schema.createIndex('meeting_invitees_email').on('meeting_invitees').column('email').execute();
  await db.schema
    .createTable('personal_rooms')
    .addColumn('person_id', 'text', (c) => c.primaryKey().references('people.id').onDelete('cascade'))
    // Unique per deployment: `<base>/meet/<name>`.
    .addColumn('name', 'text', (c) => c.notNull().unique())
    // Made lazily by the owner's client (the core never makes keys); null until then.
    .addColumn('space_id', 'text', (c) => c.references('spaces.id').onDelete('set null'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('personal_rooms').execute();
  await db.schema.dropTable('meeting_invitees').execute();
  await db.schema.dropTable('scheduled_meetings').execute();
}
