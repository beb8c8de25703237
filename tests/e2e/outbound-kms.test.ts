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
import { FlintClient, KmsRelay, openText, sealText } from '@flint/sdk';
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
    const ada = new FlintClient({ baseUrl: core.url });
    const s = await ada.auth.signup({ email: 'ada@example.com', password: 'correct horse battery staple', displayName: 'Ada' });
    const discovery = await fetch(`${core.url}/encryption/api/v1/kms/${s.personId}`, { headers: { authorization: `Bearer ${s.accessToken}` } });
    assert.equal(discovery.status, 503, 'no KMS is linked');
    impostor.child.kill('SIGTERM');
  });

  it('serves keys through the core once the real KMS has connected out', async () => {
    const kms = connectKms(join(dir, 'kms'), core.url, SECRET);
    kmsProcesses.push(kms.child);
    await until(() => kms.output().includes('linked to'), 60_000, 'the link');
    const ada = new FlintClient({ baseUrl: core.url });
    await ada.auth.login({ email: 'ada@example.com', password: 'correct horse battery staple' });
    const bob = new FlintClient({ baseUrl: core.url });
    await bob.auth.signup({ email: 'bob@example.com', password: 'correct horse battery staple', displayName: 'Bob' });
    const adaRelay = await KmsRelay.connect(ada, { deviceId: 'ada-1', WebSocket: NodeWebSocket });
    assert.equal(adaRelay.info?.kmsCluster, 'kms://onprem.example.test');
    const adaKms = adaRelay.kmsClient(ada);
    const [key] = await adaKms.createKeys(1);
    await adaKms.createResource({ userIds: [ada.session!.personId, bob.session!.personId], keyUris: [key!.uri] });
    const sealed = await sealText(key!, 'kept on the premises');
    const bobRelay = await KmsRelay.connect(bob, { deviceId: 'bob-1', WebSocket: NodeWebSocket });
    assert.equal(await openText(bobRelay.kmsClient(bob), sealed), 'kept on the premises');
    // The KMS's audit names the device that asked and where from, as the core reported it down the link.
    const created = (await readKmsAudit({ dataDir: join(dir, 'kms') }, { target: key!.uri, action: 'key.create' }))[0]!;
    assert.equal(created.userId, ada.session!.personId);
    assert.match(created.credentialId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(created.addressSource, 'core-reported');
    assert.match(created.address ?? '', /^(::ffff:)?127\.0\.0\.1$|^::1$/);
    adaRelay.close();
    bobRelay.close();
  });
});
