/**
 * A domain an admin claims waits for its DNS TXT record (SPEC ID-2): the token to publish.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('org_domains').addColumn('verification_token', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('org_domains').dropColumn('verification_token').execute();
}
