/**
 * Sign-up confirmed by e-mail in the web app (issue 14, finding 6; SPEC ID-1, ID-3), with a real SMTP
 * server on loopback: signing up with a new address and with a known one shows the same "check your
 * e-mail" page; the new address's mail links to `#/confirm/<token>`, where the password chosen at
 * sign-up finishes the account and signs in (the space made next proves the KMS device enrolled);
 * a used link says so. Screenshots (desktop and phone) go to test-results/web/, each page is axe-audited.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, launchChromium, startFlint, startSmtpServer, TEST_PASSWORD, webDist, type TestFlint, type TestSmtpServer } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = { timeout: 20_000 };

describe('web app: sign-up confirmed by e-mail (Chromium)', () => {
  let flint: TestFlint;
  let smtp: TestSmtpServer;
  let browser: Browser;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    smtp = await startSmtpServer();
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_SIGNUP_CONFIRM: 'email', FLINT_SMTP_URL: smtp.url } });
    browser = await launchChromium();
    // The first account of the instance is made at once; Bob, of the same domain, must confirm.
    await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
  });
  after(async () => {
    await browser?.close();
    await flint?.stop();
    await smtp?.close();
  });

  async function signUp(page: Page, name: string, email: string): Promise<void> {
    await page.goto(flint.url + '/');
    await page.getByRole('button', { name: 'New here? Create an account' }).click(WAIT);
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor(WAIT);
  }

  it('ID-3: a new and a known address see the same page; each mailbox gets the truth', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    const page = await context.newPage();
    await signUp(page, 'Bob Babbage', 'bob@example.com');
    const forNew = (await page.locator('main').innerText()).replace('bob@example.com', '<address>');
    await page.screenshot({ path: `${SHOTS}signup-check-email.png` });
    await assertAccessible(page, 'sign-up: check your e-mail');
    await signUp(page, 'Ada Again', 'ada@example.com');
    const forKnown = (await page.locator('main').innerText()).replace('ada@example.com', '<address>');
    assert.equal(forKnown, forNew);
    assert.equal((await context.cookies()).find((c) => c.name === 'flint_session'), undefined, 'no session started');
    const toAda = await smtp.waitFor((m) => m.envelopeTo.includes('ada@example.com'), 15_000);
    assert.match(toAda.text, /already has an account/);
    await smtp.waitFor((m) => m.envelopeTo.includes('bob@example.com') && /#\/confirm\//.test(m.text), 15_000);
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
    const small = await phone.newPage();
    await signUp(small, 'Carol Clerk', 'carol@example.com');
    await small.screenshot({ path: `${SHOTS}signup-check-email-phone.png` });
    await context.close();
    await phone.close();
  });

  it('ID-1: the link and the password chosen at sign-up make the account and sign in; the link works once', async () => {
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bob@example.com') && /#\/confirm\//.test(m.text), 15_000);
    const link = /(http:\/\/127\.0\.0\.1:\d+\/#\/confirm\/[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(link, mail.text);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(link);
    await page.getByRole('heading', { name: 'Finish creating your account' }).waitFor(WAIT);
    await page.screenshot({ path: `${SHOTS}signup-confirm-phone.png` });
    await assertAccessible(page, 'sign-up confirmation');
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.getByRole('alert').filter({ hasText: 'This is not the password you chose when signing up.' }).waitFor(WAIT);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
    // Keys work: Bob makes a space (its KMS resource and key come from his newly enrolled device).
    await page.getByRole('button', { name: '+ New space' }).click();
    await page.getByRole('dialog').getByLabel('Title').fill('Bob’s first space');
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Bob’s first space' }).waitFor(WAIT);
    const bob = await flint.server.core.db.selectFrom('people').selectAll().where('email', '=', 'bob@example.com').executeTakeFirstOrThrow();
    const ada = await flint.server.core.db.selectFrom('people').selectAll().where('email', '=', 'ada@example.com').executeTakeFirstOrThrow();
    assert.equal(bob.display_name, 'Bob Babbage');
    assert.equal(bob.org_id, ada.org_id, 'Bob joined the org owning his domain');
    await context.close();

    // The link again, in another browser: spent, with the way to sign in.
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    const again = await other.newPage();
    await again.goto(link);
    await again.getByLabel('Password').fill(TEST_PASSWORD);
    await again.getByRole('button', { name: 'Create my account' }).click();
    await again.getByRole('alert').filter({ hasText: /used already/ }).waitFor(WAIT);
    await again.getByRole('link', { name: 'Sign in' }).waitFor(WAIT);
    await again.screenshot({ path: `${SHOTS}signup-confirm-used.png` });
    await assertAccessible(again, 'sign-up confirmation: link used');
    await other.close();
  });
});
