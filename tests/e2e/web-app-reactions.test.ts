/**
 * The web app in a real Chromium (issue 16; SPEC MS-1, FL-1, MS-8): emoji reactions with who
 * reacted, live on both sides for two people in a space, sealed (the core never holds the emoji);
 * the emoji picker by keyboard, searchable, in the composer too; `:shortcode:` completion; code
 * blocks highlighted (lazily, themed for light and dark, no CSP violation); a file staged in the
 * composer with a caption before Send. Axe in light and dark, English and French; desktop and
 * phone screenshots. Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, scanForPlaintext, startFlint, TEST_PASSWORD, webDist, type TestFlint } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = { timeout: 20_000 };

describe('web app: reactions, emoji, code blocks and captions (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let adaSdk: Session;
  let roomId = '';
  let adaContext: BrowserContext;
  let bobContext: BrowserContext;
  let ada: Page;
  let bob: Page;
  /** Console errors and CSP violations of every page, checked at the end. */
  const problems: string[] = [];

  function watch(page: Page): void {
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(String(e)));
  }

  async function signIn(page: Page, email: string, button = 'Sign in'): Promise<void> {
    watch(page);
    await page.goto(flint.url + '/');
    await page.locator('input[type=email]').fill(email);
    await page.locator('input[type=password]').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: button }).click();
    await page.locator('nav.sidebar').waitFor(WAIT).catch(async (e: unknown) => {
      throw new Error(`sign-in failed: ${String(e)}\n${problems.join('\n')}\n${(await page.locator('body').innerText()).slice(0, 500)}`);
    });
  }

  const message = (page: Page, text: string) => page.locator('article.message', { hasText: text });
  const chip = (page: Page, text: string, emoji: string) => message(page, text).locator('.reactions button.reaction', { hasText: emoji });

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist() });
    browser = await launchChromium();
    const adaClient = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    // Ada also signs in in a browser: her Node device sets the password credential that enrols it.
    const adaDevice = { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaClient.session!.personId) };
    adaSdk = await flint.connect(adaClient, { deviceId: 'ada-node', kmsCredential: adaDevice });
    const room = await adaSdk.spaces.create({ title: 'Launch' });
    roomId = room.id;
    await adaSdk.members.add(room.id, { personEmail: 'bob@example.com' });
    await adaSdk.messages.send({ roomId, text: 'Ship it on Friday?' });
    adaContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    bobContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    ada = await adaContext.newPage();
    bob = await bobContext.newPage();
    await signIn(ada, 'ada@example.com');
    await signIn(bob, 'bob@example.com');
    for (const page of [ada, bob]) {
      await page.goto(`${flint.url}/#/space/${roomId}`);
      await message(page, 'Ship it on Friday?').waitFor(WAIT);
    }
  });

  after(async () => {
    adaSdk?.close();
    await browser?.close();
    await flint?.stop();
  });

  it('MS-1: a reaction chosen in the picker by keyboard shows live on both sides, with who reacted; pressing it again removes it', async () => {
    const shipped = message(bob, 'Ship it on Friday?');
    await shipped.hover();
    await shipped.getByRole('button', { name: 'Add a reaction' }).click();
    const picker = bob.getByRole('dialog', { name: 'Choose an emoji' });
    await picker.waitFor(WAIT);
    await picker.getByRole('option').first().waitFor(WAIT);
    await bob.screenshot({ path: `${SHOTS}reactions-picker.png` });
    await assertAccessible(bob, 'emoji picker');
    // Search by name, move with the arrows, pick with Enter.
    await bob.keyboard.type('unicorn');
    await picker.getByRole('option', { name: 'unicorn' }).waitFor(WAIT);
    await bob.keyboard.press('Enter');
    await picker.waitFor({ state: 'detached', ...WAIT });
    for (const page of [bob, ada]) await chip(page, 'Ship it on Friday?', '🦄').filter({ hasText: '1' }).waitFor(WAIT);
    assert.equal(await chip(bob, 'Ship it on Friday?', '🦄').getAttribute('aria-pressed'), 'true', 'mine: pressed');
    assert.equal(await chip(ada, 'Ship it on Friday?', '🦄').getAttribute('aria-pressed'), 'false');

    // Ada adds hers by pressing the chip: two on both sides; who reacted shows on hover and on focus.
    await chip(ada, 'Ship it on Friday?', '🦄').click();
    for (const page of [ada, bob]) await chip(page, 'Ship it on Friday?', '🦄').filter({ hasText: '2' }).waitFor(WAIT);
    const bobChip = chip(bob, 'Ship it on Friday?', '🦄');
    const tip = message(bob, 'Ship it on Friday?').getByRole('tooltip');
    assert.equal(await tip.isVisible(), false, 'the tooltip waits for a pointer or focus');
    await bobChip.hover();
    await tip.filter({ hasText: /^(Bob Babbage and Ada Lovelace|Ada Lovelace and Bob Babbage) reacted with 🦄$/ }).waitFor({ state: 'visible', ...WAIT });
    await bob.screenshot({ path: `${SHOTS}reactions-desktop.png` });
    await assertAccessible(bob, 'reactions');
    await bob.mouse.move(5, 5);
    await bobChip.focus();
    await bob.keyboard.press('Shift+Tab');
    await bob.keyboard.press('Tab');
    await tip.waitFor({ state: 'visible', ...WAIT });
    assert.equal(await bobChip.getAttribute('aria-describedby'), await tip.getAttribute('id'), 'the chip is described by who reacted');

    // Another emoji from the quick row of the picker in the reaction bar.
    await message(bob, 'Ship it on Friday?').locator('.reactions').getByRole('button', { name: 'Add a reaction' }).click();
    await picker.waitFor(WAIT);
    await picker.getByRole('option', { name: 'party popper' }).first().click();
    for (const page of [ada, bob]) await chip(page, 'Ship it on Friday?', '🎉').waitFor(WAIT);

    // Pressing my chip removes mine only, on both sides.
    await bobChip.click();
    for (const page of [ada, bob]) await chip(page, 'Ship it on Friday?', '🦄').filter({ hasText: '1' }).waitFor(WAIT);
    assert.equal(await bobChip.getAttribute('aria-pressed'), 'false');

    // A reload lists them from the server, opened in the tab.
    await bob.reload();
    await chip(bob, 'Ship it on Friday?', '🦄').filter({ hasText: '1' }).waitFor(WAIT);
    await chip(bob, 'Ship it on Friday?', '🎉').filter({ hasText: '1' }).waitFor(WAIT);

    // The core holds the reactions sealed: the emoji are nowhere in its database, files or logs.
    const scan = await scanForPlaintext(flint, ['🦄', '🎉'], 'bob@example.com');
    assert.ok(scan.controlInDatabase, 'the scan read the database');
    assert.deepEqual([...scan.inDatabase, ...scan.inFiles, ...scan.inLogs], []);
  });

  it('MS-1: a deleted message takes its reactions along, on both sides', async () => {
    const sent = await adaSdk.messages.send({ roomId, text: 'Typo here' });
    await message(bob, 'Typo here').waitFor(WAIT);
    await adaSdk.reactions.add({ roomId, messageId: sent.id, emoji: '👀' });
    await chip(bob, 'Typo here', '👀').waitFor(WAIT);
    await adaSdk.messages.delete(sent.id);
    await bob.locator(`#m-${sent.id}.deleted`).getByText('This message was deleted.').waitFor(WAIT);
    assert.equal(await bob.locator(`#m-${sent.id} .reactions`).count(), 0);
  });

  it('MS-1: `:thu` offers 👍 and Enter puts it in; the picker inserts at the caret', async () => {
    const box = bob.getByRole('combobox', { name: 'Write a message to Launch' });
    await box.click();
    await bob.keyboard.type('Looks good :thu');
    const suggestions = bob.getByRole('listbox', { name: 'Emoji suggestions' });
    await suggestions.getByRole('option', { name: /:thumbsup:/ }).waitFor(WAIT);
    await bob.screenshot({ path: `${SHOTS}reactions-shortcode.png` });
    await assertAccessible(bob, 'shortcode suggestions');
    await bob.keyboard.press('Enter');
    assert.equal((await box.inputValue()).replace(/\uFE0F/g, ''), 'Looks good 👍 ');
    // A whole `:rocket:` typed out becomes the emoji, and the picker adds one at the caret.
    await bob.keyboard.type('and :rocket: ');
    assert.equal((await box.inputValue()).replace(/\uFE0F/g, ''), 'Looks good 👍 and 🚀 ');
    await bob.getByRole('button', { name: 'Insert an emoji' }).click();
    const picker = bob.getByRole('dialog', { name: 'Insert an emoji' });
    await picker.waitFor(WAIT);
    await bob.keyboard.type('sparkles');
    await picker.getByRole('option', { name: 'sparkles' }).waitFor(WAIT);
    await bob.keyboard.press('Enter');
    await picker.waitFor({ state: 'detached', ...WAIT });
    await bob.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Write a message to Launch', undefined, WAIT);
    assert.equal((await box.inputValue()).replace(/\uFE0F/g, ''), 'Looks good 👍 and 🚀 ✨');
    await bob.keyboard.press('Enter');
    await message(ada, 'Looks good').filter({ hasText: '👍' }).filter({ hasText: '🚀' }).filter({ hasText: '✨' }).waitFor(WAIT);
  });

  it('MS-1: code blocks are highlighted once the highlighter has loaded, in light and dark, within the CSP', async () => {
    await adaSdk.messages.send({ roomId, markdown: '```ts\nconst answer: number = 42; // the answer\n```', text: 'const answer' });
    const block = message(bob, 'const answer').locator('pre.code-block');
    await block.locator('.hljs-keyword', { hasText: 'const' }).waitFor(WAIT);
    await block.locator('.hljs-comment', { hasText: '// the answer' }).waitFor(WAIT);
    const light = await block.locator('.hljs-keyword').first().evaluate((el) => getComputedStyle(el).color);
    await bob.screenshot({ path: `${SHOTS}reactions-code.png` });
    await assertAccessible(bob, 'highlighted code');
    const dark = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', colorScheme: 'dark' });
    const page = await dark.newPage();
    await signIn(page, 'bob@example.com', 'Se connecter');
    await page.goto(`${flint.url}/#/space/${roomId}`);
    const darkBlock = message(page, 'const answer').locator('pre.code-block');
    await darkBlock.locator('.hljs-keyword').first().waitFor(WAIT);
    const darkColour = await darkBlock.locator('.hljs-keyword').first().evaluate((el) => getComputedStyle(el).color);
    assert.notEqual(darkColour, light, 'themed for dark mode');
    await chip(page, 'Ship it on Friday?', '🦄').waitFor(WAIT);
    await page.screenshot({ path: `${SHOTS}reactions-dark.png` });
    await assertAccessible(page, 'dark: reactions and code (French)');
    // The picker in French, dark: French names, accents optional.
    await message(page, 'Ship it on Friday?').hover();
    await message(page, 'Ship it on Friday?').getByRole('button', { name: 'Ajouter une réaction' }).first().click();
    const picker = page.getByRole('dialog', { name: 'Choisir un emoji' });
    await picker.waitFor(WAIT);
    await page.keyboard.type('fusee');
    await picker.getByRole('option', { name: /fusée/ }).waitFor(WAIT);
    await page.screenshot({ path: `${SHOTS}reactions-dark-picker.png` });
    await assertAccessible(page, 'dark picker (French)');
    await page.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached', ...WAIT });
    await dark.close();
    // /docs and the app: no CSP violation, no console error.
    const docs = await adaContext.newPage();
    watch(docs);
    await docs.goto(flint.url + '/docs');
    await docs.locator('.swagger-ui .info').waitFor(WAIT);
    await docs.close();
    assert.deepEqual(problems, []);
  });

  it('FL-1: a chosen file waits in the composer for a caption; Send posts both as one message', async () => {
    await bob.getByLabel('Attach files').last().setInputFiles([
      { name: 'minutes.txt', mimeType: 'text/plain', buffer: Buffer.from('Monday minutes\n'.repeat(50)) },
      { name: 'draft.txt', mimeType: 'text/plain', buffer: Buffer.from('not this one') },
    ]);
    const staged = bob.getByRole('list', { name: 'Files to send' });
    await staged.getByText('minutes.txt').waitFor(WAIT);
    await staged.getByRole('button', { name: 'Remove draft.txt' }).click();
    await staged.getByText('draft.txt').waitFor({ state: 'detached', ...WAIT });
    const caption = bob.getByRole('combobox', { name: 'Caption for the files to send to Launch' });
    await caption.waitFor(WAIT);
    await bob.screenshot({ path: `${SHOTS}reactions-caption.png` });
    await assertAccessible(bob, 'a file staged with its caption');
    assert.equal(await bob.locator('.timeline .file-card', { hasText: 'minutes.txt' }).count(), 0, 'nothing sent before Send');
    await caption.fill('Minutes of Monday, for @nobody');
    await caption.press('Enter');
    const sent = message(ada, 'Minutes of Monday');
    await sent.locator('.file-card', { hasText: 'minutes.txt' }).waitFor(WAIT);
    assert.equal(await ada.locator('.timeline .file-card', { hasText: 'draft.txt' }).count(), 0);
    await staged.waitFor({ state: 'detached', ...WAIT });
    await bob.getByRole('combobox', { name: 'Write a message to Launch' }).waitFor(WAIT);
  });

  it('PL-1: at phone width the reactions, the picker and a staged file fit', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, locale: 'en-US' });
    const page = await phone.newPage();
    await signIn(page, 'bob@example.com');
    await page.goto(`${flint.url}/#/space/${roomId}`);
    await chip(page, 'Ship it on Friday?', '🦄').waitFor(WAIT);
    await page.getByLabel('Attach files').last().setInputFiles([{ name: 'a-rather-long-file-name-for-a-phone-screen.txt', mimeType: 'text/plain', buffer: Buffer.from('x') }]);
    await page.getByRole('list', { name: 'Files to send' }).waitFor(WAIT);
    await page.screenshot({ path: `${SHOTS}reactions-phone.png` });
    await assertAccessible(page, 'phone: reactions and a staged file');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px)`);
    await page.getByRole('button', { name: 'Insert an emoji' }).click();
    const picker = page.getByRole('dialog', { name: 'Insert an emoji' });
    await picker.getByRole('option').first().waitFor(WAIT);
    const box = await picker.boundingBox();
    assert.ok(box !== null && box.x >= 0 && box.x + box.width <= 375, 'the picker fits the screen');
    await page.screenshot({ path: `${SHOTS}reactions-phone-picker.png` });
    await phone.close();
  });
});
