/**
 * The core's database: opened through @flint/db and brought up to date at start-up.
 * @module
 */
import { sql, type Kysely } from 'kysely';
import { migrate as runMigrations, openDatabase as open, type DatabaseConfig, type OpenedDatabase } from '@flint/db';
import { migrations } from './migrations/index.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

export function openDatabase(config: DatabaseConfig): OpenedDatabase<Database> {
  return open<Database>(config);
}

export function migrate(db: Db): Promise<string[]> {
  return runMigrations(db, migrations, 'flint');
}

/** Whether the database answers (the health check): throws when it does not. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
