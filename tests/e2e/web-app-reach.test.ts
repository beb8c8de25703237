/**
 * The web app in a real Chromium: what a Slack or Webex user reaches for first (issue 16; SPEC PL-1,
 * SP-2, MS-4, MS-8, SR-1, FL-1): the tab title counts unread messages and its icon gets a dot; Ctrl+K
 * opens a space by typing part of its name; system lines say who added, removed or left and who
 * renamed the space; messages from one sender in the same minute read as one block; an image opens
 * at full size; a pasted image is shared; search marks the words it found and filters by space and
 * by sender; flagged messages are a list; dark mode follows the system and passes axe (in French, so the new strings are checked
 * in both languages).
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { Session } from '@flint/sdk';
import { assertAccessible, launchChromium, sampleImage, startFlint, webDist, type TestFlint, signInPage, PAGE_WAIT } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = PAGE_WAIT;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('web app, what a Slack or Webex user reaches for first (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let ada: Session;
  let opsId = '';
  let sideId = '';
  let bob: Page;


  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist() });
    browser = await launchChromium();
    const adaClient = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    await flint.signup({ email: 'carol@example.com', displayName: 'Carol Cooper' });
    ada = await flint.connect(adaClient, { deviceId: 'ada-node' });
    const ops = await ada.spaces.create({ title: 'Operations' });
    opsId = ops.id;
    await ada.members.add(ops.id, { personEmail: 'bob@example.com' });
    const side = await ada.spaces.create({ title: 'Side project' });
    sideId = side.id;
    await ada.members.add(side.id, { personEmail: 'bob@example.com' });
    await ada.messages.send({ roomId: ops.id, text: 'welcome' });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    bob = await context.newPage();
    await signInPage(bob, flint.url, 'bob@example.com');
    await bob.goto(`${flint.url}/#/space/${opsId}`);
    await bob.getByRole('heading', { name: 'Operations' }).waitFor(WAIT);
  });

  after(async () => {
    ada?.close();
    await browser?.close();
    await flint?.stop();
  });

  it('MS-4: the tab title counts unread messages, and clears once they are read', async () => {
    await bob.waitForFunction(() => document.title === 'Flint', undefined, WAIT);
    await ada.messages.send({ roomId: sideId, text: 'side one' });
    await ada.messages.send({ roomId: sideId, text: 'side two' });
    await bob.waitForFunction(() => document.title === '(2) Flint', undefined, WAIT);
    // The tab's icon gets a dot: the app's icon redrawn, given as a blob: URL.
    await bob.waitForFunction(() => document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.href.startsWith('blob:') === true, undefined, WAIT);
    const dotted = await bob.evaluate(async () => {
      const image = new Image();
      image.src = document.querySelector<HTMLLinkElement>('link[rel="icon"]')!.href;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(image, 0, 0);
      return [...ctx.getImageData(image.naturalWidth - 14, 14, 1, 1).data];
    });
    assert.deepEqual(dotted, [217, 45, 32, 255], 'a red dot in the corner');
    await bob.getByRole('link', { name: /^Side project/ }).click();
    await bob.locator('article.message', { hasText: 'side two' }).waitFor(WAIT);
    await bob.waitForFunction(() => document.title === 'Flint', undefined, WAIT);
    await bob.waitForFunction(() => document.querySelector('link[rel="icon"]')?.getAttribute('href') === './icon.svg', undefined, WAIT);
  });

  it('SP-5: Ctrl+K opens a space by typing part of its name', async () => {
    await bob.goto(`${flint.url}/#/space/${sideId}`);
    await bob.getByRole('heading', { name: 'Side project' }).waitFor(WAIT);
    await bob.keyboard.press('Control+k');
    const dialog = bob.getByRole('dialog', { name: 'Jump to a space' });
    await dialog.waitFor(WAIT);
    const box = dialog.getByRole('combobox', { name: 'Space name' });
    await bob.waitForFunction(() => document.activeElement?.getAttribute('role') === 'combobox' && document.activeElement.closest('dialog') !== null, undefined, WAIT);
    await bob.keyboard.type('erat');
    await dialog.getByRole('option', { name: /Operations/ }).waitFor(WAIT);
    assert.equal(await dialog.getByRole('option').count(), 1);
    await bob.screenshot({ path: `${SHOTS}reach-switcher.png` });
    await assertAccessible(bob, 'quick switcher');
    await box.press('Enter');
    await dialog.waitFor({ state: 'detached', ...WAIT });
    await bob.getByRole('heading', { name: 'Operations' }).waitFor(WAIT);
    // Nothing matches: said so; Escape closes.
    await bob.keyboard.press('Control+k');
    await dialog.waitFor(WAIT);
    await bob.keyboard.type('zzz');
    await dialog.getByText('No space matches.').waitFor(WAIT);
    await bob.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', ...WAIT });
  });

  it('SP-2: system lines say who added, removed, joined or left, and who renamed the space', async () => {
    await bob.goto(`${flint.url}/#/space/${sideId}`);
    await bob.getByRole('heading', { name: 'Side project' }).waitFor(WAIT);
    const carol = await ada.members.add(sideId, { personEmail: 'carol@example.com' });
    await bob.getByText('Ada Lovelace added Carol Cooper').waitFor(WAIT);
    await ada.spaces.rename(sideId, 'Side quest');
    await bob.getByText('Ada Lovelace renamed the space “Side quest”').waitFor(WAIT);
    await ada.members.remove(carol.id);
    await bob.getByText('Ada Lovelace removed Carol Cooper').waitFor(WAIT);
    // In time order, after the messages before them.
    const order = await bob.locator('.timeline').evaluate((el) => [...el.querySelectorAll('article.message .md, .system-line')].map((n) => n.textContent ?? ''));
    const at = (s: string) => order.findIndex((x) => x.includes(s));
    assert.ok(at('side two') < at('added Carol') && at('added Carol') < at('renamed') && at('renamed') < at('removed Carol'), order.join(' | '));
    await ada.messages.send({ roomId: sideId, text: 'after the changes' });
    await bob.locator('article.message', { hasText: 'after the changes' }).waitFor(WAIT);
    const later = await bob.locator('.timeline').evaluate((el) => [...el.querySelectorAll('article.message .md, .system-line')].map((n) => n.textContent ?? ''));
    assert.ok(later.findIndex((x) => x.includes('removed Carol')) < later.findIndex((x) => x.includes('after the changes')), later.join(' | '));
    await bob.screenshot({ path: `${SHOTS}reach-system-lines.png` });
    await assertAccessible(bob, 'system lines');
  });

  it('MS-1: messages from one sender in the same minute read as one block', async () => {
    // Another sender first: Ada's block starts after it.
    const box = bob.getByRole('combobox', { name: 'Write a message to Side quest' });
    await box.fill('bob before the block');
    await box.press('Enter');
    await bob.locator('article.message', { hasText: 'bob before the block' }).locator('.sender').waitFor(WAIT);
    // Not across a minute's end: wait for a fresh minute if this one is nearly over.
    const second = new Date().getSeconds();
    if (second >= 50) await sleep((61 - second) * 1000);
    await ada.messages.send({ roomId: sideId, text: 'block first' });
    await ada.messages.send({ roomId: sideId, text: 'block second' });
    const first = bob.locator('article.message', { hasText: 'block first' });
    const next = bob.locator('article.message', { hasText: 'block second' });
    await next.waitFor(WAIT);
    assert.equal(await first.locator('.sender').count(), 1, 'the first shows its sender');
    assert.equal(await next.locator('.sender').count(), 0, 'the follow-up does not repeat it');
    assert.equal(await next.locator('.avatar').count(), 0);
    // Still named for screen readers, and its time shows on hover.
    assert.match((await next.getAttribute('aria-label')) ?? '', /^Ada Lovelace, /);
    await next.hover();
    assert.equal(await next.locator('.gutter-time').evaluate((el) => getComputedStyle(el).visibility), 'visible');
    await bob.screenshot({ path: `${SHOTS}reach-grouped.png` });
  });

  it('FL-1: an image opens at full size in the tab, and downloads from there', async () => {
    const png = new Uint8Array(await sampleImage('png', 1200, 700, { r: 220, g: 120, b: 30 }));
    await ada.messages.send({ roomId: opsId, files: [{ source: png, name: 'poster.png', type: 'image/png' }] });
    await bob.goto(`${flint.url}/#/space/${opsId}`);
    await bob.getByRole('button', { name: 'Show poster.png at full size' }).click(WAIT);
    const viewer = bob.getByRole('dialog', { name: 'poster.png' });
    await viewer.getByRole('img', { name: 'poster.png' }).waitFor(WAIT);
    await bob.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('dialog .viewer-image');
      return img !== null && img.complete && img.naturalWidth === 1200 && img.src.startsWith('blob:');
    }, undefined, WAIT);
    const shown = await viewer.getByRole('img', { name: 'poster.png' }).boundingBox();
    assert.ok(shown !== null && shown.width <= 1280 && shown.height <= 800, 'scaled to the window');
    await bob.screenshot({ path: `${SHOTS}reach-viewer.png` });
    await assertAccessible(bob, 'image viewer');
    const [download] = await Promise.all([bob.waitForEvent('download', WAIT), viewer.getByRole('button', { name: 'Download' }).click()]);
    assert.equal(download.suggestedFilename(), 'poster.png');
    const saved = await download.path();
    const { readFile } = await import('node:fs/promises');
    assert.deepEqual(new Uint8Array(await readFile(saved)), png);
    await bob.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached', ...WAIT });
  });

  it('FL-1: an image pasted into the composer is shared', async () => {
    await bob.goto(`${flint.url}/#/space/${opsId}`);
    const box = bob.getByRole('combobox', { name: 'Write a message to Operations' });
    await box.waitFor(WAIT);
    const png = [...new Uint8Array(await sampleImage('png', 40, 30, { r: 10, g: 160, b: 90 }))];
    await box.evaluate((el, bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'pasted.png', { type: 'image/png' }));
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, png);
    // Pasted, it waits in the composer for a caption until Send (Enter in the box).
    await bob.getByRole('list', { name: 'Files to send' }).getByText('pasted.png').waitFor(WAIT);
    await bob.getByRole('combobox', { name: 'Caption for the files to send to Operations' }).press('Enter');
    await bob.locator('.timeline .file-card', { hasText: 'pasted.png' }).getByRole('img', { name: 'Preview of pasted.png' }).waitFor(WAIT);
    assert.equal(await bob.getByRole('combobox', { name: 'Write a message to Operations' }).inputValue(), '', 'nothing pasted as text');
  });

  it('SR-1: search marks the words it found, and filters by space and by sender', async () => {
    await ada.messages.send({ roomId: opsId, text: 'quarterly from ada' });
    for (const [id, text] of [[opsId, 'quarterly plan'], [sideId, 'quarterly review']] as const) {
      await bob.goto(`${flint.url}/#/space/${id}`);
      const box = bob.getByRole('combobox', { name: /^Write a message to/ });
      await box.fill(text);
      await box.press('Enter');
      await bob.locator('article.message', { hasText: text }).waitFor(WAIT);
    }
    await bob.getByRole('searchbox', { name: 'Search' }).fill('quarterly');
    await bob.getByRole('searchbox', { name: 'Search' }).press('Enter');
    const results = bob.getByRole('region', { name: 'Messages' }).locator('.result');
    const texts = async () => (await results.allInnerTexts()).map((r) => r.split('\n').at(-1)!.trim()).sort();
    await bob.waitForFunction(() => document.querySelectorAll('[aria-labelledby="r-messages"] .result').length === 3, undefined, WAIT);
    assert.equal(await results.locator('mark', { hasText: /^quarterly$/ }).count(), 3);
    await bob.getByLabel('In', { exact: true }).selectOption({ label: 'Side quest' });
    await bob.waitForFunction(() => document.querySelectorAll('[aria-labelledby="r-messages"] .result').length === 1, undefined, WAIT);
    assert.deepEqual(await texts(), ['quarterly review']);
    await bob.getByLabel('In', { exact: true }).selectOption({ label: 'Every space' });
    await bob.waitForFunction(() => document.querySelectorAll('[aria-labelledby="r-messages"] .result').length === 3, undefined, WAIT);
    await bob.getByLabel('From', { exact: true }).selectOption({ label: 'Ada Lovelace' });
    await bob.waitForFunction(() => document.querySelectorAll('[aria-labelledby="r-messages"] .result').length === 1, undefined, WAIT);
    assert.deepEqual(await texts(), ['quarterly from ada']);
    await bob.screenshot({ path: `${SHOTS}reach-search-filters.png` });
    await assertAccessible(bob, 'search with filters');
  });

  it('MS-3: flagged messages as a list across spaces, each linking to it in context', async () => {
    await bob.goto(`${flint.url}/#/space/${opsId}`);
    const message = bob.locator('article.message', { hasText: 'quarterly plan' });
    await message.hover();
    await message.getByRole('button', { name: 'Flag', exact: true }).click();
    await message.getByText('Flagged', { exact: true }).waitFor(WAIT);
    await bob.getByRole('link', { name: /^Flagged messages/ }).click();
    await bob.getByRole('heading', { name: 'Flagged messages' }).waitFor(WAIT);
    const item = bob.locator('.flagged-item', { hasText: 'quarterly plan' });
    await item.waitFor(WAIT);
    assert.match(await item.innerText(), /Bob Babbage · Operations/);
    await assertAccessible(bob, 'flagged messages');
    await item.getByRole('link').click();
    await bob.locator('article.message.highlight', { hasText: 'quarterly plan' }).waitFor(WAIT);
    await bob.getByRole('link', { name: /^Flagged messages/ }).click();
    await bob.locator('.flagged-item', { hasText: 'quarterly plan' }).getByRole('button', { name: 'Remove flag' }).click();
    await bob.getByText('No flagged messages. Flag one to find it here.').waitFor(WAIT);
  });

  it('PL-1, MS-8: dark mode follows the system setting and passes axe (in French)', async () => {
    const dark = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', colorScheme: 'dark' });
    const page = await dark.newPage();
    await signInPage(page, flint.url, 'bob@example.com', { button: 'Se connecter' });
    await page.goto(`${flint.url}/#/space/${sideId}`);
    await page.locator('article.message', { hasText: 'block second' }).waitFor(WAIT);
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(background, 'rgb(21, 24, 28)');
    await page.screenshot({ path: `${SHOTS}reach-dark.png` });
    await assertAccessible(page, 'dark conversation');
    await page.keyboard.press('Control+k');
    await page.getByRole('dialog', { name: 'Aller à un espace' }).waitFor(WAIT);
    await page.keyboard.type('opé');
    await page.getByRole('option', { name: /Operations/ }).waitFor(WAIT);
    await assertAccessible(page, 'dark quick switcher');
    await page.keyboard.press('Escape');
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, locale: 'fr-FR', colorScheme: 'dark' });
    const small = await phone.newPage();
    await signInPage(small, flint.url, 'bob@example.com', { button: 'Se connecter' });
    await small.goto(`${flint.url}/#/space/${sideId}`);
    await small.locator('article.message', { hasText: 'block second' }).waitFor(WAIT);
    await small.screenshot({ path: `${SHOTS}reach-dark-phone.png` });
    await assertAccessible(small, 'dark phone conversation');
    await phone.close();
    await dark.close();
  });
});
