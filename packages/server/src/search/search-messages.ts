/**
 * Matching blinded queries (SPEC SR-2, DESIGN §4). The client blinds each query term under every
 * key it can search with — one per (space, key epoch) — and sends, per term, those tokens packed
 * in one order shared by all terms. The core needs no list of spaces: it searches the caller's own
 * memberships, so a token blinded for a space one has left, or never joined, finds nothing.
 *
 * The plan, for "every term" (the default), newest first:
 * 1. Estimate how common each term is by counting the postings of a sample of its tokens.
 * 2. Drive by the rarest term. If it is rare enough, fetch all its postings; intersect with the
 *    postings of other rare-ish terms; for the rest, check each candidate with one key lookup of
 *    the other term's token *for the same key* (the token at the same position), newest first, in
 *    growing batches, and stop as soon as the page is full.
 * 3. If every term is common, walk the driver's postings backwards in windows of time sized from
 *    the estimates (and then from the pass rate seen), checking the other terms the same way: a
 *    common word costs its recent postings, not its history.
 * 4. The survivors' docs are read with the filters (membership, space, sender, has-file,
 *    mentions-me) until the page is full.
 * `match: any` then continues with partial matches, newest first. Costs and what they leak:
 * docs/search.md.
 * @module
 */
import { search } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { ApiError } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../paging/cursor.ts';
import { IndexReads, tokenList, type DocFilters, type DocRow, type Hit, type SeqRange, type TokenList } from './index-reads.ts';
import { SEQ_PER_MS } from './index-writes.ts';

type SearchHit = search.SearchHit;
const { SEARCH_LIMITS } = search;

export interface SearchMessagesInput {
  terms: string[];
  roomIds?: string[] | undefined;
  personId?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  hasFile?: boolean | undefined;
  mentionsMe?: boolean | undefined;
  match?: 'all' | 'any' | undefined;
  max?: number | undefined;
  cursor?: string | undefined;
}

/** Where the previous page ended: in the full matches (`a`) or the partial ones (`p`), before `seq`. */
type Cursor = [phase: 'a' | 'p', seq: number];

/** A driver's postings are fetched whole up to this many (else it is walked in windows). */
const COMPLETE = 20_000;
/** Tokens per term whose postings are counted to estimate how common the term is. */
const SAMPLE = 64;
/** Candidates checked in the first batch; each next batch is twice as large. */
const FIRST_BATCH = 128;
/** Most postings one window may return before it is cut smaller. */
const WINDOW_ROWS = 4 * COMPLETE;

function isCursor(v: unknown): v is Cursor {
  return Array.isArray(v) && v.length === 2 && (v[0] === 'a' || v[0] === 'p') && Number.isSafeInteger(v[1]);
}

/** The packed terms as token lists; 400 unless each is whole 16-byte tokens, all of one count. */
function decodeTerms(terms: readonly string[]): TokenList[] {
  const size = SEARCH_LIMITS.tokenBytes;
  let keys: number | undefined;
  if (new Set(terms).size !== terms.length) throw ApiError.badRequest('terms: a term appears twice');
  return terms.map((text, i) => {
    const bytes = Buffer.from(text, 'base64url');
    if (bytes.length === 0 || bytes.length % size !== 0 || text.length !== Math.ceil((bytes.length * 4) / 3)) {
      throw ApiError.badRequest(`terms[${i}]: not base64url of whole ${size}-byte tokens`);
    }
    const count = bytes.length / size;
    if (keys !== undefined && count !== keys) throw ApiError.badRequest('terms: every term must carry one token per key, for the same keys in the same order');
    keys = count;
    return tokenList(Array.from({ length: count }, (_, k) => bytes.subarray(k * size, (k + 1) * size)));
  });
}

interface Found {
  doc: DocRow;
  matched: number;
}

/** One query's execution: the results so far, newest first. */
class Plan {
  readonly found: Found[] = [];
  private estimates: number[] | undefined;

  constructor(
    private readonly reads: IndexReads,
    private readonly terms: TokenList[],
    private readonly filters: DocFilters,
    /** The page size plus one (to know there is a next page). */
    private readonly want: number,
  ) {}

  private get full(): boolean {
    return this.found.length >= this.want;
  }

  /** Postings per term in the range: counted whole for short lists, else from a sample of keys. */
  private async estimate(range: SeqRange): Promise<number[]> {
    if (this.estimates !== undefined) return this.estimates;
    const keys = this.terms[0]!.count;
    const step = keys / SAMPLE;
    const out: number[] = [];
    for (const term of this.terms) {
      if (keys <= 2 * SAMPLE) {
        out.push(await this.reads.count(term, range, COMPLETE + 1));
        continue;
      }
      const sample = tokenList(Array.from({ length: SAMPLE }, (_, i) => term.at(Math.floor(i * step))));
      out.push(((await this.reads.count(sample, range, COMPLETE)) * keys) / SAMPLE);
    }
    this.estimates = out;
    return out;
  }

  /**
   * Checks candidates newest first, in growing batches: each probe term by one key lookup per
   * candidate, then the docs and filters. Returns how many candidates it looked at and how many passed.
   */
  private async consume(candidates: Hit[], probeTerms: readonly number[], matched: number): Promise<{ seen: number; passed: number }> {
    const bySeq = new Map<number, Hit>();
    for (const h of candidates) bySeq.set(h.seq, h);
    const ordered = [...bySeq.values()].sort((a, b) => b.seq - a.seq);
    let seen = 0;
    let passed = 0;
    for (let i = 0, batch = FIRST_BATCH; i < ordered.length && !this.full; i += batch, batch *= 2) {
      let part = ordered.slice(i, i + batch);
      seen += part.length;
      for (const j of probeTerms) {
        const term = this.terms[j]!;
        const ok = await this.reads.probe(part.map((h) => ({ token: term.at(h.pos), seq: h.seq })));
        part = part.filter((h) => ok.has(h.seq));
        if (part.length === 0) break;
      }
      for (const doc of await this.reads.docs(
        part.map((h) => h.seq),
        this.filters,
      )) {
        if (this.full) break;
        passed++;
        this.found.push({ doc, matched });
      }
    }
    return { seen, passed };
  }

  /** Messages carrying every term, in the range, newest first, until the page is full. */
  async allTerms(range: SeqRange): Promise<void> {
    const estimates = await this.estimate(range);
    const order = estimates.map((e, j) => ({ e, j })).sort((a, b) => a.e - b.e);
    const driver = order[0]!;
    const others = order.slice(1);
    if (driver.e <= COMPLETE / 2) {
      let candidates = await this.reads.postings(this.terms[driver.j]!, range, COMPLETE + 1);
      if (candidates.length <= COMPLETE) {
        const probeTerms: number[] = [];
        for (const other of others) {
          // A whole list costs a descent per key plus its rows; probing costs one lookup per
          // candidate. Take the list when the candidates are many and the list is short.
          if (other.e <= COMPLETE && candidates.length > this.terms[0]!.count + other.e / 10) {
            const list = await this.reads.postings(this.terms[other.j]!, range, COMPLETE + 1);
            if (list.length <= COMPLETE) {
              const seqs = new Set(list.map((h) => h.seq));
              candidates = candidates.filter((h) => seqs.has(h.seq));
              continue;
            }
          }
          probeTerms.push(other.j);
        }
        await this.consume(candidates, probeTerms, this.terms.length);
        return;
      }
    }
    await this.windows(
      range,
      driver.e,
      (window) => this.reads.postings(this.terms[driver.j]!, window, WINDOW_ROWS),
      (hits) =>
        this.consume(
          hits,
          others.map((o) => o.j),
          this.terms.length,
        ),
    );
  }

  /** Messages carrying some but not every term, in the range, newest first (for `match: any`). */
  async someTerms(range: SeqRange): Promise<void> {
    const estimates = await this.estimate(range);
    const total = estimates.reduce((a, b) => a + b, 0);
    await this.windows(
      range,
      total,
      async (window) => {
        const hits: Hit[] = [];
        for (const [j, term] of this.terms.entries()) for (const h of await this.reads.postings(term, window, WINDOW_ROWS)) hits.push({ pos: j, seq: h.seq });
        return hits;
      },
      async (hits) => {
        const terms = new Map<number, Set<number>>();
        for (const h of hits) terms.set(h.seq, (terms.get(h.seq) ?? new Set()).add(h.pos));
        let seen = 0;
        let passed = 0;
        // Grouped by how many terms matched, each group newest first, merged back in time order.
        const partial = [...terms.entries()].filter(([, js]) => js.size < this.terms.length).sort((a, b) => b[0] - a[0]);
        for (let i = 0, batch = FIRST_BATCH; i < partial.length && !this.full; i += batch, batch *= 2) {
          const part = partial.slice(i, i + batch);
          seen += part.length;
          for (const doc of await this.reads.docs(
            part.map(([seq]) => seq),
            this.filters,
          )) {
            if (this.full) break;
            passed++;
            this.found.push({ doc, matched: terms.get(doc.seq)!.size });
          }
        }
        return { seen, passed };
      },
    );
  }

  /**
   * Walks the range backwards in windows. The first window is sized to hold a few pages' worth of
   * the driver's postings (from `expected`, its estimated count in the range); the next ones from
   * the pass rate seen so far. A window with too many postings is cut in half and read again.
   */
  private async windows(range: SeqRange, expected: number, readWindow: (window: SeqRange) => Promise<Hit[]>, check: (hits: Hit[]) => Promise<{ seen: number; passed: number }>): Promise<void> {
    const extent = await this.reads.extent();
    const bottom = Math.max(range.lo, extent.lo);
    let hi = Math.min(range.hi, extent.hi);
    if (bottom >= hi) return;
    const top = hi;
    const density = Math.max(expected, 1) / (top - bottom);
    let width = Math.ceil((4 * this.want) / density);
    let postings = 0;
    let seen = 0;
    let passed = 0;
    while (hi > bottom && !this.full) {
      const lo = Math.max(bottom, hi - width);
      const hits = await readWindow({ lo, hi });
      if (hits.length >= WINDOW_ROWS && hi - lo > 1) {
        width = Math.ceil((hi - lo) / 2);
        continue;
      }
      const result = await check(hits);
      postings += hits.length;
      seen += result.seen;
      passed += result.passed;
      hi = lo;
      // Size the next window for the rest of the page: postings needed at the pass rate seen so
      // far (a pessimistic guess while nothing passed), at the density of postings seen so far.
      const observed = postings > 0 ? postings / (top - hi) : density;
      const rate = passed > 0 ? passed / seen : 1 / (2 * (seen + 1));
      const needed = (this.want - this.found.length) / rate;
      width = Math.min(width * 64, Math.max(width * 2, Math.ceil((1.5 * needed) / observed)));
    }
  }
}

export async function searchMessages(core: Core, actor: Actor, input: SearchMessagesInput): Promise<{ items: SearchHit[]; next?: string }> {
  return runSearch(core, input, { personId: actor.personId, roomIds: input.roomIds, senderId: input.personId, hasFile: input.hasFile, mentionsMe: input.mentionsMe });
}

/** A compliance officer's search (SPEC CP-2): the org's spaces instead of the officer's memberships. */
export async function searchOrgMessages(core: Core, actor: Actor, input: Omit<SearchMessagesInput, 'mentionsMe'>): Promise<{ items: SearchHit[]; next?: string }> {
  return runSearch(core, input, { personId: actor.personId, orgId: actor.orgId, roomIds: input.roomIds, senderId: input.personId, hasFile: input.hasFile });
}

async function runSearch(core: Core, input: SearchMessagesInput, filters: DocFilters): Promise<{ items: SearchHit[]; next?: string }> {
  const terms = decodeTerms(input.terms);
  const max = Math.min(input.max ?? SEARCH_LIMITS.resultsPageDefault, SEARCH_LIMITS.resultsPageMax);
  const cursor = decodeCursor(input.cursor, isCursor);
  const range: SeqRange = {
    lo: input.from !== undefined ? Math.max(0, input.from) * SEQ_PER_MS : 0,
    hi: input.to !== undefined ? Math.max(0, input.to) * SEQ_PER_MS : Number.MAX_SAFE_INTEGER,
  };
  const plan = new Plan(new IndexReads(core), terms, filters, max + 1);
  const phases: Cursor[0][] = [];
  if (cursor === undefined || cursor[0] === 'a') phases.push('a');
  if (input.match === 'any' && terms.length > 1) phases.push('p');
  const phaseOf = new Map<Found, Cursor[0]>();
  for (const phase of phases) {
    const from = plan.found.length;
    const hi = cursor !== undefined && cursor[0] === phase ? Math.min(range.hi, cursor[1]) : range.hi;
    if (phase === 'a') await plan.allTerms({ lo: range.lo, hi });
    else await plan.someTerms({ lo: range.lo, hi });
    for (const f of plan.found.slice(from)) phaseOf.set(f, phase);
    if (plan.found.length > max) break;
  }
  const page = plan.found.slice(0, max);
  const items: SearchHit[] = page.map(({ doc, matched }) => ({
    messageId: doc.message_id,
    roomId: doc.space_id,
    personId: doc.person_id,
    created: new Date(Math.floor(doc.seq / SEQ_PER_MS)).toISOString(),
    matched,
    complete: matched === terms.length,
  }));
  const last = page.at(-1);
  return plan.found.length > max && last !== undefined ? { items, next: encodeCursor([phaseOf.get(last)!, last.doc.seq] satisfies Cursor) } : { items };
}
