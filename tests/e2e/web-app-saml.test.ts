/**
 * SAML 2.0 single sign-on in a real Chromium (issue 18, SPEC ID-6): an org admin chooses SAML in
 * the console, gives Flint's metadata URL (shown there) to the IdP (testkit `startSamlIdp`:
 * samlify on loopback, its own sign-in page) and imports the IdP's metadata by URL; a person of the
 * org goes from Flint's sign-in page to the IdP and back (SP-initiated, HTTP-Redirect out, HTTP-POST
 * back), reaches the spaces, and their first browser enrolls at the KMS on first use so an
 * encrypted message opens; signing out sends a LogoutRequest to the IdP, which ends its session and
 * answers back to Flint's sign-in page (single logout); a person the IdP signs in with an address
 * outside the org's domains is refused. The pages pass axe, in English and French.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { readKmsAudit } from '@flint/kms';
import { newDeviceSecret, passwordCredential, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, raw, startFlint, startSamlIdp, TEST_PASSWORD, webDist, type TestFlint, type TestSamlIdp } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = { timeout: 20_000 };

describe('web app, single sign-on through the org’s SAML IdP (Chromium)', () => {
  let flint: TestFlint;
  let idp: TestSamlIdp;
  let browser: Browser;
  let ada: Session;
  let admin: Page;
  let adminContext: BrowserContext;
  let bobId = '';
  let roomId = '';

  const newPage = async (locale = 'en-US', width = 1280, height = 800): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport: { width, height }, locale });
    return { context, page: await context.newPage() };
  };

  /** From Flint's sign-in page through the IdP's. */
  async function throughIdp(page: Page, email: string, login: string, password: string): Promise<void> {
    await page.goto(flint.url + '/');
    await page.getByLabel('E-mail').fill(email);
    await page.getByRole('button', { name: 'Continue with single sign-on' }).click();
    await page.getByRole('heading', { name: 'Test SAML IdP sign-in' }).waitFor(WAIT);
    assert.ok(page.url().startsWith(idp.metadataUrl.replace('/metadata', '/sso')), page.url());
    await page.getByLabel('IdP user').fill(login);
    await page.getByLabel('IdP password').fill(password);
    await page.getByRole('button', { name: 'Sign in to the IdP' }).click();
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_SSO_ALLOW_LOOPBACK_HTTP: 'true' } });
    idp = await startSamlIdp({
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
    await ada.messages.send({ roomId, text: 'sealed for Bob, via SAML' });
    ({ context: adminContext, page: admin } = await newPage());
    await admin.goto(flint.url + '/');
    await admin.getByLabel('E-mail').fill('ada@example.com');
    await admin.getByLabel('Password').fill(TEST_PASSWORD);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
  });

  after(async () => {
    ada?.close();
    await adminContext?.close();
    await browser?.close();
    await idp?.close();
    await flint?.stop();
  });

  it('an admin chooses SAML in the console, reads Flint’s metadata URL there, and imports the IdP’s', async () => {
    await admin.goto(`${flint.url}/#/admin/sso`);
    await admin.getByRole('heading', { name: 'Single sign-on' }).waitFor(WAIT);
    await admin.getByLabel('SAML 2.0').check();
    const spMetadata = admin.locator('dd code', { hasText: '/api/auth/saml/' }).first();
    await spMetadata.waitFor(WAIT);
    const metadataUrl = (await spMetadata.textContent()) ?? '';
    assert.match(metadataUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/auth\/saml\/[^/]+\/metadata$/);
    // The IdP's administrator registers Flint from that URL.
    idp.registerSp(await (await fetch(metadataUrl)).text());
    // Bad metadata is refused by the server, and the form says why.
    await admin.getByLabel('Or paste the identity provider’s metadata (XML)').fill('<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>');
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByRole('alert').filter({ hasText: 'no SAML IdP' }).waitFor(WAIT);
    await admin.getByLabel('Or paste the identity provider’s metadata (XML)').fill('');
    await admin.getByLabel('Identity provider metadata URL').fill(idp.metadataUrl);
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('Single sign-on saved.').waitFor(WAIT);
    await admin.getByText(`Identity provider in use: ${idp.entityId}.`).waitFor(WAIT);
    await admin.getByText('Signing out of Flint also signs out at the provider (single logout).').waitFor(WAIT);
    await assertAccessible(admin, 'admin single sign-on, SAML');
    await admin.screenshot({ path: `${SHOTS}admin-sso-saml.png`, fullPage: true });
  });

  it('a person of the org signs in through the IdP, reaches the spaces and decrypts; signing out ends the session at Flint and at the IdP', async () => {
    const { context, page } = await newPage();
    try {
      await throughIdp(page, 'bob@example.com', 'bob', 'idp-pass-bob');
      await page.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
      assert.ok(page.url().startsWith(flint.url), page.url());
      assert.deepEqual(idp.signIns, ['bob']);
      // No password on this path: the browser's KMS device enrolled on first use, and the message opens.
      await page.goto(`${flint.url}/#/space/${roomId}`);
      await page.locator('article.message', { hasText: 'sealed for Bob, via SAML' }).waitFor(WAIT);
      const enrolled = await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { userId: bobId, action: 'device.enroll' });
      assert.deepEqual(enrolled.map((e) => e.detail), ['first-use']);
      const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
      assert.equal((await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie } })).status, 200);

      // Single logout: Flint → the IdP's SLO (LogoutRequest) → back to Flint (LogoutResponse) → the sign-in page.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Continue with single sign-on' }).waitFor(WAIT);
      assert.ok(page.url().startsWith(flint.url), page.url());
      assert.deepEqual(idp.logouts, ['bob@example.com']);
      assert.equal((await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie } })).status, 401, 'the Flint session ended');
      await assertAccessible(page, 'sign-in page after single logout');
    } finally {
      await context.close();
    }
  });

  it('a person the IdP signs in with an address outside the org’s domains is refused', async () => {
    const { context, page } = await newPage();
    try {
      await throughIdp(page, 'bob@example.com', 'mallory', 'idp-pass-mal');
      await page.getByRole('alert').filter({ hasText: 'outside your organization’s domains' }).waitFor(WAIT);
      assert.equal((await context.cookies()).filter((c) => c.name === 'flint_session').length, 0, 'no session');
      await page.screenshot({ path: `${SHOTS}sign-in-saml-refused.png` });
    } finally {
      await context.close();
    }
  });

  it('French: the console’s SAML section', async () => {
    const { context, page } = await newPage('fr-FR', 390, 844);
    try {
      await page.goto(flint.url + '/');
      await page.getByLabel('E-mail').fill('ada@example.com');
      await page.getByLabel('Mot de passe').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
      await page.getByRole('navigation', { name: 'Espaces et équipes' }).waitFor(WAIT);
      await page.goto(`${flint.url}/#/admin/sso`);
      await page.getByText('URL des métadonnées de Flint').waitFor(WAIT);
      await assertAccessible(page, 'admin single sign-on, SAML (fr)');
      await page.screenshot({ path: `${SHOTS}admin-sso-saml-fr-phone.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });
});
