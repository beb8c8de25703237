/**
 * Meeting key epochs (issue 21, SEC-5): a meeting's media keys are bound to a KMS resource of its
 * own (`resource_url`, named once by the first participant's client), and the current key is the
 * `key_epoch`-th bound to it. A participant is `authorized` once a participant's client put them
 * on that resource's authorization list. All of it is coordination: the KMS alone decides who gets
 * a key, the core only records what clients said they did.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('meetings').addColumn('resource_url', 'text').execute();
  await db.schema.alterTable('meetings').addColumn('key_epoch', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('meeting_participants').addColumn('authorized', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('meeting_participants').dropColumn('authorized').execute();
  await db.schema.alterTable('meetings').dropColumn('key_epoch').execute();
  await db.schema.alterTable('meetings').dropColumn('resource_url').execute();
}
