/**
 * Closing the first-device window (issue 14) and the KMS trusting the org's own identity provider
 * (issue 18): FLINT_KMS_FIRST_DEVICE=approval, operator enrollment codes, the person's recovery
 * key, the organization pinned at first sight, and IdP proofs (an ID token signed by a provider on
 * loopback whose JWKS the KMS reads, bound by its nonce to a secret the core never sees). node-kms
 * is the client. Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createTestDatabase, type TestDatabase } from '@flint/testkit';
import { createKmsServer, databaseConfigFromUrl, idpNonce, issueKmsEnrollmentCode, listKmsIdps, readKmsAudit, removeKmsIdp, setKmsIdp, type KmsPrincipal, type KmsServer } from './index.ts';
import { NodeKmsClient } from './testing/node-kms-client.ts';

const CLUSTER = 'kms://kms.example.test';
const secret = () => randomBytes(32).toString('base64url');
const recoveryKey = () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return Array.from(randomBytes(24), (b) => alphabet[b & 31]).join('');
};

/** A provider on loopback: its discovery document and key set, and tokens signed with its key. */
async function startProvider(): Promise<{ issuer: string; sign: (claims: Record<string, unknown>, options?: { expSec?: number; key?: CryptoKey }) => Promise<string>; close: () => Promise<void> }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    else if (req.url === '/jwks') res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    sign: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(issuer)
        .setAudience('flint-client')
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expSec ?? 600))
        .sign(options.key ?? privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the first device and the org’s identity provider (issues 14 and 18)', () => {
  let dir: string;
  let database: TestDatabase;
  let server: KmsServer;
  let baseUrl: string;
  let provider: Awaited<ReturnType<typeof startProvider>>;
  const people = new Map<string, KmsPrincipal>();
  const tokenOf: Record<string, string> = {};
  const add = (name: string, orgId: string) => {
    const token = `fkt_${name}_${randomUUID()}`;
    tokenOf[name] = token;
    people.set(token, { userId: `${name}-${randomUUID()}`, orgId, email: `${name}@${orgId}.test` });
  };
  for (const name of ['ann', 'ben', 'cat', 'dan']) add(name, 'plain');
  for (const name of ['ida', 'ivo', 'ira', 'ike']) add(name, 'sso');
  const who = (name: string) => people.get(tokenOf[name]!)!;
  const storage = () => ({ dataDir: dir, database: databaseConfigFromUrl(database.url, 2), idpAllowLoopbackHttp: true });
  /** A handshake as `name` with these credential fields beside the bearer. */
  const handshake = async (name: string, credential: Record<string, unknown>) => {
    const c = await NodeKmsClient.discover({ baseUrl, userId: who(name).userId, bearer: tokenOf[name]! });
    c.ctx.clientInfo = { ...c.ctx.clientInfo, credential: { userId: who(name).userId, bearer: tokenOf[name]!, ...credential } };
    return { c, answer: await c.handshake() };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-kms-first-'));
    database = await createTestDatabase(dir);
    provider = await startProvider();
    server = await createKmsServer({
      dataDir: dir,
      database: databaseConfigFromUrl(database.url, 4),
      kmsCluster: CLUSTER,
      verifyBearer: async (token) => people.get(token),
      firstDevice: 'approval',
      idpAllowLoopbackHttp: true,
    });
    baseUrl = await server.listen();
  });
  after(async () => {
    await server.close();
    await provider.close();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('approval: a never-enrolled person’s first device is refused without a proof, even with a password credential', async () => {
    for (const credential of [{ device: secret() }, { device: secret(), password: secret() }]) {
      const { answer } = await handshake('ann', credential);
      assert.equal(answer.status, 403);
      assert.match(answer.reason ?? '', /first_device_approval/);
    }
    assert.deepEqual(await readKmsAudit(storage(), { userId: who('ann').userId, action: 'device.enroll' }), []);
  });

  it('approval: the operator’s enrollment code enrolls one device, once; a wrong code enrolls nothing', async () => {
    const code = await issueKmsEnrollmentCode(storage(), who('ann').userId);
    assert.match(code, /^[A-Z2-7]{24}$/);
    assert.equal((await handshake('ann', { device: secret(), recovery: recoveryKey() })).answer.status, 403, 'a guessed code');
    const laptop = secret();
    const password = secret();
    const first = await handshake('ann', { device: laptop, recovery: code, password });
    assert.equal(first.answer.status, 201);
    assert.equal((await handshake('ann', { device: secret(), recovery: code })).answer.status, 403, 'spent');
    // The code brought the first password credential with it: the password now enrolls a browser.
    assert.equal((await handshake('ann', { device: secret(), password })).answer.status, 201);
    assert.equal((await handshake('ann', { device: laptop })).answer.status, 201, 'the enrolled device goes on');
    const enrolled = await readKmsAudit(storage(), { userId: who('ann').userId, action: 'device.enroll' });
    assert.deepEqual(enrolled.map((e) => e.detail), ['enrollment-code', 'password']);
    assert.equal((await readKmsAudit(storage(), { userId: who('ann').userId, action: 'enrollment-code.issue' })).length, 1);
  });

  it('a recovery key, set by an enrolled device, enrolls a new device without another one; a wrong one does not', async () => {
    const code = await issueKmsEnrollmentCode(storage(), who('ben').userId);
    const laptop = secret();
    const { c } = await handshake('ben', { device: laptop, recovery: code });
    const key = recoveryKey();
    assert.equal((await c.request({ method: 'update', uri: '/recovery', recovery: 'not-a-key' })).status, 400);
    assert.equal((await c.request({ method: 'update', uri: '/recovery', recovery: key })).status, 200);
    const wrong = await handshake('ben', { device: secret(), recovery: recoveryKey() });
    assert.equal(wrong.answer.status, 403);
    assert.match(wrong.answer.reason ?? '', /recovery_invalid/);
    const phone = secret();
    const recovered = await handshake('ben', { device: phone, recovery: key });
    assert.equal(recovered.answer.status, 201);
    assert.equal((await handshake('ben', { device: secret(), recovery: key })).answer.status, 201, 'a recovery key is not spent by use');
    const devices = (await recovered.c.request({ method: 'retrieve', uri: '/devices' }))['devices'] as { kind: string; enrolledVia: string }[];
    assert.deepEqual(devices.map((d) => d.kind).sort(), ['device', 'device', 'device', 'recovery']);
    // Another person's recovery key is nothing to Cat.
    assert.equal((await handshake('cat', { device: secret(), recovery: key })).answer.status, 403);
  });

  it('the KMS keeps the organization it first knew a person by: a core naming another is refused', async () => {
    const code = await issueKmsEnrollmentCode(storage(), who('dan').userId);
    const laptop = secret();
    assert.equal((await handshake('dan', { device: laptop, recovery: code })).answer.status, 201);
    people.set(tokenOf['dan']!, { ...who('dan'), orgId: 'elsewhere' });
    const moved = await handshake('dan', { device: laptop });
    assert.equal(moved.answer.status, 403);
    assert.match(moved.answer.reason ?? '', /another organization/);
    people.set(tokenOf['dan']!, { ...who('dan'), orgId: 'plain' });
  });

  it('the operator names the org’s provider; its discovery is read first; list and remove', async () => {
    await assert.rejects(setKmsIdp({ ...storage(), idpAllowLoopbackHttp: false }, { orgId: 'sso', issuer: provider.issuer, clientId: 'flint-client' }), /https/);
    await assert.rejects(setKmsIdp(storage(), { orgId: 'sso', issuer: 'http://127.0.0.1:1', clientId: 'flint-client' }));
    const trust = await setKmsIdp(storage(), { orgId: 'sso', issuer: provider.issuer, clientId: 'flint-client' });
    assert.equal(trust.issuer, provider.issuer);
    assert.deepEqual((await listKmsIdps(storage())).map((t) => t.orgId), ['sso']);
    assert.equal(await removeKmsIdp(storage(), 'nobody'), false);
  });

  const idaDevice = secret();
  it('with the org’s provider required: its proof enrolls a first device; nothing else opens a session', async () => {
    const device = idaDevice;
    const idpSecret = secret();
    const claims = (name: string, s: string = idpSecret) => ({ sub: `sub-${name}`, email: who(name).email, email_verified: true, nonce: idpNonce(s) });

    // No proof: refused (the core's forged token, a first device and a password alike).
    const none = await handshake('ida', { device, password: secret() });
    assert.equal(none.answer.status, 401);
    assert.match(none.answer.reason ?? '', /idp_proof_required/);
    // The core replays Ida's real ID token (it traded the code for it) without the nonce's secret.
    const token = await provider.sign(claims('ida'));
    const replayed = await handshake('ida', { device: secret(), idp: { token, secret: secret() } });
    assert.equal(replayed.answer.status, 403);
    assert.match(replayed.answer.reason ?? '', /idp_proof_invalid/);
    // A token the core signed itself, shaped like the provider's.
    const { privateKey: coreKey } = await generateKeyPair('RS256');
    assert.equal((await handshake('ida', { device: secret(), idp: { token: await provider.sign(claims('ida'), { key: coreKey }), secret: idpSecret } })).answer.status, 403);
    // Expired, and for someone else's address.
    const expired = await handshake('ida', { device: secret(), idp: { token: await provider.sign(claims('ida'), { expSec: -120 }), secret: idpSecret } });
    assert.equal(expired.answer.status, 401);
    assert.match(expired.answer.reason ?? '', /idp_proof_expired/);
    assert.equal((await handshake('ivo', { device: secret(), idp: { token, secret: idpSecret } })).answer.status, 403, 'Ida’s proof is not Ivo’s');
    assert.deepEqual(await readKmsAudit(storage(), { userId: who('ida').userId, action: 'device.enroll' }), []);

    // The real thing: the browser's device with its token and the secret behind the nonce.
    const ok = await handshake('ida', { device, idp: { token, secret: idpSecret } });
    assert.equal(ok.answer.status, 201);
    const [key] = (await ok.c.request({ method: 'create', uri: '/keys', count: 1 }))['keys'] as { uri: string }[];
    assert.ok(key);
    assert.deepEqual((await readKmsAudit(storage(), { userId: who('ida').userId, action: 'device.enroll' })).map((e) => e.detail), ['idp']);
    // The enrolled device still needs a proof at each handshake.
    assert.equal((await handshake('ida', { device })).answer.status, 401);
    assert.equal((await handshake('ida', { device, idp: { token, secret: idpSecret } })).answer.status, 201);
  });

  it('the provider’s subject is pinned to the person at the first proof', async () => {
    const s1 = secret();
    const ivo = await handshake('ivo', { device: secret(), idp: { token: await provider.sign({ sub: 'sub-ivo', email: who('ivo').email, nonce: idpNonce(s1) }), secret: s1 } });
    assert.equal(ivo.answer.status, 201);
    // Later proofs naming another subject for Ivo, or Ivo's subject for Ira, are refused.
    const s2 = secret();
    assert.equal((await handshake('ivo', { device: secret(), idp: { token: await provider.sign({ sub: 'sub-other', email: who('ivo').email, nonce: idpNonce(s2) }), secret: s2 } })).answer.status, 403);
    const s3 = secret();
    assert.equal((await handshake('ira', { device: secret(), idp: { token: await provider.sign({ sub: 'sub-ivo', email: who('ira').email, nonce: idpNonce(s3) }), secret: s3 } })).answer.status, 403);
    // An unverified address is no proof.
    const s4 = secret();
    assert.equal((await handshake('ike', { device: secret(), idp: { token: await provider.sign({ sub: 'sub-ike', email: who('ike').email, email_verified: false, nonce: idpNonce(s4) }), secret: s4 } })).answer.status, 403);
    // The nonce is base64url(SHA-256(secret)), as the SDK computes it.
    assert.equal(idpNonce(s1), createHash('sha256').update(s1).digest('base64url'));
  });

  it('removing the org’s provider: the person’s enrolled device works again without a proof', async () => {
    assert.equal(await removeKmsIdp(storage(), 'sso'), true);
    assert.equal((await handshake('ida', { device: idaDevice })).answer.status, 201);
    const device = secret();
    const s = secret();
    assert.equal((await handshake('ike', { device, idp: { token: await provider.sign({ sub: 'sub-ike', email: who('ike').email, nonce: idpNonce(s) }), secret: s } })).answer.status, 403, 'no trust: a proof enrolls nothing under approval');
  });
});
