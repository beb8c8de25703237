/**
 * The KMS on another machine (SPEC SEC-2; DESIGN §1): `flint kms serve` alone, with its own data,
 * and `flint serve` linked to it by FLINT_KMS_URL. The core relays discovery; the KMS vouches for
 * bearers through the core; `flint kms audit` shows every key access.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, type FlintClient } from '@flint/sdk';
import { KmsClient, httpKmsTransport, newDeviceSecret, openText, sealText } from '@flint/sdk/testing/kms';
import { createTestDatabase, FLINT_BIN, freePort, NodeWebSocket, spawnFlint, type FlintProcess, type TestDatabase } from '@flint/testkit';

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FLINT_BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a KMS on its own machine', () => {
  let dir: string;
  let db: TestDatabase;
  let kms: ChildProcess;
  let kmsUrl: string;
  let core: FlintProcess;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-remote-kms-'));
    db = await createTestDatabase(dir);
    const corePort = await freePort();
    const kmsPort = await freePort();
    kmsUrl = `http://127.0.0.1:${kmsPort}`;
    kms = spawn(process.execPath, [FLINT_BIN, 'kms', '--data', join(dir, 'kms-machine'), 'serve', '--port', String(kmsPort), '--cluster', 'kms://kms.example.test', '--core-url', `http://127.0.0.1:${corePort}`], { stdio: 'ignore' });
    for (let i = 0; i < 300; i++) {
      try {
        if ((await fetch(`${kmsUrl}/kms/info`)).ok) break;
      } catch {
        // not yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    core = await spawnFlint(corePort, { FLINT_DATA_DIR: join(dir, 'core'), DATABASE_URL: db.url, FLINT_KMS_URL: kmsUrl, FLINT_LOG_LEVEL: 'warn' });
  });
  after(async () => {
    kms.kill('SIGTERM');
    await core.stop();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('relays discovery from the remote KMS and mounts no KMS in the core', async () => {
    const ada = createSession({ baseUrl: core.url }).api;
    const session = await ada.auth.signup({ email: 'ada@example.com', password: 'correct horse battery staple', displayName: 'Ada' });
    const viaCore = (await (await fetch(`${core.url}/encryption/api/v1/kms/${session.personId}`, { headers: { authorization: `Bearer ${session.accessToken}` } })).json()) as { kmsCluster: string; rsaPublicKey: string };
    const direct = (await (await fetch(`${kmsUrl}/kms/info`)).json()) as { kmsCluster: string; rsaPublicKey: string };
    assert.equal(viaCore.kmsCluster, 'kms://kms.example.test');
    assert.equal(viaCore.rsaPublicKey, direct.rsaPublicKey);
    const jwk = JSON.parse(viaCore.rsaPublicKey) as Record<string, unknown>;
    assert.equal(jwk['alg'], undefined);
    assert.equal(jwk['use'], undefined);
    assert.equal((await fetch(`${core.url}/kms/info`)).status, 404, 'the core holds no KMS');
  });

  it('serves keys to principals the core vouches for, and audits every access', async () => {
    const info = (await (await fetch(`${kmsUrl}/kms/info`)).json()) as { kmsCluster: string; rsaPublicKey: string };
    const people: FlintClient[] = [];
    for (const email of ['bob@example.com', 'cat@example.com', 'dan@example.com']) {
      const client = createSession({ baseUrl: core.url }).api;
      await client.auth.signup({ email, password: 'correct horse battery staple', displayName: email });
      people.push(client);
    }
    const tokens = await Promise.all(people.map((p) => p.auth.kmsToken()));
    /** Each person's one KMS device, used straight over HTTP and through the core's relay. */
    const devices = people.map(() => ({ device: newDeviceSecret() }));
    const kmsFor = (c: FlintClient, i: number) =>
      new KmsClient({ transport: httpKmsTransport(kmsUrl), kmsCluster: info.kmsCluster, rsaPublicKey: info.rsaPublicKey, bearer: () => tokens[i]!, clientId: c.session!.sessionId, credential: devices[i]! });
    const [bob, cat, dan] = people.map(kmsFor) as [KmsClient, KmsClient, KmsClient];
    // The KMS takes only spark:kms tokens: an API access token is refused.
    const withApiToken = new KmsClient({ transport: httpKmsTransport(kmsUrl), kmsCluster: info.kmsCluster, rsaPublicKey: info.rsaPublicKey, bearer: () => people[0]!.session!.accessToken, clientId: 'x' });
    await assert.rejects(withApiToken.ping());
    const [key] = await bob.createKeys(1);
    await bob.createResource({ userIds: [people[0]!.session!.personId, people[1]!.session!.personId], keyUris: [key!.uri] });
    const sealed = await sealText(key!, 'the launch is on Tuesday');
    assert.equal(await openText(cat, sealed), 'the launch is on Tuesday');
    await assert.rejects(openText(dan, sealed), (e: unknown) => (e as { status?: number }).status === 403);
    const forged = new KmsClient({ transport: httpKmsTransport(kmsUrl), kmsCluster: info.kmsCluster, rsaPublicKey: info.rsaPublicKey, bearer: () => 'fla_' + 'A'.repeat(43), clientId: 'x' });
    await assert.rejects(forged.ping());
    // Through the core's relay (over HTTP to this KMS), the requester's address travels beside the messages.
    const catSession = createSession({ baseUrl: core.url, auth: { token: people[1]!.session!.accessToken }, device: { id: 'cat-relay' }, WebSocket: NodeWebSocket, kmsCredential: devices[1]! });
    try {
      await (await catSession.kmsClient()).retrieveKey(key!.uri, { fresh: true });
    } finally {
      catSession.close();
    }
    const audit = await run(['kms', '--data', join(dir, 'kms-machine'), 'audit', '--json', '--target', key!.uri], {});
    assert.equal(audit.code, 0, audit.stderr);
    const entries = audit.stdout.trim().split('\n').map((l) => JSON.parse(l) as { action: string; userId: string; status: number; credentialId: string | null; addressSource: string | null });
    const cats = entries.filter((e) => e.action === 'key.retrieve' && e.userId === people[1]!.session!.personId && e.status === 200);
    assert.deepEqual(cats.map((e) => e.addressSource), ['kms-observed', 'core-reported'], 'straight to the KMS, then through the relay');
    assert.ok(cats.every((e) => e.credentialId !== null && e.credentialId === cats[0]!.credentialId), 'the same device of Cat’s both times');
    assert.ok(entries.some((e) => e.action === 'key.retrieve' && e.userId === people[1]!.session!.personId && e.status === 200), 'cat’s retrieval is audited');
    assert.ok(entries.some((e) => e.userId === people[2]!.session!.personId && e.status === 403), 'dan’s refusal is audited');
  });
});
