/**
 * Issue 18, "Beyond Webex": the KMS trusts the org's own identity provider. The KMS's operator
 * names the org's OpenID Provider (`flint kms idp set`, a real process; the core has no say). From
 * then on every KMS handshake of the org's people must carry the provider's ID token for that very
 * device's sign-in: the browser chose the sign-in's nonce as SHA-256 of a secret it keeps, the core
 * relayed the token back (`#/sso-proof/<token>`), and the KMS checks signature (the provider's
 * JWKS), issuer, audience, expiry, the nonce's secret, and the address. So a token the core mints —
 * a forged row, even with a device of the person's, even with the real ID token the core traded the
 * code for — gets no key. Against `oidc-provider` on loopback. Runs on SQLite, or on PostgreSQL +
 * Redis when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readKmsAudit } from '@flint/kms';
import { FlintError, idpNonce, newDeviceSecret, type FlintClient, type SecureRoom, type Session } from '@flint/sdk';
import { FLINT_BIN, raw, startFlint, startOidcIdp, TEST_PASSWORD, type TestFlint, type TestIdp } from '@flint/testkit';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

/** What a browser does from the sign-in page to the callback, with a nonce of its own: answers the callback's redirect and session cookie. */
async function signInThroughIdp(flint: TestFlint, idp: TestIdp, email: string, login: string, password: string, nonce: string): Promise<{ location: string; cookie: string }> {
  const start = await raw(flint.url, 'POST', '/api/auth/sso/start', { body: { email, nonce } });
  assert.equal(start.status, 200, start.text);
  let url = (start.json as { redirectUrl: string }).redirectUrl;
  assert.equal(new URL(url).searchParams.get('nonce'), nonce, 'the browser’s nonce goes to the provider');
  const jar = new Map<string, string>();
  let form: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(`${flint.url}/api/auth/sso/callback`)) {
      const res = await fetch(url, { redirect: 'manual' });
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('flint_session='));
      return { location: res.headers.get('location') ?? '', cookie: cookie!.split(';')[0]! };
    }
    const res = await fetch(url, {
      redirect: 'manual',
      method: form ? 'POST' : 'GET',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: form.toString() } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      jar.set(pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1));
    }
    form = undefined;
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      continue;
    }
    const html = await res.text();
    form = new URLSearchParams({ login, password });
    url = new URL(/action="([^"]+)"/.exec(html)![1]!, url).href;
  }
  throw new Error('too many redirects');
}

describe('the KMS requires proof from the org’s own identity provider (issue 18)', () => {
  let flint: TestFlint;
  let idp: TestIdp;
  let ada: FlintClient;
  let adaSecure: Session;
  let bob: FlintClient;
  let cy: FlintClient;
  let space: SecureRoom;
  let realIdToken = '';
  let bobDevice = '';
  const sessions: Session[] = [];

  function kmsCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [FLINT_BIN, 'kms', '--data', flint.config.kmsDataDir, ...args], { env: { ...process.env, FLINT_KMS_IDP_ALLOW_LOOPBACK_HTTP: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  /** A bearer for the session of a web cookie, as the web app mints one. */
  async function clientOfCookie(cookie: string): Promise<FlintClient> {
    const res = await raw(flint.url, 'POST', '/api/auth/web-token', { headers: { cookie, 'x-flint-csrf': '1' } });
    assert.equal(res.status, 200, res.text);
    const client = flint.client();
    client.useToken((res.json as { accessToken: string }).accessToken);
    return client;
  }

  before(async () => {
    flint = await startFlint({ env: { FLINT_SSO_ALLOW_LOOPBACK_HTTP: 'true', FLINT_KMS_IDP_ALLOW_LOOPBACK_HTTP: 'true' } });
    ada = await flint.signup({ email: 'ada@idp.test', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@idp.test', displayName: 'Bob' });
    cy = await flint.signup({ email: 'cy@idp.test', displayName: 'Cy' });
    idp = await startOidcIdp({
      redirectUris: [`${flint.url}/api/auth/sso/callback`],
      accounts: [{ login: 'bob', password: 'idp-pass-bob', email: 'bob@idp.test', name: 'Bob' }],
      idTokenClaims: true,
    });
    const put = await raw(flint.url, 'PUT', '/api/admin/sso', {
      token: ada.transport.accessToken!,
      body: { protocol: 'oidc', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, enabled: true, jit: false, requireSso: false },
    });
    assert.equal(put.status, 200, put.text);
    adaSecure = await flint.connect(ada, { deviceId: 'ada-laptop' });
    sessions.push(adaSecure);
    space = await adaSecure.spaces.create({ title: 'Sealed for the org' });
    await adaSecure.members.add(space.id, { personId: bob.session!.personId });
    await adaSecure.members.add(space.id, { personId: cy.session!.personId });
    await adaSecure.messages.send({ roomId: space.id, text: 'for Bob and Cy' });
  });
  after(async () => {
    for (const s of sessions) s.close();
    await idp.close();
    await flint.stop();
  });

  it('the KMS’s operator names the org’s provider (its discovery checked); the core has no path to it', async () => {
    const orgId = (await ada.people.me()).orgId!;
    const bad = await kmsCli(['idp', 'set', '--org', orgId, '--issuer', 'http://127.0.0.1:1', '--client-id', idp.clientId]);
    assert.notEqual(bad.code, 0);
    const set = await kmsCli(['idp', 'set', '--org', orgId, '--issuer', idp.issuer, '--client-id', idp.clientId]);
    assert.equal(set.code, 0, set.stderr);
    const list = await kmsCli(['idp', 'list']);
    assert.match(list.stdout, new RegExp(`^${orgId}\\t${idp.issuer.replace(/[.]/g, '\\.')}\\t${idp.clientId}\\t`, 'm'));
  });

  it('after SSO with the browser’s nonce, its ID token and secret open the KMS; the web app’s way', async () => {
    const secret = newDeviceSecret();
    const landing = await signInThroughIdp(flint, idp, 'bob@idp.test', 'bob', 'idp-pass-bob', await idpNonce(secret));
    assert.match(landing.location, /^\/#\/sso-proof\/[\w-]+\.[\w-]+\.[\w-]+$/);
    realIdToken = landing.location.slice('/#/sso-proof/'.length);
    const claims = claimsOf(realIdToken);
    assert.equal(claims['nonce'], await idpNonce(secret));
    assert.equal(claims['email'], 'bob@idp.test');
    const asBob = await clientOfCookie(landing.cookie);
    bobDevice = newDeviceSecret();
    // Without the proof, Bob's own first device is refused: the org's KMS wants the provider's word.
    await assert.rejects(flint.connect(asBob, { deviceId: 'bob-noproof', kmsCredential: { device: bobDevice } }), (e: unknown) => e instanceof FlintError && e.status === 401 && /idp_proof_required/.test(e.message));
    const secure = await flint.connect(asBob, { deviceId: 'bob-browser', kmsCredential: { device: bobDevice, idp: { token: realIdToken, secret } } });
    sessions.push(secure);
    assert.deepEqual((await secure.messages.list({ roomId: space.id })).items.map((m) => m.text), ['for Bob and Cy']);
    const enrolled = await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { userId: bob.session!.personId, action: 'device.enroll' });
    assert.deepEqual(enrolled.map((e) => e.detail), ['idp']);
  });

  it('a token the core mints gets no key: alone, with the person’s device, or with the real ID token it relayed', async () => {
    const bobId = bob.session!.personId;
    const forged = `fla-${randomBytes(32).toString('hex')}_us_00000000-0000-4000-8000-000000000000`;
    await flint.server.core.db.insertInto('access_tokens').values({ hash: sha256(forged), scope: 'api', session_id: bob.session!.sessionId, person_id: bobId, expires_at: null, created_at: Date.now() }).execute();
    const asBob = flint.client();
    asBob.useToken(forged);
    assert.equal((await asBob.people.me()).id, bobId, 'the core takes the forgery for Bob');
    const refused = (pattern: RegExp) => (e: unknown) => e instanceof FlintError && (e.status === 401 || e.status === 403) && pattern.test(e.message);
    // A fresh device, and even Bob's enrolled device secret (as if the core had it): no proof, no session.
    await assert.rejects(flint.connect(asBob, { deviceId: 'forged-1', kmsCredential: { device: newDeviceSecret() } }), refused(/idp_proof_required/));
    await assert.rejects(flint.connect(asBob, { deviceId: 'forged-2', kmsCredential: { device: bobDevice } }), refused(/idp_proof_required/));
    // The core saw Bob's real ID token at the callback: without the browser's secret it proves nothing.
    await assert.rejects(flint.connect(asBob, { deviceId: 'forged-3', kmsCredential: { device: bobDevice, idp: { token: realIdToken, secret: newDeviceSecret() } } }), refused(/idp_proof_invalid/));
    // A token the core signs itself in the provider's shape.
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'core' })).toString('base64url');
    const fake = `${header}.${Buffer.from(JSON.stringify({ ...claimsOf(realIdToken), nonce: await idpNonce(bobDevice) })).toString('base64url')}.${randomBytes(256).toString('base64url')}`;
    await assert.rejects(flint.connect(asBob, { deviceId: 'forged-4', kmsCredential: { device: bobDevice, idp: { token: fake, secret: bobDevice } } }), refused(/idp_proof_invalid/));
  });

  it('the first-use window is closed for the org’s people: a forged session for Cy, who never used the KMS, enrolls nothing', async () => {
    const cyId = cy.session!.personId;
    const forged = `fla-${randomBytes(32).toString('hex')}_us_00000000-0000-4000-8000-000000000000`;
    await flint.server.core.db.insertInto('access_tokens').values({ hash: sha256(forged), scope: 'api', session_id: cy.session!.sessionId, person_id: cyId, expires_at: null, created_at: Date.now() }).execute();
    const asCy = flint.client();
    asCy.useToken(forged);
    await assert.rejects(flint.connect(asCy, { deviceId: 'forged-cy', kmsCredential: { device: newDeviceSecret() } }), (e: unknown) => e instanceof FlintError && /idp_proof_required/.test(e.message));
    // Nor does Bob's proof, presented for Cy.
    await assert.rejects(flint.connect(asCy, { deviceId: 'forged-cy-2', kmsCredential: { device: newDeviceSecret(), idp: { token: realIdToken, secret: newDeviceSecret() } } }), (e: unknown) => e instanceof FlintError && /idp_proof_invalid/.test(e.message));
    assert.deepEqual(await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { userId: cyId, action: 'device.enroll' }), []);
    // Cy's password sign-in is the core's word too: refused the same way.
    const login = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'cy@idp.test', password: TEST_PASSWORD } });
    const asCyForReal = flint.client();
    asCyForReal.useToken((login.json as { accessToken: string }).accessToken);
    await assert.rejects(flint.connect(asCyForReal, { deviceId: 'cy-password', kmsCredential: { device: newDeviceSecret() } }), (e: unknown) => e instanceof FlintError && /idp_proof_required/.test(e.message));
  });

  it('the KMS learns the person’s address from the core’s introspection (RFC 7662 `username`), for a KMS run elsewhere', async () => {
    const exchanged = await raw(flint.url, 'POST', '/api/auth/token', {
      body: { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: bob.transport.accessToken!, scope: 'spark:kms' },
    });
    assert.equal(exchanged.status, 200, exchanged.text);
    const token = (exchanged.json as { access_token: string }).access_token;
    const answer = await raw(flint.url, 'POST', '/api/auth/introspect', { body: { token } });
    assert.deepEqual({ ...(answer.json as Record<string, unknown>) }, { active: true, sub: bob.session!.personId, org_id: (answer.json as { org_id: string }).org_id, username: 'bob@idp.test', scope: 'spark:kms' });
  });
});
