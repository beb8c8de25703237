import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { openSqlite, preferredSqliteEngine, type SqliteEngine } from './sqlite-driver.ts';

const engines: SqliteEngine[] = ['better-sqlite3'];
if (Number(process.versions.node.split('.')[0]) >= 22) engines.push('node:sqlite');

describe('embedded SQLite engines', () => {
  it('picks node:sqlite from Node 24 on, better-sqlite3 before', () => {
    assert.equal(preferredSqliteEngine('20.20.2'), 'better-sqlite3');
    assert.equal(preferredSqliteEngine('22.23.3'), 'better-sqlite3');
    assert.equal(preferredSqliteEngine('24.21.0'), 'node:sqlite');
  });

  for (const engine of engines) {
    it(`runs Kysely queries, transactions and pragmas on ${engine}`, async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'flint-sqlite-')), 'x.db');
      const db = new Kysely<{ t: { id: number; name: string; data: Uint8Array | null } }>({ dialect: new SqliteDialect({ database: openSqlite(file, engine) }) });
      await db.schema.createTable('t').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'text').addColumn('data', 'blob').execute();
      await db.insertInto('t').values({ id: 1, name: 'ä', data: new Uint8Array([1, 2, 3]) }).execute();
      const inserted = await db.insertInto('t').values({ id: 2, name: 'b', data: null }).returning('id').executeTakeFirstOrThrow();
      assert.equal(inserted.id, 2);
      await assert.rejects(db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ id: 3, name: 'c', data: null }).execute();
        throw new Error('roll back');
      }));
      const rows = await db.selectFrom('t').selectAll().orderBy('id').execute();
      assert.deepEqual(rows.map((r) => r.name), ['ä', 'b']);
      assert.deepEqual([...(rows[0]!.data ?? [])], [1, 2, 3]);
      const updated = await db.updateTable('t').set({ name: 'B' }).where('id', '=', 2).executeTakeFirst();
      assert.equal(Number(updated.numUpdatedRows), 1);
      const { rows: fk } = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(db);
      assert.equal(fk[0]?.foreign_keys, 1);
      const { rows: mode } = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(db);
      assert.equal(mode[0]?.journal_mode, 'wal');
      await db.destroy();
    });
  }
});
