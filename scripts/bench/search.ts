/**
 * Search (SPEC SR-2, DESIGN §4): latency of `POST /api/search/messages` for a person in every one
 * of S spaces (default 1,000) holding M messages in all (default 1,000,000), for 1-, 2- and 3-word
 * queries, on SQLite and PostgreSQL; plus what blinding a query costs the client.
 *
 * Spaces are made through the API. Messages, their index docs and postings are bulk-loaded
 * straight into the database (the schema the server migrated; on PostgreSQL the postings' key is
 * dropped during the load and rebuilt after, then the tables are vacuumed and analyzed as
 * autovacuum would). Queries go through the HTTP API and the server's real query code.
 *
 * Tokens are synthetic: per space, term t of a Zipf-distributed vocabulary gets 16 pseudo-random
 * bytes (a hash of space and term), as an HMAC would be; each message carries W distinct words,
 * each with its word token and P prefix tokens, and its `seq` follows its creation time over the
 * last year. Queries draw whole words from the same distribution, so common words (long posting
 * lists) come up as often as they would in use — they, and rare words (a descent per space), are
 * what bound p99. Each query covers every space: one token per space per term.
 * @module
 */
import { cpus, loadavg } from 'node:os';
import Database from 'better-sqlite3';
import pg from 'pg';
import { blindTerm, importSearchKey, packQuery, queryTerms, toBase64Url } from '@flint/crypto';
import { search as searchMethods } from '@flint/protocol';
import { cpuSeconds, fmt, founder, machineLine, percentile, pool, round, table, withServer, type Engine, type Server } from './common.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SPACES = env('FLINT_BENCH_SEARCH_SPACES', 1000);
const MESSAGES = env('FLINT_BENCH_SEARCH_MESSAGES', 1_000_000);
const VOCABULARY = env('FLINT_BENCH_SEARCH_VOCABULARY', 20_000);
const WORDS_PER_MESSAGE = env('FLINT_BENCH_SEARCH_WORDS', 8);
const PREFIXES_PER_WORD = env('FLINT_BENCH_SEARCH_PREFIXES', 3);
const QUERIES = env('FLINT_BENCH_SEARCH_QUERIES', 200);
const WARMUP = 10;
const TERMS_PER_WORD = 1 + PREFIXES_PER_WORD;
const TOKENS_PER_MESSAGE = WORDS_PER_MESSAGE * TERMS_PER_WORD;
/** Messages are spread evenly over the last year, as a long-lived install's history would be. */
const SPAN_MS = 365 * 86_400_000;
const SEQ_PER_MS = 1024;

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The synthetic token of (space, term), as four 32-bit words (big-endian order of its bytes). */
function tokenWords(space: number, term: number, out: Uint32Array, at: number): void {
  let h = mix(Math.imul(space, 0x9e3779b1) + term);
  for (let i = 0; i < 4; i++) {
    h = mix(h + 0x6a09e667 + Math.imul(i, 0x3c6ef372) + term);
    out[at + i] = h;
  }
}

export function tokenBytes(space: number, term: number): Uint8Array {
  const w = new Uint32Array(4);
  tokenWords(space, term, w, 0);
  const b = new Uint8Array(16);
  const view = new DataView(b.buffer);
  for (let i = 0; i < 4; i++) view.setUint32(i * 4, w[i]!);
  return b;
}

/** Zipf-like sampler over [0, n): rank r with probability ∝ 1/(r+1); seeded, so runs compare. */
function zipf(n: number, seed: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cdf[r] = sum += 1 / (r + 1);
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const x = random() * sum;
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

function idOf(at: number, x: number): string {
  const h = at.toString(16).padStart(12, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7000-8000-${x.toString(16).padStart(12, '0')}`;
}

/** The generated corpus: message x is in space x % S, created at `at(x)`, with its postings as [w0..w3, seq] records. */
export interface Corpus {
  base: number;
  at: (x: number) => number;
  seq: (x: number) => number;
  /** Postings, 5 words each: the token's 4 words, then the message number x. */
  postings: Uint32Array;
}

export function generate(): Corpus {
  const base = Date.now() - SPAN_MS - 60_000;
  const at = (x: number) => base + Math.floor((x * SPAN_MS) / MESSAGES);
  const word = zipf(VOCABULARY, 1);
  const postings = new Uint32Array(MESSAGES * TOKENS_PER_MESSAGE * 5);
  let r = 0;
  for (let x = 0; x < MESSAGES; x++) {
    const space = x % SPACES;
    const words = new Set<number>();
    while (words.size < WORDS_PER_MESSAGE) words.add(word());
    for (const w of words) {
      for (let k = 0; k < TERMS_PER_WORD; k++) {
        tokenWords(space, w * TERMS_PER_WORD + k, postings, r * 5);
        postings[r * 5 + 4] = x;
        r++;
      }
    }
  }
  // A message per millisecond at most here (1M over a year), so seq = ms × 1024 exactly.
  return { base, at, seq: (x) => at(x) * SEQ_PER_MS, postings };
}

function tokenOf(postings: Uint32Array, r: number): Buffer {
  const b = Buffer.allocUnsafe(16);
  for (let k = 0; k < 4; k++) b.writeUInt32BE(postings[r * 5 + k]!, k * 4);
  return b;
}

/** The tokens of message x, concatenated (search_docs.tokens). */
function docTokens(postings: Uint32Array, x: number): Buffer {
  const out = Buffer.allocUnsafe(TOKENS_PER_MESSAGE * 16);
  for (let i = 0; i < TOKENS_PER_MESSAGE; i++) {
    const r = x * TOKENS_PER_MESSAGE + i;
    for (let k = 0; k < 4; k++) out.writeUInt32BE(postings[r * 5 + k]!, i * 16 + k * 4);
  }
  return out;
}

/** Record order grouped by the token's first 16 bits: B-tree inserts then land on a few nearby pages at a time. */
function bucketOrder(postings: Uint32Array): Uint32Array {
  const n = postings.length / 5;
  const counts = new Uint32Array(65537);
  for (let i = 0; i < n; i++) counts[(postings[i * 5]! >>> 16) + 1]!++;
  for (let b = 1; b <= 65536; b++) counts[b]! += counts[b - 1]!;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[counts[postings[i * 5]! >>> 16]!++] = i;
  return order;
}

const CIPHERTEXT = 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..synthetic.ciphertext.tag';

export async function loadSqlite(server: Pick<Server, 'databaseUrl'>, rooms: string[], personId: string, corpus: Corpus, log: (s: string) => void): Promise<void> {
  const db = new Database(server.databaseUrl.replace(/^sqlite:/, ''));
  try {
    db.pragma('busy_timeout = 10000');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -2000000');
    const message = db.prepare('insert into messages (id, space_id, person_id, text, edit_count, created_at) values (?, ?, ?, ?, 0, ?)');
    const doc = db.prepare('insert into search_docs (seq, message_id, space_id, person_id, has_file, tokens) values (?, ?, ?, ?, 0, ?)');
    for (let from = 0; from < MESSAGES; from += 100_000) {
      db.transaction(() => {
        for (let x = from; x < Math.min(MESSAGES, from + 100_000); x++) {
          const id = idOf(corpus.at(x), x);
          message.run(id, rooms[x % SPACES]!, personId, CIPHERTEXT, corpus.at(x));
          doc.run(corpus.seq(x), id, rooms[x % SPACES]!, personId, docTokens(corpus.postings, x));
        }
      })();
    }
    log('messages and docs');
    const order = bucketOrder(corpus.postings);
    const ROWS = 500;
    const many = db.prepare(`insert into search_postings (token, seq) values ${Array.from({ length: ROWS }, () => '(?, ?)').join(', ')}`);
    const one = db.prepare('insert into search_postings (token, seq) values (?, ?)');
    const args: unknown[] = new Array<unknown>(2 * ROWS);
    const total = order.length;
    for (let from = 0; from < total; from += 1_000_000) {
      const to = Math.min(total, from + 1_000_000);
      db.transaction(() => {
        let i = from;
        for (; i + ROWS <= to; i += ROWS) {
          for (let j = 0; j < ROWS; j++) {
            const r = order[i + j]!;
            args[2 * j] = tokenOf(corpus.postings, r);
            args[2 * j + 1] = corpus.seq(corpus.postings[r * 5 + 4]!);
          }
          many.run(...args);
        }
        for (; i < to; i++) {
          const r = order[i]!;
          one.run(tokenOf(corpus.postings, r), corpus.seq(corpus.postings[r * 5 + 4]!));
        }
      })();
    }
    log('postings');
    db.exec('analyze');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/**
 * PostgreSQL: messages and their index docs go in set-based statements (ids, spaces and times made
 * in SQL from a binary parameter holding each message's creation time and token bytes), on two
 * connections; the postings are then cut out of the docs' token bytes inside the database (a doc's
 * tokens are exactly its postings), so the 32,000,000 rows never cross the wire. The postings' key
 * is dropped during the load and rebuilt once after it (a sort instead of 32M ordered inserts), the
 * foreign-key triggers are off for the load's own sessions, and the tables are vacuumed and
 * analyzed as autovacuum would. The schema afterwards is the one the server migrated.
 */
export async function loadPostgres(server: Pick<Server, 'databaseUrl'>, rooms: string[], personId: string, corpus: Corpus, log: (s: string) => void): Promise<void> {
  const clients = [new pg.Client({ connectionString: server.databaseUrl }), new pg.Client({ connectionString: server.databaseUrl })];
  await Promise.all(clients.map((c) => c.connect()));
  const [c] = clients as [pg.Client, pg.Client];
  try {
    for (const k of clients) {
      await k.query('set synchronous_commit = off');
      await k.query("set maintenance_work_mem = '1GB'");
      await k.query('set session_replication_role = replica').catch((error: unknown) => log(`foreign-key triggers stay on (${String(error)})`));
    }
    const RECORD = 8 + TOKENS_PER_MESSAGE * 16;
    const BATCH = 25_000;
    const batch = (from: number): Buffer => {
      const n = Math.min(BATCH, MESSAGES - from);
      const b = Buffer.allocUnsafe(n * RECORD);
      for (let i = 0; i < n; i++) {
        const x = from + i;
        const at = corpus.at(x);
        b.writeUInt32BE(Math.floor(at / 2 ** 32), i * RECORD);
        b.writeUInt32BE(at >>> 0, i * RECORD + 4);
        docTokens(corpus.postings, x).copy(b, i * RECORD + 8);
      }
      return b;
    };
    // Message x: created at `at` (read from the record), id as idOf(at, x), in space x % S.
    const insert = (k: pg.Client, from: number, data: Buffer) =>
      k.query(
        `with g as (
           select x, at, substring($1::bytea from i * ${RECORD} + 9 for ${TOKENS_PER_MESSAGE * 16}) as t,
                  substr(lpad(to_hex(at), 12, '0'), 1, 8) || '-' || substr(lpad(to_hex(at), 12, '0'), 9, 4) || '-7000-8000-' || lpad(to_hex(x), 12, '0') as id,
                  ($3::text[])[(x % ${SPACES})::int + 1] as s
           from (select i, $2::bigint + i as x, ('x' || encode(substring($1::bytea from i * ${RECORD} + 1 for 8), 'hex'))::bit(64)::bigint as at
                 from generate_series(0, length($1::bytea) / ${RECORD} - 1) as i) as r
         ), m as (
           insert into messages (id, space_id, person_id, text, edit_count, created_at)
           select id, s, $4, $5, 0, at from g
         )
         insert into search_docs (seq, message_id, space_id, person_id, has_file, tokens)
         select at * ${SEQ_PER_MS}, id, s, $4, 0, t from g`,
        [data, from, rooms, personId, CIPHERTEXT],
      );
    let next = 0;
    const worker = async (k: pg.Client) => {
      for (;;) {
        const from = next;
        if (from >= MESSAGES) return;
        next += BATCH;
        await insert(k, from, batch(from));
      }
    };
    await Promise.all(clients.map(worker));
    log('messages and docs');
    // Loading into a heap and building the key once afterwards (a sort) is far cheaper than 32M
    // ordered inserts into the index; the key is the same one the migration made.
    await c.query('alter table search_postings drop constraint search_postings_pk');
    const bounds = await c.query<{ lo: string; mid: string; hi: string }>('select min(seq)::text as lo, percentile_disc(0.5) within group (order by seq)::text as mid, max(seq)::text as hi from search_docs');
    const { lo, mid, hi } = bounds.rows[0]!;
    const cut = (k: pg.Client, from: string, to: string, last: boolean) =>
      k.query(
        `insert into search_postings (token, seq)
         select substring(d.tokens from o * 16 + 1 for 16), d.seq
         from search_docs d cross join generate_series(0, length(d.tokens) / 16 - 1) as o
         where d.seq >= $1::bigint and ${last ? 'd.seq <= $2::bigint' : 'd.seq < $2::bigint'}`,
        [from, to],
      );
    await Promise.all([cut(clients[0]!, lo, mid, false), cut(clients[1]!, mid, hi, true)]);
    log('postings');
    await c.query('alter table search_postings add constraint search_postings_pk primary key (token, seq)');
    log('postings key');
    await Promise.all([clients[0]!.query('vacuum analyze search_postings'), clients[1]!.query('vacuum analyze search_docs')]);
    await c.query('vacuum analyze messages');
    await c.query('analyze');
    log('vacuum');
  } finally {
    await Promise.all(clients.map((k) => k.end()));
  }
}

interface Row {
  words: number;
  p50Ms: number;
  p99Ms: number;
  meanHits: number;
  /** CPU the server process spent per timed query (user + system): what a query costs, whatever else runs. */
  serverCpuMs: number;
}

async function searchEngine(engine: Engine, corpus: Corpus) {
  return withServer({ engine, env: { FLINT_RATE_LIMIT_PER_MINUTE: '1000000' } }, async (server) => {
    const admin = await founder(server.url);
    const rooms = await pool(SPACES, 8, async () => (await admin.client.rooms.create({ title: 'sealed-title' })).id);
    const started = performance.now();
    const steps: string[] = [];
    const log = (step: string) => {
      const s = round((performance.now() - started) / 1000);
      steps.push(`${step} ${s} s`);
      console.log(`  [${engine}] ${step}: ${s} s`);
    };
    if (engine === 'sqlite') await loadSqlite(server, rooms, admin.personId, corpus, log);
    else await loadPostgres(server, rooms, admin.personId, corpus, log);
    const loadSeconds = round((performance.now() - started) / 1000);
    const word = zipf(VOCABULARY, 7);
    const packed = (words: number[]) => words.map((w) => toBase64Url(Buffer.concat(rooms.map((_, space) => tokenBytes(space, w * TERMS_PER_WORD)))));
    const run = async (count: number): Promise<Row> => {
      const times: number[] = [];
      let hits = 0;
      let cpuAtStart = 0;
      for (let i = 0; i < QUERIES + WARMUP; i++) {
        if (i === WARMUP) cpuAtStart = await cpuSeconds(server.pid);
        const chosen = new Set<number>();
        while (chosen.size < count) chosen.add(word());
        const terms = packed([...chosen]);
        const call = () => admin.client.transport.call(searchMethods.searchMessages, { body: { terms, max: 50 } });
        const t = performance.now();
        // The load leaves the client's keep-alive socket idle past the server's timeout: the first
        // request may meet a closed socket, and is then retried once (and not timed, being a warm-up).
        const answer = await call().catch(async (error: unknown) => {
          if (i >= WARMUP) throw error;
          return call();
        });
        if (i >= WARMUP) {
          times.push(performance.now() - t);
          hits += answer.items.length;
        }
      }
      const serverCpuMs = round((((await cpuSeconds(server.pid)) - cpuAtStart) * 1000) / QUERIES, 1);
      const s = times.sort((a, b) => a - b);
      return { words: count, p50Ms: round(percentile(s, 50), 1), p99Ms: round(percentile(s, 99), 1), meanHits: round(hits / QUERIES, 1), serverCpuMs };
    };
    const results = [await run(1), await run(2), await run(3)];
    return { engine, spaces: SPACES, messages: MESSAGES, postings: corpus.postings.length / 5, loadSeconds, steps, results };
  });
}

/** What blinding a query costs the client: WebCrypto HMAC per term per key, in parallel, uncached. */
async function blinding(): Promise<{ words: number; ms: number }[]> {
  const keys = await Promise.all(Array.from({ length: SPACES }, () => importSearchKey(crypto.getRandomValues(new Uint8Array(32)))));
  const out: { words: number; ms: number }[] = [];
  for (const words of [1, 2, 3]) {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const terms = queryTerms(Array.from({ length: words }, (_, j) => `word${i}x${j}`).join(' '), { prefixLast: false });
      const t = performance.now();
      packQuery(await Promise.all(terms.map((term) => Promise.all(keys.map((key) => blindTerm(key, term))))));
      times.push(performance.now() - t);
    }
    out.push({ words, ms: round(percentile(times.sort((a, b) => a - b), 50), 1) });
  }
  return out;
}

export async function search(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const engines = (process.env['FLINT_BENCH_ENGINES'] ?? 'sqlite,postgres').split(',').filter((e): e is Engine => e === 'sqlite' || e === 'postgres');
  const t = performance.now();
  const corpus = generate();
  console.log(`  generated ${MESSAGES} messages, ${corpus.postings.length / 5} postings in ${round((performance.now() - t) / 1000)} s`);
  const out = [];
  for (const engine of engines) {
    const r = await searchEngine(engine, corpus);
    console.log(`  [${engine}] ${JSON.stringify(r.results)}`);
    out.push(r);
  }
  const client = await blinding();
  const markdown = [
    '## Search: blinded queries over all of one’s spaces',
    '',
    machineLine(),
    `Load average during the run (1 / 5 / 15 min, at its end): ${loadavg().map((x) => x.toFixed(1)).join(' / ')} on ${cpus().length} cores${loadavg()[0]! > cpus().length ? ' — more than the cores: other work shared the machine, so these figures are a floor, not a capacity' : ''}.`,
    `Command: \`npm run bench search\` (${SPACES.toLocaleString('en')} spaces, ${MESSAGES.toLocaleString('en')} messages with ${WORDS_PER_MESSAGE} Zipf-distributed words of a ${VOCABULARY.toLocaleString('en')}-word vocabulary, each word with ${PREFIXES_PER_WORD} prefix tokens: ${(MESSAGES * TOKENS_PER_MESSAGE).toLocaleString('en')} postings, bulk-loaded; ${QUERIES} timed sequential queries per row through the HTTP API, each word blinded for every space; page of 50).`,
    '',
    table(
      ['engine', 'load', '1 word p50 / p99', '2 words p50 / p99', '3 words p50 / p99', 'Flint process CPU per query (1/2/3 words)', 'mean hits (1/2/3 words)'],
      out.map((r) => [
        r.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL',
        `${r.loadSeconds} s`,
        ...r.results.map((q) => `${fmt(q.p50Ms)} / ${fmt(q.p99Ms)} ms`),
        `${r.results.map((q) => fmt(q.serverCpuMs)).join(' / ')} ms`,
        r.results.map((q) => fmt(q.meanHits)).join(' / '),
      ]),
    ),
    '',
    'The CPU column is what the `flint serve` process spent per timed query (user + system, from /proc): a query’s cost whatever else runs on the machine; on PostgreSQL its own backend’s CPU comes on top.',
    '',
    `Client side, not in the figures above: blinding a query for ${SPACES.toLocaleString('en')} keys with WebCrypto (in parallel, nothing cached) takes ${client.map((c) => `${fmt(c.ms)} ms for ${c.words} word${c.words > 1 ? 's' : ''}`).join(', ')}; the SDK caches blinded terms, so typing a query letter by letter pays this for the changed word only.`,
    '',
  ].join('\n');
  return { json: { part: 'search', results: out, blinding: client }, markdown };
}
