/**
 * The care assistant in the web app, in a real Chromium (SPEC SP-7): the admin defines a help-desk
 * queue with two experts on the console (and changes them); a question asked on the Help desk page is routed to the
 * one available expert (Bob is online, Carol is not), who reads it decrypted in the space; Bob hands
 * it off to Carol (now online), whom his browser admits through the KMS; Carol answers in the space;
 * the asker reads the answer decrypted and resolves the question. The core holds no plaintext of it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, launchChromium, PAGE_WAIT, scanForPlaintext, signInPage, startFlint, webDist, type TestFlint } from '@flint/testkit';

const QUESTION = 'My laptop will not boot';
const ANSWER = 'Hold F8 while it starts';
const DESKTOP = { width: 1280, height: 800 };

describe('web app: the help desk routes, hands off and answers a question in an encrypted space (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let ada: Page; // the admin, who also asks
  let bob: Page;
  let carol: Page;
  const page = async () => (await browser.newContext({ viewport: DESKTOP, locale: 'en-US' })).newPage();

  before(async () => {
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_SIGNUP: 'open' } });
    browser = await launchChromium();
    await flint.signup({ email: 'ada@care.test', displayName: 'Ada Lovelace' });
    await flint.signup({ email: 'bob@care.test', displayName: 'Bob Expert' });
    await flint.signup({ email: 'carol@care.test', displayName: 'Carol Expert' });
    ada = await page();
    bob = await page();
    await signInPage(ada, flint.url, 'ada@care.test');
    await signInPage(bob, flint.url, 'bob@care.test');
  });
  after(async () => {
    await browser?.close();
    await flint?.stop();
  });

  it('SP-7: the admin defines a queue with its experts on the console', async () => {
    await ada.goto(`${flint.url}/#/admin/care`);
    await ada.getByRole('heading', { name: 'Help desk' }).waitFor(PAGE_WAIT);
    await ada.getByLabel('Queue name').fill('IT help');
    await ada.getByRole('checkbox', { name: /Bob Expert/ }).check();
    await ada.getByRole('checkbox', { name: /Carol Expert/ }).check();
    await ada.getByRole('button', { name: 'Create queue' }).click();
    await ada.getByText('Queue created.').waitFor(PAGE_WAIT);
    const row = ada.getByTestId('care-queues').locator('tr[data-queue="IT help"]');
    await row.getByText('Bob Expert, Carol Expert').waitFor(PAGE_WAIT);
    // Changing the experts: Carol out, then in again.
    await row.getByRole('button', { name: 'Change experts: IT help' }).click();
    const edit = ada.getByRole('form', { name: 'Change experts: IT help' });
    await edit.getByRole('checkbox', { name: /Carol Expert/ }).uncheck();
    await edit.getByRole('button', { name: 'Save' }).click();
    await ada.getByText('Experts saved.').waitFor(PAGE_WAIT);
    assert.equal(await row.locator('td').first().textContent(), 'Bob Expert');
    await row.getByRole('button', { name: 'Change experts: IT help' }).click();
    await assertAccessible(ada, 'admin help desk');
    await edit.getByRole('checkbox', { name: /Carol Expert/ }).check();
    await edit.getByRole('button', { name: 'Save' }).click();
    await row.getByText('Bob Expert, Carol Expert').waitFor(PAGE_WAIT);
  });

  it('SP-7: a question goes to the one available expert, is handed off, answered in the space, and resolved', async () => {
    // Ada asks; Bob is online, Carol has no tab open: Bob gets it.
    await ada.goto(`${flint.url}/#/care`);
    await ada.getByLabel('Your question').fill(QUESTION);
    await ada.getByRole('button', { name: 'Ask', exact: true }).click();
    await ada.locator('.timeline', { hasText: QUESTION }).waitFor(PAGE_WAIT);

    await bob.goto(`${flint.url}/#/care`);
    const bobItem = bob.locator('section', { has: bob.getByRole('heading', { name: 'Assigned to me' }) }).locator('li');
    await bobItem.getByRole('link', { name: QUESTION }).waitFor(PAGE_WAIT);
    await assertAccessible(bob, 'expert help desk');
    await bobItem.getByRole('link', { name: QUESTION }).click();
    await bob.locator('.timeline', { hasText: QUESTION }).waitFor(PAGE_WAIT);

    // Carol comes online; Bob hands the question to her, and his browser admits her at the KMS.
    carol = await page();
    await signInPage(carol, flint.url, 'carol@care.test');
    await bob.goto(`${flint.url}/#/care`);
    await bobItem.getByRole('combobox', { name: 'Hand off to' }).selectOption({ label: 'Carol Expert' });
    await bobItem.getByRole('button', { name: 'Hand off' }).click();
    await bob.getByText('Handed off.').waitFor(PAGE_WAIT);

    await carol.goto(`${flint.url}/#/care`);
    const carolItem = carol.locator('section', { has: carol.getByRole('heading', { name: 'Assigned to me' }) }).locator('li');
    await carolItem.getByRole('link', { name: QUESTION }).click();
    await carol.locator('.timeline', { hasText: QUESTION }).waitFor(PAGE_WAIT);
    const box = carol.getByRole('combobox', { name: `Write a message to ${QUESTION}` });
    await box.fill(ANSWER);
    await box.press('Enter');

    // Ada reads the answer, decrypted in her tab, and resolves the question.
    await ada.locator('.timeline', { hasText: ANSWER }).waitFor(PAGE_WAIT);
    await ada.goto(`${flint.url}/#/care`);
    const mine = ada.locator('section', { has: ada.getByRole('heading', { name: 'My questions' }) }).locator('li');
    await mine.getByText('With Carol Expert').waitFor(PAGE_WAIT);
    await mine.getByRole('button', { name: 'Resolve' }).click();
    await mine.getByText('Resolved').waitFor(PAGE_WAIT);

    const scan = await scanForPlaintext(flint, [QUESTION, ANSWER], 'Carol Expert');
    assert.ok(scan.controlInDatabase);
    assert.deepEqual(scan.inDatabase, []);
  });
});
