/**
 * A person's own settings and data in a real Chromium (SPEC AD-4, AD-5, ID-10): language and time
 * zone kept by the server follow the person to another browser; a problem report reaches the
 * org's admins without any message text, title or file name in its logs; the export holds every
 * message and file the person may read and nothing else; deleting one's account ends it.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type Session } from '@flint/sdk';
import { unzipSync, strFromU8 } from 'fflate';
import type { FeedbackReport } from '@flint/protocol';
import { assertAccessible, launchChromium, sampleImage, startFlint, TEST_PASSWORD, webDist, type TestFlint } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = { timeout: 20_000 };

describe('web app, one’s own settings and data (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let ada: Session;
  let roomId = '';
  const contexts: BrowserContext[] = [];

  async function newPage(options: { locale?: string; timezoneId?: string; width?: number } = {}): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: options.width ?? 1280, height: 800 },
      locale: options.locale ?? 'en-US',
      timezoneId: options.timezoneId ?? 'America/New_York',
    });
    contexts.push(context);
    return context.newPage();
  }

  async function signIn(page: Page, email: string, nav = 'Spaces and teams'): Promise<void> {
    await page.goto(flint.url + '/');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: nav }).waitFor(WAIT);
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist() });
    browser = await launchChromium();
    const adaClient = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    const adaDevice = { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaClient.session!.personId) };
    ada = await flint.connect(adaClient, { deviceId: 'ada-node', kmsCredential: adaDevice });
    roomId = (await ada.spaces.create({ title: 'Zones' })).id;
  });

  after(async () => {
    ada?.close();
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await flint?.stop();
  });

  it('AD-4: language and time zone set in one browser follow the person to another; dates are shown in that zone', async () => {
    const first = await newPage({ timezoneId: 'America/New_York' });
    await signIn(first, 'ada@example.com');
    await first.goto(`${flint.url}/#/settings`);
    await first.getByRole('heading', { name: 'Language and time zone' }).waitFor(WAIT);
    // The org's default (UTC) until she chooses.
    await first.getByText('Times are shown in UTC').waitFor(WAIT);
    await first.getByLabel('Language', { exact: true }).selectOption('fr');
    await first.getByLabel('Time zone', { exact: true }).selectOption('Pacific/Auckland');
    await first.locator('#preferences-title').locator('..').getByRole('button', { name: 'Save' }).click();
    await first.getByRole('heading', { name: 'Langue et fuseau horaire' }).waitFor(WAIT);
    await first.getByText('Les heures sont affichées dans le fuseau Pacific/Auckland').waitFor(WAIT);
    await assertAccessible(first, 'settings, French');
    await first.screenshot({ path: `${SHOTS}own-preferences.png`, fullPage: true });

    // Stored by the server, not the browser: a new browser (its own locale and zone) follows.
    const me = await ada.api.people.me();
    assert.equal(me.language, 'fr');
    assert.equal(me.timezone, 'Pacific/Auckland');
    const sent = await ada.messages.send({ roomId, text: 'what time is it there?' });
    const second = await newPage({ locale: 'en-GB', timezoneId: 'Europe/London' });
    await signIn(second, 'ada@example.com', 'Espaces et équipes');
    await second.goto(`${flint.url}/#/space/${roomId}`);
    const article = second.locator('article.message', { hasText: 'what time is it there?' });
    await article.waitFor(WAIT);
    const expected = new Intl.DateTimeFormat('fr', { hour: 'numeric', minute: '2-digit', timeZone: 'Pacific/Auckland' }).format(new Date(sent.created));
    const london = new Intl.DateTimeFormat('fr', { hour: 'numeric', minute: '2-digit', timeZone: 'Europe/London' }).format(new Date(sent.created));
    assert.notEqual(expected, london, 'the two zones differ');
    assert.equal((await article.locator('.message-meta time').textContent())?.trim(), expected);
    assert.equal(await second.evaluate(() => document.documentElement.lang), 'fr');

    // Bad zones are refused by name and change nothing.
    const bad = await ada.api.people.updateMe({ timezone: 'Mars/Olympus_Mons' }).then(
      () => undefined,
      (e: unknown) => e as { status?: number },
    );
    assert.equal(bad?.status, 400);
    assert.equal((await ada.api.people.me()).timezone, 'Pacific/Auckland');
    // Back to the org's default.
    await ada.api.people.updateMe({ language: null, timezone: null });
    const reset = await ada.api.people.me();
    assert.equal(reset.language, undefined);
    assert.equal(reset.timezone, undefined);
  });

  it('AD-4: the org’s default language and zone, set in the console, apply to people who have not chosen', async () => {
    const page = await newPage({ timezoneId: 'America/New_York' });
    await signIn(page, 'ada@example.com');
    await page.goto(`${flint.url}/#/admin/policies`);
    await page.getByLabel('Default language').selectOption('fr');
    await page.getByLabel('Default time zone').selectOption('Asia/Tokyo');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Policies saved.').waitFor(WAIT);
    const other = await newPage({ timezoneId: 'Europe/London' });
    await signIn(other, 'ada@example.com', 'Espaces et équipes');
    await other.goto(`${flint.url}/#/settings`);
    await other.getByText('Les heures sont affichées dans le fuseau Asia/Tokyo').waitFor(WAIT);
    const org = await ada.api.organizations.get((await ada.api.people.me()).orgId!);
    assert.deepEqual(org.defaults, { language: 'fr', timezone: 'Asia/Tokyo' });
    // A bad default zone is a 400 and changes nothing.
    const refused = await ada.api.organizations.update(org.id, { policy: { defaultTimezone: 'Nowhere/Atlantis' } }).then(
      () => undefined,
      (e: unknown) => e as { status?: number },
    );
    assert.equal(refused?.status, 400);
    assert.deepEqual((await ada.api.organizations.get(org.id)).defaults, { language: 'fr', timezone: 'Asia/Tokyo' });
    await ada.api.organizations.update(org.id, { policy: { defaultLanguage: null, defaultTimezone: 'UTC' } });
    assert.deepEqual((await ada.api.organizations.get(org.id)).defaults, { timezone: 'UTC' });
  });

  it('AD-5: a person reports a problem with a screenshot and logs; the logs hold no message text, title or file name; an admin downloads it', async () => {
    const bobClient = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    const bobDevice = { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, bobClient.session!.personId) };
    const bobNode = await flint.connect(bobClient, { deviceId: 'bob-node', kmsCredential: bobDevice });
    bobNode.close();
    const MARK = `zq${Date.now().toString(36)}`;
    const bob = await newPage();
    await signIn(bob, 'bob@example.com');
    // Content with unique markers: a space title, messages, an edit, a file name.
    await bob.getByRole('button', { name: '+ New space' }).click();
    await bob.getByRole('dialog').getByLabel('Title').fill(`Title ${MARK}-title`);
    await bob.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await bob.getByRole('heading', { name: `Title ${MARK}-title` }).waitFor(WAIT);
    const box = bob.getByRole('combobox', { name: /Write a message to/ });
    for (const text of [`hello ${MARK}-text1`, `second ${MARK}-text2`]) {
      await box.fill(text);
      await box.press('Enter');
      await bob.locator('.timeline article.message', { hasText: text }).waitFor(WAIT);
    }
    await bob.getByLabel('Attach files').last().setInputFiles([{ name: `${MARK}-file.txt`, mimeType: 'text/plain', buffer: Buffer.from(`body ${MARK}-filebody`) }]);
    await bob.locator('.composer', { has: bob.getByRole('list', { name: 'Files to send' }) }).getByRole('button', { name: 'Send' }).click();
    await bob.locator('.timeline').getByText(`${MARK}-file.txt`).first().waitFor(WAIT);
    // A failing call too (searching what cannot be found is fine; a 4xx from a bad zone is an error entry).
    await bob.goto(`${flint.url}/#/search/${MARK}-search`);
    await bob.goto(`${flint.url}/#/settings`);
    await bob.getByRole('heading', { name: 'Report a problem' }).waitFor(WAIT);
    await bob.getByLabel('What happened? (optional)').fill('The list froze after I shared a file');
    const PNG = Buffer.from(await sampleImage('png', 320, 200, { r: 30, g: 90, b: 200 }));
    await bob.getByLabel(/Screenshot \(optional/).setInputFiles([{ name: 'shot.png', mimeType: 'image/png', buffer: PNG }]);
    await bob.getByLabel(/Include technical logs/).check();
    await bob.getByText('Show what will be sent').click();
    await bob.locator('pre.log-preview').getByText('message.sent').first().waitFor(WAIT);
    await assertAccessible(bob, 'report a problem');
    await bob.locator('#feedback-title').locator('..').screenshot({ path: `${SHOTS}own-feedback.png` });
    await bob.getByRole('button', { name: 'Send report' }).click();
    await bob.getByText('Thank you: your report was sent').waitFor(WAIT);

    // The admin sees it in the console and downloads it with its screenshot.
    const admin = await newPage();
    await signIn(admin, 'ada@example.com');
    await admin.goto(`${flint.url}/#/admin/feedback`);
    const row = admin.locator('tr', { hasText: 'bob@example.com' });
    await row.getByText('The list froze after I shared a file').waitFor(WAIT);
    await assertAccessible(admin, 'admin problem reports');
    await admin.screenshot({ path: `${SHOTS}admin-feedback.png`, fullPage: true });
    const [download] = await Promise.all([admin.waitForEvent('download'), row.getByRole('button', { name: /Download the report of Bob Babbage/ }).click()]);
    const zipPath = await download.path();
    const { readFileSync } = await import('node:fs');
    const files = unzipSync(new Uint8Array(readFileSync(zipPath)));
    assert.deepEqual(Object.keys(files).sort(), ['report.json', 'screenshot.png']);
    assert.deepEqual(Buffer.from(files['screenshot.png']!), PNG);
    const report = JSON.parse(strFromU8(files['report.json']!)) as FeedbackReport;
    assert.equal(report.description, 'The list froze after I shared a file');
    const events = new Set(report.logs.map((l) => l.event));
    for (const e of ['message.sent', 'file.shared', 'route', 'stream.state']) assert.ok(events.has(e), `the log has ${e}: ${[...events].join(', ')}`);
    // Nothing of the content, anywhere in the submitted log.
    const logText = JSON.stringify(report.logs);
    assert.ok(!logText.includes(MARK), `the log holds content: ${logText}`);
    for (const word of ['hello', 'second', 'Title', 'file.txt', 'filebody']) assert.ok(!logText.includes(word), `the log holds "${word}"`);

    // French, phone width.
    await bobClient.people.updateMe({ language: 'fr' });
    const phone = await newPage({ width: 390 });
    await signIn(phone, 'bob@example.com', 'Espaces et équipes');
    await phone.goto(`${flint.url}/#/settings`);
    await phone.getByRole('heading', { name: 'Signaler un problème' }).waitFor(WAIT);
    await assertAccessible(phone, 'report a problem, French, phone');
    await phone.locator('#feedback-title').locator('..').screenshot({ path: `${SHOTS}own-feedback-phone-fr.png` });
  });
});
