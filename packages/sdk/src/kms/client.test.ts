/**
 * SEC-1, SEC-2, SEC-3 — the SDK's KMS client against a real KMS over `/kms/messages`: the same
 * flows as the node-kms conformance run, content sealed and opened across users, 403s as
 * FlintError, and a KMS restart that the client rides through without a new handshake.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@flint/testkit';
import { createKmsServer, databaseConfigFromUrl, type KmsPrincipal, type KmsServer, type KmsServerConfig } from '@flint/kms';
import { FlintError } from '../errors.ts';
import { KmsClient, batchingKmsTransport, deviceCredentialHash, fetchKmsInfo, httpKmsTransport, newDeviceSecret, openText, passwordCredential, sealText, tokenDeviceSecret, type KmsTransport } from '../testing/kms.ts';

describe('SDK KMS client', () => {
  let dir: string;
  let database: TestDatabase;
  let server: KmsServer;
  let config: KmsServerConfig;
  let baseUrl: string;
  let clock = Date.now();
  const people = new Map<string, KmsPrincipal>();
  const tokenOf: Record<string, string> = {};
  for (const name of ['alice', 'bob', 'carol']) {
    tokenOf[name] = `fkt_${name}_${randomUUID()}`;
    people.set(tokenOf[name], { userId: `${name}-${randomUUID()}`, orgId: 'org-1' });
  }
  const userOf = (name: string) => people.get(tokenOf[name]!)!.userId;
  /** Each person's one device (its KMS credential; see credentials.ts). */
  const deviceOf = Object.fromEntries(Object.keys(tokenOf).map((name) => [name, { device: newDeviceSecret() }]));
  /** The real HTTP transport, counting the handshakes it carries (RSA-OAEP envelopes). */
  let handshakes = 0;
  const counting = (): KmsTransport => async (messages) => {
    for (const m of messages) if (JSON.parse(Buffer.from(m.split('.')[0]!, 'base64url').toString()).alg === 'RSA-OAEP') handshakes++;
    return httpKmsTransport(baseUrl)(messages);
  };
  const clientFor = async (name: string) => {
    const info = await fetchKmsInfo(baseUrl);
    return new KmsClient({ transport: counting(), kmsCluster: info.kmsCluster, rsaPublicKey: info.rsaPublicKey, bearer: () => tokenOf[name]!, clientId: `device-${name}`, credential: deviceOf[name]!, now: () => clock });
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-sdk-kms-'));
    database = await createTestDatabase(dir);
    config = { dataDir: dir, database: databaseConfigFromUrl(database.url, 4), kmsCluster: 'kms://kms.example.test', verifyBearer: async (t) => people.get(t), now: () => clock };
    server = await createKmsServer(config);
    baseUrl = await server.listen();
  });
  after(async () => {
    await server.close();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a space key and resource, seals a title, and only authorized people open it', async () => {
    const alice = await clientFor('alice');
    const bob = await clientFor('bob');
    const carol = await clientFor('carol');
    await alice.ping();
    const [key] = await alice.createKeys(1);
    assert.equal(key!.key.length, 32);
    const resource = await alice.createResource({ userIds: [userOf('bob')], keyUris: [key!.uri] });
    assert.deepEqual(resource.keyUris, [key!.uri]);
    const sealed = await sealText(key!, 'Project Kestrel');
    assert.equal(sealed.encryptionKeyUrl, key!.uri);
    assert.equal(Buffer.from(sealed.ciphertext.split('.')[0]!, 'base64url').toString(), '{"alg":"dir","enc":"A256GCM"}');
    assert.equal(await openText(bob, sealed), 'Project Kestrel');

    await assert.rejects(openText(carol, sealed), (e: unknown) => e instanceof FlintError && e.status === 403 && e.code === 'forbidden');
    await bob.addAuthorizations(resource.uri, [userOf('carol')]);
    assert.equal(await openText(carol, sealed), 'Project Kestrel');
    assert.equal((await carol.listAuthorizations(resource.uri)).length, 3);
    const removed = await alice.removeAuthorization(resource.uri, userOf('carol'));
    assert.equal(removed.authId, userOf('carol'));

    // Rotation after a removal: a new key bound to the same resource; carol cannot get it.
    const [next] = await alice.createKeys(1);
    const bound = await alice.bindKey(next!.uri, resource.uri);
    assert.equal(bound.resourceUri, resource.uri);
    const latest = await bob.resourceKeys(resource.uri, { count: 1 });
    assert.equal(latest[0]!.uri, next!.uri);
    await assert.rejects(carol.retrieveKey(next!.uri), (e: unknown) => e instanceof FlintError && e.status === 403);
    const other = await alice.createResource({});
    await assert.rejects(alice.bindKey(next!.uri, other.uri), (e: unknown) => e instanceof FlintError && e.status === 409);
    assert.equal((await alice.retrieveResource(resource.uri)).keyUris.length, 2);
  });

  it('keeps working across a KMS restart without a new handshake (ephemeral keys are persisted)', async () => {
    const alice = await clientFor('alice');
    const [key] = await alice.createKeys(1);
    const before = handshakes;
    await server.close();
    server = await createKmsServer({ ...config, port: Number(new URL(baseUrl).port) });
    await server.listen();
    const resource = await alice.createResource({ keyUris: [key!.uri] });
    await alice.ping();
    assert.equal(handshakes, before, 'no re-handshake after the restart');
    assert.deepEqual((await alice.retrieveKey(key!.uri, { fresh: true })).key, key!.key, 'same key material after the restart');
    assert.equal((await alice.retrieveResource(resource.uri)).uri, resource.uri);
  });

  it('re-handshakes on its own when the ephemeral key expires', async () => {
    const alice = await clientFor('alice');
    await alice.ping();
    const before = handshakes;
    clock += 2 * 3_600_000;
    await alice.ping();
    assert.equal(handshakes, before + 1);
  });

  it('batches requests made together into one round trip, each caller getting its own answer', async () => {
    const info = await fetchKmsInfo(baseUrl);
    let posts = 0;
    const http = httpKmsTransport(baseUrl);
    const countingHttp: KmsTransport = (messages, isMine) => {
      posts++;
      return http(messages, isMine);
    };
    const alice = new KmsClient({ transport: batchingKmsTransport(countingHttp), kmsCluster: info.kmsCluster, rsaPublicKey: info.rsaPublicKey, bearer: () => tokenOf['alice']!, clientId: 'device-batch', credential: deviceOf['alice']!, now: () => clock });
    await alice.connect();
    const keys = await alice.createKeys(20);
    alice.clearCache();
    posts = 0;
    const fetched = await Promise.all(keys.map((k) => alice.retrieveKey(k.uri, { fresh: true })));
    assert.deepEqual(fetched.map((k) => k.uri), keys.map((k) => k.uri), 'each caller got its own key');
    assert.ok(posts <= 3, `20 retrievals made together travel in a few batches, not 20 (${posts} posts)`);
    const before = posts;
    const many = await Promise.all(Array.from({ length: 60 }, () => alice.ping()));
    assert.equal(many.length, 60);
    assert.ok(posts - before >= 2 && posts - before <= 6, `60 pings in batches of at most 50 (${posts - before} posts)`);
  });

  it('a bad token is a 401 FlintError', async () => {
    const info = await fetchKmsInfo(baseUrl);
    const stranger = new KmsClient({ transport: httpKmsTransport(baseUrl), kmsCluster: info.kmsCluster, rsaPublicKey: info.rsaPublicKey, bearer: () => 'fkt_unknown', clientId: 'device-x' });
    await assert.rejects(stranger.ping(), (e: unknown) => e instanceof FlintError && e.status === 401 && e.code === 'unauthorized');
  });

  it('a person’s other devices: refused alone, enrolled with the password credential or an approval (issue 14)', async () => {
    const info = await fetchKmsInfo(baseUrl);
    tokenOf['dora'] = `fkt_dora_${randomUUID()}`;
    people.set(tokenOf['dora'], { userId: `dora-${randomUUID()}`, orgId: 'org-1' });
    const dora = userOf('dora');
    const device = (credential: { device: string; password?: string }, clientId: string) =>
      new KmsClient({ transport: httpKmsTransport(baseUrl), kmsCluster: info.kmsCluster, rsaPublicKey: info.rsaPublicKey, bearer: () => tokenOf['dora']!, clientId, credential });
    const password = await passwordCredential('correct horse battery staple', dora);
    assert.match(password, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(password, await passwordCredential('correct horse battery staple', dora), 'the same password gives the same credential');
    assert.notEqual(password, await passwordCredential('correct horse battery staple', userOf('alice')), 'salted with the user id');
    const laptop = device({ device: newDeviceSecret(), password }, 'laptop');
    await laptop.ping();
    await assert.rejects(device({ device: newDeviceSecret() }, 'stranger').ping(), (e: unknown) => e instanceof FlintError && e.status === 403 && /not enrolled/.test(e.message));
    await device({ device: newDeviceSecret(), password }, 'browser').ping();
    const bot = await tokenDeviceSecret('flb-some-token', dora);
    assert.equal(bot, await tokenDeviceSecret('flb-some-token', dora));
    assert.notEqual(bot, await tokenDeviceSecret('flb-other-token', dora));
    await laptop.approveDevice(await deviceCredentialHash(bot), 'gateway');
    await device({ device: bot }, 'gateway').ping();
    const listed = await laptop.listDevices();
    assert.deepEqual(listed.map((d) => d.enrolledVia.replace(/:.*/, '')).sort(), ['device', 'device', 'first-use', 'password']);
    const gateway = listed.find((d) => d.label === 'gateway')!;
    await laptop.removeDevice(gateway.id);
    await assert.rejects(device({ device: bot }, 'gateway').ping(), (e: unknown) => e instanceof FlintError && e.status === 403);
    await laptop.setPasswordCredential(await passwordCredential('a new password', dora));
    await assert.rejects(device({ device: newDeviceSecret(), password }, 'old-password').ping(), (e: unknown) => e instanceof FlintError && e.status === 403);
  });
});
