/**
 * An invitation may name the space its sender invited the person into (SPEC ID-3): the invitation
 * page lands them there once they have signed up.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invitations').addColumn('room_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invitations').dropColumn('room_id').execute();
}
