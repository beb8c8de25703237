/**
 * Sign-up, sign-in, refresh and sign-out over HTTP (SPEC ID-1, ID-2, ID-5, SEC-4), on the engine
 * FLINT_TEST_DATABASE_URL selects.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlintError } from '@flint/sdk';
import { KmsClient, fetchKmsInfo, httpKmsTransport } from '@flint/sdk/testing/kms';
import { raw, startFlint, TEST_PASSWORD, type TestFlint } from '@flint/testkit';

describe('auth', () => {
  let flint: TestFlint;
  before(async () => {
    flint = await startFlint({ env: { FLINT_LOGIN_FAILURES_PER_EMAIL: '3' } });
  });
  after(() => flint.stop());

  it('makes the first person of a fresh install the admin of an org owning their domain (ID-2)', async () => {
    const ada = await flint.signup({ email: 'Ada@Example.com', displayName: 'Ada Lovelace' });
    const me = await ada.people.me();
    assert.deepEqual(me.emails, ['ada@example.com']);
    assert.deepEqual(me.roles, ['org_admin']);
    assert.equal(me.displayName, 'Ada Lovelace');
    const [org] = await ada.organizations.list();
    assert.deepEqual(org?.domains?.map((d) => [d.domain, d.verified]), [['example.com', true]]);
  });

  it('opens sign-up to the org’s domain only, afterwards', async () => {
    const bob = await flint.signup({ email: 'bob@example.com' });
    const me = await bob.people.me();
    assert.equal(me.roles?.length, 0);
    const outsider = await raw(flint.url, 'POST', '/api/auth/signup', { body: { email: 'eve@evil.test', password: TEST_PASSWORD, displayName: 'Eve' } });
    assert.equal(outsider.status, 403);
    assert.equal((outsider.json as { code: string }).code, 'signup_closed');
  });

  it('makes no second account for the same address, whatever its case; mails its owner instead of answering 409', async () => {
    const again = await raw(flint.url, 'POST', '/api/auth/signup', { body: { email: 'BOB@example.com', password: TEST_PASSWORD, displayName: 'Bob' } });
    assert.equal(again.status, 202);
    assert.deepEqual(Object.keys(again.json as object), ['message'], 'no session, no tokens');
    assert.equal(again.headers.get('set-cookie'), null);
    assert.doesNotMatch(again.text, /already|account|exists/i);
    const people = await flint.server.core.db.selectFrom('people').select('id').where('email', '=', 'bob@example.com').execute();
    assert.equal(people.length, 1);
    assert.ok((await flint.outbox()).some((m) => m.to === 'bob@example.com' && /already has an account/.test(m.text)));
  });

  it('signs in, answering tokens, a session id and an HttpOnly SameSite cookie', async () => {
    const response = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } });
    assert.equal(response.status, 200);
    const body = response.json as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['accessToken', 'expiresIn', 'personId', 'refreshToken', 'sessionId']);
    assert.equal(body['expiresIn'], 3600);
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^flint_session=flc_/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    // Beside it, a readable hint holding no secret: the web app asks for a token only when it is there.
    const hint = response.headers.getSetCookie().find((c) => c.startsWith('flint_signed_in='));
    assert.ok(hint !== undefined && /^flint_signed_in=1;/.test(hint) && !/HttpOnly/i.test(hint) && /SameSite=Strict/.test(hint), hint);
  });

  it('answers a wrong password and an unknown address alike, with 401', async () => {
    const wrong = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'ada@example.com', password: 'not the password' } });
    const unknown = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'nobody@example.com', password: 'not the password' } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal((wrong.json as { message: string }).message, (unknown.json as { message: string }).message);
  });

  it('locks sign-in for an address after repeated failures, with 429 and Retry-After — even for the right password', async () => {
    await flint.signup({ email: 'carol@example.com' });
    for (let i = 0; i < 3; i++) {
      const r = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'carol@example.com', password: 'guess ' + i } });
      assert.equal(r.status, 401);
    }
    const locked = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'carol@example.com', password: TEST_PASSWORD } });
    assert.equal(locked.status, 429);
    assert.equal((locked.json as { code: string }).code, 'rate_limited');
    const retryAfter = Number(locked.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`);
    // Another address is not affected.
    const other = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } });
    assert.equal(other.status, 200);
  });

  it('rotates refresh tokens; a spent one revokes the whole session (ID-5)', async () => {
    const client = flint.client();
    const first = await client.auth.login({ email: 'bob@example.com', password: TEST_PASSWORD });
    const second = await client.auth.refresh();
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(second.sessionId, first.sessionId);
    assert.equal((await client.people.me()).emails[0], 'bob@example.com');
    // The first access token is still valid until it expires; the first refresh token is spent.
    const replay = await raw(flint.url, 'POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    assert.equal(replay.status, 401);
    // Replaying it counted as theft: the session is gone, so even the newest tokens fail.
    const after = await raw(flint.url, 'GET', '/api/people/me', { token: second.accessToken });
    assert.equal(after.status, 401);
    const refreshAgain = await raw(flint.url, 'POST', '/api/auth/refresh', { body: { refreshToken: second.refreshToken } });
    assert.equal(refreshAgain.status, 401);
  });

  it('signs out: the access token, refresh token and cookie stop working', async () => {
    const login = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } });
    const tokens = login.json as { accessToken: string; refreshToken: string };
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie } })).status, 200);
    const out = await raw(flint.url, 'POST', '/api/auth/logout', { token: tokens.accessToken });
    assert.equal(out.status, 204);
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token: tokens.accessToken })).status, 401);
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie } })).status, 401);
    assert.equal((await raw(flint.url, 'POST', '/api/auth/refresh', { body: { refreshToken: tokens.refreshToken } })).status, 401);
  });

  it('accepts the cookie for reads, and for writes only with the X-Flint-CSRF header', async () => {
    const login = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const forged = await raw(flint.url, 'PUT', '/api/people/me', { headers: { cookie }, body: { displayName: 'Forged' } });
    assert.equal(forged.status, 403);
    const ours = await raw(flint.url, 'PUT', '/api/people/me', { headers: { cookie, 'x-flint-csrf': '1' }, body: { displayName: 'Bob B' } });
    assert.equal(ours.status, 200);
    assert.equal((ours.json as { displayName: string }).displayName, 'Bob B');
  });

  it('gives the web cookie (with the CSRF header), and only it, a fresh access token of its session (ID-5)', async () => {
    const login = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } });
    const tokens = login.json as { accessToken: string; sessionId: string };
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.equal((await raw(flint.url, 'POST', '/api/auth/web-token', { headers: { cookie } })).status, 403, 'no CSRF header');
    const byBearer = await raw(flint.url, 'POST', '/api/auth/web-token', { token: tokens.accessToken });
    assert.equal(byBearer.status, 403);
    assert.equal((byBearer.json as { code: string }).code, 'forbidden');
    const minted = await raw(flint.url, 'POST', '/api/auth/web-token', { headers: { cookie, 'x-flint-csrf': '1' } });
    assert.equal(minted.status, 200);
    const web = minted.json as { accessToken: string; sessionId: string; expiresIn: number };
    assert.equal(web.sessionId, tokens.sessionId);
    assert.notEqual(web.accessToken, tokens.accessToken);
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token: web.accessToken })).status, 200);
    // It dies with its session.
    const out = await raw(flint.url, 'POST', '/api/auth/logout', { headers: { cookie, 'x-flint-csrf': '1' } });
    assert.equal(out.status, 204);
    assert.ok(out.headers.getSetCookie().some((c) => /^flint_signed_in=;/.test(c)), 'the hint is cleared with the session cookie');
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token: web.accessToken })).status, 401);
    assert.equal((await raw(flint.url, 'POST', '/api/auth/web-token', { headers: { cookie, 'x-flint-csrf': '1' } })).status, 401);
  });

  it('rejects a missing, malformed or unknown bearer token with 401', async () => {
    assert.equal((await raw(flint.url, 'GET', '/api/people/me')).status, 401);
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { headers: { authorization: 'Basic Ym9iOnB3' } })).status, 401);
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token: 'fla_' + 'A'.repeat(43) })).status, 401);
    // A well-shaped token (the Webex SDK shape, PL-2) that was never issued is refused too.
    const real = (await flint.signup({ email: 'shape@example.com' })).session!.accessToken;
    assert.match(real, /^fla-[0-9a-f]{64}_us_[0-9a-f-]{36}$/);
    const forgedSecret = real.replace(/^fla-[0-9a-f]{8}/, 'fla-00000000');
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token: forgedSecret })).status, 401);
  });

  it('tells the SDK why it failed, with the tracking id', async () => {
    const client = flint.client();
    await assert.rejects(client.auth.login({ email: 'bob@example.com', password: 'nope nope nope' }), (e: unknown) => {
      assert.ok(e instanceof FlintError);
      assert.equal(e.status, 401);
      assert.equal(e.code, 'invalid_credentials');
      assert.match(e.trackingId ?? '', /^FLINT_/);
      return true;
    });
  });
});

describe('auth with short-lived tokens', () => {
  it('expires access tokens and says so, and refresh brings a working one', async () => {
    await using flint = await startFlint({ env: { FLINT_ACCESS_TOKEN_TTL: '1' } });
    const ada = await flint.signup({ email: 'ada@example.org' });
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await raw(flint.url, 'GET', '/api/people/me', { token: ada.session!.accessToken });
    assert.equal(expired.status, 401);
    assert.equal((expired.json as { code: string }).code, 'token_expired');
    await ada.auth.refresh();
    assert.equal((await ada.people.me()).emails[0], 'ada@example.org');
  });
});

describe('KMS-scoped tokens (RFC 8693)', () => {
  it('exchanges an access token for a spark:kms token that only the KMS accepts', async () => {
    await using flint = await startFlint();
    const ada = await flint.signup({ email: 'ada@example.com' });
    const json = await raw(flint.url, 'POST', '/api/auth/token', {
      body: { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: ada.session!.accessToken, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', scope: 'spark:kms' },
    });
    assert.equal(json.status, 200);
    const exchanged = json.json as { access_token: string; token_type: string; scope: string; expires_in: number; issued_token_type: string };
    assert.match(exchanged.access_token, /^flk_/);
    assert.equal(exchanged.scope, 'spark:kms');
    assert.equal(exchanged.token_type, 'Bearer');
    const form = await raw(flint.url, 'POST', '/api/auth/token', {
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: ada.session!.accessToken, scope: 'spark:kms' }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    assert.equal(form.status, 200, form.text);
    // The core's API refuses a KMS token…
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token: exchanged.access_token })).status, 401);
    // …a KMS token cannot be exchanged again, and a wrong scope or grant is a 400.
    const again = await raw(flint.url, 'POST', '/api/auth/token', { body: { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: exchanged.access_token, scope: 'spark:kms' } });
    assert.equal(again.status, 401);
    const scope = await raw(flint.url, 'POST', '/api/auth/token', { body: { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: ada.session!.accessToken, scope: 'spark:all' } });
    assert.equal(scope.status, 400);
    // Introspection reports KMS tokens only, with the address (RFC 7662 `username`) the KMS binds an IdP proof to.
    assert.deepEqual((await raw(flint.url, 'POST', '/api/auth/introspect', { body: { token: exchanged.access_token } })).json, { active: true, sub: ada.session!.personId, org_id: (await ada.people.me()).orgId, username: 'ada@example.com', scope: 'spark:kms' });
    assert.deepEqual((await raw(flint.url, 'POST', '/api/auth/introspect', { body: { token: ada.session!.accessToken } })).json, { active: false });
    // The KMS takes the KMS token and refuses the API token.
    const info = await fetchKmsInfo(flint.url);
    const kms = (bearer: string) => new KmsClient({ transport: httpKmsTransport(flint.url), kmsCluster: info.kmsCluster, rsaPublicKey: info.rsaPublicKey, bearer: () => bearer, clientId: 'test' });
    const kmsToken = await ada.auth.kmsToken();
    const client = kms(kmsToken);
    await client.ping();
    await assert.rejects(kms(ada.session!.accessToken).ping());
    // Signing out ends the KMS token with the session, at once: the KMS's bearer check is cached per
    // token (identity/auth-cache.ts), and signing out clears it.
    await client.ping();
    await ada.auth.logout();
    assert.deepEqual((await raw(flint.url, 'POST', '/api/auth/introspect', { body: { token: kmsToken } })).json, { active: false });
    await assert.rejects(client.ping());
  });
});
