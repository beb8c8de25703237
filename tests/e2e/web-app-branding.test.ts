/**
 * The organization's name and logo in the header (issue 16), in a real Chromium: before any logo a
 * member's header shows the org's name alone; the admin uploads a logo in the console (an oversized
 * file is refused there first); a second member's header shows the name and the logo, really loaded
 * (naturalWidth > 0), at desktop width in light mode and at phone width in dark mode; removing the
 * logo brings back the name alone. Each view passes axe, with screenshots under test-results/web/.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FlintClient } from '@flint/sdk';
import { LIMITS } from '@flint/protocol';
import { assertAccessible, launchChromium, PAGE_WAIT, signInPage, startFlint, webDist, type TestFlint } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const ORG = 'Acme Robotics';

/** A small wordmark-like logo with a transparent background, as a PNG. */
async function logoPng(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="80" viewBox="0 0 240 80">
    <circle cx="40" cy="40" r="32" fill="#e4572e"/><rect x="84" y="22" width="140" height="14" rx="7" fill="#17bebb"/>
    <rect x="84" y="46" width="96" height="14" rx="7" fill="#ffc914"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Waits until the image is really decoded: a broken or blocked image keeps naturalWidth at 0. */
async function imageLoaded(page: Page, selector: string): Promise<void> {
  await page.waitForFunction((sel) => (document.querySelector<HTMLImageElement>(sel)?.naturalWidth ?? 0) > 0, selector, PAGE_WAIT);
}

describe('web app: the organization’s name and logo in the header (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let adaApi: FlintClient;
  let orgId: string;
  let adminContext: BrowserContext;
  let admin: Page;

  const brand = (page: Page) => page.getByTestId('org-brand');

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_SIGNUP: 'open' } });
    browser = await launchChromium();
    adaApi = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    orgId = (await adaApi.people.me()).orgId!;
    await adaApi.organizations.update(orgId, { displayName: ORG });
    adminContext = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    admin = await adminContext.newPage();
    await signInPage(admin, flint.url, 'ada@example.com');
  });

  after(async () => {
    await browser?.close();
    await flint?.stop();
  });

  it('without a logo, the header shows the organization’s name alone', async () => {
    await brand(admin).waitFor(PAGE_WAIT);
    assert.equal((await brand(admin).textContent())?.trim(), ORG);
    assert.equal(await brand(admin).locator('img').count(), 0);
  });

  it('the admin uploads a logo in the console; an oversized file is refused there', async () => {
    await admin.goto(`${flint.url}/#/admin/branding`);
    await admin.getByRole('heading', { name: 'Logo', level: 2 }).waitFor(PAGE_WAIT);
    await admin.getByText('No logo: the header shows the organization’s name alone.').waitFor(PAGE_WAIT);
    const file = admin.getByLabel('Image file');
    await file.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(LIMITS.orgLogoBytes + 1) });
    await admin.getByRole('button', { name: 'Upload logo' }).click();
    await admin.getByRole('alert').filter({ hasText: 'The image is larger than' }).waitFor(PAGE_WAIT);
    assert.equal((await adaApi.organizations.get(orgId)).logo, undefined, 'nothing was sent');

    await file.setInputFiles({ name: 'acme.png', mimeType: 'image/png', buffer: await logoPng() });
    await admin.getByRole('button', { name: 'Upload logo' }).click();
    await admin.getByRole('status').filter({ hasText: 'Logo saved' }).waitFor(PAGE_WAIT);
    const preview = admin.getByTestId('logo-preview');
    await preview.waitFor(PAGE_WAIT);
    await imageLoaded(admin, '[data-testid="logo-preview"]');
    // The admin's own header follows at once.
    await imageLoaded(admin, '[data-testid="org-brand"] img');
    assert.ok((await adaApi.organizations.get(orgId)).logo);
    await assertAccessible(admin, 'branding admin');
    await admin.screenshot({ path: `${SHOTS}branding-admin.png`, fullPage: true });
    await admin.setViewportSize(PHONE);
    await admin.screenshot({ path: `${SHOTS}branding-admin-phone.png`, fullPage: true });
    await assertAccessible(admin, 'branding admin (phone)');
    await admin.setViewportSize(DESKTOP);
  });

  it('a second member sees the name and the logo, desktop light and phone dark, in English and French', async () => {
    const logoLoaded = (page: Page) => imageLoaded(page, '[data-testid="org-brand"] img');

    const light = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', colorScheme: 'light' });
    const page = await light.newPage();
    await signInPage(page, flint.url, 'bob@example.com');
    await brand(page).waitFor(PAGE_WAIT);
    await logoLoaded(page);
    assert.ok(await page.getByText(ORG, { exact: true }).isVisible(), 'the name beside the logo');
    await assertAccessible(page, 'header with logo');
    await page.screenshot({ path: `${SHOTS}branding-header.png` });
    await light.close();

    const dark = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'fr-FR', colorScheme: 'dark' });
    const small = await dark.newPage();
    await signInPage(small, flint.url, 'bob@example.com', { button: 'Se connecter' });
    await brand(small).waitFor(PAGE_WAIT);
    await logoLoaded(small);
    const box = await brand(small).locator('img').boundingBox();
    assert.ok(box !== null && box.width > 0 && box.x + box.width <= PHONE.width, 'the logo fits the phone’s width');
    // At phone width the logo stands alone, the name still its accessible text.
    const nameBox = await brand(small).locator('.org-name').boundingBox();
    assert.ok(nameBox !== null && nameBox.width <= 1, 'the name is visually hidden beside the logo on a phone');
    assert.equal((await brand(small).locator('.org-name').textContent())?.trim(), ORG);
    assert.equal(await brand(small).getAttribute('title'), ORG);
    await assertAccessible(small, 'header with logo (phone, dark, French)');
    await small.screenshot({ path: `${SHOTS}branding-header-phone-dark.png` });
    await dark.close();
  });

  it('removing the logo brings back the name alone', async () => {
    await admin.goto(`${flint.url}/#/admin/branding`);
    await admin.getByRole('button', { name: 'Remove logo' }).click();
    await admin.getByRole('status').filter({ hasText: 'Logo removed.' }).waitFor(PAGE_WAIT);
    assert.equal((await adaApi.organizations.get(orgId)).logo, undefined);
    const context = await browser.newContext({ viewport: PHONE, locale: 'en-US', colorScheme: 'dark' });
    const page = await context.newPage();
    await signInPage(page, flint.url, 'bob@example.com');
    await brand(page).waitFor(PAGE_WAIT);
    assert.equal(await brand(page).locator('img').count(), 0);
    assert.ok(await page.getByText(ORG, { exact: true }).isVisible(), 'the name alone, visible on a phone');
    await assertAccessible(page, 'header without logo (phone, dark)');
    await page.screenshot({ path: `${SHOTS}branding-header-no-logo-phone.png` });
    await context.close();
  });
});
