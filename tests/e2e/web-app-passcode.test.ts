/**
 * The app passcode and the encrypted local cache in a real Chromium (SPEC SEC-7). The org's admin
 * requires a passcode; Bob signs up in the browser and is asked to choose one (twice), makes a
 * space and writes in it. After a reload the app asks for the passcode before anything else; every
 * IndexedDB object store of the origin, scanned, holds neither the space's title nor the message
 * (while the cache does hold entries); the right passcode, with the network cut, shows both from
 * the cache, and the live app takes over when the network is back. Bob changes his passcode in
 * Settings (a wrong current one counts as a wrong try); after a reload the old one is refused and
 * the new one unlocks. Five wrong passcodes (each
 * waiting longer) delete the cache and sign Bob out: the server refuses his cookie afterwards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible, launchChromium, PAGE_WAIT, startFlint, TEST_PASSWORD, webDist, type TestFlint, indexedDbDump } from '@flint/testkit';

const TITLE = 'Orchard plans';
const MESSAGE = 'The pear harvest starts on Thursday';
const PASSCODE = 'quince-7731';
const NEW_PASSCODE = 'medlar-2209';

describe('web app: app passcode and encrypted local cache (SEC-7)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    flint = await startFlint({ webRoot: webDist() });
    const ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Admin' });
    await ada.organizations.update((await ada.people.me()).orgId!, { policy: { appPasscodeRequired: true, appPasscodeIdleMinutes: 5 } });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await flint?.stop();
  });

  it('asks Bob to choose a passcode (twice) at sign-up, then caches what he sees', async () => {
    await page.goto(flint.url + '/');
    await page.getByRole('button', { name: 'New here? Create an account' }).click(PAGE_WAIT);
    await page.getByLabel('Name').fill('Bob Babbage');
    await page.getByLabel('E-mail').fill('bob@example.com');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Choose a passcode' }).waitFor(PAGE_WAIT);
    await assertAccessible(page, 'choose passcode');
    await page.getByLabel('New passcode').fill(PASSCODE);
    await page.getByLabel('Passcode again').fill('quince-7732');
    await page.getByRole('button', { name: 'Set passcode' }).click();
    await page.getByText('The two passcodes differ.').waitFor(PAGE_WAIT);
    await page.getByLabel('Passcode again').fill(PASSCODE);
    await page.getByRole('button', { name: 'Set passcode' }).click();
    await page.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(PAGE_WAIT);
    await page.getByRole('button', { name: '+ New space' }).click();
    await page.getByRole('dialog').getByLabel('Title').fill(TITLE);
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: TITLE }).waitFor(PAGE_WAIT);
    const box = page.getByRole('combobox', { name: /Write a message to/ });
    await box.fill(MESSAGE);
    await box.press('Enter');
    await page.locator('.timeline article.message', { hasText: MESSAGE }).waitFor(PAGE_WAIT);
    // The cache is written a second after a change: wait until it holds this space's messages.
    const deadline = Date.now() + PAGE_WAIT.timeout;
    while (!(await indexedDbDump(page)).keys.some((k) => k.startsWith('timeline:'))) {
      assert.ok(Date.now() < deadline, 'the cache got the space’s messages');
      await page.waitForTimeout(250);
    }
    // A write the message itself started (a second after it showed) is done by then, too.
    await page.waitForTimeout(1500);
  });

  it('after a reload asks for the passcode; IndexedDB holds only ciphertext; the passcode shows the cache offline', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Enter your passcode' }).waitFor(PAGE_WAIT);
    assert.equal(await page.getByRole('navigation', { name: 'Spaces and teams' }).count(), 0, 'nothing behind the lock');
    assert.equal(await page.getByText(TITLE).count(), 0);
    await assertAccessible(page, 'passcode lock');

    const dump = await indexedDbDump(page);
    assert.ok((dump.databases['flint-cache']?.['entries'] ?? 0) >= 2, `the cache holds entries: ${JSON.stringify(dump.databases)}`);
    for (const secret of [TITLE, MESSAGE, 'pear harvest', 'Orchard']) assert.ok(!dump.text.includes(secret), `"${secret}" in IndexedDB in plaintext`);

    // With the network cut, what shows can only come from the cache.
    await context.setOffline(true);
    await page.getByLabel('Passcode', { exact: true }).fill(PASSCODE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    const cached = page.getByTestId('cached-view');
    await cached.getByText('Offline: showing what this browser saved.', { exact: false }).waitFor(PAGE_WAIT);
    await cached.getByRole('button', { name: TITLE }).waitFor(PAGE_WAIT);
    await cached.getByText(MESSAGE).waitFor(PAGE_WAIT);
    await assertAccessible(page, 'cached view offline');
    // The network back, the live app takes over.
    await context.setOffline(false);
    await page.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(PAGE_WAIT);
    await page.getByRole('link', { name: TITLE }).waitFor(PAGE_WAIT);
  });

  it('changes the passcode in Settings: a wrong current one counts, the new one unlocks after a reload, the old one does not', async () => {
    await page.goto(`${flint.url}/#/settings`);
    const card = page.getByRole('region', { name: 'Change passcode' });
    await card.waitFor(PAGE_WAIT);
    await card.getByLabel('Current passcode').fill('not-my-passcode');
    await card.getByLabel('New passcode').fill(NEW_PASSCODE);
    await card.getByLabel('Passcode again').fill(NEW_PASSCODE);
    await card.getByRole('button', { name: 'Change passcode' }).click();
    await card.getByText('Wrong passcode. 4 tries left').waitFor(PAGE_WAIT);
    await assertAccessible(page, 'settings, change passcode');
    // The wrong try made the next one wait half a second, as on the lock page.
    await page.waitForTimeout(700);
    await card.getByLabel('Current passcode').fill(PASSCODE);
    await card.getByRole('button', { name: 'Change passcode' }).click();
    await card.getByText('Passcode changed.', { exact: false }).waitFor(PAGE_WAIT);

    await page.reload();
    await page.getByRole('heading', { name: 'Enter your passcode' }).waitFor(PAGE_WAIT);
    await page.getByLabel('Passcode', { exact: true }).fill(PASSCODE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByText('Wrong passcode. 4 tries left').waitFor(PAGE_WAIT);
    await page.getByLabel('Passcode', { exact: true }).fill(NEW_PASSCODE);
    await page.getByRole('button', { name: 'Unlock' }).click({ timeout: 20_000 });
    await page.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(PAGE_WAIT);
    await page.getByRole('link', { name: TITLE }).waitFor(PAGE_WAIT);
  });

  it('five wrong passcodes wipe the cache and sign Bob out', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Enter your passcode' }).waitFor(PAGE_WAIT);
    const started = Date.now();
    for (let i = 1; i <= 5; i++) {
      await page.getByLabel('Passcode', { exact: true }).fill(`wrong-${i}`);
      // The button stays disabled while the growing delay runs.
      await page.getByRole('button', { name: 'Unlock' }).click({ timeout: 20_000 });
      if (i < 5) await page.getByText(`Wrong passcode. ${5 - i} ${5 - i === 1 ? 'try' : 'tries'} left`).waitFor(PAGE_WAIT);
    }
    await page.getByText('Too many wrong passcodes').waitFor(PAGE_WAIT);
    assert.ok(Date.now() - started >= 500 + 1000 + 2000 + 4000, 'each wrong try waited longer');
    await page.getByRole('button', { name: 'Sign in' }).waitFor(PAGE_WAIT);
    const dump = await indexedDbDump(page);
    assert.equal(Object.values(dump.databases['flint-cache'] ?? {}).reduce((a, b) => a + b, 0), 0, `the cache is gone: ${JSON.stringify(dump.databases)}`);
    // Signed out at the server too: the cookie mints no token any more.
    const status = await page.evaluate(async () => (await fetch('/api/auth/web-token', { method: 'POST', headers: { 'x-flint-csrf': '1' } })).status);
    assert.equal(status, 401);
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor(PAGE_WAIT);
  });
});
