/**
 * Search (SPEC SR-2, DESIGN §4): query latency of `POST /api/search/messages` for a person in every
 * one of S spaces (default 1,000) holding M messages in all (default 1,000,000), for 1-, 2- and
 * 3-word queries, on SQLite and PostgreSQL. Spaces are made through the API; messages and their
 * tokens are bulk-loaded straight into the database.
 *
 * Tokens are synthetic: per space, word w of a Zipf-distributed vocabulary gets a 22-character
 * pseudo-random token (a hash of space and word), as an HMAC would be; each message carries W
 * distinct words and P prefix tokens per word, like a short message. Queries draw their words from
 * the same distribution, so common words (large posting lists) appear as often as they would in
 * real use — they are what bounds p99.
 *
 * Register in scripts/bench/parts.ts with `import { search } from './search.ts';` and `search,` in
 * PARTS_MORE (owned by another engineer; not done here). Runs alone: `node --import tsx scripts/bench/search.ts`.
 * @module
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { search as searchMethods } from '@flint/protocol';
import { fmt, founder, machineLine, percentile, pool, round, table, withServer, type Engine, type Server } from './common.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SPACES = env('FLINT_BENCH_SEARCH_SPACES', 1000);
const MESSAGES = env('FLINT_BENCH_SEARCH_MESSAGES', 1_000_000);
const VOCABULARY = env('FLINT_BENCH_SEARCH_VOCABULARY', 20_000);
const WORDS_PER_MESSAGE = env('FLINT_BENCH_SEARCH_WORDS', 8);
const PREFIXES_PER_WORD = env('FLINT_BENCH_SEARCH_PREFIXES', 3);
const QUERIES = env('FLINT_BENCH_SEARCH_QUERIES', 200);
const BATCH = 5000;

/** A token for (space, term): base64url of a hash, 22 characters, like the real HMAC tokens. */
function token(space: number, term: string): string {
  return createHash('sha256').update(`${space}:${term}`).digest('base64url').slice(0, 22);
}

/** Zipf-like sampler over [0, n): rank r with probability ∝ 1/(r+1). */
function zipf(n: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cdf[r] = sum += 1 / (r + 1);
  return () => {
    const x = Math.random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Messages are spread evenly over the last year, as a long-lived install's history would be. */
const SPAN_MS = 365 * 86_400_000;

function idOf(at: number, x: number): string {
  const h = at.toString(16).padStart(12, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7000-8000-${x.toString(16).padStart(12, '0')}`;
}

interface Rows {
  messages: [string, string, string, string, number][];
  tokens: [string, string, string][];
}

function makeBatch(from: number, count: number, rooms: string[], personId: string, base: number, word: () => number): Rows {
  const rows: Rows = { messages: [], tokens: [] };
  for (let x = from; x < from + count; x++) {
    const space = x % rooms.length;
    const at = base + Math.floor((x * SPAN_MS) / MESSAGES);
    const id = idOf(at, x);
    rows.messages.push([id, rooms[space]!, personId, 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..synthetic.ciphertext.tag', at]);
    const words = new Set<number>();
    while (words.size < WORDS_PER_MESSAGE) words.add(word());
    const terms = new Set<string>();
    for (const w of words) {
      terms.add(`w${w}`);
      for (let p = 0; p < PREFIXES_PER_WORD; p++) terms.add(`p${w}:${p}`);
    }
    for (const t of terms) rows.tokens.push([token(space, t), rooms[space]!, id]);
  }
  return rows;
}

async function load(server: Server, rooms: string[], personId: string): Promise<number> {
  const started = performance.now();
  const base = Date.now() - SPAN_MS - 60_000;
  const word = zipf(VOCABULARY);
  if (server.engine === 'sqlite') {
    const db = new Database(server.databaseUrl.replace(/^sqlite:/, ''));
    try {
      db.pragma('busy_timeout = 10000');
      db.pragma('synchronous = OFF');
      const m = db.prepare('insert into messages (id, space_id, person_id, text, edit_count, created_at) values (?, ?, ?, ?, 0, ?)');
      const t = db.prepare('insert into search_tokens (token, space_id, message_id) values (?, ?, ?)');
      for (let done = 0; done < MESSAGES; done += BATCH) {
        const rows = makeBatch(done, Math.min(BATCH, MESSAGES - done), rooms, personId, base, word);
        db.transaction(() => {
          for (const r of rows.messages) m.run(...r);
          for (const r of rows.tokens) t.run(...r);
        })();
        if ((done / BATCH) % 20 === 0) console.log(`  loaded ${done + BATCH} (${round((performance.now() - started) / 1000)} s)`);
      }
      db.exec('analyze');
    } finally {
      db.close();
    }
  } else {
    const c = new pg.Client({ connectionString: server.databaseUrl });
    await c.connect();
    try {
      await c.query('set synchronous_commit = off');
      for (let done = 0; done < MESSAGES; done += BATCH) {
        const rows = makeBatch(done, Math.min(BATCH, MESSAGES - done), rooms, personId, base, word);
        const col = <T>(xs: T[][], i: number) => xs.map((r) => r[i]);
        await c.query(
          `insert into messages (id, space_id, person_id, text, edit_count, created_at)
           select id, s, p, t, 0, at from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) as u(id, s, p, t, at)`,
          [0, 1, 2, 3, 4].map((i) => col(rows.messages, i)),
        );
        await c.query('insert into search_tokens (token, space_id, message_id) select * from unnest($1::text[], $2::text[], $3::text[])', [0, 1, 2].map((i) => col(rows.tokens, i)));
        if ((done / BATCH) % 20 === 0) console.log(`  loaded ${done + BATCH} (${round((performance.now() - started) / 1000)} s)`);
      }
      await c.query('analyze');
    } finally {
      await c.end();
    }
  }
  return round((performance.now() - started) / 1000);
}

async function searchEngine(engine: Engine) {
  return withServer({ engine, env: { FLINT_RATE_LIMIT_PER_MINUTE: '1000000' } }, async (server) => {
    const admin = await founder(server.url);
    const rooms = await pool(SPACES, 8, async () => (await admin.client.rooms.create({ title: 'sealed-title' })).id);
    const loadSeconds = await load(server, rooms, admin.personId);
    const word = zipf(VOCABULARY);
    const run = async (words: number) => {
      const times: number[] = [];
      let hits = 0;
      for (let i = 0; i < QUERIES + 10; i++) {
        const chosen = new Set<number>();
        while (chosen.size < words) chosen.add(word());
        const queries = rooms.map((roomId, space) => ({ roomId, terms: [...chosen].map((w) => token(space, `w${w}`)) }));
        const t = performance.now();
        const call = () => admin.client.transport.call(searchMethods.searchMessages, { body: { queries, max: 50 } });
        // The load leaves the client's keep-alive socket idle past the server's timeout: the first
        // request may meet a closed socket, and is then retried once (and not timed, being a warm-up).
        const answer = await call().catch(async (error: unknown) => {
          if (i >= 10) throw error;
          console.error(`  retrying after ${String(error)} ${server.output().slice(-2000)}`);
          return call();
        });
        if (i >= 10) times.push(performance.now() - t); // the first 10 warm caches
        hits += answer.items.length;
      }
      const s = times.sort((a, b) => a - b);
      return { words, p50Ms: round(percentile(s, 50), 2), p99Ms: round(percentile(s, 99), 2), meanHits: round(hits / (QUERIES + 10), 1) };
    };
    const results = [await run(1), await run(2), await run(3)];
    return { engine, spaces: SPACES, messages: MESSAGES, loadSeconds, results };
  });
}

export async function search(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const engines = (process.env['FLINT_BENCH_ENGINES'] ?? 'sqlite,postgres').split(',').filter((e): e is Engine => e === 'sqlite' || e === 'postgres');
  const out = [];
  for (const engine of engines) {
    const r = await searchEngine(engine);
    console.log(`  [${engine}] ${JSON.stringify(r.results)}`);
    out.push(r);
  }
  const markdown = [
    '## Search: blinded queries over all of one’s spaces',
    '',
    machineLine(),
    `Command: \`node --import tsx scripts/bench/search.ts\` (${SPACES.toLocaleString('en')} spaces, ${MESSAGES.toLocaleString('en')} messages bulk-loaded with ${WORDS_PER_MESSAGE} Zipf-distributed words of a ${VOCABULARY.toLocaleString('en')}-word vocabulary and ${PREFIXES_PER_WORD} prefix tokens per word; ${QUERIES} timed sequential queries per row, each covering every space, page of 50).`,
    '',
    table(
      ['engine', 'load time', '1 word p50 / p99', '2 words p50 / p99', '3 words p50 / p99'],
      out.map((r) => [r.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL', `${r.loadSeconds} s`, ...r.results.map((q) => `${fmt(q.p50Ms, 2)} / ${fmt(q.p99Ms, 2)} ms`)]),
    ),
    '',
  ].join('\n');
  return { json: { part: 'search', results: out }, markdown };
}
