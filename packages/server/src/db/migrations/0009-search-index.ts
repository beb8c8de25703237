/**
 * The search index, reshaped for queries over a thousand spaces (SPEC SR-2, DESIGN §4; see
 * docs/search.md). It replaces 0005's `search_tokens (token, space_id, message_id)`:
 *
 * - `search_docs`: one row per searchable message, keyed by `seq` = creation millisecond × 1024 +
 *   a tie-breaker, so the primary key is time order (newest first is a backward walk, a date range
 *   is a key range, and rows are appended at the B-tree's right edge). It holds what the filters
 *   need (space, sender, has-file) and the message's tokens (16 bytes each, concatenated), which is
 *   what removing its postings needs.
 * - `search_postings (token, seq)`: the inverted index, 16-byte tokens instead of 22-character
 *   text and an integer instead of two 36-character ids: about a third of 0005's size. On SQLite a
 *   WITHOUT ROWID table, so the primary key is the only copy of the data.
 *
 * Deleting a doc — directly, or by cascade when its message or space goes — removes its postings
 * in a trigger (both engines), through the tokens it holds: no second index on `seq` is needed,
 * which would cost as much as the postings' key again.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** Most tokens a message carries (SEARCH_LIMITS.tokensPerMessage): the trigger's offsets go this far. */
const MAX_TOKENS = 2000;
const TOKEN_BYTES = 16;

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const bytes = pg ? 'bytea' : 'blob';

  await db.schema
    .createTable('search_docs')
    .addColumn('seq', pg ? 'bigint' : 'integer', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull().unique().references('messages.id').onDelete('cascade'))
    .addColumn('space_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('has_file', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tokens', bytes, (c) => c.notNull())
    .execute();

  let postings = db.schema
    .createTable('search_postings')
    .addColumn('token', bytes, (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('search_postings_pk', ['token', 'seq']);
  if (!pg) postings = postings.modifyEnd(sql`without rowid`);
  await postings.execute();

  // 0 … MAX_TOKENS-1: the trigger cuts a doc's token bytes at these offsets (SQLite allows no CTE in a trigger).
  await db.schema.createTable('search_offsets').addColumn('n', 'integer', (c) => c.primaryKey()).execute();
  for (let from = 0; from < MAX_TOKENS; from += 500) {
    const rows = Array.from({ length: Math.min(500, MAX_TOKENS - from) }, (_, i) => ({ n: from + i }));
    await db.insertInto('search_offsets' as never).values(rows).execute();
  }

  const removePostings = (old: string) => sql.raw(
    `delete from search_postings where seq = ${old}.seq and token in ` +
      `(select substr(${old}.tokens, n * ${TOKEN_BYTES} + 1, ${TOKEN_BYTES}) from search_offsets where n < length(${old}.tokens) / ${TOKEN_BYTES})`,
  );
  if (pg) {
    await sql`create function search_docs_removed() returns trigger language plpgsql as $$ begin ${removePostings('old')}; return old; end $$`.execute(db);
    await sql`create trigger search_docs_removed after delete on search_docs for each row execute function search_docs_removed()`.execute(db);
  } else {
    await sql`create trigger search_docs_removed after delete on search_docs begin ${removePostings('old')}; end`.execute(db);
  }

  await moveTokens(db);
  await db.schema.dropTable('search_tokens').execute();
}

/** Carries 0005's tokens over: each message's tokens become one doc and its postings. */
async function moveTokens(db: Kysely<unknown>): Promise<void> {
  type Row = { message_id: string; space_id: string; person_id: string; created_at: number | string; token: string; has_file: number | string };
  const rows = await sql<Row>`
    select t.message_id, t.space_id, m.person_id, m.created_at, t.token,
      (select count(*) from files f where f.message_id = t.message_id) as has_file
    from search_tokens t join messages m on m.id = t.message_id
    order by m.created_at, t.message_id`.execute(db);
  const byMessage = new Map<string, { row: Row; tokens: Uint8Array[] }>();
  for (const row of rows.rows) {
    const entry = byMessage.get(row.message_id) ?? { row, tokens: [] };
    entry.tokens.push(decodeToken(row.token));
    byMessage.set(row.message_id, entry);
  }
  let last = -1;
  for (const { row, tokens } of byMessage.values()) {
    // Same rule as search/index-writes.ts, inlined: a migration must not change when that code does.
    const seq = Math.max(Number(row.created_at) * 1024, last + 1);
    last = seq;
    const packed = new Uint8Array(tokens.length * TOKEN_BYTES);
    tokens.forEach((t, i) => packed.set(t, i * TOKEN_BYTES));
    await db
      .insertInto('search_docs' as never)
      .values({ seq, message_id: row.message_id, space_id: row.space_id, person_id: row.person_id, has_file: Number(row.has_file) > 0 ? 1 : 0, tokens: asBuffer(packed) })
      .execute();
    for (let i = 0; i < tokens.length; i += 500) {
      await db
        .insertInto('search_postings' as never)
        .values(tokens.slice(i, i + 500).map((token) => ({ token: asBuffer(token), seq })))
        .execute();
    }
  }
}

function decodeToken(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

/** Both drivers bind a Buffer as bytes (better-sqlite3 and node-postgres take no plain Uint8Array). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.dropTable('search_postings').execute();
  await db.schema.dropTable('search_docs').execute();
  await db.schema.dropTable('search_offsets').execute();
  if (pg) await sql`drop function search_docs_removed()`.execute(db);
}
