/**
 * Writing a message into the search index (SPEC SR-1): its blinded tokens, opaque to the core,
 * and what the filters need. Called inside the message's own transaction, so a message and its
 * tokens commit together. Deletion needs no call: the doc goes with its message (cascade) and a
 * trigger removes its postings (migrations/0009-search-index.ts).
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Rows per INSERT: well under PostgreSQL's 65,535 bound parameters and SQLite's 32,766. */
const CHUNK = 500;

/** Index positions per millisecond: `seq` = creation millisecond × SEQ_PER_MS + a tie-breaker. */
export const SEQ_PER_MS = 1024;

export interface IndexedMessage {
  spaceId: string;
  messageId: string;
  personId: string;
  createdAt: number;
  hasFile: boolean;
}

/** The 16 bytes of a token as written in `searchTokens` (22 base64url characters, checked by the schema). */
function tokenBytes(token: string): Buffer {
  return Buffer.from(token, 'base64url');
}

/**
 * Indexes a message under `seq`, or under the first free position of its millisecond. Two messages
 * of one millisecond (or a racing instance) take the next position; after 1,024 of them the next
 * millisecond's — order within a millisecond is arbitrary anyway.
 */
async function insertDoc(trx: Kysely<Database>, message: IndexedMessage, tokens: Buffer[], seq?: number): Promise<number> {
  let next = seq;
  if (next === undefined) {
    const base = message.createdAt * SEQ_PER_MS;
    const top = await trx.selectFrom('search_docs').select((eb) => eb.fn.max('seq').as('seq')).where('seq', '>=', base).where('seq', '<', base + SEQ_PER_MS).executeTakeFirst();
    next = top?.seq !== null && top?.seq !== undefined ? Number(top.seq) + 1 : base;
  }
  for (;;) {
    const result = await trx
      .insertInto('search_docs')
      .values({ seq: next, message_id: message.messageId, space_id: message.spaceId, person_id: message.personId, has_file: message.hasFile ? 1 : 0, tokens: Buffer.concat(tokens) })
      .onConflict((oc) => oc.column('seq').doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 1) return next;
    next++;
  }
}

async function insertPostings(trx: Kysely<Database>, seq: number, tokens: Buffer[]): Promise<void> {
  for (let i = 0; i < tokens.length; i += CHUNK) {
    await trx
      .insertInto('search_postings')
      .values(tokens.slice(i, i + CHUNK).map((token) => ({ token, seq })))
      .execute();
  }
}

/** Indexes a new message; without tokens it is not searchable (nothing is stored). */
export async function indexMessage(trx: Kysely<Database>, message: IndexedMessage, tokens: readonly string[] | undefined): Promise<void> {
  const unique = [...new Set(tokens ?? [])].map(tokenBytes);
  if (unique.length === 0) return;
  const seq = await insertDoc(trx, message, unique);
  await insertPostings(trx, seq, unique);
}

/**
 * Replaces an edited message's tokens (none given: it is no longer searchable, rather than found
 * by words it no longer has). It keeps its place in time.
 */
export async function reindexMessage(trx: Kysely<Database>, message: Omit<IndexedMessage, 'hasFile'>, tokens: readonly string[] | undefined): Promise<void> {
  const old = await trx.selectFrom('search_docs').select('seq').where('message_id', '=', message.messageId).executeTakeFirst();
  // The trigger removes the old postings with the doc.
  if (old !== undefined) await trx.deleteFrom('search_docs').where('seq', '=', old.seq).execute();
  const unique = [...new Set(tokens ?? [])].map(tokenBytes);
  if (unique.length === 0) return;
  // Files are attached when a message is created and never by an edit: the files table knows.
  const file = await trx.selectFrom('files').select('id').where('message_id', '=', message.messageId).limit(1).executeTakeFirst();
  const seq = await insertDoc(trx, { ...message, hasFile: file !== undefined }, unique, old !== undefined ? Number(old.seq) : undefined);
  await insertPostings(trx, seq, unique);
}
