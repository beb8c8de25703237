/**
 * Opens a database — an embedded SQLite file or PostgreSQL — behind one Kysely instance, and runs
 * a package's migrations. The core and the KMS each call this for their own database.
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Pool } from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration, type MigrationProvider } from 'kysely';
import { openSqlite, preferredSqliteEngine, type Durability } from './sqlite-driver.ts';

/**
 * `durability` (optional): SQLite `normal` (default: `synchronous = NORMAL`) or `full` (`FULL`, one
 * fsync per commit); PostgreSQL `full` (default: the server's own setting, `synchronous_commit = on`)
 * or `normal` (`synchronous_commit = off` on Flint's connections: a crash may lose the last commits,
 * never corrupt).
 */
export type DatabaseConfig = { kind: 'sqlite'; file: string; durability?: Durability } | { kind: 'postgres'; url: string; poolSize: number; durability?: Durability };

export interface OpenedDatabase<T> {
  db: Kysely<T>;
  engine: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

const INT8_OID = 20;

export function openDatabase<T>(config: DatabaseConfig): OpenedDatabase<T> {
  if (config.kind === 'sqlite') {
    mkdirSync(dirname(config.file), { recursive: true });
    const db = new Kysely<T>({ dialect: new SqliteDialect({ database: openSqlite(config.file, preferredSqliteEngine(), config.durability ?? 'normal') }) });
    return { db, engine: 'sqlite', close: () => db.destroy() };
  }
  const db = new Kysely<T>({ dialect: new PostgresDialect({ pool: () => postgresPool(config) }) });
  return { db, engine: 'postgres', close: () => db.destroy() };
}

/**
 * The PostgreSQL pool, made by Kysely when it first needs a connection; pg is imported then, so a
 * server on SQLite never loads it at start-up.
 */
async function postgresPool(config: Extract<DatabaseConfig, { kind: 'postgres' }>): Promise<Pool> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize,
    ...(config.durability === 'normal' ? { options: '-c synchronous_commit=off' } : {}),
    // Times are bigint columns; they fit a JS number, so read them as numbers rather than strings.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : (pg.types.getTypeParser(oid, format) as (value: string) => unknown)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle pooled connection that the server ends (restart, failover, a dropped database) emits
  // 'error' on the pool; without a listener that would crash the process. The pool replaces it.
  pool.on('error', () => undefined);
  // A connection the server ends while it is checked out (inside a transaction, between two of its
  // queries) emits 'error' on its client, where the pool listens only while it is idle: that too
  // would crash the process. The query in flight fails on its own; the pool drops the broken client
  // when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Runs the pending migrations; throws naming the failing one. Returns the names applied. */
export async function migrate<T>(db: Kysely<T>, migrations: Record<string, Migration>, tablePrefix: string): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };
  const migrator = new Migrator({ db, provider, migrationTableName: `${tablePrefix}_migrations`, migrationLockTableName: `${tablePrefix}_migrations_lock` });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined) {
    const cause = error instanceof Error ? error : new Error(JSON.stringify(error));
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${cause.message}`, { cause });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True for a unique-constraint violation on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'ERR_SQLITE_ERROR_UNIQUE' || code === '23505';
}
