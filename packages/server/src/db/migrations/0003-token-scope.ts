/**
 * Access tokens get a scope: `api` for the core's API, `spark:kms` for the KMS only (RFC 8693
 * token exchange), so a token stolen from one side is useless on the other.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('access_tokens').addColumn('scope', 'text', (c) => c.notNull().defaultTo('api')).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('access_tokens').dropColumn('scope').execute();
}
