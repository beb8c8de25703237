/**
 * SEC-2, SEC-6 — what the KMS keeps: ephemeral keys survive a restart and are shared by every
 * node on the same database (node-kms keeps its channel, no new handshake); the CA and static key
 * are created once; the audit log refuses updates and deletes; secrets are sealed at rest.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase } from '@flint/db';
import { createTestDatabase, type TestDatabase } from '@flint/testkit';
import { createKmsServer, databaseConfigFromUrl, type KmsPrincipal, type KmsServer, type KmsServerConfig } from './index.ts';
import type { KmsDatabase } from './storage/schema.ts';
import { NodeKmsClient } from './testing/node-kms-client.ts';

/** Each person's one device credential (see credentials.ts). */
const ALICE_DEVICE = randomBytes(32).toString('base64url');
const BOB_DEVICE = randomBytes(32).toString('base64url');

describe('KMS persistence and sharing', () => {
  let dir: string;
  let database: TestDatabase;
  let config: KmsServerConfig;
  const servers: KmsServer[] = [];
  const people = new Map<string, KmsPrincipal>([['fkt_alice', { userId: 'alice-1', orgId: 'org-1' }], ['fkt_bob', { userId: 'bob-1', orgId: 'org-1' }]]);

  async function start(): Promise<string> {
    const server = await createKmsServer(config);
    servers.push(server);
    return server.listen();
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-kms-persist-'));
    database = await createTestDatabase(dir);
    config = { dataDir: dir, database: databaseConfigFromUrl(database.url, 4), kmsCluster: 'kms://kms.example.test', verifyBearer: async (t) => people.get(t) };
  });
  after(async () => {
    for (const s of servers) await s.close();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('node-kms keeps its channel across a KMS restart, and a second node on the same database serves it too', async () => {
    const first = await start();
    const alice = await NodeKmsClient.connect({ baseUrl: first, userId: 'alice-1', bearer: 'fkt_alice', device: ALICE_DEVICE });
    const channel = alice.ctx.ephemeralKey!.uri;
    const [key] = (await alice.request({ method: 'create', uri: '/keys', count: 1 }))['keys'] as { uri: string; jwk: { k: string } }[];
    const infoBefore = await (await fetch(`${first}/kms/info`)).json();
    await servers.pop()!.close();

    const restarted = await start();
    assert.deepEqual(await (await fetch(`${restarted}/kms/info`)).json(), infoBefore, 'same CA and static key after a restart');
    // Point the same node-kms context at the restarted KMS: no handshake, same ephemeral key.
    const again = alice.at(restarted);
    assert.equal((await again.request({ method: 'update', uri: '/ping' })).status, 200);
    const got = await again.request({ method: 'retrieve', uri: key!.uri });
    assert.equal(got.status, 200);
    assert.equal((got['key'] as { jwk: { k: string } }).jwk.k, key!.jwk.k);

    // A second node at the same time, on the same database (and master key).
    const second = await start();
    const viaSecond = alice.at(second);
    assert.equal((await viaSecond.request({ method: 'update', uri: '/ping' })).status, 200);
    assert.equal(alice.ctx.ephemeralKey!.uri, channel);
  });

  it('keeps secrets sealed at rest and the audit log append-only', async () => {
    if (servers.length === 0) await start();
    const opened = openDatabase<KmsDatabase>(config.database!);
    try {
      const keys = await opened.db.selectFrom('kms_keys').select(['uri', 'key_sealed']).execute();
      assert.ok(keys.length > 0);
      for (const k of keys) assert.match(k.key_sealed, /^v1\./);
      const pki = await opened.db.selectFrom('kms_pki').select(['name', 'private_key_sealed']).execute();
      assert.deepEqual(pki.map((p) => p.name).sort(), ['ca', 'static']);
      for (const p of pki) assert.doesNotMatch(p.private_key_sealed, /"d"|PRIVATE/);

      const entries = await opened.db.selectFrom('kms_audit').select('id').execute();
      assert.ok(entries.length > 0);
      await assert.rejects(opened.db.updateTable('kms_audit').set({ status: 200 }).where('id', '=', entries[0]!.id).execute(), /append-only/);
      await assert.rejects(opened.db.deleteFrom('kms_audit').where('id', '=', entries[0]!.id).execute(), /append-only/);
    } finally {
      await opened.close();
    }
  });

  it('trusts only its own tables: rows written elsewhere grant nothing (invariant 2)', async () => {
    const url = await start();
    const alice = await NodeKmsClient.connect({ baseUrl: url, userId: 'alice-1', bearer: 'fkt_alice', device: ALICE_DEVICE });
    const bob = await NodeKmsClient.connect({ baseUrl: url, userId: 'bob-1', bearer: 'fkt_bob', device: BOB_DEVICE });
    const [key] = (await alice.request({ method: 'create', uri: '/keys', count: 1 }))['keys'] as { uri: string }[];
    const resource = ((await alice.request({ method: 'create', uri: '/resources', userIds: [], keyUris: [key!.uri] }))['resource'] as { uri: string }).uri;
    // Bob claims membership in the request itself (the advisory userId, and a KRO he is not on): ignored.
    bob.ctx.clientInfo = { ...bob.ctx.clientInfo, credential: { userId: 'alice-1', bearer: 'fkt_bob', device: BOB_DEVICE } };
    assert.equal((await bob.request({ method: 'retrieve', uri: key!.uri })).status, 403);
    assert.equal((await bob.request({ method: 'create', uri: '/authorizations', resourceUri: resource, userIds: ['bob-1'] })).status, 403);
    // A core-side table saying bob is a member (written into the core's own database) changes nothing:
    // the KMS never reads it. Here: a separate database with a "memberships" row.
    const coreDir = await mkdtemp(join(tmpdir(), 'flint-core-'));
    const core = openDatabase<{ memberships: { resource_uri: string; person_id: string } }>({ kind: 'sqlite', file: join(coreDir, 'flint.db') });
    try {
      await core.db.schema.createTable('memberships').addColumn('resource_uri', 'text').addColumn('person_id', 'text').execute();
      await core.db.insertInto('memberships').values({ resource_uri: resource, person_id: 'bob-1' }).execute();
      assert.equal((await bob.request({ method: 'retrieve', uri: key!.uri })).status, 403);
    } finally {
      await core.close();
      await rm(coreDir, { recursive: true, force: true });
    }
  });
});
