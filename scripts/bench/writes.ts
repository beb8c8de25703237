/**
 * Writes per message (issue 15): rows the database gains per message, and on PostgreSQL every row
 * written (inserted, updated or deleted, from pg_stat_user_tables), for spaces of 10, 100, 1,000 and
 * 5,000 members; and how long POST /api/messages takes. This checkout against the commit before
 * the one-row-per-event log (FLINT_BENCH_BASELINE_WRITES, default e2f5db8), in one run.
 * Members are inserted straight into the database (people, memberships and, where the schema has
 * them, their stream intervals): only the message path is measured, and no one is connected.
 * @module
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { checkout, founder, machineLine, median, round, sleep, table, withServer, type Engine, type Server } from './common.ts';

const SIZES = (process.env['FLINT_BENCH_WRITES_SIZES'] ?? '10,100,1000,5000').split(',').map(Number);
const MESSAGES = Number(process.env['FLINT_BENCH_WRITES_MESSAGES'] ?? 20);

interface Db {
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

async function open(server: Server): Promise<Db> {
  if (server.engine === 'sqlite') {
    const db = new Database(server.databaseUrl.replace(/^sqlite:/, ''));
    db.pragma('busy_timeout = 10000');
    return {
      query: (text, params = []) => {
        const stmt = db.prepare(text);
        return Promise.resolve(stmt.reader ? (stmt.all(...params) as Record<string, unknown>[]) : (stmt.run(...params), []));
      },
      close: () => Promise.resolve(void db.close()),
    };
  }
  const c = new pg.Client({ connectionString: server.databaseUrl });
  await c.connect();
  return {
    query: async (text, params = []) => {
      let i = 0;
      return (await c.query(text.replace(/\?/g, () => `$${++i}`), params)).rows as Record<string, unknown>[];
    },
    close: () => c.end(),
  };
}

async function tables(db: Db, engine: Engine): Promise<string[]> {
  const rows =
    engine === 'sqlite'
      ? await db.query("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")
      : await db.query("select tablename as name from pg_tables where schemaname = 'public'");
  return rows.map((r) => String(r['name']));
}

async function rowCount(db: Db, names: string[]): Promise<number> {
  let n = 0;
  for (const name of names) n += Number((await db.query(`select count(*) as n from ${name}`))[0]!['n']);
  return n;
}

/** Rows inserted + updated + deleted so far (PostgreSQL's statistics, flushed about once a second). */
async function tupleWrites(db: Db): Promise<number> {
  await sleep(1500);
  await db.query('select pg_stat_clear_snapshot()');
  const [row] = await db.query('select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) as n from pg_stat_user_tables');
  return Number(row!['n']);
}

async function addMembers(db: Db, names: string[], roomId: string, orgId: string, count: number, tag: string): Promise<void> {
  const now = Date.now();
  const intervals = names.includes('stream_memberships');
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    await db.query("insert into people (id, org_id, email, display_name, type, status, is_guest, notification_prefs, created_at, updated_at) values (?, ?, ?, ?, 'person', 'active', 0, '{}', ?, ?)", [id, orgId, `${tag}-${i}@bench.example`, `${tag} ${i}`, now, now]);
    await db.query('insert into memberships (id, space_id, person_id, is_moderator, created_at) values (?, ?, ?, 0, ?)', [randomUUID(), roomId, id, now]);
    if (intervals) await db.query('insert into stream_memberships (person_id, space_id, from_pos, to_pos) values (?, ?, 0, null)', [id, roomId]);
  }
}

interface Row {
  members: number;
  rowsPerMessage: number;
  writesPerMessage: number | null;
  postMs: number;
}

async function measure(engine: Engine, flintRoot: string | undefined): Promise<Row[]> {
  return withServer({ engine, ...(flintRoot !== undefined ? { flintRoot } : {}) }, async (server) => {
    const admin = await founder(server.url);
    const db = await open(server);
    try {
      const names = await tables(db, engine);
      const [me] = await db.query('select org_id from people where id = ?', [admin.personId]);
      const results: Row[] = [];
      let have = 1;
      const room = await admin.client.rooms.create({ title: 'ciphertext:writes' });
      for (const size of SIZES) {
        // One space grown to each size in turn (the same room, so nothing else differs).
        // SQLite: one transaction for the inserts (one sync instead of thousands).
        if (engine === 'sqlite') await db.query('begin');
        await addMembers(db, names, room.id, String(me!['org_id']), size - have, `w${size}`);
        if (engine === 'sqlite') await db.query('commit');
        have = size;
        for (let i = 0; i < 3; i++) await admin.client.messages.create({ roomId: room.id, text: 'ciphertext:warm-up' });
        const rowsBefore = await rowCount(db, names);
        const writesBefore = engine === 'postgres' ? await tupleWrites(db) : 0;
        const times: number[] = [];
        for (let i = 0; i < MESSAGES; i++) {
          const t = performance.now();
          await admin.client.messages.create({ roomId: room.id, text: `ciphertext:m${i}` });
          times.push(performance.now() - t);
        }
        const rowsPerMessage = ((await rowCount(db, names)) - rowsBefore) / MESSAGES;
        const writesPerMessage = engine === 'postgres' ? ((await tupleWrites(db)) - writesBefore) / MESSAGES : null;
        results.push({ members: size, rowsPerMessage: round(rowsPerMessage), writesPerMessage: writesPerMessage === null ? null : round(writesPerMessage), postMs: round(median(times)) });
        console.log(`  ${engine} ${flintRoot === undefined ? 'this' : 'baseline'}: ${size} members: ${round(rowsPerMessage)} rows/message${writesPerMessage === null ? '' : `, ${round(writesPerMessage)} row writes`}, POST median ${round(median(times))} ms`);
      }
      return results;
    } finally {
      await db.close();
    }
  });
}

export async function writes(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const engines = (process.env['FLINT_BENCH_ENGINES'] ?? 'sqlite,postgres').split(',') as Engine[];
  const ref = process.env['FLINT_BENCH_BASELINE_WRITES'] ?? 'e2f5db8';
  const baseline = await checkout(ref);
  const runs: { engine: Engine; version: string; rows: Row[] }[] = [];
  try {
    for (const engine of engines) {
      runs.push({ engine, version: 'this', rows: await measure(engine, undefined) });
      runs.push({ engine, version: `baseline ${baseline.commit.slice(0, 7)}`, rows: await measure(engine, baseline.root) });
    }
  } finally {
    await baseline.remove();
  }
  const lines: (string | number)[][] = [];
  for (const run of runs) {
    for (const r of run.rows) {
      lines.push([run.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL', run.version === 'this' ? 'one row per event (this)' : `per recipient (${run.version})`, r.members, r.rowsPerMessage, r.writesPerMessage ?? '–', `${r.postMs} ms`]);
    }
  }
  const markdown = [
    '## Writes per message',
    '',
    machineLine(),
    `Command: \`npm run bench writes\` (one space grown to ${SIZES.join(', ')} members by inserting people and memberships into the database; no one connected; ${MESSAGES} messages per size after 3 warm-up ones; this checkout and the commit before the one-row-per-event log, ${baseline.commit.slice(0, 7)}, in one run). Rows gained: every table's row count; row writes: PostgreSQL's \`pg_stat_user_tables\` inserts + updates + deletes (every table, the job runner's polling included).`,
    '',
    table(['engine', 'event log', 'members', 'rows gained per message', 'row writes per message', 'POST /api/messages median'], lines),
    '',
  ].join('\n');
  return { json: { part: 'writes', sizes: SIZES, messages: MESSAGES, runs }, markdown };
}
