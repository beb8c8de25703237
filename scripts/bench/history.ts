/**
 * History: paging 50 messages newest-first through the HTTP API in a space whose database holds
 * up to 10,000,000 messages, bulk-loaded straight into the database in set-based batches (a
 * recursive CTE on SQLite, generate_series on PostgreSQL) under a time budget. Every row carries a
 * real sealed text and a UUIDv7-shaped id in time order, as the server writes them.
 * @module
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { sealText } from '@flint/sdk/testing/kms';
import { fmt, founder, kmsClientFor, machineLine, percentile, round, sleep, table, withServer, type Engine, type Server } from './common.ts';

const BATCH = 500_000;
/** On PostgreSQL, rows per round (two connections, one statement of half of it each). */
const PG_BATCH = 2_000_000;

/** The id the loader gives message number x (ms timestamp in the first 48 bits, as UUIDv7). */
function idOf(base: number, x: number): string {
  const h = (base + x).toString(16).padStart(12, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7000-8000-${x.toString(16).padStart(12, '0')}`;
}

async function bulkLoad(server: Server, roomId: string, personId: string, text: string, keyUrl: string, target: number, budgetMs: number, base: number): Promise<{ loaded: number; seconds: number }> {
  const started = performance.now();
  let loaded = 0;
  if (server.engine === 'sqlite') {
    const db = new Database(server.databaseUrl.replace(/^sqlite:/, ''));
    try {
      db.pragma('busy_timeout = 10000');
      db.pragma('synchronous = OFF');
      db.pragma('cache_size = -262144');
      // The indexes stay: ids and (space_id, id) arrive in order, so every insert appends to the
      // rightmost leaf; dropping and rebuilding them (a scan and a sort) was slower here, unlike on
      // PostgreSQL.
      const stmt = db.prepare(`
        insert into messages (id, space_id, person_id, text, encryption_key_url, edit_count, created_at)
        with recursive seq(x) as (select ? union all select x + 1 from seq where x < ?)
        select substr(printf('%012x', ? + x), 1, 8) || '-' || substr(printf('%012x', ? + x), 9, 4) || '-7000-8000-' || printf('%012x', x),
               ?, ?, ?, ?, 0, ? + x
        from seq`);
      while (loaded < target && performance.now() - started < budgetMs) {
        const n = Math.min(BATCH, target - loaded);
        db.transaction(() => stmt.run(loaded, loaded + n - 1, base, base, roomId, personId, text, keyUrl, base))();
        loaded += n;
        db.pragma('wal_checkpoint(TRUNCATE)');
        console.log(`  loaded ${loaded} (${round((performance.now() - started) / 1000)} s)`);
        // better-sqlite3 blocks this process's event loop for the whole batch. Let it turn between
        // batches: otherwise a keep-alive socket the server closed meanwhile (Fastify drops idle ones
        // after 72 s) is only noticed after the load, when the first request is sent on it and fails
        // with "fetch failed" — what ended the 10,000,000-message run before.
        await sleep(50);
      }
      const t = performance.now();
      db.exec('analyze');
      console.log(`  analyze: ${round((performance.now() - t) / 1000)} s`);
    } finally {
      db.close();
    }
    await sleep(50);
  } else {
    // Two connections, each inserting half of every batch: PostgreSQL runs one backend per
    // connection, so both cores work. As on SQLite, the secondary indexes are dropped for the load
    // and rebuilt from their definitions (pg_indexes) after it — 1,000,000 rows took 26 s with them
    // and 15 s without, rebuild included — and the foreign-key trigger (space_id → spaces, the one
    // space made through the API) is skipped for the load's own sessions (session_replication_role,
    // a superuser setting; without it the load still works, only slower).
    const clients = [new pg.Client({ connectionString: server.databaseUrl }), new pg.Client({ connectionString: server.databaseUrl })];
    await Promise.all(clients.map((c) => c.connect()));
    try {
      for (const c of clients) {
        await c.query('set synchronous_commit = off');
        await c.query('set session_replication_role = replica').catch((error: unknown) => console.log(`  (foreign-key triggers stay on: ${String(error)})`));
      }
      const indexes = (
        await clients[0]!.query<{ indexname: string; indexdef: string }>(
          "select i.indexname, i.indexdef from pg_indexes i where i.tablename = 'messages' and i.schemaname = current_schema() and not exists (select 1 from pg_constraint c where c.conname = i.indexname)",
        )
      ).rows;
      for (const ix of indexes) await clients[0]!.query(`drop index "${ix.indexname}"`);
      const insert = (c: pg.Client, from: number, to: number) =>
        c.query(
          `insert into messages (id, space_id, person_id, text, encryption_key_url, edit_count, created_at)
           select substr(lpad(to_hex($3::bigint + x), 12, '0'), 1, 8) || '-' || substr(lpad(to_hex($3::bigint + x), 12, '0'), 9, 4) || '-7000-8000-' || lpad(to_hex(x), 12, '0'),
                  $4, $5, $6, $7, 0, $3::bigint + x
           from generate_series($1::bigint, $2::bigint) as x`,
          [from, to, base, roomId, personId, text, keyUrl],
        );
      while (loaded < target && performance.now() - started < budgetMs) {
        const n = Math.min(PG_BATCH, target - loaded);
        const half = Math.floor(n / 2);
        await Promise.all([insert(clients[0]!, loaded, loaded + half - 1), insert(clients[1]!, loaded + half, loaded + n - 1)]);
        loaded += n;
        console.log(`  loaded ${loaded} (${round((performance.now() - started) / 1000)} s)`);
      }
      let t = performance.now();
      for (const c of clients) await c.query("set maintenance_work_mem = '512MB'");
      // One index per connection, in parallel.
      await Promise.all(indexes.map((ix, i) => clients[i % 2]!.query(ix.indexdef)));
      console.log(`  indexes rebuilt (${indexes.map((ix) => ix.indexname).join(', ')}): ${round((performance.now() - t) / 1000)} s`);
      t = performance.now();
      await clients[0]!.query('analyze messages');
      console.log(`  analyze: ${round((performance.now() - t) / 1000)} s`);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  }
  return { loaded, seconds: round((performance.now() - started) / 1000) };
}

interface Timings {
  p50Ms: number;
  p99Ms: number;
  n: number;
}
const stats = (xs: number[]): Timings => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50Ms: round(percentile(s, 50), 2), p99Ms: round(percentile(s, 99), 2), n: s.length };
};

async function historyEngine(engine: Engine, target: number, budgetMs: number) {
  return withServer({ engine }, async (server) => {
    const admin = await founder(server.url);
    const kms = await kmsClientFor(server.url, admin, 'history');
    const [key] = await kms.createKeys(1);
    const resource = await kms.createResource({ keyUris: [key!.uri] });
    const title = await sealText(key!, 'History');
    const room = await admin.client.rooms.create({ title: title.ciphertext, encryptionKeyUrl: key!.uri, kroUri: resource.uri });
    const sealed = await sealText(key!, 'A message of ordinary length in the history of a busy space, about this long. '.repeat(2));
    const base = Date.now() - target - 86_400_000;
    const load = await bulkLoad(server, room.id, admin.personId, sealed.ciphertext, sealed.encryptionKeyUrl, target, budgetMs, base);
    const c = admin.client;
    // Warm-up.
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await c.messages.list({ roomId: room.id, max: 50 });
      if (i === 0) console.log(`  first page after the load: ${round(performance.now() - t0)} ms`);
    }
    const timed = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const newest: number[] = [];
    for (let i = 0; i < 300; i++) newest.push(await timed(() => c.messages.list({ roomId: room.id, max: 50 })));
    const walk: number[] = [];
    let page = await c.messages.list({ roomId: room.id, max: 50 });
    for (let i = 0; i < 300 && page.next !== undefined; i++) {
      const t = performance.now();
      const next = await c.nextPage(page);
      walk.push(performance.now() - t);
      if (next === undefined) break;
      page = next;
    }
    const deep: number[] = [];
    for (let i = 0; i < 300; i++) {
      const x = Math.floor(Math.random() * load.loaded);
      deep.push(await timed(() => c.messages.list({ roomId: room.id, max: 50, beforeMessage: idOf(base, x) })));
    }
    const check = await c.messages.list({ roomId: room.id, max: 50, beforeMessage: idOf(base, Math.floor(load.loaded / 2)) });
    if (check.items.length !== 50) throw new Error(`deep page returned ${check.items.length} items`);
    return { engine, textChars: sealed.ciphertext.length, loaded: load.loaded, loadSeconds: load.seconds, newest: stats(newest), walk: stats(walk), deep: stats(deep) };
  });
}

export async function history(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const target = Number(process.env['FLINT_BENCH_HISTORY_MESSAGES'] ?? 10_000_000);
  const budgetMs = Number(process.env['FLINT_BENCH_HISTORY_BUDGET_S'] ?? 300) * 1000;
  const engines = (process.env['FLINT_BENCH_ENGINES'] ?? 'sqlite,postgres').split(',').filter((e): e is Engine => e === 'sqlite' || e === 'postgres');
  const results = [];
  for (const engine of engines) {
    const r = await historyEngine(engine, target, budgetMs);
    console.log(`  [${engine}] ${r.loaded} rows in ${r.loadSeconds} s; newest p50 ${r.newest.p50Ms} ms`);
    results.push(r);
  }
  const textChars = results[0]?.textChars ?? 0;
  const markdown = [
    '## History: pages of 50, newest first, in one space',
    '',
    machineLine(),
    `Command: \`npm run bench history\` (bulk load of up to ${target.toLocaleString('en')} messages into one space straight into the database, set-based: on SQLite a recursive CTE in transactions of ${BATCH.toLocaleString('en')} rows, on PostgreSQL \`INSERT … SELECT … FROM generate_series\` on two connections, ${(PG_BATCH / 2).toLocaleString('en')} rows a statement, its foreign-key trigger off and the secondary indexes of \`messages\` dropped for the load, then rebuilt from their own definitions; ANALYZE on both; every row carries the same real sealed text of ${textChars} characters — its size, not its content, is what the paging path sees — and its own time-ordered id; a ${budgetMs / 1000} s budget stops the load after the batch that crosses it; then 300 timed sequential \`GET /api/messages?roomId=…&max=50\` calls through the SDK for each column).`,
    '',
    table(
      ['engine', 'messages in the space', 'load time', 'newest page p50 / p99', 'following `Link: next` (300 pages) p50 / p99', 'random deep page (`beforeMessage`) p50 / p99'],
      results.map((r) => [
        r.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL',
        r.loaded.toLocaleString('en') + (r.loaded < target ? ` (budget reached; ${target.toLocaleString('en')} asked)` : ''),
        `${r.loadSeconds} s`,
        `${fmt(r.newest.p50Ms, 2)} / ${fmt(r.newest.p99Ms, 2)} ms`,
        `${fmt(r.walk.p50Ms, 2)} / ${fmt(r.walk.p99Ms, 2)} ms`,
        `${fmt(r.deep.p50Ms, 2)} / ${fmt(r.deep.p99Ms, 2)} ms`,
      ]),
    ),
    '',
  ].join('\n');
  return { json: { part: 'history', target, results }, markdown };
}
