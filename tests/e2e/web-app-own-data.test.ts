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
import { assertAccessible, launchChromium, startFlint, TEST_PASSWORD, webDist, type TestFlint } from '@flint/testkit';

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
    await ada.api.organizations.update(org.id, { policy: { defaultLanguage: 'en', defaultTimezone: 'UTC' } });
  });
});
