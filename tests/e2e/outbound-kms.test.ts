/**
 * A KMS behind the customer's firewall that connects *out* to the core (SPEC SEC-2; DESIGN §1):
 * `flint kms connect` opens a WebSocket to the core with the shared link secret, and the core relays
 * KMS messages down it. Nothing reaches the KMS from outside. A KMS with the wrong secret is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKmsAudit } from '@flint/kms';
import { createSession } from '@flint/sdk';
import { createTestDatabase, FLINT_BIN, freePort, NodeWebSocket, spawnFlint, type FlintProcess, type TestDatabase } from '@flint/testkit';

const SECRET = 'an-outbound-link-secret-of-forty-characters';

function connectKms(dir: string, coreUrl: string, secret: string): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [FLINT_BIN, 'kms', '--data', dir, 'connect', '--cluster', 'kms://onprem.example.test', '--core-url', coreUrl], {
    env: { ...process.env, FLINT_KMS_LINK_SECRET: secret },
  });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

async function until(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a KMS that connects out to the core', () => {
  let dir: string;
  let db: TestDatabase;
  let core: FlintProcess;
  const kmsProcesses: ChildProcess[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-outbound-kms-'));
    db = await createTestDatabase(dir);
    core = await spawnFlint(await freePort(), { FLINT_DATA_DIR: join(dir, 'core'), DATABASE_URL: db.url, FLINT_KMS_LINK_SECRET: SECRET, FLINT_LOG_LEVEL: 'warn' });
  });
  after(async () => {
    for (const p of kmsProcesses) p.kill('SIGTERM');
    await core.stop();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a KMS with the wrong link secret', async () => {
    const impostor = connectKms(join(dir, 'impostor'), core.url, 'a-wrong-secret-that-is-also-long-enough!!');
    kmsProcesses.push(impostor.child);
    await until(() => impostor.output().includes('refused the link secret'), 60_000, 'the refusal');
    const ada = createSession({ baseUrl: core.url }).api;
    const s = await ada.auth.signup({ email: 'ada@example.com', password: 'correct horse battery staple', displayName: 'Ada' });
    const discovery = await fetch(`${core.url}/encryption/api/v1/kms/${s.personId}`, { headers: { authorization: `Bearer ${s.accessToken}` } });
    assert.equal(discovery.status, 503, 'no KMS is linked');
    impostor.child.kill('SIGTERM');
  });

  it('serves keys through the core once the real KMS has connected out', async () => {
    const kms = connectKms(join(dir, 'kms'), core.url, SECRET);
    kmsProcesses.push(kms.child);
    await until(() => kms.output().includes('linked to'), 60_000, 'the link');
    // Two sessions, the KMS reached through the core's relay (their default).
    const ada = createSession({ baseUrl: core.url, device: { id: 'ada-1' }, WebSocket: NodeWebSocket });
    await ada.signIn({ email: 'ada@example.com', password: 'correct horse battery staple' });
    const bob = createSession({ baseUrl: core.url, device: { id: 'bob-1' }, WebSocket: NodeWebSocket });
    await bob.signUp({ email: 'bob@example.com', password: 'correct horse battery staple', displayName: 'Bob' });
    try {
      const space = await ada.spaces.create({ title: 'On the premises' });
      assert.ok(space.encryptionKeyUrl?.startsWith('kms://onprem.example.test/'), 'the key comes from the KMS that connected out');
      await ada.members.add(space.id, { personId: await bob.personId() });
      const sent = await ada.messages.send({ roomId: space.id, text: 'kept on the premises' });
      assert.equal((await bob.messages.get(sent.id)).text, 'kept on the premises');
      // The KMS's audit names the device that asked and where from, as the core reported it down the link.
      const created = (await readKmsAudit({ dataDir: join(dir, 'kms') }, { target: space.encryptionKeyUrl!, action: 'key.create' }))[0]!;
      assert.equal(created.userId, await ada.personId());
      assert.match(created.credentialId ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(created.addressSource, 'core-reported');
      assert.match(created.address ?? '', /^(::ffff:)?127\.0\.0\.1$|^::1$/);
    } finally {
      ada.close();
      bob.close();
    }
  });
});
