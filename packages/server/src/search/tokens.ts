/**
 * Storing a message's blinded search tokens (SPEC SR-1). The tokens are opaque to the core: it
 * stores and matches them, it cannot read them. Called inside the message's own transaction, so a
 * message and its tokens commit together.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Rows per INSERT: well under PostgreSQL's 65,535 bound parameters and SQLite's 32,766. */
const CHUNK = 500;

/**
 * Replaces a message's tokens with `tokens` (none when absent): an edit's text no longer carries the
 * old words, so its old tokens must not match. Deletion needs no call: rows cascade with the message.
 */
export async function replaceSearchTokens(trx: Kysely<Database>, spaceId: string, messageId: string, tokens: readonly string[] | undefined, fresh = false): Promise<void> {
  if (!fresh) await trx.deleteFrom('search_tokens').where('message_id', '=', messageId).execute();
  const unique = [...new Set(tokens ?? [])];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows = unique.slice(i, i + CHUNK).map((token) => ({ token, space_id: spaceId, message_id: messageId }));
    await trx.insertInto('search_tokens').values(rows).execute();
  }
}
