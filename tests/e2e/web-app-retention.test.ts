/**
 * Retention and legal hold in the web app, in a real Chromium (SPEC CP-4, SP-6, AD-1): the admin
 * sets the org's retention periods on the console's Retention page, reads the KMS's key-shredding
 * rule there, places legal holds on a person and on a space (each placed at the KMS too, from the
 * admin's own browser), lists and releases one (audited); a member sees the periods that apply in the
 * space's details — never the holds — in English and in French. Every screen passes axe; screenshots
 * in test-results/web/. Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { adminAudit, retention } from '@flint/protocol';
import { newDeviceSecret, passwordCredential, type FlintClient, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, openSpacePage, PAGE_WAIT, signInPage, startFlint, TEST_PASSWORD, webDist, type TestFlint } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const DESKTOP = { width: 1280, height: 800 };

describe('web app: retention periods, legal holds, and the policy in a space’s details (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let adaApi: FlintClient;
  let bobApi: FlintClient;
  let ada: Session;
  let admin: Page;
  let roomId = '';

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist() });
    browser = await launchChromium();
    adaApi = await flint.signup({ email: 'ada@retain.test', displayName: 'Ada Lovelace' });
    bobApi = await flint.signup({ email: 'bob@retain.test', displayName: 'Bob Babbage' });
    // First KMS devices hold the password credentials, so the browsers can enroll with the password.
    ada = await flint.connect(adaApi, { deviceId: 'ada-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaApi.session!.personId) } });
    const bob = await flint.connect(bobApi, { deviceId: 'bob-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, bobApi.session!.personId) } });
    bob.close();
    roomId = (await ada.spaces.create({ title: 'Launch plans' })).id;
    await ada.members.add(roomId, { personEmail: 'bob@retain.test' });
    await ada.messages.send({ roomId, text: 'kick-off' });
    admin = await (await browser.newContext({ viewport: DESKTOP, locale: 'en-US' })).newPage();
    await signInPage(admin, flint.url, 'ada@retain.test');
  });
  after(async () => {
    ada?.close();
    await browser?.close();
    await flint?.stop();
  });

  it('AD-1, CP-4: the admin sets the retention periods on the console; a bad one is refused by the browser and the server', async () => {
    await admin.goto(`${flint.url}/#/admin/retention`);
    await admin.getByRole('heading', { name: 'Retention periods' }).waitFor(PAGE_WAIT);
    await admin.getByTestId('kms-shredding').getByText('Key shredding at the KMS: off', { exact: false }).waitFor(PAGE_WAIT);
    const messages = admin.getByLabel('Delete messages after (days)');
    const files = admin.getByLabel('Delete files after (days)');
    assert.equal(await messages.inputValue(), '');
    await messages.fill('0');
    await admin.getByRole('button', { name: 'Save' }).click();
    assert.equal(await messages.evaluate((el) => (el as HTMLInputElement).validity.valid), false, 'the browser refuses 0 days');
    await messages.fill('30');
    await files.fill('10');
    await admin.getByText('Deleted after 30 days.').waitFor(PAGE_WAIT);
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('Policies saved.').waitFor(PAGE_WAIT);
    const org = (await adaApi.organizations.list())[0]!;
    assert.equal(org.policy?.messageRetentionDays, 30);
    assert.equal(org.policy?.fileRetentionDays, 10);
    await assertAccessible(admin, 'admin retention');
  });

  it('CP-4: the admin places legal holds on a person and a space (at the KMS too), lists and releases one; audited', async () => {
    await admin.getByLabel('E-mail').fill('bob@retain.test');
    await admin.getByLabel('Reason').fill('Matter 7: supplier dispute');
    await admin.getByRole('button', { name: 'Place the hold' }).click();
    await admin.getByText('The legal hold is in place.').waitFor(PAGE_WAIT);
    await admin.getByTestId('legal-holds').locator('tr[data-hold="bob@retain.test"]').waitFor(PAGE_WAIT);

    await admin.getByRole('radio', { name: 'A space' }).check();
    await admin.getByRole('combobox', { name: 'A space' }).selectOption({ label: 'Launch plans' });
    await admin.getByLabel('Reason').fill('Matter 8');
    await admin.getByRole('button', { name: 'Place the hold' }).click();
    await admin.getByTestId('legal-holds').locator('tr[data-hold="Launch plans"]').waitFor(PAGE_WAIT);

    const holds = (await adaApi.transport.call(retention.listLegalHolds, {})).items;
    assert.equal(holds.length, 2);
    for (const h of holds) assert.match(h.kmsHoldUri ?? '', /^kms:\/\/[^/]+\/holds\//, 'the browser placed the hold at the KMS too');
    assert.deepEqual(new Set(holds.map((h) => h.kind)), new Set(['person', 'space']));
    await assertAccessible(admin, 'admin legal holds');
    await admin.screenshot({ path: `${SHOTS}admin-retention.png`, fullPage: true });

    await admin.getByRole('button', { name: 'Release: bob@retain.test' }).click();
    await admin.getByText('The legal hold is released.').waitFor(PAGE_WAIT);
    await admin.getByTestId('legal-holds').locator('tr[data-hold="bob@retain.test"]').getByText('Released on', { exact: false }).waitFor(PAGE_WAIT);
    const after = (await adaApi.transport.call(retention.listLegalHolds, {})).items;
    assert.equal(after.filter((h) => h.released !== undefined).length, 1);
    const audit = (await adaApi.transport.call(adminAudit.listAuditEvents, { query: { eventCategories: 'COMPLIANCE' } })).items.map((e) => e.action).sort();
    assert.deepEqual(audit, ['legalHold.create', 'legalHold.create', 'legalHold.release']);
  });

  it('SP-6: a member sees the periods that apply in the space’s details, in English and in French, and no hold', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    const page = await context.newPage();
    await signInPage(page, flint.url, 'bob@retain.test');
    await openSpacePage(page, roomId);
    await page.getByRole('link', { name: 'Space details' }).click();
    const line = page.getByTestId('retention');
    await line.getByText('Messages are deleted after 30 days.', { exact: false }).waitFor(PAGE_WAIT);
    assert.equal(await line.textContent(), 'Messages are deleted after 30 days. Files are deleted after 10 days.');
    assert.equal(await page.getByText('hold', { exact: false }).count(), 0, 'members are not told about holds');
    await assertAccessible(page, 'space details with retention');
    await page.screenshot({ path: `${SHOTS}details-retention.png`, fullPage: true });
    await context.close();

    const fr = await browser.newContext({ viewport: DESKTOP, locale: 'fr-FR' });
    const frPage = await fr.newPage();
    await signInPage(frPage, flint.url, 'bob@retain.test', { button: 'Se connecter' });
    await openSpacePage(frPage, roomId);
    await frPage.getByRole('link', { name: 'Détails de l’espace' }).click();
    await frPage.getByTestId('retention').getByText('Les messages sont supprimés après 30 jours.', { exact: false }).waitFor(PAGE_WAIT);
    assert.equal(await frPage.getByTestId('retention').textContent(), 'Les messages sont supprimés après 30 jours. Les fichiers sont supprimés après 10 jours.');
    await assertAccessible(frPage, 'space details with retention (fr)');
    await fr.close();

    const frAdmin = await (await browser.newContext({ viewport: DESKTOP, locale: 'fr-FR' })).newPage();
    await signInPage(frAdmin, flint.url, 'ada@retain.test', { button: 'Se connecter' });
    await frAdmin.goto(`${flint.url}/#/admin/retention`);
    await frAdmin.getByRole('heading', { name: 'Durées de conservation' }).waitFor(PAGE_WAIT);
    await frAdmin.getByRole('heading', { name: 'Conservations légales' }).waitFor(PAGE_WAIT);
    await assertAccessible(frAdmin, 'admin retention (fr)');
    await frAdmin.screenshot({ path: `${SHOTS}admin-retention-fr.png`, fullPage: true });
  });
});
