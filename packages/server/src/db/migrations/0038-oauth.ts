/**
 * OAuth 2.0 integrations (issue 18, SPEC ID-9). An integration is a client a person registered
 * (its secret kept as a SHA-256 only); authorization codes wait here, hashed, single-use and
 * short-lived; what a person allowed is a *session* of kind `oauth` naming the integration and the
 * scopes granted, so its rotating refresh token and its access tokens are the sessions' own, and
 * revoking the session ends them all at once, as for every other session.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().unique())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    /** JSON array of exact redirect URIs. */
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    /** Space-separated scopes the integration may ask for. */
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('logo_key', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_clients_owner').on('oauth_clients').column('owner_id').execute();
  await db.schema
    .createTable('oauth_codes')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('client_pk', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('code_challenge', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_codes_expiry').on('oauth_codes').column('expires_at').execute();
  await db.schema.alterTable('sessions').addColumn('oauth_client', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('oauth_scopes', 'text').execute();
  await db.schema.createIndex('sessions_oauth_client').on('sessions').columns(['oauth_client', 'person_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sessions_oauth_client').execute();
  await db.schema.alterTable('sessions').dropColumn('oauth_scopes').execute();
  await db.schema.alterTable('sessions').dropColumn('oauth_client').execute();
  await db.schema.dropTable('oauth_codes').execute();
  await db.schema.dropTable('oauth_clients').execute();
}
