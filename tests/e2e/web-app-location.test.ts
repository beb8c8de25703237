/**
 * Location sharing in the web app, in a real Chromium (SPEC MS-6): off by default (no "Share
 * location" in the composer), turned on in Settings, then Ada shares where her browser says it is
 * (Playwright's geolocation permission and position, read by the page through the real
 * `navigator.geolocation`); the city is named in her tab from the lazily loaded city list, shown
 * before anything is sent; Bob, in French, sees the city and a link to the place on OpenStreetMap.
 * Nothing is fetched from anywhere but the Flint server, and the core holds neither the city nor
 * the coordinates. Axe on the dialog and the card. Runs on SQLite, or on PostgreSQL when
 * FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type FlintClient } from '@flint/sdk';
import { assertAccessible, launchChromium, openSpacePage, PAGE_WAIT, scanForPlaintext, signInPage, startFlint, TEST_PASSWORD, webDist, type TestFlint } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const DESKTOP = { width: 1280, height: 800 };
/** Nantes, by the cathedral: the nearest place in the GeoNames list is Nantes itself. */
const HERE = { latitude: 47.2184, longitude: -1.5536, accuracy: 25 };
const LINK = 'https://www.openstreetmap.org/?mlat=47.21840&mlon=-1.55360#map=15/47.21840/-1.55360';

describe('web app: sharing a location (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let ada: Page;
  let adaContext: BrowserContext;
  let bob: Page;
  let roomId = '';
  /** Every URL either page asked for. */
  const requested: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist() });
    browser = await launchChromium();
    const adaApi = await flint.signup({ email: 'ada@where.test', displayName: 'Ada Lovelace' });
    const bobApi = await flint.signup({ email: 'bob@where.test', displayName: 'Bob Babbage' });
    // First KMS devices hold the password credentials, so the browsers enroll with the password.
    const connect = async (api: FlintClient, deviceId: string) => flint.connect(api, { deviceId, kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, api.session!.personId) } });
    const adaNode = await connect(adaApi, 'ada-node');
    (await connect(bobApi, 'bob-node')).close();
    roomId = (await adaNode.spaces.create({ title: 'Field trip' })).id;
    await adaNode.members.add(roomId, { personEmail: 'bob@where.test' });
    adaNode.close();
    adaContext = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    await adaContext.grantPermissions(['geolocation'], { origin: flint.url });
    await adaContext.setGeolocation(HERE);
    ada = await adaContext.newPage();
    const bobContext = await browser.newContext({ viewport: DESKTOP, locale: 'fr-FR' });
    bob = await bobContext.newPage();
    for (const page of [ada, bob]) page.on('request', (r) => requested.push(r.url()));
    await signInPage(ada, flint.url, 'ada@where.test');
    await signInPage(bob, flint.url, 'bob@where.test', { button: 'Se connecter' });
  });
  after(async () => {
    await browser?.close();
    await flint?.stop();
  });

  it('is off by default: no share action until Ada turns it on in Settings', async () => {
    await openSpacePage(ada, roomId);
    await ada.getByRole('combobox', { name: 'Write a message to Field trip' }).waitFor(PAGE_WAIT);
    assert.equal(await ada.getByRole('button', { name: 'Share location' }).count(), 0);

    await ada.goto(`${flint.url}/#/settings`);
    const setting = ada.getByRole('checkbox', { name: 'Let me share my location in spaces' });
    await setting.waitFor(PAGE_WAIT);
    assert.equal(await setting.isChecked(), false, 'off until turned on');
    await ada.getByText('City names: GeoNames (CC BY 4.0).', { exact: false }).waitFor(PAGE_WAIT);
    await setting.check();
    assert.equal(await setting.isChecked(), true);
    assert.equal(requested.filter((u) => u.includes('flint-cities')).length, 0, 'the city list is not loaded before anyone shares');
  });

  it('shares the place: the city is named in the tab and shown first; Bob sees it with the map link', async () => {
    await openSpacePage(ada, roomId);
    await ada.getByRole('button', { name: 'Share location' }).click();
    const dialog = ada.getByRole('dialog', { name: 'Share your location with Field trip' });
    await dialog.getByText('Nantes, France').waitFor(PAGE_WAIT);
    await dialog.getByText('Accurate to about 25 m').waitFor(PAGE_WAIT);
    assert.equal(await dialog.getByRole('link', { name: 'Open in OpenStreetMap' }).getAttribute('href'), LINK);
    assert.equal(requested.filter((u) => u.includes('flint-cities')).length, 1, 'loaded once someone shares');
    await assertAccessible(ada, 'share location dialog');
    await ada.screenshot({ path: `${SHOTS}location-dialog.png` });
    await dialog.getByRole('button', { name: 'Share' }).click();
    await ada.locator('.timeline .location-card').getByText('Nantes, France').waitFor(PAGE_WAIT);

    await openSpacePage(bob, roomId);
    const card = bob.locator('.timeline').getByRole('group', { name: 'Position partagée' });
    await card.getByText('Nantes, France').waitFor(PAGE_WAIT);
    await card.getByText('47,21840 ; -1,55360').waitFor(PAGE_WAIT);
    const link = card.getByRole('link', { name: 'Ouvrir dans OpenStreetMap' });
    assert.equal(await link.getAttribute('href'), LINK);
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    // The card replaces the fallback text the SDK wrote for clients without cards.
    assert.equal(await bob.locator('.timeline').getByText('📍', { exact: false }).count(), 0);
    await assertAccessible(bob, 'shared location (fr)');
    await bob.screenshot({ path: `${SHOTS}location-card-fr.png` });

    // Only a link: neither page fetched anything from another origin (no map, no lookup service).
    const origin = new URL(flint.url).origin;
    assert.deepEqual(requested.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')), []);
    const scan = await scanForPlaintext(flint, ['Nantes', '47.2184', '-1.5536'], 'Ada Lovelace');
    assert.ok(scan.controlInDatabase);
    assert.deepEqual([...scan.inDatabase, ...scan.inFiles, ...scan.inLogs], []);
  });
});
