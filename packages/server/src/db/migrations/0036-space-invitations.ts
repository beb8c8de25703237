/**
 * Invitations into a space by e-mail address (issue 14, finding 6; SPEC SP-2, ID-3): kept by
 * address, not by person, so inviting tells the inviter nothing about whether the address has an
 * account. The invitee (whoever signs in with that address) accepts or declines; a member's device
 * then authorizes them at the KMS and admits them (the core grants no key).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('space_invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('invited_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    // Set when the invitee accepts: who they are (the person signed in with the address).
    .addColumn('accepted_at', 'bigint')
    .addColumn('accepted_person_id', 'text')
    .execute();
  await db.schema.createIndex('space_invitations_space_email').on('space_invitations').columns(['space_id', 'email']).unique().execute();
  await db.schema.createIndex('space_invitations_email').on('space_invitations').column('email').execute();
  // An org invitation made for a space invitation (an unknown address's sign-up link) is listed with
  // the space's invitations, where every address looks alike, not among the org's.
  await db.schema.alterTable('invitations').addColumn('via_space', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invitations').dropColumn('via_space').execute();
  await db.schema.dropTable('space_invitations').execute();
}
