/**
 * Setting up a new browser for one's encryption keys, in a real Chromium (issues 14 and 18):
 * - approval from an enrolled browser, with two browser contexts: the new browser (in French) shows
 *   a code and waits; the enrolled one lists the request in Settings → Encryption keys, refuses a
 *   wrong code, approves with the right one; the new browser then decrypts;
 * - the person's recovery key, made in Settings (shown once) and typed into a third browser;
 * - with the org's KMS requiring its identity provider's proof (`flint kms idp set`), the web app
 *   still works after single sign-on (the browser's nonce, the ID token handed back and taken to
 *   the KMS), while a browser holding only the session cookie is told to sign in with SSO.
 * Every page passes axe. Runs on SQLite, or on PostgreSQL + Redis when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { readKmsAudit, setKmsIdp } from '@flint/kms';
import { newDeviceSecret, passwordCredential, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, raw, startFlint, startOidcIdp, TEST_PASSWORD, webDist, type TestFlint, type TestIdp } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = { timeout: 30_000 };

describe('web app, a new browser for one’s encryption keys (Chromium)', () => {
  let flint: TestFlint;
  let idp: TestIdp;
  let browser: Browser;
  let ada: Session;
  let danContext: BrowserContext;
  let dan: Page;
  let danId = '';
  let bobId = '';
  let roomId = '';
  const contexts: BrowserContext[] = [];

  const newContext = async (locale = 'en-US'): Promise<BrowserContext> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale });
    contexts.push(context);
    return context;
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_SSO_ALLOW_LOOPBACK_HTTP: 'true', FLINT_KMS_IDP_ALLOW_LOOPBACK_HTTP: 'true' } });
    idp = await startOidcIdp({ redirectUris: [`${flint.url}/api/auth/sso/callback`], accounts: [{ login: 'bob', password: 'idp-pass-bob', email: 'bob@enroll.test', name: 'Bob' }], idTokenClaims: true });
    browser = await launchChromium();
    const adaClient = await flint.signup({ email: 'ada@enroll.test', displayName: 'Ada' });
    const danClient = await flint.signup({ email: 'dan@enroll.test', displayName: 'Dan' });
    const bobClient = await flint.signup({ email: 'bob@enroll.test', displayName: 'Bob' });
    danId = danClient.session!.personId;
    bobId = bobClient.session!.personId;
    ada = await flint.connect(adaClient, { deviceId: 'ada-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaClient.session!.personId) } });
    roomId = (await ada.spaces.create({ title: 'Keys room' })).id;
    await ada.members.add(roomId, { personId: danId });
    await ada.members.add(roomId, { personId: bobId });
    await ada.messages.send({ roomId, text: 'sealed for the room' });
    const put = await raw(flint.url, 'PUT', '/api/admin/sso', { token: adaClient.transport.accessToken!, body: { protocol: 'oidc', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, enabled: true, jit: false, requireSso: false } });
    assert.equal(put.status, 200, put.text);
    // Dan's first browser: his password enrolls it (first use).
    danContext = await newContext();
    dan = await danContext.newPage();
    await dan.goto(flint.url + '/');
    await dan.getByLabel('E-mail').fill('dan@enroll.test');
    await dan.getByLabel('Password').fill(TEST_PASSWORD);
    await dan.getByRole('button', { name: 'Sign in' }).click();
    await dan.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
  });

  after(async () => {
    ada?.close();
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await idp?.close();
    await flint?.stop();
  });

  /** A browser with only Dan's session cookie: signed in at the core, unknown to the KMS. */
  async function cookieOnly(locale: string): Promise<Page> {
    const context = await newContext(locale);
    await context.addCookies(await danContext.cookies());
    const page = await context.newPage();
    await page.goto(`${flint.url}/`);
    return page;
  }

  it('a new browser shows a code and waits; the enrolled browser refuses a wrong code, approves the right one; the new browser decrypts', async () => {
    const fresh = await cookieOnly('fr-FR');
    await fresh.getByRole('alert').filter({ hasText: 'n’est pas encore enregistré' }).waitFor(WAIT);
    await fresh.getByRole('heading', { name: 'Configurer ce navigateur' }).waitFor(WAIT);
    await assertAccessible(fresh, 'new browser, not enrolled (fr)');
    await fresh.getByRole('button', { name: 'Approuver depuis un autre navigateur' }).click();
    await fresh.getByRole('status').filter({ hasText: 'En attente d’approbation' }).waitFor(WAIT);
    const code = (await fresh.locator('.approval-code code').textContent())!.trim();
    assert.match(code, /^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
    await assertAccessible(fresh, 'new browser, waiting for approval (fr)');
    await fresh.screenshot({ path: `${SHOTS}enroll-waiting-fr.png`, fullPage: true });

    await dan.goto(`${flint.url}/#/settings`);
    await dan.getByRole('heading', { name: 'Encryption keys' }).waitFor(WAIT);
    const request = dan.locator('li.device-request');
    await request.getByText('A new browser asks to read your encrypted spaces').waitFor(WAIT);
    await request.getByLabel('Code shown on the new browser').fill('AAAA-BBBB-CCCC');
    await request.getByRole('button', { name: 'Approve' }).click();
    await request.getByRole('alert').filter({ hasText: 'not the code of this request' }).waitFor(WAIT);
    await assertAccessible(dan, 'settings, a device request with a wrong code');
    await dan.screenshot({ path: `${SHOTS}settings-approve-device.png`, fullPage: true });
    await request.getByLabel('Code shown on the new browser').fill(code.toLowerCase());
    await request.getByRole('button', { name: 'Approve' }).click();
    await dan.getByRole('status').filter({ hasText: 'The new browser is approved.' }).waitFor(WAIT);

    // The waiting browser notices, and opens the app with its now-enrolled device.
    await fresh.getByRole('navigation').first().waitFor(WAIT);
    await fresh.goto(`${flint.url}/#/space/${roomId}`);
    await fresh.locator('article.message', { hasText: 'sealed for the room' }).waitFor(WAIT);
    assert.equal((await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { userId: danId, action: 'device.approve' })).filter((e) => e.status === 201).length, 1);
  });

  it('a refused request tells the new browser so', async () => {
    const fresh = await cookieOnly('en-US');
    await fresh.getByRole('button', { name: 'Approve from another browser' }).click();
    await fresh.getByRole('status').filter({ hasText: 'Waiting for approval' }).waitFor(WAIT);
    await dan.goto(`${flint.url}/#/settings`);
    const request = dan.locator('li.device-request');
    await request.getByRole('button', { name: 'Refuse' }).click();
    await dan.getByRole('status').filter({ hasText: 'The request was refused.' }).waitFor(WAIT);
    await fresh.getByRole('status').filter({ hasText: 'The request was refused.' }).waitFor(WAIT);
    await fresh.getByRole('button', { name: 'Ask again' }).waitFor(WAIT);
  });

  it('the recovery key, shown once in Settings, sets up another browser without an enrolled one', async () => {
    await dan.goto(`${flint.url}/#/settings`);
    await dan.getByRole('button', { name: 'Make a recovery key' }).click();
    const shown = dan.getByRole('status').filter({ hasText: 'shown only this once' });
    await shown.waitFor(WAIT);
    const key = (await shown.locator('code').textContent())!.trim();
    assert.match(key, /^([A-Z2-7]{4}-){5}[A-Z2-7]{4}$/);
    await assertAccessible(dan, 'settings, recovery key shown');
    await dan.screenshot({ path: `${SHOTS}settings-recovery-key.png`, fullPage: true });

    const fresh = await cookieOnly('en-US');
    await fresh.getByLabel('Recovery key or enrollment code').fill('not a key');
    await fresh.getByRole('button', { name: 'Use it' }).click();
    await fresh.getByRole('alert').filter({ hasText: '24 letters and digits' }).waitFor(WAIT);
    await fresh.getByLabel('Recovery key or enrollment code').fill(key);
    await fresh.getByRole('button', { name: 'Use it' }).click();
    await fresh.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
    await fresh.goto(`${flint.url}/#/space/${roomId}`);
    await fresh.locator('article.message', { hasText: 'sealed for the room' }).waitFor(WAIT);
    const enrolled = await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { userId: danId, action: 'device.enroll' });
    assert.deepEqual(enrolled.map((e) => e.detail), ['first-use', 'recovery']);
  });

  it('with the KMS requiring the org’s provider: the web app works after single sign-on; the cookie alone is told to use SSO', async () => {
    const orgId = (await ada.api.people.me()).orgId!;
    await setKmsIdp({ dataDir: flint.config.kmsDataDir, idpAllowLoopbackHttp: true }, { orgId, issuer: idp.issuer, clientId: idp.clientId });
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(flint.url + '/');
    await page.getByLabel('E-mail').fill('bob@enroll.test');
    await page.getByRole('button', { name: 'Continue with single sign-on' }).click();
    await page.getByRole('heading', { name: 'Test IdP sign-in' }).waitFor(WAIT);
    await page.getByLabel('IdP user').fill('bob');
    await page.getByLabel('IdP password').fill('idp-pass-bob');
    await page.getByRole('button', { name: 'Sign in to the IdP' }).click();
    await page.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
    assert.doesNotMatch(page.url(), /sso-proof/, 'the ID token is out of the address bar');
    await page.goto(`${flint.url}/#/space/${roomId}`);
    await page.locator('article.message', { hasText: 'sealed for the room' }).waitFor(WAIT);
    const enrolled = await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { userId: bobId, action: 'device.enroll' });
    assert.deepEqual(enrolled.map((e) => e.detail), ['idp']);
    // A reload keeps working (the proof is kept with its secret until it expires or Bob signs out).
    await page.reload();
    await page.locator('article.message', { hasText: 'sealed for the room' }).waitFor(WAIT);

    // Bob's session cookie in another browser (what the core could hand anyone): no proof, no keys.
    const other = await newContext();
    await other.addCookies(await context.cookies());
    const stranger = await other.newPage();
    await stranger.goto(`${flint.url}/`);
    await stranger.getByRole('alert').filter({ hasText: 'continue with single sign-on' }).waitFor(WAIT);
    await assertAccessible(stranger, 'sign-in page, the KMS asks for the provider’s proof');
    await stranger.screenshot({ path: `${SHOTS}enroll-idp-required.png`, fullPage: true });
  });
});
