/**
 * SAML 2.0 as the org's second single sign-on protocol (issue 18, SPEC ID-6), and single logout
 * for both protocols:
 * - `org_sso` keeps, for a SAML org, the IdP's metadata as imported (and the URL it came from);
 *   `issuer` then holds the IdP's entity ID and `client_id` is empty.
 * - `saml_requests`: the IDs of the AuthnRequests and LogoutRequests Flint sent, so an answer must
 *   be `InResponseTo` one of them, once (any instance can check it).
 * - `saml_assertions`: the IDs of the assertions already used, until they expire, so a captured
 *   response (IdP-initiated ones carry no `InResponseTo`) cannot be replayed.
 * - `sso_sessions`: what the IdP said about each session it started (SAML NameID and SessionIndex,
 *   or the OIDC ID token for `id_token_hint`), for single logout in either direction.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('org_sso').addColumn('saml_metadata', 'text').execute();
  await db.schema.alterTable('org_sso').addColumn('saml_metadata_url', 'text').execute();
  await db.schema
    .createTable('saml_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('saml_requests_expiry').on('saml_requests').column('expires_at').execute();
  await db.schema
    .createTable('saml_assertions')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('assertion_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('saml_assertions_pk', ['org_id', 'assertion_id'])
    .execute();
  await db.schema.createIndex('saml_assertions_expiry').on('saml_assertions').column('expires_at').execute();
  await db.schema
    .createTable('sso_sessions')
    .addColumn('session_id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('name_id', 'text')
    .addColumn('name_id_format', 'text')
    .addColumn('session_index', 'text')
    .addColumn('id_token', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sso_sessions_name').on('sso_sessions').columns(['org_id', 'name_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sso_sessions').execute();
  await db.schema.dropTable('saml_assertions').execute();
  await db.schema.dropTable('saml_requests').execute();
  await db.schema.alterTable('org_sso').dropColumn('saml_metadata_url').execute();
  await db.schema.alterTable('org_sso').dropColumn('saml_metadata').execute();
}
