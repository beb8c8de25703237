/**
 * Sign-up confirmed by e-mail (issue 14, finding 6): a sign-up for a new address is kept here until
 * the link mailed to the address is followed, so the sign-up answer is the same whether or not the
 * address has an account. Only the token's SHA-256 is stored (as for invitations), with the
 * argon2id hash of the password chosen at sign-up; a row is spent once (`used_at`) and expires.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signup_confirmations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('signup_confirmations_expiry').on('signup_confirmations').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('signup_confirmations').execute();
}
