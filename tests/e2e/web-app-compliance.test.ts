/**
 * The console's Compliance page in a real Chromium (SPEC CP-1, CP-2; issue 19): Alice, an admin,
 * grants Carol the compliance officer role on the Roles page; the KMS's operator grants her the
 * keys. Carol finds the Compliance page from the top bar, searches (keywords through the blinded
 * index, a person, a space), previews the results decrypted in her browser, and downloads the
 * export as JSON and CSV: every message of the org and the file byte for byte, nothing of another
 * org. Bob, who is not an officer, is shown the page is not for him. English and French, axe.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { unzipSync, strFromU8 } from 'fflate';
import { grantKmsOfficer } from '@flint/kms';
import { assertAccessible, launchChromium, PAGE_WAIT, signInPage, startFlint, TEST_PASSWORD, webDist, type TestFlint } from '@flint/testkit';
import { seedOrg, type Seed } from './compliance-seed.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));

describe('web app, the Compliance page (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let seed: Seed;
  const contexts: BrowserContext[] = [];

  async function newPage(options: { width?: number; locale?: string } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 }, locale: options.locale ?? 'en-US', acceptDownloads: true });
    contexts.push(context);
    return context.newPage();
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_SIGNUP: 'open' } });
    browser = await launchChromium();
    seed = await seedOrg(flint);
    // As their browsers' sign-ins did: the KMS knows their password credentials, so a new browser enrolls.
    for (const name of ['alice', 'bob', 'carol'] as const) await seed.secure[name]!.updateKmsPassword(TEST_PASSWORD);
  });

  after(async () => {
    for (const s of Object.values(seed?.secure ?? {})) s.close();
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await flint?.stop();
  });

  it('an admin grants the compliance officer role on the Roles page', async () => {
    const page = await newPage();
    await signInPage(page, flint.url, 'alice@acme.test');
    await page.goto(`${flint.url}/#/admin/roles`);
    await page.getByTestId('roles').waitFor(PAGE_WAIT);
    await page.getByLabel('E-mail address of a person of your organization').fill('carol@acme.test');
    await page.getByRole('combobox', { name: /^Role/ }).selectOption('compliance_officer');
    await page.getByRole('button', { name: 'Grant', exact: true }).click();
    await page.getByText('Compliance officer role granted to carol@acme.test.').waitFor(PAGE_WAIT);
    const row = page.getByTestId('roles').locator('tr[data-role="compliance_officer"]');
    await row.locator('li[data-email="carol@acme.test"]').waitFor(PAGE_WAIT);
    await assertAccessible(page, 'roles with a compliance officer');
    // The KMS's operator names her too (flint kms officers add): without it nothing would open.
    await grantKmsOfficer({ dataDir: flint.config.kmsDataDir }, { orgId: seed.orgId, userId: seed.plain['carol']!.session!.personId, label: 'carol@acme.test' });
  });

  it('the officer searches, previews decrypted results and downloads JSON and CSV with the files', async () => {
    const page = await newPage();
    await signInPage(page, flint.url, 'carol@acme.test');
    await page.getByRole('link', { name: 'Compliance' }).click();
    await page.getByTestId('compliance-search').waitFor(PAGE_WAIT);
    // Every space of the org is offered, titles opened in the browser; the other org's is not.
    const space = page.getByRole('combobox', { name: /^Space/ });
    await space.locator('option', { hasText: seed.boardTitle }).waitFor({ state: 'attached', ...PAGE_WAIT });
    assert.equal(await space.locator('option', { hasText: 'Other org india' }).count(), 0);

    await page.getByLabel('Keywords').fill(seed.keyword);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByTestId('compliance-results');
    await results.getByText('see the attached kilo').waitFor(PAGE_WAIT);
    assert.equal(await results.locator('tbody tr').count(), 1);

    await page.getByLabel('Keywords').fill('');
    await page.getByLabel('Person (e-mail address)').fill('bob@acme.test');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await results.getByText('direct golf').waitFor(PAGE_WAIT);
    assert.deepEqual((await results.locator('tbody tr td:nth-child(3)').allTextContents()).sort(), ['bob@acme.test', 'bob@acme.test']);

    await page.getByLabel('Person (e-mail address)').fill('');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await results.getByText('the quarterly numbers alpha').waitFor(PAGE_WAIT);
    await page.getByRole('status').filter({ hasText: '5 messages shown' }).waitFor(PAGE_WAIT);
    await results.getByText('final version delta').waitFor(PAGE_WAIT);
    assert.equal(await results.getByText('other org hotel').count(), 0);
    await assertAccessible(page, 'compliance search and preview');
    await page.locator('.admin').screenshot({ path: `${SHOTS}compliance-preview.png` });

    for (const format of ['json', 'csv'] as const) {
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByRole('button', { name: `Download as ${format.toUpperCase()}` }).click()]);
      await page.getByTestId('compliance-progress').getByText(/^Downloaded 5 messages/).waitFor(PAGE_WAIT);
      assert.match(download.suggestedFilename(), /^flint-compliance-\d{4}-\d{2}-\d{2}\.zip$/);
      const zip = unzipSync(new Uint8Array(readFileSync(await download.path())));
      if (format === 'json') {
        const messages = JSON.parse(strFromU8(zip['messages.json']!)) as { text: string }[];
        assert.deepEqual(messages.map((m) => m.text).sort(), [...seed.liveMessages].sort());
        const events = JSON.parse(strFromU8(zip['events.json']!)) as { type: string; text: string | null; messageId: string | null }[];
        assert.ok(events.some((e) => e.type === 'updated' && e.text === seed.editedText));
        assert.ok(events.some((e) => e.type === 'deleted' && e.messageId === seed.deletedMessageId));
        assert.ok(events.some((e) => e.type === 'created' && e.text === 'oops wrong space echo'));
      } else {
        const csv = strFromU8(zip['messages.csv']!);
        assert.equal(csv.split('\n')[0], 'id,roomId,parentId,personId,personEmail,created,updated,text,markdown,html,fileIds,decryptError');
        for (const t of seed.liveMessages) assert.ok(csv.includes(t), t);
      }
      const files = Object.keys(zip).filter((p) => p.startsWith('files/'));
      assert.equal(files.length, 1);
      assert.equal(createHash('sha256').update(zip[files[0]!]!).digest('hex'), seed.file.sha256);
      const everything = Object.values(zip).map((b) => Buffer.from(b).toString('latin1')).join('\n');
      for (const word of ['other org hotel', 'Other org india', seed.otherRoomId]) assert.ok(!everything.includes(word), word);
    }
    await page.locator('.admin').screenshot({ path: `${SHOTS}compliance-downloaded.png` });
  });

  it('someone who is not an officer is told the page is not for them; French, phone width', async () => {
    const bob = await newPage();
    await signInPage(bob, flint.url, 'bob@acme.test');
    assert.equal(await bob.getByRole('link', { name: 'Compliance' }).count(), 0);
    await bob.goto(`${flint.url}/#/admin/compliance`);
    await bob.getByRole('alert').getByText('Only your organization’s compliance officers can use this page.').waitFor(PAGE_WAIT);

    await seed.plain['carol']!.people.updateMe({ language: 'fr' });
    const phone = await newPage({ width: 390, locale: 'fr-FR' });
    await signInPage(phone, flint.url, 'carol@acme.test', { button: 'Se connecter' });
    await phone.goto(`${flint.url}/#/admin/compliance`);
    await phone.getByRole('heading', { name: 'Conformité' }).first().waitFor(PAGE_WAIT);
    await phone.getByRole('button', { name: 'Rechercher', exact: true }).click();
    await phone.getByTestId('compliance-results').getByText('direct golf').waitFor(PAGE_WAIT);
    await assertAccessible(phone, 'compliance, French, phone');
    await phone.screenshot({ path: `${SHOTS}compliance-fr-phone.png`, fullPage: true });
  });
});
