/**
 * The organization's logo (issue 16): a blob key on the org. The logo is org branding, not space
 * content, so the core holds it in clear, like the org's name.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('orgs').addColumn('logo_key', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('orgs').dropColumn('logo_key').execute();
}
