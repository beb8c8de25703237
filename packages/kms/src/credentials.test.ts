/**
 * Issue 14: key access bound to what the core cannot mint (device credentials), resources bound to
 * their room, and the audit log's device and address. node-kms is the client (it sends its
 * context's `clientInfo` as it is, so the device credential rides beside the bearer). Runs on
 * SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@flint/testkit';
import { createKmsServer, credentialHash, databaseConfigFromUrl, resetKmsCredentials, type KmsPrincipal, type KmsServer } from './index.ts';
import { NodeKmsClient } from './testing/node-kms-client.ts';

const CLUSTER = 'kms://kms.example.test';
const secret = () => randomBytes(32).toString('base64url');
const bobDevice = secret();
const eveDevice = secret();

describe('KMS device credentials and resource bindings (issue 14)', () => {
  let dir: string;
  let database: TestDatabase;
  let server: KmsServer;
  let baseUrl: string;
  const people = new Map<string, KmsPrincipal>();
  const tokenOf: Record<string, string> = {};
  for (const name of ['alice', 'bob', 'eve', 'robot', 'zed']) {
    const token = `fkt_${name}_${randomUUID()}`;
    tokenOf[name] = token;
    people.set(token, { userId: `${name}-${randomUUID()}`, orgId: 'org-1' });
  }
  const userOf = (name: string) => people.get(tokenOf[name]!)!.userId;
  const client = (name: string, device: string | undefined, password?: string) =>
    NodeKmsClient.discover({ baseUrl, userId: userOf(name), bearer: tokenOf[name]!, ...(device !== undefined ? { device } : {}), ...(password !== undefined ? { password } : {}) });
  const handshake = async (name: string, device: string | undefined, password?: string) => {
    const c = await client(name, device, password);
    if (device === undefined) c.ctx.clientInfo = { ...c.ctx.clientInfo, credential: { userId: userOf(name), bearer: tokenOf[name]! } };
    return { c, answer: await c.handshake() };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-kms-cred-'));
    database = await createTestDatabase(dir);
    server = await createKmsServer({ dataDir: dir, database: databaseConfigFromUrl(database.url, 4), kmsCluster: CLUSTER, verifyBearer: async (token) => people.get(token) });
    baseUrl = await server.listen();
  });
  after(async () => {
    await server.close();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a valid bearer alone gets nothing: no device credential is a 401, at the handshake and on a channel', async () => {
    const { answer } = await handshake('zed', undefined);
    assert.equal(answer.status, 401);
    assert.match(answer.reason ?? '', /device credential/);
    const { c } = await handshake('zed', secret());
    c.ctx.clientInfo = { ...c.ctx.clientInfo, credential: { bearer: tokenOf['zed']! } };
    assert.equal((await c.request({ method: 'create', uri: '/keys', count: 1 })).status, 401);
  });

  it('first use enrolls; another device needs the password credential or an enrolled device’s approval; nothing else', async () => {
    const password = secret();
    const laptop = secret();
    const first = await handshake('alice', laptop, password);
    assert.equal(first.answer.status, 201, 'first use: enrolled (trust on first use)');
    const [key] = (await first.c.request({ method: 'create', uri: '/keys', count: 1 }))['keys'] as { uri: string }[];
    await first.c.request({ method: 'create', uri: '/resources', userIds: [], keyUris: [key!.uri] });

    // A forged bearer's best: Alice's token with a device of its own. Refused, even with a guessed password credential.
    const forged = await handshake('alice', secret());
    assert.equal(forged.answer.status, 403);
    assert.match(forged.answer.reason ?? '', /not enrolled/);
    assert.equal((await handshake('alice', secret(), secret())).answer.status, 403);

    // The password credential enrolls a new browser.
    const phone = secret();
    const withPassword = await handshake('alice', phone, password);
    assert.equal(withPassword.answer.status, 201);
    assert.equal((await withPassword.c.request({ method: 'retrieve', uri: key!.uri })).status, 200);

    // An enrolled device approves a tablet by its hash; the tablet then works without the password.
    const tablet = secret();
    const approved = await first.c.request({ method: 'create', uri: '/devices', credentialHash: credentialHash(tablet), label: 'tablet' });
    assert.equal(approved.status, 201);
    assert.equal((await handshake('alice', tablet)).answer.status, 201);

    // A device credential is one person's: Bob cannot use Alice's, nor approve it for himself.
    const bob = await handshake('bob', bobDevice);
    assert.equal(bob.answer.status, 201);
    assert.equal((await handshake('bob', laptop)).answer.status, 403);
    // Bob's first device brought no password credential: one presented now enrolls nothing (anyone could present one).
    const unheld = await handshake('bob', secret(), secret());
    assert.equal(unheld.answer.status, 403);
    assert.match(unheld.answer.reason ?? '', /holds no password credential/);
    assert.equal((await bob.c.request({ method: 'create', uri: '/devices', credentialHash: credentialHash(laptop) })).status, 409);

    const devices = (await first.c.request({ method: 'retrieve', uri: '/devices' }))['devices'] as { id: string; kind: string; enrolledVia: string; label: string | null }[];
    assert.deepEqual(devices.map((d) => `${d.kind} ${d.enrolledVia.replace(/:.*/, '')}`).sort(), ['device device', 'device first-use', 'device password', 'password device']);
    assert.ok(!JSON.stringify(devices).includes(credentialHash(laptop)), 'hashes are never answered');

    // A password change (by an enrolled device) replaces the password credential: the old one enrolls nothing.
    const newPassword = secret();
    assert.equal((await first.c.request({ method: 'update', uri: '/password', password: newPassword })).status, 200);
    assert.equal((await handshake('alice', secret(), password)).answer.status, 403);
    assert.equal((await handshake('alice', secret(), newPassword)).answer.status, 201);

    // A lost device is removed: its credential then gets nothing.
    const tabletId = (approved['device'] as { id: string }).id;
    assert.equal((await first.c.request({ method: 'delete', uri: `/devices/${tabletId}` })).status, 200);
    assert.equal((await handshake('alice', tablet)).answer.status, 403);

    const enrollments = await server.kms.audit({ userId: userOf('alice'), action: 'device.enroll' });
    assert.deepEqual(enrollments.map((e) => e.detail), ['first-use', 'password', 'password']);
    const refusals = (await server.kms.audit({ userId: userOf('alice'), action: 'ecdhe.create' })).filter((e) => e.status === 403);
    assert.ok(refusals.length >= 4, 'refused enrollments are audited');
  });

  it('only the KMS operator’s reset lets a person without devices or password in again, as on first use', async () => {
    const old = await handshake('robot', secret());
    assert.equal(old.answer.status, 201);
    assert.equal((await handshake('robot', secret())).answer.status, 403);
    await server.close();
    assert.equal(await resetKmsCredentials({ dataDir: dir, database: databaseConfigFromUrl(database.url, 2) }, userOf('robot')), 1);
    server = await createKmsServer({ dataDir: dir, database: databaseConfigFromUrl(database.url, 4), kmsCluster: CLUSTER, verifyBearer: async (token) => people.get(token) });
    baseUrl = await server.listen();
    assert.equal((await handshake('robot', secret())).answer.status, 201);
    const resets = await server.kms.audit({ action: 'credentials.reset' });
    assert.equal(resets.at(-1)!.target, userOf('robot'));
  });

  it('records the device that asked and where from: the relay’s address as core-reported, else the KMS’s own peer', async () => {
    const eve = await handshake('eve', eveDevice);
    const [key] = (await eve.c.request({ method: 'create', uri: '/keys', count: 1 }))['keys'] as { uri: string }[];
    const wire = await eve.c.wrap({ method: 'retrieve', uri: key!.uri });
    const res = await fetch(`${baseUrl}/kms/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kmsMessages: [wire], requesterAddress: '203.0.113.7' }) });
    assert.equal(res.status, 200);
    const entries = await server.kms.audit({ target: key!.uri });
    const created = entries.find((e) => e.action === 'key.create')!;
    const retrieved = entries.find((e) => e.action === 'key.retrieve')!;
    const enrolled = (await server.kms.audit({ userId: userOf('eve'), action: 'device.enroll' }))[0]!;
    assert.equal(created.credentialId, enrolled.target, 'the enrolled device is named');
    assert.equal(retrieved.credentialId, enrolled.target);
    assert.deepEqual([created.address, created.addressSource], ['127.0.0.1', 'kms-observed']);
    assert.deepEqual([retrieved.address, retrieved.addressSource], ['203.0.113.7', 'core-reported']);
  });

  it('binds a resource to its room once, by an authorized principal; one resource per room', async () => {
    const bob = await NodeKmsClient.connect({ baseUrl, userId: userOf('bob'), bearer: tokenOf['bob']!, device: bobDevice });
    const [key] = (await bob.request({ method: 'create', uri: '/keys', count: 1 }))['keys'] as { uri: string }[];
    const kro = ((await bob.request({ method: 'create', uri: '/resources', userIds: [], keyUris: [key!.uri] }))['resource'] as { uri: string }).uri;
    const other = ((await bob.request({ method: 'create', uri: '/resources', userIds: [] }))['resource'] as { uri: string }).uri;
    const room = randomUUID();
    const eve = await NodeKmsClient.connect({ baseUrl, userId: userOf('eve'), bearer: tokenOf['eve']!, device: eveDevice });
    assert.equal((await eve.request({ method: 'update', uri: kro, boundTo: { roomId: room } })).status, 403, 'not authorized: cannot bind');
    assert.equal((await bob.request({ method: 'update', uri: kro, boundTo: { roomId: 'not a room id!' } })).status, 400);
    assert.equal((await bob.request({ method: 'update', uri: kro, boundTo: { roomId: room } })).status, 200);
    assert.equal((await bob.request({ method: 'update', uri: kro, boundTo: { roomId: room } })).status, 200, 'the same binding again: a success');
    assert.equal((await bob.request({ method: 'update', uri: kro, boundTo: { roomId: randomUUID() } })).status, 409, 'bound once');
    assert.equal((await bob.request({ method: 'update', uri: other, boundTo: { roomId: room } })).status, 409, 'one resource per room');
    const resource = (await bob.request({ method: 'retrieve', uri: kro }))['resource'] as { boundTo?: unknown };
    assert.deepEqual(resource.boundTo, { roomId: room });
    const team = randomUUID();
    assert.equal((await bob.request({ method: 'update', uri: other, boundTo: { roomId: randomUUID(), teamId: team } })).status, 200);
    assert.equal(((await bob.request({ method: 'retrieve', uri: other }))['resource'] as { boundTo: { teamId: string } }).boundTo.teamId, team);
  });
});
