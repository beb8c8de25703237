/**
 * SPEC SR-2 — migration 0009 carries an existing install's search tokens (0005's table) into the
 * new index, and its delete trigger removes a doc's postings. Runs on SQLite, or on PostgreSQL
 * when FLINT_TEST_DATABASE_URL is set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql, type Kysely } from 'kysely';
import { createTestDatabase } from '@flint/testkit';
import { openDatabase } from '../database.ts';
import { migrations } from './index.ts';

test('0009 moves 0005’s tokens into docs and postings, and deleting a message removes them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flint-migration-'));
  const database = await createTestDatabase(dir);
  const url = database.url;
  const opened = openDatabase(url.startsWith('postgres') ? { kind: 'postgres', url, poolSize: 2 } : { kind: 'sqlite', file: url.replace(/^sqlite:/, '') });
  try {
    const db = opened.db as unknown as Kysely<unknown>;
    const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) }, migrationTableName: 'flint_migrations', migrationLockTableName: 'flint_migrations_lock' });
    const before = await migrator.migrateTo('0007-jobs-webhooks');
    assert.equal(before.error, undefined);
    const at = Date.UTC(2025, 0, 1);
    await sql`insert into spaces (id, org_id, type, creator_id, created_at, last_activity_at) values ('s1', 'o1', 'group', 'p1', ${at}, ${at})`.execute(db);
    for (const [id, ms] of [['m1', at], ['m2', at]] as const) {
      await sql`insert into messages (id, space_id, person_id, text, edit_count, created_at) values (${id}, 's1', 'p1', 'sealed', 0, ${ms})`.execute(db);
    }
    const token = (n: number) => Buffer.alloc(16, n).toString('base64url');
    for (const [message, n] of [['m1', 1], ['m1', 2], ['m2', 2]] as const) {
      await sql`insert into search_tokens (token, space_id, message_id) values (${token(n)}, 's1', ${message})`.execute(db);
    }
    const after = await migrator.migrateToLatest();
    assert.equal(after.error, undefined);

    const docs = await opened.db.selectFrom('search_docs').select(['seq', 'message_id', 'space_id', 'person_id']).orderBy('seq').execute();
    // Two messages of one millisecond: consecutive positions of that millisecond.
    assert.deepEqual(
      docs.map((d) => [Number(d.seq), d.message_id, d.space_id, d.person_id]),
      [
        [at * 1024, 'm1', 's1', 'p1'],
        [at * 1024 + 1, 'm2', 's1', 'p1'],
      ],
    );
    const postings = await opened.db.selectFrom('search_postings').select(['token', 'seq']).orderBy('seq').orderBy('token').execute();
    assert.deepEqual(
      postings.map((p) => [Buffer.from(p.token).toString('base64url'), Number(p.seq)]),
      [
        [token(1), at * 1024],
        [token(2), at * 1024],
        [token(2), at * 1024 + 1],
      ],
    );
    const tables = (await opened.db.introspection.getTables()).map((t) => t.name);
    assert.ok(!tables.includes('search_tokens'), 'the old table is gone');

    // Deleting the message cascades to its doc, whose trigger removes its postings.
    await opened.db.deleteFrom('messages').where('id', '=', 'm1').execute();
    const left = await opened.db.selectFrom('search_postings').select('seq').execute();
    assert.deepEqual(
      left.map((p) => Number(p.seq)),
      [at * 1024 + 1],
    );
  } finally {
    await opened.close();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  }
});
