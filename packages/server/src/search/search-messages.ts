/**
 * Matching blinded queries (SPEC SR-2). The client blinds its query under each space's search key;
 * the core keeps only the spaces the caller is a member of — the others are dropped silently, so a
 * query never tells whether a space exists — and ranks messages by how many terms they carry
 * (full matches first), then newest first (UUIDv7 ids sort by time).
 *
 * One SQL statement serves a person in a thousand spaces: `token IN (…) AND space_id IN (…)` walks
 * the `(token, space_id, message_id)` key directly. Tokens are 128-bit HMACs under per-space keys,
 * so a token of one space's query matching in another space has negligible probability; a client
 * mixing tokens across its own spaces on purpose only confuses its own results.
 * @module
 */
import { sql } from 'kysely';
import { search } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { ApiError } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../http/paging.ts';

type SearchHit = search.SearchHit;
const { SEARCH_LIMITS } = search;

export interface SearchMessagesInput {
  queries: { roomId: string; terms: string[] }[];
  personId?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  hasFile?: boolean | undefined;
  mentionsMe?: boolean | undefined;
  match?: 'all' | 'any' | undefined;
  max?: number | undefined;
  cursor?: string | undefined;
}

type Cursor = [matched: number, messageId: string];

/** The windows of recent history tried in turn (a day, a month) before the whole history: few, as a query with few results pays for each. */
const WINDOWS_MS = [86_400_000, 30 * 86_400_000];

/** The smallest UUIDv7 id of a millisecond: ids sort by their first 48 bits, the time. */
function idFloor(ms: number): string {
  const h = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-0000-0000-000000000000`;
}

function timeOfId(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

function isCursor(v: unknown): v is Cursor {
  return Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && typeof v[1] === 'string';
}

export async function searchMessages(core: Core, actor: Actor, input: SearchMessagesInput): Promise<{ items: SearchHit[]; next?: string }> {
  const termCount = input.queries[0]?.terms.length ?? 0;
  // One query text blinded per space gives the same number of terms everywhere; "all terms" is then one number.
  if (input.queries.some((q) => q.terms.length !== termCount)) throw ApiError.badRequest('queries: every space’s query must have the same number of terms');
  const max = Math.min(input.max ?? SEARCH_LIMITS.resultsPageDefault, SEARCH_LIMITS.resultsPageMax);
  const cursor = decodeCursor(input.cursor, isCursor);
  // Messages carry no files yet (files come with their own issue): none has one.
  if (input.hasFile === true) return { items: [] };

  const requested = [...new Set(input.queries.map((q) => q.roomId))];
  const member = await core.db.selectFrom('memberships').select('space_id').where('person_id', '=', actor.personId).where('space_id', 'in', requested).execute();
  if (member.length === 0) return { items: [] };
  const allowed = new Set(member.map((m) => m.space_id));
  const tokens = [...new Set(input.queries.filter((q) => allowed.has(q.roomId)).flatMap((q) => q.terms))];

  const run = async (newerThan: string | undefined) => {
    let q = core.db
      .selectFrom('search_tokens as st')
      .innerJoin('messages as m', 'm.id', 'st.message_id')
      .select(['st.message_id', 'st.space_id', 'm.person_id', 'm.created_at'])
      .select((eb) => eb.fn.countAll<number>().as('matched'))
      .where('st.token', 'in', tokens)
      .where('st.space_id', 'in', [...allowed]);
    // On the key's last column, so each (token, space) range is cut to the window, not filtered after.
    if (newerThan !== undefined) q = q.where('st.message_id', '>=', newerThan);
    if (input.personId !== undefined) q = q.where('m.person_id', '=', input.personId);
    if (input.from !== undefined) q = q.where('m.created_at', '>=', input.from);
    if (input.to !== undefined) q = q.where('m.created_at', '<', input.to);
    if (input.mentionsMe === true) {
      q = q.where((eb) => eb.exists(eb.selectFrom('message_mentions as mm').select('mm.message_id').whereRef('mm.message_id', '=', 'm.id').where('mm.person_id', 'in', [actor.personId, '*'])));
    }
    q = q.groupBy(['st.message_id', 'st.space_id', 'm.person_id', 'm.created_at']);
    if (input.match !== 'any') q = q.having(sql<number>`count(*)`, '=', termCount);
    if (cursor !== undefined) {
      const [matched, id] = cursor;
      q = q.having((eb) => eb.or([eb(sql<number>`count(*)`, '<', matched), eb.and([eb(sql<number>`count(*)`, '=', matched), eb('st.message_id', '<', id)])]));
    }
    return q.orderBy(sql`count(*)`, 'desc').orderBy('st.message_id', 'desc').limit(max + 1).execute();
  };

  // With every term required, the ranking is newest first: look in growing windows of recent
  // messages and stop at the first that fills the page, so a common word costs its recent
  // postings, not its whole history. (`any` ranks by match count first and needs every posting.)
  let rows: Awaited<ReturnType<typeof run>> | undefined;
  if (input.match !== 'any') {
    const anchor = Math.min(cursor !== undefined ? timeOfId(cursor[1]) + 1 : core.now(), input.to ?? Infinity);
    for (const width of WINDOWS_MS) {
      const since = anchor - width;
      if (input.from !== undefined && since <= input.from) break;
      const found = await run(idFloor(since));
      if (found.length > max) {
        rows = found;
        break;
      }
    }
  }
  rows ??= await run(undefined);
  const page = rows.slice(0, max);
  const items: SearchHit[] = page.map((r) => ({
    messageId: r.message_id,
    roomId: r.space_id,
    personId: r.person_id,
    created: new Date(Number(r.created_at)).toISOString(),
    matched: Number(r.matched),
    complete: Number(r.matched) === termCount,
  }));
  const last = page.at(-1);
  return rows.length > max && last !== undefined ? { items, next: encodeCursor([Number(last.matched), last.message_id] satisfies Cursor) } : { items };
}
