/**
 * Single sign-on in a real Chromium (issue 18, SPEC ID-6): an org admin sets the org's OpenID
 * Connect provider in the console (`oidc-provider` on loopback, with its own sign-in page); a person
 * of the org enters their address on Flint's sign-in page, is sent to the provider, signs in there
 * and comes back signed in — and their first browser enrolls at the KMS on first use, so an
 * encrypted message opens; a person the provider signs in with an address outside the org's
 * domains is refused; signing out goes through the provider's end-session endpoint (RP-initiated
 * logout) and back; "require SSO" turns password sign-in off (the app sends the person to the
 * provider instead) while the admin keeps a password (break-glass). The pages pass axe, in English
 * and French. Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { readKmsAudit } from '@flint/kms';
import { newDeviceSecret, passwordCredential, type Session } from '@flint/sdk';
import { assertAccessible, errorOf, launchChromium, raw, startFlint, startOidcIdp, TEST_PASSWORD, webDist, type TestFlint, type TestIdp } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = { timeout: 20_000 };

describe('web app, single sign-on through the org’s OpenID provider (Chromium)', () => {
  let flint: TestFlint;
  let idp: TestIdp;
  let browser: Browser;
  let ada: Session;
  let adaContext: BrowserContext;
  let admin: Page;
  let bobId = '';
  let roomId = '';

  const newPage = async (locale = 'en-US', width = 1280, height = 800): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport: { width, height }, locale });
    return { context, page: await context.newPage() };
  };

  /** From Flint's sign-in page through the provider's. */
  async function throughIdp(page: Page, email: string, login: string, password: string): Promise<void> {
    await page.goto(flint.url + '/');
    await page.getByLabel('E-mail').fill(email);
    await page.getByRole('button', { name: 'Continue with single sign-on' }).click();
    await page.getByRole('heading', { name: 'Test IdP sign-in' }).waitFor(WAIT);
    assert.ok(page.url().startsWith(idp.issuer), page.url());
    await page.getByLabel('IdP user').fill(login);
    await page.getByLabel('IdP password').fill(password);
    await page.getByRole('button', { name: 'Sign in to the IdP' }).click();
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_SSO_ALLOW_LOOPBACK_HTTP: 'true' } });
    idp = await startOidcIdp({
      redirectUris: [`${flint.url}/api/auth/sso/callback`],
      accounts: [
        { login: 'bob', password: 'idp-pass-bob', email: 'bob@example.com', name: 'Bob Babbage' },
        { login: 'mallory', password: 'idp-pass-mal', email: 'mallory@elsewhere.test', name: 'Mallory' },
      ],
    });
    browser = await launchChromium();
    const adaClient = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    const bobClient = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    bobId = bobClient.session!.personId;
    const adaDevice = { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaClient.session!.personId) };
    ada = await flint.connect(adaClient, { deviceId: 'ada-node', kmsCredential: adaDevice });
    roomId = (await ada.spaces.create({ title: 'Engine room' })).id;
    await ada.members.add(roomId, { personEmail: 'bob@example.com' });
    await ada.messages.send({ roomId, text: 'sealed for Bob' });
    ({ context: adaContext, page: admin } = await newPage());
    await admin.goto(flint.url + '/');
    await admin.getByLabel('E-mail').fill('ada@example.com');
    await admin.getByLabel('Password').fill(TEST_PASSWORD);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
  });

  after(async () => {
    ada?.close();
    await browser?.close();
    await idp?.close();
    await flint?.stop();
  });

  it('an admin sets the org’s provider in the console', async () => {
    await admin.goto(`${flint.url}/#/admin/sso`);
    await admin.getByRole('heading', { name: 'Single sign-on' }).waitFor(WAIT);
    await admin.getByText('No provider is set').waitFor(WAIT);
    await admin.getByText(`${flint.url}/api/auth/sso/callback`).waitFor(WAIT);
    // A wrong issuer is refused by the server, and the form says why.
    await admin.getByLabel('Issuer URL').fill('https://idp.invalid.test');
    await admin.getByLabel('Client ID').fill(idp.clientId);
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByRole('alert').filter({ hasText: 'discovery document' }).waitFor(WAIT);
    await admin.getByLabel('Issuer URL').fill(idp.issuer);
    await admin.getByLabel(/^Client secret/).fill(idp.clientSecret);
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('Single sign-on saved.').waitFor(WAIT);
    await admin.getByLabel('Client secret (one is stored: leave empty to keep it)').waitFor(WAIT);
    assert.equal(await admin.getByLabel('Client secret (one is stored: leave empty to keep it)').inputValue(), '', 'the secret is not shown back');
    await assertAccessible(admin, 'admin single sign-on');
    await admin.screenshot({ path: `${SHOTS}admin-sso.png`, fullPage: true });
    const phone = await adaContext.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${flint.url}/#/admin/sso`);
    await phone.getByText('Single sign-on saved.').or(phone.getByLabel('Issuer URL')).first().waitFor(WAIT);
    await phone.screenshot({ path: `${SHOTS}admin-sso-phone.png`, fullPage: true });
    await phone.close();
  });

  it('a person of the org signs in through the provider; their first browser enrolls at the KMS on first use', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto(flint.url + '/');
      await page.getByRole('button', { name: 'Continue with single sign-on' }).waitFor(WAIT);
      await assertAccessible(page, 'sign-in page with single sign-on');
      await page.screenshot({ path: `${SHOTS}sign-in-sso.png` });
      await throughIdp(page, 'bob@example.com', 'bob', 'idp-pass-bob');
      await page.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
      assert.ok(page.url().startsWith(flint.url), page.url());
      assert.deepEqual(idp.signIns, ['bob']);
      // No password on this path: the browser's KMS device enrolled on first use, and the message opens.
      await page.goto(`${flint.url}/#/space/${roomId}`);
      await page.locator('article.message', { hasText: 'sealed for Bob' }).waitFor(WAIT);
      const enrolled = await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { userId: bobId, action: 'device.enroll' });
      assert.deepEqual(enrolled.map((e) => e.detail), ['first-use']);
      const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
      const sessions = await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie } });
      assert.equal(sessions.status, 200);
      // RP-initiated logout: the provider advertises end_session_endpoint, so signing out goes there
      // (its confirmation page), then back to Flint's sign-in page; the Flint session is over.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign out of the Test IdP' }).waitFor(WAIT);
      assert.ok(page.url().startsWith(idp.issuer), page.url());
      await page.getByRole('button', { name: 'Sign out of the IdP' }).click();
      await page.getByRole('button', { name: 'Continue with single sign-on' }).waitFor(WAIT);
      assert.ok(page.url().startsWith(flint.url), page.url());
      assert.equal((await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie } })).status, 401);
    } finally {
      await context.close();
    }
  });

  it('a person the provider signs in with an address outside the org’s domains is refused', async () => {
    const { context, page } = await newPage();
    try {
      await throughIdp(page, 'bob@example.com', 'mallory', 'idp-pass-mal');
      await page.getByRole('alert').filter({ hasText: 'outside your organization’s domains' }).waitFor(WAIT);
      assert.equal((await context.cookies()).filter((c) => c.name === 'flint_session').length, 0, 'no session');
      await assertAccessible(page, 'sign-in page, SSO refused');
      await page.screenshot({ path: `${SHOTS}sign-in-sso-refused.png` });
    } finally {
      await context.close();
    }
  });

  it('“require SSO” turns password sign-in off: the app sends the person to the provider; the admin keeps a password', async () => {
    await admin.goto(`${flint.url}/#/admin/sso`);
    await admin.getByLabel(/^Require single sign-on/).check();
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('Single sign-on saved.').waitFor(WAIT);
    const refused = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } });
    assert.equal(refused.status, 403);
    assert.equal(errorOf(refused).code, 'sso_required');
    const { context, page } = await newPage();
    try {
      await page.goto(flint.url + '/');
      await page.getByLabel('E-mail').fill('bob@example.com');
      await page.getByLabel('Password').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Test IdP sign-in' }).waitFor(WAIT);
      // Break-glass: the admin still signs in with her password.
      const { context: c2, page: p2 } = await newPage();
      try {
        await p2.goto(flint.url + '/');
        await p2.getByLabel('E-mail').fill('ada@example.com');
        await p2.getByLabel('Password').fill(TEST_PASSWORD);
        await p2.getByRole('button', { name: 'Sign in', exact: true }).click();
        await p2.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
      } finally {
        await c2.close();
      }
    } finally {
      await context.close();
    }
  });

  it('French: the sign-in page and the console section', async () => {
    const { context, page } = await newPage('fr-FR', 390, 844);
    try {
      await page.goto(flint.url + '/');
      await page.getByRole('button', { name: 'Continuer avec l’authentification unique' }).waitFor(WAIT);
      await assertAccessible(page, 'sign-in page (fr)');
      await page.screenshot({ path: `${SHOTS}sign-in-sso-fr-phone.png` });
    } finally {
      await context.close();
    }
  });
});
