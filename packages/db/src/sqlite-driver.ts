/**
 * The embedded SQLite engine behind Kysely's SqliteDialect. On Node 24 and later it is Node's own
 * `node:sqlite`; on Node 20 and 22 it is better-sqlite3. Why two: better-sqlite3 before 13 wraps its
 * statements in `node::ObjectWrap`, whose destructor aborts the process on Node ≥ 24.19 when an idle
 * GC finalizes a statement (a crash at arbitrary times, seen here at exit); better-sqlite3 13 fixes it
 * but requires Node 22. `node:sqlite` needs no native build and is as fast (reference/stack.md).
 * @module
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

const require = createRequire(import.meta.url);

/** The parts of `node:sqlite` we use (its types are not in @types/node 20). */
interface NodeSqliteStatement {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...params: unknown[]): IterableIterator<unknown>;
  columns?(): unknown[];
}
interface NodeSqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): NodeSqliteStatement;
  close(): void;
}
interface NodeSqliteModule {
  DatabaseSync: new (path: string) => NodeSqliteDatabase;
}

export type SqliteEngine = 'node:sqlite' | 'better-sqlite3';

export function preferredSqliteEngine(version: string = process.versions.node): SqliteEngine {
  return Number(version.split('.')[0]) >= 24 ? 'node:sqlite' : 'better-sqlite3';
}

const PRAGMAS = [
  // WAL lets readers proceed during a write; NORMAL sync is durable across process crashes.
  'PRAGMA journal_mode = WAL',
  'PRAGMA foreign_keys = ON',
  'PRAGMA busy_timeout = 5000',
  // Reads through a memory map instead of a read() call per page: index descents over a large
  // database (search's postings: ~1 GB at a million messages) cost about half (docs/search.md).
  'PRAGMA mmap_size = 1073741824',
];

const READER = /^\s*(select|with|pragma|values|explain)\b|\breturning\b/i;

/**
 * Kysely prepares every statement on every call; parsing SQL is a measurable share of a busy
 * server's CPU (benchmarks: ~7% of the fan-out path). Statements are reusable, so keep the most
 * recent ones. Our queries are built from a small set of shapes, so a few hundred cover them.
 */
const STATEMENT_CACHE_SIZE = 500;

function withStatementCache(db: SqliteDatabase): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql);
      if (hit !== undefined) {
        // Map keeps insertion order: re-inserting marks it most recently used.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return stmt;
    },
  };
}

function adaptNodeSqlite(db: NodeSqliteDatabase): SqliteDatabase {
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const stmt = db.prepare(sql);
      // columns() says whether the statement yields rows; older builds lack it, so fall back to its text.
      const reader = typeof stmt.columns === 'function' ? stmt.columns().length > 0 : READER.test(sql);
      return {
        reader,
        all: (params) => stmt.all(...params),
        run: (params) => stmt.run(...params),
        iterate: (params) => stmt.iterate(...params),
      };
    },
  };
}

/**
 * How a commit reaches the disk. `normal` (the default): in WAL mode a commit survives a crash of
 * the process but the last ones may be lost on power loss (the WAL is synced at checkpoints).
 * `full`: every commit syncs the WAL (one fsync per commit) — what group commit shares out.
 */
export type Durability = 'normal' | 'full';

function pragmas(durability: Durability): string[] {
  return [...PRAGMAS, `PRAGMA synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`];
}

export function openSqlite(file: string, engine: SqliteEngine = preferredSqliteEngine(), durability: Durability = 'normal'): SqliteDatabase {
  if (engine === 'node:sqlite') {
    const { DatabaseSync } = require('node:sqlite') as NodeSqliteModule;
    const db = new DatabaseSync(file);
    for (const pragma of pragmas(durability)) db.exec(pragma);
    return withStatementCache(adaptNodeSqlite(db));
  }
  const Database = require('better-sqlite3') as typeof BetterSqlite3;
  const db = new Database(file);
  for (const pragma of pragmas(durability)) db.exec(pragma);
  return withStatementCache(db);
}
