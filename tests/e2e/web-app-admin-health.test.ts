/**
 * The console's roles, licences, service health and notices pages, the usage charts, and the
 * connection test, in a real Chromium (SPEC ID-7, AD-3, ID-8, AD-2): an admin grants and removes
 * the admin role from the roles page; the licences page shows the server's count; the status page
 * shows each part checked live; a person opts in to notices in Settings, the admin publishes one,
 * it arrives by e-mail (a real SMTP server on loopback) and shows as a banner, and it is in the
 * audit log; a person runs the connection test; the report draws its charts with summaries. Each
 * page passes axe (English and French), with desktop and phone screenshots.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type FlintClient, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, startFlint, startSmtpServer, TEST_PASSWORD, webDist, type TestFlint, type TestSmtpServer } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = { timeout: 20_000 };
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

describe('web app, service health, notices, roles, licences, charts (Chromium)', () => {
  let flint: TestFlint;
  let smtp: TestSmtpServer;
  let browser: Browser;
  let ada: Session;
  let bobApi: FlintClient;
  let bob: Session;
  let adaContext: BrowserContext;
  let admin: Page;

  async function signIn(page: Page, email: string): Promise<void> {
    await page.goto(flint.url + '/');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
  }

  async function shots(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: `${SHOTS}${name}-phone.png`, fullPage: true });
    await page.setViewportSize(DESKTOP);
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    smtp = await startSmtpServer();
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_SMTP_URL: smtp.url, FLINT_SIGNUP: 'open' } });
    browser = await launchChromium();
    const adaApi = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    bobApi = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    await flint.signup({ email: 'cy@example.com', displayName: 'Cy Young' });
    // First KMS devices hold the password credentials, so the browsers can enroll with the password.
    ada = await flint.connect(adaApi, { deviceId: 'ada-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaApi.session!.personId) } });
    bob = await flint.connect(bobApi, { deviceId: 'bob-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, bobApi.session!.personId) } });
    const room = await ada.spaces.create({ title: 'Charts' });
    await ada.members.add(room.id, { personId: bobApi.session!.personId });
    for (const text of ['one', 'two', 'three']) await ada.messages.send({ roomId: room.id, text });
    await bob.messages.send({ roomId: room.id, text: 'four' });
    adaContext = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    admin = await adaContext.newPage();
    await signIn(admin, 'ada@example.com');
  });

  after(async () => {
    ada?.close();
    bob?.close();
    await browser?.close();
    await flint?.stop();
    await smtp?.close();
  });

  it('ID-7: the roles page lists who holds the admin role; the admin grants and removes it there', async () => {
    await admin.goto(`${flint.url}/#/admin/roles`);
    const adminRow = admin.getByTestId('roles').locator('tr[data-role="org_admin"]');
    await adminRow.locator('li[data-email="ada@example.com"]').waitFor(WAIT);
    assert.equal(await adminRow.locator('td').first().textContent(), '1');
    assert.equal(await admin.getByTestId('roles').locator('tr[data-role="user"] td').first().textContent(), '2');
    await admin.getByLabel('E-mail address of a person of your organization').fill('bob@example.com');
    await admin.getByRole('button', { name: 'Grant', exact: true }).click();
    await admin.getByText('Administrator role granted to bob@example.com.').waitFor(WAIT);
    await adminRow.locator('li[data-email="bob@example.com"]').waitFor(WAIT);
    assert.equal(await adminRow.locator('td').first().textContent(), '2');
    assert.deepEqual((await bobApi.people.get(bobApi.session!.personId)).roles, ['org_admin']);
    await assertAccessible(admin, 'admin roles');
    await shots(admin, 'admin-roles');
    await admin.getByRole('button', { name: 'Remove administrator: bob@example.com' }).click();
    await admin.getByText('Administrator role removed from bob@example.com.').waitFor(WAIT);
    await adminRow.locator('li[data-email="bob@example.com"]').waitFor({ state: 'detached', ...WAIT });
    assert.deepEqual((await bobApi.people.get(bobApi.session!.personId)).roles ?? [], []);
    // An address outside the org is not granted anything.
    await admin.getByLabel('E-mail address of a person of your organization').fill('nobody@example.com');
    await admin.getByRole('button', { name: 'Grant', exact: true }).click();
    await admin.getByText('No one in your organization has the address nobody@example.com.').waitFor(WAIT);
  });

  it('ID-7: the licences page shows the licence the server counts, used and total', async () => {
    await admin.goto(`${flint.url}/#/admin/licenses`);
    const row = admin.getByTestId('licenses').locator('tr[data-license="messaging"]');
    await row.waitFor(WAIT);
    assert.deepEqual(await row.locator('th, td').allTextContents(), ['Messaging', '3', 'Unlimited']);
    assert.equal(await admin.getByTestId('licenses').locator('tbody tr').count(), 1);
    await assertAccessible(admin, 'admin licences');
  });

  it('AD-3: the status page shows each part of the service checked live', async () => {
    await admin.goto(`${flint.url}/#/admin/health`);
    const table = admin.getByTestId('service-health');
    await table.locator('tr[data-component="jobs"]').waitFor(WAIT);
    for (const part of ['core', 'kms', 'database', 'blobs', 'jobs']) assert.equal(await table.locator(`tr[data-component="${part}"]`).getAttribute('data-state'), 'ok', part);
    assert.equal(await table.locator('tr[data-component="redis"]').getAttribute('data-state'), flint.config.redisUrl !== undefined ? 'ok' : 'not_configured');
    await admin.getByText(/^Overall: OK/).waitFor(WAIT);
    await admin.getByText('/health/services', { exact: false }).waitFor(WAIT);
    await assertAccessible(admin, 'admin service health');
    await shots(admin, 'admin-health');
  });

  it('AD-3: a person opts in; the admin publishes a notice; it is e-mailed, shown as a banner and audited', async () => {
    const bobContext = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    const page = await bobContext.newPage();
    await signIn(page, 'bob@example.com');
    await page.goto(`${flint.url}/#/settings`);
    const optIn = page.getByLabel('E-mail me the maintenance and incident notices of my organization’s administrators');
    await optIn.check();
    await page.waitForFunction(async () => {
      const r = await fetch('/api/people/me', { credentials: 'same-origin' });
      return ((await r.json()) as { notificationPrefs?: { serviceNotices?: boolean } }).notificationPrefs?.serviceNotices === true;
    }, undefined, WAIT);

    await admin.goto(`${flint.url}/#/admin/notices`);
    await admin.getByLabel('Title', { exact: true }).fill('Upgrade tonight');
    await admin.getByLabel('Text', { exact: true }).fill('Flint restarts at 22:00 for five minutes.');
    await admin.getByLabel('Kind').selectOption('maintenance');
    await admin.getByRole('button', { name: 'Publish the notice' }).click();
    await admin.getByText('Notice published; e-mailed to the 1 person who asked for notices.').waitFor(WAIT);
    await admin.getByTestId('notices').locator('tr[data-notice="Upgrade tonight"]').waitFor(WAIT);
    // The admin's own tab shows the banner at once.
    await admin.getByTestId('notice-banner').getByText('Maintenance: Upgrade tonight').waitFor(WAIT);
    await assertAccessible(admin, 'admin notices');
    await shots(admin, 'admin-notices');

    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bob@example.com') && /Upgrade tonight/.test(m.subject));
    assert.match(mail.text, /Flint restarts at 22:00/);
    assert.ok(!smtp.mails.some((m) => m.envelopeTo.includes('cy@example.com')), 'Cy did not opt in');

    await page.reload();
    const banner = page.getByTestId('notice-banner');
    await banner.getByText('Flint restarts at 22:00 for five minutes.').waitFor(WAIT);
    await assertAccessible(page, 'notice banner');
    await shots(page, 'notice-banner');
    await page.getByRole('button', { name: 'Close: Upgrade tonight' }).click();
    await banner.waitFor({ state: 'detached', ...WAIT });
    await bobContext.close();

    await admin.goto(`${flint.url}/#/admin/audit`);
    await admin.getByTestId('audit-log').getByText(/published the notice/).first().waitFor(WAIT);
  });

  it('AD-3: a person runs the connection test from Settings', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    const page = await context.newPage();
    await signIn(page, 'bob@example.com');
    await page.goto(`${flint.url}/#/settings`);
    await page.getByRole('button', { name: 'Test my connection' }).click();
    const table = page.getByTestId('connection-test');
    await table.locator('tr[data-step="media"]').waitFor(WAIT);
    for (const step of ['https', 'websocket', 'download', 'upload']) assert.equal(await table.locator(`tr[data-step="${step}"]`).getAttribute('data-ok'), 'true', step);
    assert.match((await table.locator('tr[data-step="websocket"] td').textContent()) ?? '', /^OK, [\d.]+ ms round trip$/);
    assert.match((await table.locator('tr[data-step="download"] td').textContent()) ?? '', /^OK, [\d.]+ Mbit\/s$/);
    await table.getByText('Not measured: Flint has no calls yet.').waitFor(WAIT);
    await assertAccessible(page, 'connection test');
    await shots(page, 'connection-test');
    await context.close();
  });

  it('ID-8, AD-2: the usage report draws a chart per figure, each with a written summary', async () => {
    await admin.goto(`${flint.url}/#/admin/reports`);
    const charts = admin.getByTestId('usage-charts');
    await charts.locator('figure').nth(4).waitFor(WAIT);
    assert.equal(await charts.locator('canvas').count(), 5);
    const messages = await charts.locator('figure[data-figure="messages"] [role="img"]').getAttribute('aria-label');
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(messages, `Messages: 4 in all over 30 days; highest 4, on ${today}.`);
    const active = await charts.locator('figure[data-figure="activePeople"] [role="img"]').getAttribute('aria-label');
    assert.equal(active, `Active people: 2 in all over 30 days; highest 2, on ${today}.`);
    await assertAccessible(admin, 'admin reports with charts');
    await shots(admin, 'admin-reports-charts');
  });

  it('MS-8: the new pages in French pass axe', async () => {
    const fr = await browser.newContext({ viewport: DESKTOP, locale: 'fr-FR' });
    const page = await fr.newPage();
    await page.goto(flint.url + '/');
    await page.getByLabel('E-mail').fill('ada@example.com');
    await page.getByLabel('Mot de passe').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('navigation', { name: 'Espaces et équipes' }).waitFor(WAIT);
    for (const [section, heading, probe] of [
      ['roles', 'Rôles', 'roles'],
      ['licenses', 'Licences', 'licenses'],
      ['health', 'État du service', 'service-health'],
      ['notices', 'Avis', 'notices'],
      ['reports', 'Rapports', 'usage-charts'],
    ] as const) {
      await page.goto(`${flint.url}/#/admin/${section}`);
      await page.getByRole('heading', { name: heading, level: 2 }).waitFor(WAIT);
      await page.getByTestId(probe).waitFor(WAIT);
      await assertAccessible(page, `admin ${section} (fr)`);
    }
    await page.screenshot({ path: `${SHOTS}admin-reports-fr.png`, fullPage: true });
    await fr.close();
  });
});
