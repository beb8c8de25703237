/**
 * SAML 2.0 single sign-on per org (issue 18, SPEC ID-6), over plain HTTP against a real SAML IdP on
 * loopback (testkit `startSamlIdp`: samlify's IdP, signing with a key made at start; Flint's side is
 * @node-saml/node-saml): the admin imports the IdP's metadata (URL or pasted XML; bad metadata 400,
 * nothing saved); SP-initiated and IdP-initiated sign-in; refused: a tampered assertion, an unsigned
 * one, a wrong audience, an expired one, an unknown InResponseTo, a replayed response, an address
 * outside the org's domains; just-in-time accounts; require-SSO with the break-glass admin; single
 * logout both ways (and an unsigned LogoutRequest refused). Runs on SQLite, or on PostgreSQL when
 * FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { errorOf, raw, startFlint, startSamlIdp, TEST_PASSWORD, type TestFlint, type TestSamlIdp } from '@flint/testkit';

interface Landing {
  status: number;
  location: string;
  cookie: string | undefined;
}

describe('SAML single sign-on', () => {
  let flint: TestFlint;
  let idp: TestSamlIdp;
  let adaToken: string;
  let sp: { entityId: string; metadataUrl: string; acsUrl: string; sloUrl: string };

  const post = async (url: string, fields: Record<string, string>): Promise<Response> =>
    fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const land = async (res: Response): Promise<Landing> => ({
    status: res.status,
    location: res.headers.get('location') ?? '',
    cookie: res.headers
      .getSetCookie()
      .find((c) => c.startsWith('flint_session='))
      ?.split(';')[0],
  });
  const acs = async (samlResponse: string): Promise<Landing> => land(await post(sp.acsUrl, { SAMLResponse: samlResponse }));
  const me = async (cookie: string) => (await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie } })).status;
  const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  const encode = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
  const deflate = (xml: string) => deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64');
  const put = (body: Record<string, unknown>, token = adaToken) => raw(flint.url, 'PUT', '/api/admin/sso', { token, body });
  const settings = (over: Record<string, unknown> = {}) => ({ protocol: 'saml', metadataUrl: idp.metadataUrl, enabled: true, jit: false, requireSso: false, ...over });

  /** What a browser does from Flint's sign-in page: the IdP's page, its form, and its auto-posted answer to the ACS. */
  async function spInitiated(email: string, login: string, password: string): Promise<Landing & { samlResponse: string }> {
    const start = await raw(flint.url, 'POST', '/api/auth/sso/start', { body: { email } });
    assert.equal(start.status, 200, start.text);
    const { sso, redirectUrl } = start.json as { sso: boolean; redirectUrl: string };
    assert.equal(sso, true);
    assert.ok(redirectUrl.startsWith(`${idp.metadataUrl.replace('/metadata', '')}/sso?SAMLRequest=`), redirectUrl);
    const page = await fetch(redirectUrl);
    const html = await page.text();
    assert.equal(page.status, 200, html);
    const request = /name="request" value="([^"]*)"/.exec(html)![1]!;
    assert.ok(request.length > 0, 'the IdP read the AuthnRequest’s ID');
    const answer = await post(new URL('/sso', redirectUrl).href, { request, login, password });
    const form = await answer.text();
    const action = /action="([^"]+)"/.exec(form)![1]!.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)));
    assert.equal(action, sp.acsUrl);
    const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(form)![1]!;
    return { ...(await acs(samlResponse)), samlResponse };
  }

  before(async () => {
    flint = await startFlint({ env: { FLINT_SSO_ALLOW_LOOPBACK_HTTP: 'true' } });
    await flint.signup({ email: 'ada@example.com' });
    await flint.signup({ email: 'bob@example.com' });
    adaToken = ((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'ada@example.com', password: TEST_PASSWORD } })).json as { accessToken: string }).accessToken;
    idp = await startSamlIdp({
      accounts: [
        { login: 'bob', password: 'idp-pass-bob', email: 'bob@example.com', name: 'Bob B' },
        { login: 'cy', password: 'idp-pass-cy', email: 'cy@example.com', name: 'Cy Newcomer' },
        { login: 'mallory', password: 'idp-pass-mal', email: 'mallory@elsewhere.test', name: 'Mallory' },
      ],
    });
    const spAnswer = await raw(flint.url, 'GET', '/api/admin/sso/saml-sp', { token: adaToken });
    assert.equal(spAnswer.status, 200, spAnswer.text);
    sp = spAnswer.json as typeof sp;
    const metadata = await fetch(sp.metadataUrl);
    assert.equal(metadata.status, 200);
    assert.match(metadata.headers.get('content-type') ?? '', /samlmetadata\+xml/);
    const xml = await metadata.text();
    assert.match(xml, /WantAssertionsSigned="true"/);
    assert.ok(xml.includes(sp.acsUrl) && xml.includes(sp.sloUrl));
    idp.registerSp(xml);
  });
  after(async () => {
    await idp?.close();
    await flint?.stop();
  });

  it('an admin imports the IdP’s metadata (URL or pasted); bad metadata is refused and changes nothing', async () => {
    const bobToken = ((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } })).json as { accessToken: string }).accessToken;
    assert.equal((await put(settings(), bobToken)).status, 403);
    assert.equal((await raw(flint.url, 'GET', '/api/admin/sso/saml-sp', { token: bobToken })).status, 403);
    for (const bad of [
      { metadataXml: '<not xml' },
      { metadataXml: '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>' },
      { metadataXml: idp.metadataXml.replace(/<ds:X509Certificate>[^<]+<\/ds:X509Certificate>/g, '') },
      { metadataXml: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' },
      { metadataUrl: 'http://10.9.9.9/metadata' },
      { metadataUrl: `${idp.metadataUrl}-missing` },
      { metadataUrl: idp.metadataUrl, metadataXml: idp.metadataXml },
      {},
    ]) {
      const res = await put({ ...settings({ metadataUrl: undefined }), ...bad });
      assert.equal(res.status, 400, `${JSON.stringify(bad).slice(0, 80)}: ${res.text}`);
      assert.match(errorOf(res).code, /^(bad_request|validation_failed)$/);
    }
    assert.equal((await raw(flint.url, 'GET', '/api/admin/sso', { token: adaToken })).status, 404, 'nothing saved');
    const pasted = await put(settings({ metadataUrl: undefined, metadataXml: idp.metadataXml }));
    assert.equal(pasted.status, 200, pasted.text);
    const saved = await put(settings());
    assert.equal(saved.status, 200, saved.text);
    const config = saved.json as { protocol: string; issuer: string; singleLogout: boolean; saml: { entityId: string; ssoUrl: string; sloUrl: string; metadataUrl: string; signingCertificates: number }; samlSp: typeof sp };
    assert.equal(config.protocol, 'saml');
    assert.equal(config.issuer, idp.entityId);
    assert.equal(config.singleLogout, true);
    assert.equal(config.saml.metadataUrl, idp.metadataUrl);
    assert.equal(config.saml.signingCertificates, 1);
    assert.deepEqual(config.samlSp, sp);
  });

  it('SP-initiated: a person of the org signs in through the IdP; the same response again is refused', async () => {
    const landing = await spInitiated('bob@example.com', 'bob', 'idp-pass-bob');
    assert.equal(landing.status, 303);
    assert.equal(landing.location, '/');
    assert.ok(landing.cookie !== undefined, 'session cookie');
    assert.equal(await me(landing.cookie), 200);
    assert.deepEqual(idp.signIns, ['bob']);
    const replay = await acs(landing.samlResponse);
    assert.equal(replay.location, '/#/sso-error/expired');
    assert.equal(replay.cookie, undefined);
  });

  it('IdP-initiated: a signed unsolicited response signs in, once', async () => {
    const response = await idp.response({ login: 'bob' });
    const landing = await acs(response);
    assert.equal(landing.location, '/');
    assert.ok(landing.cookie !== undefined);
    assert.equal(await me(landing.cookie), 200);
    assert.equal((await acs(response)).location, '/#/sso-error/expired', 'replayed');
  });

  it('refused: tampered, unsigned, wrong audience, expired, unknown InResponseTo, no response', async () => {
    const good = decode(await idp.response({ login: 'bob' }));
    assert.match(good, /<ds:Signature/);
    const cases: Record<string, string> = {
      // The signed assertion now names Ada (an admin): the digest no longer matches.
      tampered: encode(good.replaceAll('bob@example.com', 'ada@example.com')),
      'tampered attribute': encode(good.replace('>Bob B<', '>Bobby Tables<')),
      unsigned: encode(good.replace(/<ds:Signature[\s\S]*?<\/ds:Signature>/, '')),
      'wrong audience': await idp.response({ login: 'bob', audience: 'https://other-sp.test/metadata' }),
      expired: await idp.response({ login: 'bob', shiftMs: -60 * 60_000 }),
      'unknown InResponseTo': await idp.response({ login: 'bob', inResponseTo: '_never-sent-by-flint' }),
      'not base64 XML': 'bm90IHhtbA==',
    };
    for (const [name, response] of Object.entries(cases)) {
      const landing = await acs(response);
      assert.equal(landing.status, 303, name);
      assert.match(landing.location, /^\/#\/sso-error\/(refused|expired)$/, name);
      assert.equal(landing.cookie, undefined, `${name}: no session`);
    }
    assert.equal((await land(await post(sp.acsUrl, {}))).location, '/#/sso-error/refused');
  });

  it('a person outside the org’s domains is refused; an unknown person of the org gets an account only with JIT', async () => {
    const outside = await spInitiated('bob@example.com', 'mallory', 'idp-pass-mal');
    assert.equal(outside.location, '/#/sso-error/outside_domains');
    assert.equal(outside.cookie, undefined);
    assert.equal((await acs(await idp.response({ login: 'cy' }))).location, '/#/sso-error/no_account');
    assert.equal((await put(settings({ jit: true }))).status, 200);
    const cy = await acs(await idp.response({ login: 'cy' }));
    assert.equal(cy.location, '/');
    const who = await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie: cy.cookie! } });
    assert.equal((who.json as { displayName: string }).displayName, 'Cy Newcomer');
  });

  it('single logout: Flint’s sign-out sends a LogoutRequest to the IdP, which answers back', async () => {
    const landing = await spInitiated('bob@example.com', 'bob', 'idp-pass-bob');
    const cookie = landing.cookie!;
    const headers = { cookie, 'x-flint-csrf': '1' };
    const slo = await raw(flint.url, 'POST', '/api/auth/sso/logout', { headers });
    assert.equal(slo.status, 200, slo.text);
    const { redirectUrl } = slo.json as { redirectUrl: string };
    assert.ok(redirectUrl.startsWith(`${idp.metadataUrl.replace('/metadata', '')}/slo?SAMLRequest=`), redirectUrl);
    assert.equal((await raw(flint.url, 'POST', '/api/auth/logout', { headers })).status, 204);
    assert.equal(await me(cookie), 401);
    const atIdp = await fetch(redirectUrl, { redirect: 'manual' });
    assert.equal(atIdp.status, 303, await atIdp.text());
    assert.deepEqual(idp.logouts, ['bob@example.com']);
    const back = atIdp.headers.get('location')!;
    assert.ok(back.startsWith(`${sp.sloUrl}?SAMLResponse=`), back);
    const home = await fetch(back, { redirect: 'manual' });
    assert.equal(home.status, 303);
    assert.equal(home.headers.get('location'), '/');
    // A LogoutResponse that answers no request Flint sent is refused.
    const forged = new URL(sp.sloUrl);
    forged.searchParams.set('SAMLResponse', deflate('<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_x" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" InResponseTo="_never"><saml:Issuer>' + idp.entityId + '</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>'));
    assert.equal((await fetch(forged, { redirect: 'manual' })).headers.get('location'), '/#/sso-error/refused');
  });

  it('single logout from the IdP: its signed LogoutRequest ends the person’s Flint sessions; an unsigned one does not', async () => {
    const landing = await acs(await idp.response({ login: 'bob' }));
    const cookie = landing.cookie!;
    assert.equal(await me(cookie), 200);
    const unsigned = await fetch(idp.logoutRequestUrl({ login: 'bob', signed: false }), { redirect: 'manual' });
    assert.equal(unsigned.headers.get('location'), '/#/sso-error/refused');
    assert.equal(await me(cookie), 200, 'still signed in');
    const signed = await fetch(idp.logoutRequestUrl({ login: 'bob' }), { redirect: 'manual' });
    assert.equal(signed.status, 303);
    assert.ok(signed.headers.get('location')!.startsWith(`${idp.metadataUrl.replace('/metadata', '')}/slo?SAMLResponse=`), signed.headers.get('location')!);
    assert.equal(await me(cookie), 401, 'the session ended');
  });

  it('require SSO: Bob’s password is refused, the admin keeps hers; OIDC settings replace SAML ones', async () => {
    assert.equal((await put(settings({ requireSso: true }))).status, 200);
    const refused = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } });
    assert.equal(refused.status, 403);
    assert.equal(errorOf(refused).code, 'sso_required');
    assert.equal((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'ada@example.com', password: TEST_PASSWORD } })).status, 200);
    assert.equal((await raw(flint.url, 'DELETE', '/api/admin/sso', { token: adaToken })).status, 204);
    assert.equal((await acs(await idp.response({ login: 'bob' }))).location, '/#/sso-error/refused', 'no SAML without the settings');
  });
});
