/**
 * OpenID Connect single sign-on per org (issue 18): the admin's settings, the code flow with PKCE
 * through a real OpenID Provider on loopback (`oidc-provider`), just-in-time accounts, the refusals
 * (outside the org's domains, no account, a replayed or forged callback) and "require SSO".
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf, freePort, raw, startFlint, startOidcIdp, TEST_PASSWORD, type TestFlint, type TestIdp } from '@flint/testkit';
import type { FlintClient } from '@flint/sdk';

interface Landing {
  status: number;
  location: string;
  sessionCookie: string | undefined;
  callbackUrl: string;
}

/** Does what a browser does from the sign-in page to the callback: redirects, the IdP's form, its cookies. */
async function signInThroughIdp(flint: TestFlint, idp: TestIdp, email: string, login: string, password: string): Promise<Landing> {
  const start = await raw(flint.url, 'POST', '/api/auth/sso/start', { body: { email } });
  assert.equal(start.status, 200, start.text);
  const { sso, redirectUrl } = start.json as { sso: boolean; redirectUrl: string };
  assert.equal(sso, true);
  assert.ok(redirectUrl.startsWith(`${idp.issuer}/`), redirectUrl);
  const search = new URL(redirectUrl).searchParams;
  assert.equal(search.get('code_challenge_method'), 'S256');
  assert.ok(search.get('nonce') && search.get('state'));
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let url = redirectUrl;
  let form: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(`${flint.url}/api/auth/sso/callback`)) {
      const res = await fetch(url, { redirect: 'manual' });
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('flint_session='));
      return { status: res.status, location: res.headers.get('location') ?? '', sessionCookie: cookie?.split(';')[0], callbackUrl: url };
    }
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: cookieHeader(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, method: form ? 'POST' : 'GET', ...(form ? { body: form.toString() } : {}) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    form = undefined;
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      continue;
    }
    const html = await res.text();
    assert.equal(res.status, 200, html);
    assert.match(html, /Test IdP sign-in/);
    form = new URLSearchParams({ login, password });
    url = new URL(/action="([^"]+)"/.exec(html)![1]!, url).href;
  }
  throw new Error('too many redirects');
}

describe('OIDC single sign-on', () => {
  let flint: TestFlint;
  let idp: TestIdp;
  let ada: FlintClient;
  let adaToken: string;
  let bob: FlintClient;

  before(async () => {
    flint = await startFlint({ env: { FLINT_SSO_ALLOW_LOOPBACK_HTTP: 'true' } });
    ada = await flint.signup({ email: 'ada@example.com' });
    bob = await flint.signup({ email: 'bob@example.com' });
    adaToken = ((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'ada@example.com', password: TEST_PASSWORD } })).json as { accessToken: string }).accessToken;
    idp = await startOidcIdp({
      redirectUris: [`${flint.url}/api/auth/sso/callback`],
      accounts: [
        { login: 'bob', password: 'idp-pass-bob', email: 'bob@example.com', name: 'Bob B' },
        { login: 'cy', password: 'idp-pass-cy', email: 'cy@example.com', name: 'Cy Newcomer' },
        { login: 'mallory', password: 'idp-pass-mal', email: 'mallory@elsewhere.test', name: 'Mallory' },
        { login: 'unverified', password: 'idp-pass-unv', email: 'dee@example.com', name: 'Dee', emailVerified: false },
      ],
    });
  });
  after(async () => {
    await idp.close();
    await flint.stop();
  });

  const put = (body: Record<string, unknown>, token = adaToken) => raw(flint.url, 'PUT', '/api/admin/sso', { token, body });
  const config = (over: Record<string, unknown> = {}) => ({ protocol: 'oidc', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, enabled: true, jit: false, requireSso: false, ...over });

  it('an admin sets the provider (checked by its discovery document); the secret never comes back; others are refused', async () => {
    assert.equal((await raw(flint.url, 'GET', '/api/admin/sso', { token: adaToken })).status, 404);
    const bobLogin = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } });
    const asBob = await put(config(), (bobLogin.json as { accessToken: string }).accessToken);
    assert.equal(asBob.status, 403);
    // Not https: refused without a request leaving the machine.
    const plain = await put(config({ issuer: 'http://10.1.2.3/idp' }));
    assert.equal(plain.status, 400);
    assert.match(errorOf(plain).message, /https/);
    // Nothing answers there: the discovery document cannot be read.
    const nobody = await put(config({ issuer: `http://127.0.0.1:${await freePort()}` }));
    assert.equal(nobody.status, 400);
    assert.match(errorOf(nobody).message, /discovery/);
    assert.equal((await raw(flint.url, 'GET', '/api/admin/sso', { token: adaToken })).status, 404, 'a refused setting changed nothing');
    const ok = await put(config());
    assert.equal(ok.status, 200, ok.text);
    const shown = ok.json as Record<string, unknown>;
    assert.equal(shown['hasClientSecret'], true);
    assert.equal(shown['redirectUri'], `${flint.url}/api/auth/sso/callback`);
    assert.ok(!JSON.stringify(shown).includes(idp.clientSecret));
    assert.ok(!flint.logText().includes(idp.clientSecret), 'the secret is not logged');
    const audit = await raw(flint.url, 'GET', '/api/admin/audit/events', { token: adaToken });
    assert.ok(!audit.text.includes(idp.clientSecret), 'nor written to the audit log');
    assert.match(audit.text, /ssoIssuer/);
  });

  it('addresses outside an org with SSO are not sent anywhere', async () => {
    const res = await raw(flint.url, 'POST', '/api/auth/sso/start', { body: { email: 'someone@nowhere.test' } });
    assert.deepEqual(res.json, { sso: false });
  });

  it('a person of the org signs in through the IdP (code + PKCE) and gets a web session', async () => {
    const landing = await signInThroughIdp(flint, idp, 'bob@example.com', 'bob', 'idp-pass-bob');
    assert.equal(landing.status, 303);
    assert.equal(landing.location, '/');
    assert.ok(landing.sessionCookie);
    const me = await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie: landing.sessionCookie } });
    assert.equal(me.status, 200, me.text);
    assert.equal((me.json as { emails: string[] }).emails[0], 'bob@example.com');
    // The callback is single use: replayed, it signs nobody in.
    const replay = await fetch(landing.callbackUrl, { redirect: 'manual' });
    assert.equal(replay.status, 303);
    assert.equal(replay.headers.get('location'), '/#/sso-error/expired');
    assert.equal(replay.headers.getSetCookie().filter((c) => c.startsWith('flint_session=')).length, 0);
  });

  it('sign-out: the provider’s end-session URL (RP-initiated logout) with the ID token as hint; none for a password session', async () => {
    const landing = await signInThroughIdp(flint, idp, 'bob@example.com', 'bob', 'idp-pass-bob');
    const headers = { cookie: landing.sessionCookie!, 'x-flint-csrf': '1' };
    const slo = await raw(flint.url, 'POST', '/api/auth/sso/logout', { headers });
    assert.equal(slo.status, 200, slo.text);
    const url = new URL((slo.json as { redirectUrl: string }).redirectUrl);
    assert.ok(url.href.startsWith(`${idp.issuer}/`), url.href);
    assert.equal(url.searchParams.get('post_logout_redirect_uri'), `${flint.url}/`);
    assert.equal(url.searchParams.get('id_token_hint')?.split('.').length, 3);
    assert.equal(((await raw(flint.url, 'GET', '/api/admin/sso', { token: adaToken })).json as { singleLogout: boolean }).singleLogout, true);
    // Ada signed in with her password: nothing to end at the provider.
    const password = await raw(flint.url, 'POST', '/api/auth/sso/logout', { token: adaToken });
    assert.deepEqual(password.json, {});
    assert.equal((await raw(flint.url, 'POST', '/api/auth/sso/logout')).status, 401);
  });

  it('a forged callback (unknown state, or a made-up code) signs nobody in', async () => {
    const forged = await fetch(`${flint.url}/api/auth/sso/callback?state=made-up&code=made-up`, { redirect: 'manual' });
    assert.equal(forged.headers.get('location'), '/#/sso-error/expired');
    // A real state with a code the IdP never issued: the token request fails.
    const start = (await raw(flint.url, 'POST', '/api/auth/sso/start', { body: { email: 'bob@example.com' } })).json as { redirectUrl: string };
    const state = new URL(start.redirectUrl).searchParams.get('state')!;
    const fake = await fetch(`${flint.url}/api/auth/sso/callback?state=${encodeURIComponent(state)}&code=forged-code&iss=${encodeURIComponent(idp.issuer)}`, { redirect: 'manual' });
    assert.equal(fake.headers.get('location'), '/#/sso-error/refused');
    assert.equal(fake.headers.getSetCookie().filter((c) => c.startsWith('flint_session=')).length, 0);
  });

  it('refuses an address outside the org’s verified domains, and an unverified address', async () => {
    const outside = await signInThroughIdp(flint, idp, 'bob@example.com', 'mallory', 'idp-pass-mal');
    assert.equal(outside.location, '/#/sso-error/outside_domains');
    assert.equal(outside.sessionCookie, undefined);
    const unverified = await signInThroughIdp(flint, idp, 'dee@example.com', 'unverified', 'idp-pass-unv');
    assert.equal(unverified.location, '/#/sso-error/refused');
  });

  it('an unknown person gets no account, unless the org allows just-in-time accounts', async () => {
    const refused = await signInThroughIdp(flint, idp, 'cy@example.com', 'cy', 'idp-pass-cy');
    assert.equal(refused.location, '/#/sso-error/no_account');
    assert.equal((await put(config({ jit: true, clientSecret: undefined }))).status, 200);
    const made = await signInThroughIdp(flint, idp, 'cy@example.com', 'cy', 'idp-pass-cy');
    assert.equal(made.location, '/');
    const me = (await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie: made.sessionCookie! } })).json as { displayName: string };
    assert.equal(me.displayName, 'Cy Newcomer');
  });

  it('“require SSO” turns password sign-in off for the org’s people; an admin keeps a password (break-glass)', async () => {
    assert.equal((await put(config({ requireSso: true, clientSecret: undefined }))).status, 200);
    const bobLogin = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } });
    assert.equal(bobLogin.status, 403);
    assert.equal(errorOf(bobLogin).code, 'sso_required');
    // Nor does sign-up make a password account around the provider.
    const signup = await raw(flint.url, 'POST', '/api/auth/signup', { body: { email: 'newcomer@example.com', password: TEST_PASSWORD, displayName: 'New' } });
    assert.equal(signup.status, 403);
    assert.equal(errorOf(signup).code, 'sso_required');
    const adaLogin = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'ada@example.com', password: TEST_PASSWORD } });
    assert.equal(adaLogin.status, 200);
    // Through the IdP it still works.
    assert.equal((await signInThroughIdp(flint, idp, 'bob@example.com', 'bob', 'idp-pass-bob')).location, '/');
    // Forgetting the provider gives passwords back.
    assert.equal((await raw(flint.url, 'DELETE', '/api/admin/sso', { token: adaToken })).status, 204);
    assert.equal((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } })).status, 200);
    assert.deepEqual((await raw(flint.url, 'POST', '/api/auth/sso/start', { body: { email: 'bob@example.com' } })).json, { sso: false });
    void ada;
    void bob;
  });
});
