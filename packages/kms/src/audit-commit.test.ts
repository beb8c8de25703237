/**
 * SEC-6, DESIGN §2 invariant 4 — group commit of the audit log keeps the guarantee: no key is
 * answered before the record of its access is committed. Concurrent requests share a commit; a
 * batch that does not commit (a crash, a failing write) answers none of its accesses; one request
 * whose record cannot be written fails alone. Runs on SQLite, or on PostgreSQL when
 * FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase, type OpenedDatabase } from '@flint/db';
import { createTestDatabase, type TestDatabase } from '@flint/testkit';
import { AuditCommitter, type AuditRow } from './audit-commit.ts';
import { createKmsServer, type KmsServer } from './server.ts';
import { databaseConfigFromUrl } from './storage/database.ts';
import { NodeKmsClient } from './testing/node-kms-client.ts';
import type { KmsDatabase } from './storage/schema.ts';

const row = (target: string): AuditRow => ({ id: randomBytes(8).toString('hex'), at: 1, user_id: 'u', org_id: 'o', client_id: 'c', request_id: 'r', action: 'key.retrieve', target, status: 200, detail: null, credential_id: null, address: null, address_source: null });

/** A writer the test commits (or fails) by hand, recording what each transaction held. */
function heldWriter() {
  const transactions: { rows: readonly AuditRow[]; commit: () => void; fail: (e: Error) => void }[] = [];
  const write = (rows: readonly AuditRow[]) => new Promise<void>((commit, fail) => transactions.push({ rows, commit, fail }));
  return { transactions, write };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('audit group commit (unit)', () => {
  it('requests of one turn share one transaction, and none is answered before it commits', async () => {
    const { transactions, write } = heldWriter();
    const committer = new AuditCommitter(write);
    const answered: number[] = [];
    const appends = Array.from({ length: 8 }, (_, i) => committer.append([row(`k${i}`)]).then(() => answered.push(i)));
    await settle();
    await settle();
    assert.equal(transactions.length, 1, 'one transaction for the eight');
    assert.equal(transactions[0]!.rows.length, 8);
    assert.equal(answered.length, 0, 'nothing answered while the commit is pending');
    // Records that arrive during the commit wait for the next one, not this one.
    const late = committer.append([row('late')]).then(() => answered.push(99));
    transactions[0]!.commit();
    await Promise.all(appends);
    assert.deepEqual(answered.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
    await settle();
    assert.equal(transactions.length, 2);
    assert.deepEqual(transactions[1]!.rows.map((r) => r.target), ['late']);
    transactions[1]!.commit();
    await late;
    assert.equal(committer.commits, 2);
  });

  it('a batch that never commits (crash) answers none of its requests', async () => {
    const { transactions, write } = heldWriter();
    const committer = new AuditCommitter(write);
    const outcomes = Array.from({ length: 5 }, (_, i) => committer.append([row(`k${i}`)]).then(() => 'answered', () => 'refused'));
    await settle();
    // The batch's transaction fails, and so does every retry of each request alone (the database is gone).
    transactions[0]!.fail(new Error('disk gone'));
    for (let i = 0; i < 5; i++) {
      await settle();
      await settle();
      transactions[1 + i]!.fail(new Error('disk gone'));
    }
    assert.deepEqual(await Promise.all(outcomes), ['refused', 'refused', 'refused', 'refused', 'refused']);
    assert.equal(committer.commits, 0);
  });

  it('a failed batch is retried request by request: only the bad one fails', async () => {
    const committed: string[] = [];
    const committer = new AuditCommitter(async (rows) => {
      if (rows.some((r) => r.target === 'bad')) throw new Error('refused by the database');
      committed.push(...rows.map((r) => r.target!));
    });
    const outcomes = await Promise.all(['a', 'bad', 'c'].map((t) => committer.append([row(t)]).then(() => 'answered', () => 'refused')));
    assert.deepEqual(outcomes, ['answered', 'refused', 'answered']);
    assert.deepEqual(committed.sort(), ['a', 'c']);
  });
});

describe('audit group commit in the KMS', () => {
  let dir: string;
  let database: TestDatabase;
  let server: KmsServer;
  let side: OpenedDatabase<KmsDatabase>;
  let client: NodeKmsClient;
  let goodKey: string;
  let badKey: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-kms-audit-'));
    database = await createTestDatabase(dir);
    const config = databaseConfigFromUrl(database.url, 4);
    server = await createKmsServer({ dataDir: dir, database: config, kmsCluster: 'kms://kms.example.test', verifyBearer: async (t) => (t === 'tok' ? { userId: 'alice', orgId: 'org-1' } : undefined) });
    side = openDatabase<KmsDatabase>(config);
    client = await NodeKmsClient.connect({ baseUrl: await server.listen(), userId: 'alice', bearer: 'tok', device: randomBytes(32).toString('base64url') });
    const [good, bad] = (await client.request({ method: 'create', uri: '/keys', count: 2 }))['keys'] as { uri: string }[];
    assert.equal((await client.request({ method: 'create', uri: '/resources', userIds: [], keyUris: [good!.uri, bad!.uri] })).status, 201);
    goodKey = good!.uri;
    badKey = bad!.uri;
  });
  /** Retrieves keys concurrently (each its own HTTP request, as a busy KMS receives them); answers the statuses and whether a key came back. */
  const retrieve = (uris: string[]) => Promise.all(uris.map(async (uri) => {
    const answer = await client.request({ method: 'retrieve', uri });
    return { status: answer.status, key: answer['key'] !== undefined };
  }));
  after(async () => {
    await server.close();
    await side.close();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Makes the database refuse the audit records of `key.retrieve` for `target` (any target: undefined). */
  async function refuseRecords(target: string | undefined): Promise<void> {
    const condition = target === undefined ? `NEW.action = 'key.retrieve'` : `NEW.action = 'key.retrieve' AND NEW.target = '${target}'`;
    if (database.engine === 'sqlite') {
      await sql.raw(`CREATE TRIGGER test_refuse_audit BEFORE INSERT ON kms_audit WHEN ${condition} BEGIN SELECT RAISE(ABORT, 'audit refused by the test'); END`).execute(side.db);
    } else {
      await sql.raw(`CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF ${condition} THEN RAISE EXCEPTION 'audit refused by the test'; END IF; RETURN NEW; END $$`).execute(side.db);
      await sql.raw(`CREATE TRIGGER test_refuse_audit BEFORE INSERT ON kms_audit FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()`).execute(side.db);
    }
  }
  async function allowRecords(): Promise<void> {
    await sql.raw(`DROP TRIGGER test_refuse_audit${database.engine === 'sqlite' ? '' : ' ON kms_audit'}`).execute(side.db);
    if (database.engine !== 'sqlite') await sql.raw('DROP FUNCTION test_refuse_audit()').execute(side.db);
  }
  const retrievalsOf = async (target: string) => (await side.db.selectFrom('kms_audit').select('status').where('action', '=', 'key.retrieve').where('target', '=', target).execute()).filter((r) => r.status === 200).length;

  it('every answered retrieval of concurrent ones has its record', async () => {
    const before = await retrievalsOf(goodKey);
    const results = await retrieve(Array.from({ length: 24 }, () => goodKey));
    assert.deepEqual(results, Array.from({ length: 24 }, () => ({ status: 200, key: true })));
    assert.equal((await retrievalsOf(goodKey)) - before, 24);
  });

  it('when the records cannot be committed, no key is answered', async () => {
    const before = await retrievalsOf(goodKey);
    await refuseRecords(undefined);
    try {
      assert.deepEqual(await retrieve(Array.from({ length: 6 }, () => goodKey)), Array.from({ length: 6 }, () => ({ status: 500, key: false })));
    } finally {
      await allowRecords();
    }
    assert.equal(await retrievalsOf(goodKey), before, 'no access recorded, none answered');
  });

  it('one request whose record fails fails alone; the others of its batch are answered and recorded', async () => {
    const [goodBefore, badBefore] = [await retrievalsOf(goodKey), await retrievalsOf(badKey)];
    await refuseRecords(badKey);
    let outcomes: { status: number; key: boolean }[];
    try {
      outcomes = await retrieve([goodKey, badKey, goodKey, goodKey, badKey, goodKey]);
    } finally {
      await allowRecords();
    }
    assert.deepEqual(outcomes.map((o) => o.status), [200, 500, 200, 200, 500, 200]);
    assert.deepEqual(outcomes.map((o) => o.key), [true, false, true, true, false, true]);
    assert.equal((await retrievalsOf(goodKey)) - goodBefore, 4);
    assert.equal(await retrievalsOf(badKey), badBefore);
  });
});
