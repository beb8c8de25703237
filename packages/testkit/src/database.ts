/**
 * A fresh, empty database per test server: a temporary SQLite file, or — when
 * FLINT_TEST_DATABASE_URL names a PostgreSQL server — a new database created on it and dropped
 * afterwards. This is how every storage-touching test runs on both engines.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export interface TestDatabase {
  /** The DATABASE_URL value to give Flint. */
  url: string;
  engine: 'sqlite' | 'postgres';
  drop(): Promise<void>;
}

export function testDatabaseEngine(): 'sqlite' | 'postgres' {
  return process.env['FLINT_TEST_DATABASE_URL']?.startsWith('postgres') ? 'postgres' : 'sqlite';
}

export async function createTestDatabase(dir: string): Promise<TestDatabase> {
  const base = process.env['FLINT_TEST_DATABASE_URL'];
  if (base === undefined || !base.startsWith('postgres')) {
    return { url: `sqlite:${join(dir, 'flint.db')}`, engine: 'sqlite', drop: () => Promise.resolve() };
  }
  const name = `flint_test_${randomBytes(6).toString('hex')}`;
  // Loaded for the PostgreSQL pass only.
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    engine: 'postgres',
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
