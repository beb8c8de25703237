/**
 * A person's language and time zone (SPEC AD-4), kept on the server so they follow the person
 * across devices; null means the org's default (in the org's policy JSON).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('people').addColumn('language', 'text').execute();
  await db.schema.alterTable('people').addColumn('time_zone', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('people').dropColumn('time_zone').execute();
  await db.schema.alterTable('people').dropColumn('language').execute();
}
