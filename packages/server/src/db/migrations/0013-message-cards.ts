/**
 * Cards on messages (SPEC PL-2, Webex "Buttons and Cards"): `attachments` holds a JSON array of
 * `{contentType, content}` whose `content` is the card sealed with the message's key (JWE). Its
 * presence is the clear-text fact "this message has a card" that webhooks filter on
 * (`hasAttachments`) and attachment actions require; the card itself stays opaque.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('attachments', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('attachments').execute();
}
