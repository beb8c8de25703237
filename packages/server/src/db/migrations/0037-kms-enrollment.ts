/**
 * KMS enrollment (issues 14 and 18):
 * - a single sign-on whose nonce the browser chose (a commitment to a secret it keeps): the callback
 *   hands that browser the provider's ID token, which the KMS may require as proof (docs/sso.md);
 * - requests to approve a new browser from an enrolled one (identity/device-requests.ts): the new
 *   browser's device hash and a MAC under a code only the two browsers see.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sso_logins').addColumn('kms_proof', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .createTable('device_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('credential_hash', 'text', (c) => c.notNull())
    .addColumn('mac', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('address', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('device_requests_person').on('device_requests').columns(['person_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('device_requests').execute();
  await db.schema.alterTable('sso_logins').dropColumn('kms_proof').execute();
}
