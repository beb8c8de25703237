/**
 * The admin side of the web app in a real Chromium (SPEC ID-3, ID-5, ID-7, CP-5): an admin invites an
 * outsider into a space from its details; the outsider opens the e-mailed link (read from the
 * outbox folder), signs up on the invitation page and lands in the space, marked as a guest; the
 * admin's actions appear on the console's audit log page and at `/v1/adminAudit/events`; a
 * network-range session policy set in the console ends an idle session from outside the range and
 * keeps one from inside; the usage report counts the day and downloads as CSV; the console's pages pass axe, in English and French; a non-admin is shown
 * no console (the server refuses them anyway: tests/e2e/authorization-matrix.test.ts).
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, raw, startFlint, TEST_PASSWORD, webDist, type TestFlint, signInPage, PAGE_WAIT } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = PAGE_WAIT;

describe('web app, admin console and invitations (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let ada: Session;
  let adaContext: BrowserContext;
  let admin: Page;
  let roomId = '';


  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist() });
    browser = await launchChromium();
    const adaClient = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    // Ada's first KMS device holds her password credential, so her browser can enroll with the password later.
    const adaDevice = { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaClient.session!.personId) };
    ada = await flint.connect(adaClient, { deviceId: 'ada-node', kmsCredential: adaDevice });
    roomId = (await ada.spaces.create({ title: 'Partners' })).id;
    await ada.messages.send({ roomId, text: 'welcome, partners' });
    adaContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    admin = await adaContext.newPage();
    await signInPage(admin, flint.url, 'ada@example.com');
  });

  after(async () => {
    ada?.close();
    await browser?.close();
    await flint?.stop();
  });

  it('ID-3: an admin invites an outsider from the space; the e-mailed link signs them up and lands them in the space as a guest', async () => {
    await admin.goto(`${flint.url}/#/space/${roomId}/details`);
    await admin.getByRole('heading', { name: 'Space details' }).waitFor(WAIT);
    await admin.getByLabel('Add people').fill('gus@partner.test');
    await admin.getByRole('button', { name: 'Add', exact: true }).click();
    await admin.getByText('Invitation sent to gus@partner.test.').waitFor(WAIT);
    const pending = admin.locator('.member-list li', { hasText: 'gus@partner.test' });
    await pending.getByText('Guest').waitFor(WAIT);
    await pending.getByText('Invited').waitFor(WAIT);

    // The e-mail as the outbox folder holds it; its link is the page to open.
    const mail = (await flint.outbox()).find((m) => m.to === 'gus@partner.test');
    assert.ok(mail, 'an invitation e-mail');
    const link = /https?:\/\/\S+\/#\/invitation\/\S+/.exec(mail.text)?.[0];
    assert.ok(link, `a link in the e-mail: ${mail.text}`);
    assert.equal(new URL(link).origin, flint.url);

    const gusContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    const gus = await gusContext.newPage();
    await gus.goto(link);
    await gus.getByRole('heading', { name: 'You are invited' }).waitFor(WAIT);
    await gus.getByText('Ada Lovelace invited you to').waitFor(WAIT);
    assert.equal(await gus.getByLabel('E-mail').inputValue(), 'gus@partner.test');
    await assertAccessible(gus, 'invitation page');
    await gus.screenshot({ path: `${SHOTS}invitation.png` });
    await gus.getByLabel('Name').fill('Gus Partner');
    await gus.getByLabel('Password').fill(TEST_PASSWORD);
    await gus.getByRole('button', { name: 'Accept and join' }).click();
    // In the space, reading what was sent before they came: signing up with the link accepted the space's
    // invitation, and Ada's browser authorized them at the KMS and admitted them.
    await gus.getByRole('heading', { name: 'Partners' }).waitFor(WAIT);
    assert.match(gus.url(), new RegExp(`#/space/${roomId}$`));
    await gus.locator('article.message', { hasText: 'welcome, partners' }).waitFor(WAIT);

    // Marked as a guest in the member list, no longer pending.
    await admin.reload();
    const joined = admin.locator('.member-list li', { hasText: 'gus@partner.test' });
    await joined.getByText('Gus Partner').waitFor(WAIT);
    await joined.getByText('Guest').waitFor(WAIT);
    assert.equal(await joined.getByText('Invited').count(), 0);
    // The link is spent: opened again, it says so and offers sign-in.
    const again = await (await browser.newContext()).newPage();
    await again.goto(link);
    await again.getByText('This invitation has been used already').waitFor(WAIT);
    await gusContext.close();
  });

  it('ID-7, CP-5: the console manages people and invitations; its audit log page and /v1/adminAudit/events show the admin’s actions', async () => {
    await admin.goto(`${flint.url}/#/`);
    await admin.getByRole('link', { name: 'Administration' }).click();
    await admin.getByRole('heading', { name: 'People', level: 2 }).waitFor(WAIT);
    const bobRow = admin.locator('tr', { hasText: 'bob@example.com' });
    await bobRow.getByRole('button', { name: 'Make administrator: bob@example.com' }).click();
    await bobRow.getByText('Administrator', { exact: true }).waitFor(WAIT);
    await bobRow.getByRole('button', { name: 'Remove administrator: bob@example.com' }).click();
    await bobRow.getByRole('button', { name: 'Make administrator: bob@example.com' }).waitFor(WAIT);
    await admin.getByLabel('Search people by name or e-mail').fill('gus');
    await admin.locator('tr', { hasText: 'gus@partner.test' }).waitFor(WAIT);
    // Gus is in the unfiltered list too: wait for the filtered answer to take Bob's row away.
    await admin.locator('tr', { hasText: 'bob@example.com' }).waitFor({ state: 'detached', ...WAIT });
    assert.equal(await admin.locator('tr', { hasText: 'bob@example.com' }).count(), 0, 'the search narrows the list');
    await assertAccessible(admin, 'admin people');
    await admin.screenshot({ path: `${SHOTS}admin-people.png` });

    await admin.getByRole('link', { name: 'Invitations' }).click();
    await admin.getByLabel('Invite by e-mail').fill('cy@partner.test');
    await admin.getByRole('button', { name: 'Invite', exact: true }).click();
    await admin.getByRole('row', { name: /cy@partner\.test/ }).waitFor(WAIT);
    await admin.getByRole('button', { name: 'Send again: cy@partner.test' }).click();
    await admin.getByText('Invitation sent to cy@partner.test.').waitFor(WAIT);
    assert.equal((await flint.outbox()).filter((m) => m.to === 'cy@partner.test').length, 2);
    await assertAccessible(admin, 'admin invitations');
    await admin.getByRole('button', { name: 'Withdraw: cy@partner.test' }).click();
    await admin.getByText('No pending invitations.').waitFor(WAIT);

    await admin.getByRole('link', { name: 'Audit log' }).click();
    const log = admin.getByTestId('audit-log');
    await log.waitFor(WAIT);
    for (const text of [
      'Ada Lovelace invited gus@partner.test',
      'Ada Lovelace changed the roles of bob@example.com',
      'Ada Lovelace sent the invitation again to cy@partner.test',
      'Ada Lovelace withdrew the invitation of cy@partner.test',
    ]) {
      await log.getByText(text).first().waitFor(WAIT);
    }
    await log.getByText('roles: [] → ["org_admin"]').waitFor(WAIT);
    await assertAccessible(admin, 'admin audit log');
    await admin.screenshot({ path: `${SHOTS}admin-audit.png` });

    const orgId = (await ada.api.people.me()).orgId!;
    const hydraOrg = Buffer.from(`ciscospark://us/ORGANIZATION/${orgId}`).toString('base64url');
    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const v1 = await raw(flint.url, 'GET', `/v1/adminAudit/events?orgId=${hydraOrg}&from=${from}&to=${to}`, { token: ada.api.transport.accessToken! });
    assert.equal(v1.status, 200);
    const texts = (v1.json as { items: { data: { actionText: string; actorUserAgent?: string } }[] }).items.map((e) => e.data.actionText);
    assert.ok(texts.includes('Ada Lovelace invited gus@partner.test'));
    assert.ok(texts.includes('Ada Lovelace changed the roles of bob@example.com'));
    const fromBrowser = (v1.json as { items: { data: { actionText: string; actorUserAgent?: string } }[] }).items.find((e) => e.data.actionText.includes('withdrew'));
    assert.match(fromBrowser?.data.actorUserAgent ?? '', /Chrome/, 'the browser’s user agent is recorded');
  });

  it('ID-8, AD-2: the usage report counts today’s activity from metadata, and downloads as CSV', async () => {
    await admin.goto(`${flint.url}/#/admin/reports`);
    const today = new Date().toISOString().slice(0, 10);
    const row = admin.getByTestId('usage-report').getByRole('row', { name: new RegExp(`^${today}`) });
    await row.waitFor(WAIT);
    // Today: Ada's one message, her one space; nobody else has written.
    assert.deepEqual(await row.locator('td').allTextContents(), ['1', '1', '0', '0', '1']);
    await assertAccessible(admin, 'admin reports');
    const href = await admin.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    assert.ok(href);
    const csv = await admin.evaluate(async (url) => (await fetch(url)).text(), href);
    assert.match(csv, new RegExp(`^day,activePeople,messages,files,fileBytes,spacesCreated\r\n`));
    assert.ok(csv.includes(`${today},1,1,0,0,1\r\n`), csv);
  });

  it('ID-5: a network-range session policy set in the console ends an idle session from outside the range and keeps one from inside', async () => {
    // The browser reaches Flint from 127.0.0.1. First the range excludes it: its session times out.
    const setPolicy = async (ranges: string) => {
      await admin.goto(`${flint.url}/#/admin/policies`);
      const idle = admin.getByLabel(/Web sessions end after this many minutes/);
      await idle.waitFor(WAIT);
      await idle.fill('30');
      await admin.getByLabel(/Only outside these network ranges/).fill(ranges);
      await admin.getByRole('button', { name: 'Save' }).click();
      await admin.getByText('Policies saved.').waitFor(WAIT);
    };
    await setPolicy('10.0.0.0/8\n2001:db8::/32');
    await assertAccessible(admin, 'admin policies');
    const db = flint.server.core.db;
    const bobSession = async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
      const page = await context.newPage();
      await signInPage(page, flint.url, 'bob@example.com');
      const bobId = (await db.selectFrom('people').select('id').where('email', '=', 'bob@example.com').executeTakeFirstOrThrow()).id;
      // 31 minutes without activity, for every session of Bob's.
      await db.updateTable('sessions').set({ last_seen_at: Date.now() - 31 * 60_000 }).where('person_id', '=', bobId).execute();
      await page.reload();
      return page;
    };
    const outside = await bobSession();
    await outside.getByRole('button', { name: 'Sign in' }).waitFor(WAIT);
    // Now the range includes loopback: the same idleness keeps the session.
    await setPolicy('127.0.0.0/8\n::1/128');
    const inside = await bobSession();
    await inside.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
    assert.equal(await inside.getByRole('button', { name: 'Sign in' }).count(), 0);
    // And Bob, no admin, gets no console: the page says so (the server refuses the calls: the matrix).
    await inside.goto(`${flint.url}/#/admin/audit`);
    await inside.screenshot({ path: `${SHOTS}admin-refused.png` });
    await inside.getByText('Only your organization’s administrators can use this page.').waitFor(WAIT);
    assert.equal(await inside.getByRole('link', { name: 'Administration' }).count(), 0);
  });

  it('MS-8, PL-1: the console in French passes axe', async () => {
    const fr = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    const page = await fr.newPage();
    await page.goto(flint.url + '/');
    await page.getByLabel('E-mail').fill('ada@example.com');
    await page.getByLabel('Mot de passe').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Personnes', level: 2 }).waitFor(WAIT);
    await page.getByRole('link', { name: 'Domaines' }).click();
    await page.getByRole('row', { name: /example\.com/ }).getByText('Vérifié').waitFor(WAIT);
    await assertAccessible(page, 'admin domains (fr)');
    await page.getByRole('link', { name: 'Journal d’audit' }).click();
    await page.getByTestId('audit-log').waitFor(WAIT);
    await assertAccessible(page, 'admin audit (fr)');
    await fr.close();
  });
});
