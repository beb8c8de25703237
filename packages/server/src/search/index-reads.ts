/**
 * The search index's read primitives, one SQL statement each, for the query planner
 * (search-messages.ts). Token lists are passed as one parameter — a JSON array of hex read by
 * `json_each` on SQLite, a `bytea[]` on PostgreSQL — so every statement has one text whatever the
 * list's length (SQLite's statement cache keeps it prepared) and no list hits a parameter limit.
 *
 * Every statement walks the primary key of `search_postings (token, seq)` or `search_docs (seq)`:
 * one B-tree descent per token, then the seq range (checked with EXPLAIN QUERY PLAN / EXPLAIN on
 * both engines; see docs/search.md).
 * @module
 */
import { sql, type RawBuilder } from 'kysely';
import type { Core } from '../core.ts';

/** A list of tokens (16 bytes each) in the form the engine's statements take. */
export interface TokenList {
  readonly count: number;
  readonly at: (i: number) => Buffer;
  /** SQLite: JSON array of hex. */
  readonly json: () => string;
  /** PostgreSQL: the Buffers. */
  readonly buffers: () => Buffer[];
}

export function tokenList(tokens: Buffer[]): TokenList {
  let json: string | undefined;
  return {
    count: tokens.length,
    at: (i) => tokens[i]!,
    json: () => (json ??= JSON.stringify(tokens.map((t) => t.toString('hex')))),
    buffers: () => tokens,
  };
}

/** A seq range: `lo` ≤ seq < `hi`. */
export interface SeqRange {
  lo: number;
  hi: number;
}

export interface DocFilters {
  /** Whose spaces: the person's memberships. */
  personId: string;
  /**
   * Instead of the person's memberships, every space of this org (a compliance officer's search,
   * SPEC CP-2; the tokens still had to be blinded with keys only the KMS gives).
   */
  orgId?: string | undefined;
  roomIds?: readonly string[] | undefined;
  senderId?: string | undefined;
  hasFile?: boolean | undefined;
  mentionsMe?: boolean | undefined;
}

export interface DocRow {
  seq: number;
  message_id: string;
  space_id: string;
  person_id: string;
}

/** A posting with the position (in the query's key order) of the token that matched. */
export interface Hit {
  pos: number;
  seq: number;
}

export class IndexReads {
  private readonly pg: boolean;

  constructor(private readonly core: Core) {
    this.pg = core.engine === 'postgres';
  }

  /** `token` is one of the list: a descent of the key per token on both engines. */
  private tokenIn(list: TokenList): RawBuilder<unknown> {
    return this.pg ? sql`token = any(${list.buffers()}::bytea[])` : sql`token in (select unhex(value) from json_each(${list.json()}))`;
  }

  /** How many postings of the tokens fall in the range, counting at most `cap`. */
  async count(list: TokenList, range: SeqRange, cap: number): Promise<number> {
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from (
        select 1 from search_postings
        where ${this.tokenIn(list)} and seq >= ${range.lo} and seq < ${range.hi}
        limit ${cap}) as capped`.execute(this.core.db);
    return Number(rows[0]?.n ?? 0);
  }

  /** Postings of the tokens in the range (at most `limit`), each with its token's position in the list. */
  async postings(list: TokenList, range: SeqRange, limit: number): Promise<Hit[]> {
    const { rows } = this.pg
      ? await sql<Hit>`
          select (t.pos - 1)::int as pos, p.seq from unnest(${list.buffers()}::bytea[]) with ordinality as t(token, pos)
          join search_postings p on p.token = t.token
          where p.seq >= ${range.lo} and p.seq < ${range.hi}
          limit ${limit}`.execute(this.core.db)
      : await sql<Hit>`
          select cast(j.key as integer) as pos, p.seq from json_each(${list.json()}) as j
          join search_postings p on p.token = unhex(j.value)
          where p.seq >= ${range.lo} and p.seq < ${range.hi}
          limit ${limit}`.execute(this.core.db);
    return rows.map((r) => ({ pos: Number(r.pos), seq: Number(r.seq) }));
  }

  /** The seqs (of those given) whose message carries the paired token: one key lookup each. */
  async probe(pairs: readonly { token: Buffer; seq: number }[]): Promise<Set<number>> {
    if (pairs.length === 0) return new Set();
    const { rows } = this.pg
      ? await sql<{ seq: number }>`
          select p.seq from unnest(${pairs.map((p) => p.token)}::bytea[], ${pairs.map((p) => p.seq)}::bigint[]) as c(token, seq)
          join search_postings p on p.token = c.token and p.seq = c.seq`.execute(this.core.db)
      : await sql<{ seq: number }>`
          select p.seq from json_each(${JSON.stringify(pairs.map((p) => [p.token.toString('hex'), p.seq]))}) as j
          join search_postings p on p.token = unhex(j.value ->> 0) and p.seq = (j.value ->> 1)`.execute(this.core.db);
    return new Set(rows.map((r) => Number(r.seq)));
  }

  /** The docs (of the seqs given) in the caller's spaces that pass the filters, newest first. */
  async docs(seqs: readonly number[], filters: DocFilters): Promise<DocRow[]> {
    if (seqs.length === 0) return [];
    const inSeqs = this.pg ? sql`d.seq = any(${[...seqs]}::bigint[])` : sql`d.seq in (select value from json_each(${JSON.stringify(seqs)}))`;
    const scope = filters.orgId !== undefined ? sql`d.space_id in (select s.id from spaces s where s.org_id = ${filters.orgId})` : sql`d.space_id in (select m.space_id from memberships m where m.person_id = ${filters.personId})`;
    const conditions: RawBuilder<unknown>[] = [inSeqs, scope];
    if (filters.roomIds !== undefined) {
      conditions.push(this.pg ? sql`d.space_id = any(${[...filters.roomIds]}::text[])` : sql`d.space_id in (select value from json_each(${JSON.stringify(filters.roomIds)}))`);
    }
    if (filters.senderId !== undefined) conditions.push(sql`d.person_id = ${filters.senderId}`);
    if (filters.hasFile !== undefined) conditions.push(sql`d.has_file = ${filters.hasFile ? 1 : 0}`);
    if (filters.mentionsMe === true) {
      conditions.push(sql`exists (select 1 from message_mentions mm where mm.message_id = d.message_id and mm.person_id in (${filters.personId}, '*'))`);
    }
    const { rows } = await sql<DocRow>`
      select d.seq, d.message_id, d.space_id, d.person_id from search_docs d
      where ${sql.join(conditions, sql` and `)}
      order by d.seq desc`.execute(this.core.db);
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /** The seq range the index holds (empty: lo > hi). */
  async extent(): Promise<SeqRange> {
    // Two subqueries: each is one descent of the key; `min(seq), max(seq)` in one select scans the table on SQLite.
    const { rows } = await sql<{ lo: number | string | null; hi: number | string | null }>`
      select (select min(seq) from search_docs) as lo, (select max(seq) from search_docs) as hi`.execute(this.core.db);
    const row = rows[0];
    if (row?.lo === null || row?.lo === undefined || row.hi === null) return { lo: 1, hi: 0 };
    return { lo: Number(row.lo), hi: Number(row.hi) + 1 };
  }
}
