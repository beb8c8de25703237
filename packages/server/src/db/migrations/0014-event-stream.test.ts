/**
 * Issue 15 / DESIGN §2 invariant 5 — migration 0014 carries the per-recipient event log into the
 * one-row-per-event log so that a device resumes across the upgrade exactly, and new events come
 * after every old id. Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql, type Kysely } from 'kysely';
import { createTestDatabase } from '@flint/testkit';
import { openDatabase } from '../database.ts';
import { appendEvents, readStream } from '../../events/event-log.ts';
import { StreamPositions } from '../../events/positions.ts';
import { migrations } from './index.ts';

test('0014 keeps every device’s resume point exact and starts new positions above the old ids', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flint-migration-'));
  const database = await createTestDatabase(dir);
  const url = database.url;
  const pg = url.startsWith('postgres');
  const opened = openDatabase(pg ? { kind: 'postgres', url, poolSize: 2 } : { kind: 'sqlite', file: url.replace(/^sqlite:/, '') });
  try {
    const db = opened.db as unknown as Kysely<unknown>;
    const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) }, migrationTableName: 'flint_migrations', migrationLockTableName: 'flint_migrations_lock' });
    assert.equal((await migrator.migrateTo('0013-message-cards')).error, undefined);
    const at = Date.UTC(2026, 0, 1);
    await sql`insert into orgs (id, display_name, policy, created_at) values ('o1', 'Org', '{}', ${at})`.execute(db);
    for (const person of ['ada', 'bob']) {
      await sql`insert into people (id, org_id, email, display_name, type, status, notification_prefs, created_at, updated_at)
        values (${person}, 'o1', ${`${person}@example.com`}, ${person}, 'person', 'active', '{}', ${at}, ${at})`.execute(db);
    }
    await sql`insert into spaces (id, org_id, type, creator_id, created_at, last_activity_at) values ('s1', 'o1', 'group', 'ada', ${at}, ${at})`.execute(db);
    for (const person of ['ada', 'bob']) {
      await sql`insert into memberships (id, space_id, person_id, is_moderator, created_at) values (${`m-${person}`}, 's1', ${person}, 0, ${at})`.execute(db);
    }
    // The old shape: a payload per event, one row per recipient, ids contiguous per payload.
    const old: [number, string, string[], string | null][] = [
      [1, 'message.created', ['ada', 'bob'], null],
      [2, 'room.read', ['ada'], null],
      [3, 'message.created', ['bob', 'ada'], null],
      [4, 'encryption.kms_message', ['bob'], 'phone'],
    ];
    let id = 0;
    for (const [payload, type, recipients, device] of old) {
      await sql`insert into event_payloads (id, type, actor_id, data, created_at) values (${payload}, ${type}, 'ada', ${JSON.stringify({ n: payload })}, ${at})`.execute(db);
      for (const person of recipients) {
        id++;
        await sql`insert into events (id, person_id, payload_id, device_id, created_at) values (${id}, ${person}, ${payload}, ${device}, ${at})`.execute(db);
      }
    }
    // Old ids: ada 1, 3, 5; bob 2, 4, 6 (the KMS reply for bob's phone).
    assert.equal((await migrator.migrateToLatest()).error, undefined);

    const positions = new StreamPositions(opened.db, pg ? 'postgres' : 'sqlite');
    const horizon = await positions.horizon();
    assert.ok(horizon > 6, 'new positions start above every old id');
    const stream = async (person: string, after: number) => (await readStream(opened.db, person, after + 1, await positions.horizon(), 100)).rows.map((r) => [r.id, r.type, JSON.parse(r.data) as unknown, r.device_id]);
    // Bob held 2 (his copy of payload 1): he gets payloads 3 and 4, nothing twice.
    assert.deepEqual(await stream('bob', 2), [
      [4, 'message.created', { n: 3 }, null],
      [6, 'encryption.kms_message', { n: 4 }, 'phone'],
    ]);
    // Ada held 3 (her only copy of payload 2): she gets payload 3.
    assert.deepEqual(await stream('ada', 3), [[4, 'message.created', { n: 3 }, null]]);
    assert.deepEqual(await stream('ada', 0), [
      [1, 'message.created', { n: 1 }, null],
      [3, 'room.read', { n: 2 }, null],
      [4, 'message.created', { n: 3 }, null],
    ]);
    // The members' intervals are open: a new event of the space reaches both, after the old ones.
    const end = await opened.db.transaction().execute((trx) => appendEvents(trx, positions, [{ space: 's1', type: 'message.created', data: { n: 5 }, actorId: 'ada' }], at));
    assert.ok(end !== undefined && end - 1 > 6);
    for (const person of ['ada', 'bob']) {
      const rows = await stream(person, 6);
      assert.deepEqual(rows, [[end - 1, 'message.created', { n: 5 }, null]]);
    }
    const tables = (await opened.db.introspection.getTables()).map((t) => t.name);
    assert.ok(!tables.includes('event_payloads') && !tables.includes('event_heads'), 'the old tables are gone');
  } finally {
    await opened.close();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  }
});
