/**
 * One space per KMS resource (issue 14, finding 2): a room pointed at another space's resource
 * would make its members change that space's authorizations. Domain code refuses a used `kroUri`
 * with a 409 first; this index settles races. Several NULLs are allowed on both engines.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('spaces_kro_uri_unique').on('spaces').column('kro_uri').unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('spaces_kro_uri_unique').execute();
}
