/**
 * A digest of everything the core's database holds — every table, every row — so a test can check
 * that a request answered with an error changed nothing ("bad input changes nothing"). Rows are
 * serialized and sorted, so the digest does not depend on the order the engine returns them in.
 * Columns that move on every authenticated request (a session's `last_seen_at`) are left out: they
 * record that someone called, not a change the request made.
 * @module
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { TestFlint } from './flint.ts';

/** Columns that change when a request is merely authenticated, per table. */
const VOLATILE: Readonly<Record<string, readonly string[]>> = {
  sessions: ['last_seen_at'],
};

export interface StateDigest {
  /** SHA-256 over all tables. */
  hash: string;
  /** Per table: row count and the table's own SHA-256, to name what changed. */
  tables: Record<string, { rows: number; hash: string }>;
}

export async function stateDigest(flint: TestFlint): Promise<StateDigest> {
  const db = flint.server.core.db;
  const names = (await db.introspection.getTables()).map((t) => t.name).sort();
  const tables: StateDigest['tables'] = {};
  const all = createHash('sha256');
  for (const name of names) {
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    const skip = VOLATILE[name] ?? [];
    const lines = result.rows.map((row) => JSON.stringify(Object.entries(row).filter(([k]) => !skip.includes(k)).sort(([a], [b]) => (a < b ? -1 : 1)), bytesAsHex)).sort();
    const hash = createHash('sha256').update(lines.join('\n')).digest('hex');
    tables[name] = { rows: lines.length, hash };
    all.update(`${name}:${hash}\n`);
  }
  return { hash: all.digest('hex'), tables };
}

/** The tables whose contents differ between two digests, with their row counts. */
export function changedTables(before: StateDigest, after: StateDigest): string[] {
  const names = new Set([...Object.keys(before.tables), ...Object.keys(after.tables)]);
  return [...names].filter((n) => before.tables[n]?.hash !== after.tables[n]?.hash).map((n) => `${n} (${before.tables[n]?.rows ?? 0} → ${after.tables[n]?.rows ?? 0} rows)`);
}

function bytesAsHex(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

/**
 * The digest once the database stops moving: work a request started may land after its answer (a
 * KMS reply arriving on the event stream, a job), and must not be blamed on the next request.
 */
export async function settledDigest(flint: TestFlint, quietMs = 30, maxWaitMs = 1_000): Promise<StateDigest> {
  let last = await stateDigest(flint);
  for (const deadline = Date.now() + maxWaitMs; Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = await stateDigest(flint);
    if (now.hash === last.hash) return now;
    last = now;
  }
  return last;
}
