/**
 * The web app in a real Chromium, people features of issue 16: a people picker wherever an address
 * is asked for (add to a space, a new direct conversation), with a raw address still inviting
 * someone not in the directory; "Mentions of me" as a list across spaces; a status (available, away,
 * do not disturb until a time) beside names, live for others; "Forgot password" by e-mail (a real
 * SMTP server on loopback), with the KMS's password credential following on a browser that holds an
 * enrolled device, and a clear explanation on one that does not. Axe in light and dark, English and
 * French; desktop and phone screenshots under test-results/web/people-*.png.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Session } from '@flint/sdk';
import { assertAccessible, launchChromium, startFlint, startSmtpServer, TEST_PASSWORD, webDist, type TestFlint, type TestSmtpServer } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = { timeout: 20_000 };
const NEW_PASSWORD = 'a fresh passphrase after reset';

describe('web app, people: picker, mentions of me, status, forgot password (Chromium)', () => {
  let flint: TestFlint;
  let smtp: TestSmtpServer;
  let browser: Browser;
  let ada: Session;
  let bobContext: BrowserContext;
  let bob: Page;
  let opsId = '';

  async function signIn(page: Page, email: string, password = TEST_PASSWORD): Promise<void> {
    await page.goto(flint.url + '/');
    await page.locator('input[type=email]').fill(email);
    await page.locator('input[type=password]').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('nav.sidebar').waitFor(WAIT);
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    smtp = await startSmtpServer();
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_SMTP_URL: smtp.url } });
    browser = await launchChromium();
    const adaClient = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    await flint.signup({ email: 'carol@example.com', displayName: 'Carol Cooper' });
    await flint.signup({ email: 'dan@example.com', displayName: 'Dan Dupont' });
    ada = await flint.connect(adaClient, { deviceId: 'ada-node' });
    const ops = await ada.spaces.create({ title: 'Operations' });
    opsId = ops.id;
    await ada.members.add(ops.id, { personEmail: 'bob@example.com' });
    bobContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    bob = await bobContext.newPage();
    await signIn(bob, 'bob@example.com');
  });

  after(async () => {
    ada?.close();
    await browser?.close();
    await flint?.stop();
    await smtp?.close();
  });

  it('people picker: part of a name in the space details, keyboard only, then a raw address invites', async () => {
    await bob.goto(`${flint.url}/#/space/${opsId}/details`);
    await bob.getByRole('heading', { name: 'Space details' }).waitFor(WAIT);
    const box = bob.getByRole('combobox', { name: 'Add people' });
    await box.fill('caro');
    const option = bob.getByRole('option', { name: /Carol Cooper/ });
    await option.waitFor(WAIT);
    // Members are not offered: Ada and Bob are in the space already.
    await box.fill('b');
    await bob.getByRole('listbox', { name: 'People found' }).waitFor(WAIT);
    assert.equal(await bob.getByRole('option', { name: /Bob Babbage/ }).count(), 0);
    await box.fill('');
    await box.pressSequentially('car');
    await option.waitFor(WAIT);
    assert.equal(await box.getAttribute('aria-expanded'), 'true');
    assert.match((await box.getAttribute('aria-activedescendant')) ?? '', /.+/);
    await bob.screenshot({ path: `${SHOTS}people-picker.png` });
    await assertAccessible(bob, 'people picker open');
    await box.press('ArrowDown');
    await box.press('Enter');
    assert.equal(await box.inputValue(), 'carol@example.com');
    await bob.getByText('Chosen: Carol Cooper').waitFor(WAIT);
    await box.press('Enter');
    await bob.locator('.member', { hasText: 'Carol Cooper' }).waitFor(WAIT);
    // Someone not in the directory: the whole address still invites them.
    await box.fill('newcomer@example.com');
    await bob.getByRole('button', { name: 'Add', exact: true }).click();
    await bob.getByText('Invitation sent to newcomer@example.com.').waitFor(WAIT);
    await smtp.waitFor((m) => m.envelopeTo.includes('newcomer@example.com'));
  });

  it('people picker: a new direct conversation by typing part of a name', async () => {
    await bob.goto(`${flint.url}/#/`);
    await bob.getByRole('button', { name: 'Message a person' }).click();
    const dialog = bob.getByRole('dialog');
    const box = dialog.getByRole('combobox', { name: 'Name or e-mail address' });
    await box.pressSequentially('dup');
    await dialog.getByRole('option', { name: /Dan Dupont/ }).click();
    assert.equal(await box.inputValue(), 'dan@example.com');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await bob.getByRole('heading', { name: 'Dan Dupont' }).waitFor(WAIT);
  });

  it('mentions of me: a list across spaces, newest first, decrypted, each opening its space at the message', async () => {
    const side = await ada.spaces.create({ title: 'Side project' });
    await ada.members.add(side.id, { personEmail: 'bob@example.com' });
    const bobId = (await ada.members.list({ roomId: opsId })).items.find((m) => m.personEmail === 'bob@example.com')!.personId;
    await ada.messages.send({ roomId: opsId, text: 'not for bob' });
    await ada.messages.send({ roomId: opsId, text: 'hey Bob, the budget', mentionedPeople: [bobId] });
    await ada.messages.send({ roomId: side.id, text: 'everyone: standup moved', mentionedGroups: ['all'] });
    await bob.goto(`${flint.url}/#/`);
    await bob.getByRole('link', { name: 'Mentions of me' }).click();
    await bob.getByRole('heading', { name: 'Mentions of me' }).waitFor(WAIT);
    const list = bob.getByRole('list', { name: 'Mentions of me' });
    await list.locator('li').nth(1).waitFor(WAIT);
    const texts = await list.locator('li').allTextContents();
    assert.equal(texts.length, 2, texts.join(' | '));
    assert.match(texts[0]!, /standup moved/);
    assert.match(texts[0]!, /Side project/);
    assert.match(texts[1]!, /budget/);
    assert.ok(!texts.some((x) => x.includes('not for bob')));
    await bob.screenshot({ path: `${SHOTS}people-mentions.png` });
    await assertAccessible(bob, 'mentions of me');
    await list.getByRole('link', { name: /budget/ }).click();
    await bob.getByRole('heading', { name: 'Operations' }).waitFor(WAIT);
    await bob.locator('article.message', { hasText: 'the budget' }).waitFor(WAIT);
    assert.match(bob.url(), /#\/space\/[^/]+\/message\//);
  });

  it('status: do not disturb until a time with a text, set from the header, seen live by others beside names, ending by itself', async () => {
    await bob.goto(`${flint.url}/#/space/${opsId}/details`);
    const adaRow = bob.locator('.member', { hasText: 'Ada Lovelace' });
    await adaRow.waitFor(WAIT);
    // Ada sets "do not disturb" for a short while (through her SDK session): Bob sees it live.
    const until = new Date(Date.now() + 6_000).toISOString();
    await ada.people.setStatus({ status: 'dnd', text: 'Deep work', until });
    await adaRow.getByText(/Do not disturb until .* · Deep work/).waitFor(WAIT);
    assert.equal(await adaRow.locator('.presence-dnd').count(), 1);
    await bob.screenshot({ path: `${SHOTS}people-status-member.png` });
    // It ends by itself at its end time, for the server as for the page.
    await adaRow.getByText(/Do not disturb/).waitFor({ state: 'detached', timeout: 20_000 });
    const [adaNow] = await ada.people.presence([(await ada.people.me()).id]);
    assert.equal(adaNow?.availability, undefined);
    // Bob sets his own from the header: away for an hour, with a text.
    await bob.getByRole('button', { name: /^Status: Available/ }).click();
    const dialog = bob.getByRole('dialog', { name: 'Your status' });
    await dialog.getByRole('radio', { name: 'Away' }).check();
    await dialog.getByLabel('For').selectOption('1h');
    await dialog.getByLabel('Status text (optional)').fill('Lunch');
    await bob.screenshot({ path: `${SHOTS}people-status-dialog.png` });
    await assertAccessible(bob, 'status dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached', ...WAIT });
    await bob.getByRole('button', { name: /^Status: Away until .* · Lunch/ }).waitFor(WAIT);
    const bobId = (await ada.members.list({ roomId: opsId })).items.find((m) => m.personEmail === 'bob@example.com')!.personId;
    const [seen] = await ada.people.presence([bobId]);
    assert.equal(seen?.availability?.status, 'away');
    assert.equal(seen?.availability?.text, 'Lunch');
    // In French, dark, at phone width: the member list and the header button pass axe.
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, locale: 'fr-FR', colorScheme: 'dark' });
    try {
      const page = await phone.newPage();
      await ada.people.setStatus({ status: 'dnd', text: 'Concentration' });
      await page.goto(flint.url + '/');
      await page.locator('input[type=email]').fill('carol@example.com');
      await page.locator('input[type=password]').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.locator('nav.sidebar').waitFor(WAIT);
      await page.goto(`${flint.url}/#/space/${opsId}/details`);
      await page.locator('.member', { hasText: 'Ada Lovelace' }).getByText('Ne pas déranger · Concentration').waitFor(WAIT);
      await page.screenshot({ path: `${SHOTS}people-status-phone-dark-fr.png` });
      await assertAccessible(page, 'status, dark French phone');
      await page.getByRole('button', { name: /^Statut : Disponible/ }).click();
      await page.getByRole('dialog', { name: 'Votre statut' }).waitFor(WAIT);
      await page.screenshot({ path: `${SHOTS}people-status-dialog-phone-dark-fr.png` });
      await assertAccessible(page, 'status dialog, dark French phone');
    } finally {
      await phone.close();
    }
    await ada.people.setStatus({ status: 'available' });
  });

  it('forgot password: e-mailed link, new password, sessions ended; this browser keeps its keys and sets the new credential', async () => {
    const other = await bobContext.newPage();
    await other.goto(flint.url + '/');
    await other.locator('nav.sidebar').waitFor(WAIT);
    await other.close();
    // A fresh, signed-out page of the same browser (the device secret stays in localStorage).
    await bob.getByRole('button', { name: 'Sign out' }).click();
    await bob.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
    await bob.getByRole('button', { name: 'Forgot password?' }).click();
    await bob.getByRole('heading', { name: 'Reset your password' }).waitFor(WAIT);
    await bob.screenshot({ path: `${SHOTS}people-forgot.png` });
    await assertAccessible(bob, 'forgot password');
    await bob.getByLabel('E-mail').fill('bob@example.com');
    await bob.getByRole('button', { name: 'Send the link' }).click();
    await bob.getByText('If bob@example.com has an account, we sent it a link').waitFor(WAIT);
    // The same answer for an address without an account.
    await bob.getByRole('button', { name: 'Forgot password?' }).click();
    await bob.getByLabel('E-mail').fill('nobody@example.com');
    await bob.getByRole('button', { name: 'Send the link' }).click();
    await bob.getByText('If nobody@example.com has an account, we sent it a link').waitFor(WAIT);
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bob@example.com') && m.subject.includes('new Flint password'));
    const link = /(http:\/\/127\.0\.0\.1:\d+\/#\/reset\/[A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
    // Bob still has a session in a Node client: it ends with the reset.
    const bobApi = flint.client();
    await bobApi.auth.login({ email: 'bob@example.com', password: TEST_PASSWORD });
    await bob.goto(link);
    await bob.getByRole('heading', { name: 'Choose a new password' }).waitFor(WAIT);
    await assertAccessible(bob, 'reset password page');
    await bob.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await bob.getByLabel('Repeat the new password').fill(NEW_PASSWORD + 'x');
    await bob.getByRole('button', { name: 'Set the password' }).click();
    await bob.getByText('The two passwords differ.').waitFor(WAIT);
    await bob.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await bob.getByRole('button', { name: 'Set the password' }).click();
    await bob.getByText('Your new password is set. Sign in with it.').waitFor(WAIT);
    await assert.rejects(bobApi.people.me(), (e: { status?: number }) => e.status === 401);
    // The link is spent.
    await bob.goto(link);
    await bob.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await bob.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await bob.getByRole('button', { name: 'Set the password' }).click();
    await bob.getByRole('alert').filter({ hasText: /used already/ }).waitFor(WAIT);

    // A new browser first: the KMS still holds the old password's credential, so it cannot enroll; said clearly.
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    try {
      const page = await fresh.newPage();
      await page.goto(flint.url + '/');
      await page.locator('input[type=email]').fill('bob@example.com');
      await page.locator('input[type=password]').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: /encryption keys still expect your previous password/ }).waitFor(WAIT);
      await page.screenshot({ path: `${SHOTS}people-reset-new-browser.png` });
      await assertAccessible(page, 'stale KMS password explained');
    } finally {
      await fresh.close();
    }
    // Bob's own browser (an enrolled device): signs in with the new password and sets the KMS credential.
    await signIn(bob, 'bob@example.com', NEW_PASSWORD);
    await bob.goto(`${flint.url}/#/space/${opsId}`);
    await bob.locator('article.message', { hasText: 'the budget' }).waitFor(WAIT);
    // Now a new browser enrolls with the new password.
    const later = await browser.newContext({ viewport: { width: 390, height: 800 }, locale: 'fr-FR', isMobile: true, hasTouch: true });
    try {
      const page = await later.newPage();
      await page.goto(flint.url + '/');
      await page.getByRole('button', { name: 'Mot de passe oublié ?' }).waitFor(WAIT);
      await page.screenshot({ path: `${SHOTS}people-signin-phone-fr.png` });
      await page.locator('input[type=email]').fill('bob@example.com');
      await page.locator('input[type=password]').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.locator('nav.sidebar').waitFor(WAIT);
      await page.goto(`${flint.url}/#/space/${opsId}`);
      await page.locator('article.message', { hasText: 'the budget' }).waitFor(WAIT);
    } finally {
      await later.close();
    }
  });
});
