/**
 * SEC-2, SEC-3, SEC-6 — the Cisco KMS protocol, end to end over HTTP, with Cisco's own client
 * library node-kms as the conformance client (reference kms-protocol.md §11). Runs on SQLite, or
 * on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import jose from 'node-jose';
import { createTestDatabase, type TestDatabase } from '@flint/testkit';
import { createKmsServer, databaseConfigFromUrl, type KmsPrincipal, type KmsServer } from './index.ts';
import { NodeKmsClient } from './testing/node-kms-client.ts';

const CLUSTER = 'kms://kms.example.test';

describe('KMS protocol with node-kms as the client', () => {
  let dir: string;
  let database: TestDatabase;
  let server: KmsServer;
  let baseUrl: string;
  const people = new Map<string, KmsPrincipal>();
  const tokenOf: Record<string, string> = {};
  for (const name of ['alice', 'bob', 'carol', 'dave']) {
    const token = `fkt_${name}_${randomUUID()}`;
    tokenOf[name] = token;
    people.set(token, { userId: `${name}-${randomUUID()}`, orgId: 'org-1' });
  }
  const userOf = (name: string) => people.get(tokenOf[name]!)!.userId;
  // Each person's one device: its credential rides in client.credential.device (node-kms sends clientInfo as set).
  const deviceOf = Object.fromEntries(Object.keys(tokenOf).map((name) => [name, randomBytes(32).toString('base64url')]));
  const connect = (name: string) => NodeKmsClient.connect({ baseUrl, userId: userOf(name), bearer: tokenOf[name]!, device: deviceOf[name]! });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-kms-'));
    database = await createTestDatabase(dir);
    server = await createKmsServer({
      dataDir: dir,
      database: databaseConfigFromUrl(database.url, 4),
      kmsCluster: CLUSTER,
      // The identity service's answer for KMS-scoped tokens, as the composition root injects it.
      verifyBearer: async (token) => people.get(token),
    });
    baseUrl = await server.listen();
  });
  after(async () => {
    await server.close();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves discovery: the static JWK as a JSON string with kid = cluster, x5c, and no alg or use', async () => {
    const info = (await (await fetch(`${baseUrl}/kms/info`)).json()) as { kmsCluster: string; rsaPublicKey: string; caroots: string[] };
    assert.equal(info.kmsCluster, CLUSTER);
    assert.equal(typeof info.rsaPublicKey, 'string');
    const jwk = JSON.parse(info.rsaPublicKey) as Record<string, unknown>;
    assert.equal(jwk['kty'], 'RSA');
    assert.equal(jwk['kid'], CLUSTER);
    assert.ok(!('alg' in jwk) && !('use' in jwk) && !('d' in jwk));
    assert.equal((jwk['x5c'] as string[]).length, 2);
    assert.equal((jwk['x5c'] as string[])[1], info.caroots[0]);
  });

  it('completes the ECDHE handshake: signed with the static kid, expirationDate well ahead, ping works', async () => {
    const alice = await NodeKmsClient.discover({ baseUrl, userId: userOf('alice'), bearer: tokenOf['alice']!, device: deviceOf['alice']! });
    const answer = await alice.handshake();
    assert.equal(answer.status, 201);
    const key = answer['key'] as { uri: string; userId: string; expirationDate: string };
    assert.match(key.uri, /^kms:\/\/kms\.example\.test\/ecdhe\//);
    assert.equal(key.userId, userOf('alice'));
    assert.ok(Date.parse(key.expirationDate) - Date.now() > 30 * 60_000);
    assert.equal(alice.ctx.ephemeralKey!.uri, key.uri, 'node-kms derived its key under our URI');
    const ping = await alice.request({ method: 'update', uri: '/ping' });
    assert.equal(ping.status, 200);
    assert.equal(ping.requestId, ping.sentRequestId);
  });

  it('runs the whole scenario: keys, resource with userIds, shared decryption, 403s, bind/rebind/409, add and remove authorization', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const carol = await connect('carol');

    const created = await alice.request({ method: 'create', uri: '/keys', count: 2 });
    assert.equal(created.status, 201);
    const keys = created['keys'] as { uri: string; jwk: { kty: string; k: string }; userId: string; resourceUri?: string }[];
    assert.equal(keys.length, 2);
    assert.ok(keys.every((k) => k.uri.startsWith(`${CLUSTER}/keys/`) && k.jwk.kty === 'oct' && k.userId === userOf('alice') && k.resourceUri === undefined));
    const [k1, k2] = keys as [(typeof keys)[0], (typeof keys)[0]];

    // Alice seals a text as the Webex SDK does: dir/A256GCM, no kid.
    const contentKey = await jose.JWK.asKey(k1.jwk);
    const sealed = await jose.JWE.createEncrypt({ compact: true, contentAlg: 'A256GCM', protect: '*' }, { key: contentKey, header: { alg: 'dir' }, reference: null }).final('The launch is on Tuesday', 'utf8');
    assert.deepEqual(JSON.parse(Buffer.from(sealed.split('.')[0]!, 'base64url').toString()), { enc: 'A256GCM', alg: 'dir' });

    const kro = await alice.request({ method: 'create', uri: '/resources', userIds: [userOf('alice'), userOf('bob')], keyUris: [k1.uri] });
    assert.equal(kro.status, 201, kro.reason);
    const resource = kro['resource'] as { uri: string; keyUris: string[]; authorizationUris: string[] };
    assert.match(resource.uri, /^kms:\/\/kms\.example\.test\/resources\//);
    assert.deepEqual(resource.keyUris, [k1.uri]);
    assert.equal(resource.authorizationUris.length, 2, 'creator listed once');

    // Bob, authorized, fetches k1 by its absolute URI and decrypts Alice's text.
    const got = await bob.request({ method: 'retrieve', uri: k1.uri });
    assert.equal(got.status, 200);
    const k1ForBob = got['key'] as { jwk: Record<string, unknown>; resourceUri: string; bindDate: Date };
    assert.equal(k1ForBob.resourceUri, resource.uri);
    const plain = await jose.JWE.createDecrypt(await jose.JWK.asKey(k1ForBob.jwk)).decrypt(sealed);
    assert.equal(plain.plaintext.toString('utf8'), 'The launch is on Tuesday');

    // Carol is not on the list: 403, encrypted (node-kms unwraps it with her ephemeral key).
    const denied = await carol.request({ method: 'retrieve', uri: k1.uri });
    assert.equal(denied.status, 403);
    assert.equal(denied.requestId, denied.sentRequestId);
    assert.equal((await carol.request({ method: 'retrieve', uri: resource.uri })).status, 403);
    assert.equal((await carol.request({ method: 'create', uri: '/authorizations', resourceUri: resource.uri, userIds: [userOf('carol')] })).status, 403, 'cannot add herself');
    // Someone else's unbound key is refused too.
    assert.equal((await bob.request({ method: 'retrieve', uri: k2.uri })).status, 403);

    // Bind k2; binding again to the same KRO is idempotent; binding to another KRO conflicts.
    const bound = await alice.request({ method: 'update', uri: k2.uri, resourceUri: resource.uri });
    assert.equal(bound.status, 200);
    assert.equal((bound['key'] as { resourceUri: string }).resourceUri, resource.uri);
    assert.equal((await alice.request({ method: 'update', uri: k2.uri, resourceUri: resource.uri })).status, 200);
    const other = await alice.request({ method: 'create', uri: '/resources', authIds: [userOf('alice')], keyUris: [] });
    assert.equal(other.status, 201);
    const otherUri = (other['resource'] as { uri: string }).uri;
    assert.equal((await alice.request({ method: 'update', uri: k2.uri, resourceUri: otherUri })).status, 409);

    // Retrieve the KRO and its keys (most recent with count).
    const r = await bob.request({ method: 'retrieve', uri: resource.uri });
    assert.equal(r.status, 200);
    assert.deepEqual(new Set((r['resource'] as { keyUris: string[] }).keyUris), new Set([k1.uri, k2.uri]));
    const latest = await bob.request({ method: 'retrieve', uri: `${resource.uri}/keys?count=1` });
    assert.equal(latest.status, 200);
    assert.equal((latest['keys'] as unknown[]).length, 1);

    // Add carol (authIds, relative collection URI); she can read now.
    const added = await bob.request({ method: 'create', uri: '/authorizations', resourceUri: resource.uri, authIds: [userOf('carol')] });
    assert.equal(added.status, 201);
    assert.equal((added['authorizations'] as { authId: string }[])[0]!.authId, userOf('carol'));
    assert.equal((await carol.request({ method: 'retrieve', uri: k1.uri })).status, 200);
    const list = await carol.request({ method: 'retrieve', uri: `${resource.uri}/authorizations` });
    assert.equal((list['authorizations'] as unknown[]).length, 3);
    const one = await carol.request({ method: 'retrieve', uri: `${resource.uri}/authorizations?authId=${encodeURIComponent(userOf('bob'))}` });
    assert.equal((one['authorizations'] as unknown[]).length, 1);

    // Remove carol: the answer carries both `authorization` and `authorizations`; she gets 403 again.
    const removed = await alice.request({ method: 'delete', uri: `${resource.uri}/authorizations?authId=${encodeURIComponent(userOf('carol'))}` });
    assert.equal(removed.status, 200);
    assert.equal((removed['authorization'] as { authId: string }).authId, userOf('carol'));
    assert.deepEqual(removed['authorizations'], [removed['authorization']]);
    assert.equal((await carol.request({ method: 'retrieve', uri: k1.uri })).status, 403);
    assert.equal((await alice.request({ method: 'delete', uri: `${resource.uri}/authorizations?authId=${encodeURIComponent(userOf('carol'))}` })).status, 404);

    // A KRO as an authId grants its members access (dave joins `other`, which is authorized on `resource`).
    assert.equal((await alice.request({ method: 'create', uri: '/authorizations', resourceUri: otherUri, userIds: [userOf('dave')] })).status, 201);
    const dave = await connect('dave');
    assert.equal((await dave.request({ method: 'retrieve', uri: k1.uri })).status, 403);
    assert.equal((await alice.request({ method: 'create', uri: '/authorizations', resourceUri: resource.uri, authIds: [encodeURIComponent(otherUri) && otherUri] })).status, 201);
    assert.equal((await dave.request({ method: 'retrieve', uri: k1.uri })).status, 200);
    // And removing by the authorization's own URI works as well.
    const auths = (await alice.request({ method: 'retrieve', uri: `${resource.uri}/authorizations?authId=${encodeURIComponent(otherUri)}` }))['authorizations'] as { uri: string }[];
    assert.equal((await alice.request({ method: 'delete', uri: auths[0]!.uri })).status, 200);
    assert.equal((await dave.request({ method: 'retrieve', uri: k1.uri })).status, 403);
  });

  it('creating a resource is all-or-nothing: a bound or foreign key fails the whole request', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const [mine] = (await alice.request({ method: 'create', uri: '/keys', count: 1 }))['keys'] as { uri: string }[];
    const [his] = (await bob.request({ method: 'create', uri: '/keys', count: 1 }))['keys'] as { uri: string }[];
    const bad = await alice.request({ method: 'create', uri: '/resources', userIds: [userOf('carol')], keyUris: [mine!.uri, his!.uri] });
    assert.equal(bad.status, 403);
    // Nothing was bound: alice can still put her key in a new resource.
    assert.equal((await alice.request({ method: 'create', uri: '/resources', userIds: [], keyUris: [mine!.uri] })).status, 201);
  });

  it('refuses bad requests with the protocol statuses, signed or encrypted, and never crashes', async () => {
    const alice = await connect('alice');
    // Wrong token in the handshake: a signed 401 that node-kms verifies.
    const mallory = await NodeKmsClient.discover({ baseUrl, userId: userOf('alice'), bearer: 'fkt_not_a_token' });
    const refused = await mallory.handshake();
    assert.equal(refused.status, 401);
    // Wrong token on an established channel: an encrypted 401.
    alice.ctx.clientInfo = { ...alice.ctx.clientInfo, credential: { bearer: 'fkt_revoked', device: deviceOf['alice'] } };
    assert.equal((await alice.request({ method: 'update', uri: '/ping' })).status, 401);
    // Another user's valid token on alice's channel is refused too.
    alice.ctx.clientInfo = { ...alice.ctx.clientInfo, credential: { bearer: tokenOf['bob']!, device: deviceOf['alice'] } };
    assert.equal((await alice.request({ method: 'update', uri: '/ping' })).status, 401);
    alice.ctx.clientInfo = { ...alice.ctx.clientInfo, credential: { bearer: tokenOf['alice']!, device: deviceOf['alice'] } };

    // Tampered ciphertext: an encrypted 400.
    const wire = await alice.wrap({ method: 'update', uri: '/ping' });
    const parts = wire.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 0xff;
    parts[3] = ct.toString('base64url');
    const [tampered] = await alice.post([parts.join('.')]);
    assert.equal((await alice.unwrap(tampered!)).status, 400);

    // Unknown ephemeral key: a signed 499 reset.
    const forged = JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: `${CLUSTER}/ecdhe/unknown` });
    const [reset] = await alice.post([`${Buffer.from(forged).toString('base64url')}.${parts.slice(1).join('.')}`]);
    assert.equal((await alice.unwrap(reset!)).status, 499);

    // Garbage, a JWS, and unknown operations; another host's URI is 404.
    const answers = await alice.post(['garbage', 'a.b.c', 'x.y.z.w.v']);
    for (const a of answers) assert.equal((await alice.unwrap(a)).status, 400);
    assert.equal((await alice.request({ method: 'retrieve', uri: '/cmk' })).status, 400);
    assert.equal((await alice.request({ method: 'create', uri: '/keys', count: 0 })).status, 400);
    assert.equal((await alice.request({ method: 'retrieve', uri: 'kms://elsewhere.example/keys/1' })).status, 404);
    assert.equal((await alice.request({ method: 'create', uri: '/resources', userIds: 'bob' })).status, 400);
    // Each operation's request is checked against its schema (@flint/protocol's KMS_OPERATIONS); the refusal names the field.
    const badCount = await alice.request({ method: 'create', uri: '/keys', count: 'two' });
    assert.equal(badCount.status, 400);
    assert.match(String(badCount['reason']), /^count: /);
    const created = await alice.request({ method: 'create', uri: '/keys', count: 1 });
    const keyUri = (created['keys'] as { uri: string }[])[0]!.uri;
    const unboundTarget = await alice.request({ method: 'update', uri: keyUri });
    assert.equal(unboundTarget.status, 400);
    assert.match(String(unboundTarget['reason']), /resourceUri/);
    assert.equal((await alice.request({ method: 'delete', uri: '/keys' })).status, 400, 'no operation has that method and URI shape');

    // The HTTP layer validates its body.
    const res = await fetch(`${baseUrl}/kms/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kmsMessages: 'nope' }) });
    assert.equal(res.status, 400);
    assert.equal((await alice.request({ method: 'update', uri: '/ping' })).status, 200, 'still serving');
  });

  it('closes a channel on delete /ecdhe/<id>: later messages under it get a reset', async () => {
    const alice = await connect('alice');
    const uri = alice.ctx.ephemeralKey!.uri;
    assert.equal((await alice.request({ method: 'delete', uri })).status, 204);
    const [reset] = await alice.post([await alice.wrap({ method: 'update', uri: '/ping' })]);
    assert.equal((await alice.unwrap(reset!)).status, 499);
  });

  it('logs every key access and authorization change, and the refusals, in the audit log (SEC-6, invariant 4)', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const carol = await connect('carol');
    const [key] = (await alice.request({ method: 'create', uri: '/keys', count: 1 }))['keys'] as { uri: string }[];
    const kro = (await alice.request({ method: 'create', uri: '/resources', userIds: [userOf('bob')], keyUris: [key!.uri] }))['resource'] as { uri: string };
    const got = await bob.request({ method: 'retrieve', uri: key!.uri });
    await carol.request({ method: 'retrieve', uri: key!.uri });
    await alice.request({ method: 'create', uri: '/authorizations', resourceUri: kro.uri, userIds: [userOf('carol')] });
    await alice.request({ method: 'delete', uri: `${kro.uri}/authorizations?authId=${encodeURIComponent(userOf('carol'))}` });

    const forKey = await server.kms.audit({ target: key!.uri });
    const summary = forKey.map((e) => `${e.action} ${e.status} ${e.userId === userOf('alice') ? 'alice' : e.userId === userOf('bob') ? 'bob' : 'carol'}`);
    assert.deepEqual(summary, ['key.create 201 alice', 'key.bind 201 alice', 'key.retrieve 200 bob', 'key.retrieve 403 carol']);
    const bobs = forKey.find((e) => e.userId === userOf('bob'))!;
    assert.equal(bobs.requestId, got.sentRequestId);
    assert.equal(bobs.clientId, `https://devices.example.test/${userOf('bob')}`);
    assert.equal(bobs.orgId, 'org-1');
    const forKro = (await server.kms.audit({ target: kro.uri })).map((e) => `${e.action} ${e.status} ${e.detail ?? ''}`);
    assert.deepEqual(forKro, [
      'resource.create 201 ',
      `authorization.create 201 ${userOf('alice')}`,
      `authorization.create 201 ${userOf('bob')}`,
      `authorization.create 201 ${userOf('carol')}`,
      `authorization.delete 200 ${userOf('carol')}`,
    ]);
  });
});
