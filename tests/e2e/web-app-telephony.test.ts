/**
 * Telephony in the admin console, in a real Chromium (SPEC CL-4, CL-5, CL-6): the admin adds a
 * location with its time zone and emergency address, an extension range, gives people extensions,
 * adds a number and maps it to a person (the number map), creates a hunt group with two agents in
 * order, and adds a desk phone whose one-time activation code is shown once; each is what the
 * server then holds. An agent sees their line in Settings, logs out of and into the hunt group and
 * chooses the company number as caller ID. The page says PSTN calls are not end-to-end encrypted, and passes axe.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, launchChromium, PAGE_WAIT, signInPage, startFlint, webDist, type TestFlint } from '@flint/testkit';
import type { FlintClient } from '@flint/sdk';

describe('web app: telephony in the admin console (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let page: Page;
  let ada: FlintClient;

  before(async () => {
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_SIGNUP: 'open' } });
    browser = await launchChromium();
    ada = await flint.signup({ email: 'ada@tel.test', displayName: 'Ada Lovelace' });
    await flint.signup({ email: 'bob@tel.test', displayName: 'Bob Agent' });
    await flint.signup({ email: 'carol@tel.test', displayName: 'Carol Agent' });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' })).newPage();
    await signInPage(page, flint.url, 'ada@tel.test');
  });
  after(async () => {
    await browser?.close();
    await flint?.stop();
  });

  it('CL-5: a location with its time zone and emergency address, and an extension range', async () => {
    await page.goto(`${flint.url}/#/admin/telephony`);
    await page.getByRole('heading', { name: 'Telephony', level: 2 }).waitFor(PAGE_WAIT);
    await page.getByText('are not end-to-end encrypted').waitFor(PAGE_WAIT);
    const loc = page.getByRole('form', { name: 'Add location' });
    await loc.getByLabel('Name', { exact: true }).fill('New York');
    await loc.getByLabel('Time zone', { exact: true }).selectOption('America/New_York');
    await loc.getByLabel('Street address', { exact: true }).fill('1 Main St');
    await loc.getByLabel('City', { exact: true }).fill('New York');
    await loc.getByLabel('State or region', { exact: true }).fill('NY');
    await loc.getByLabel('Postal code', { exact: true }).fill('10001');
    await loc.getByLabel('Country (2 letters)', { exact: true }).fill('us');
    await loc.getByRole('button', { name: 'Add location' }).click();
    await page.getByText('Location added.').waitFor(PAGE_WAIT);
    await page.getByTestId('tel-locations').locator('tr[data-location="New York"]', { hasText: '1 Main St, New York, NY, 10001, US' }).waitFor(PAGE_WAIT);

    const range = page.getByRole('form', { name: 'Add range' });
    await range.getByLabel('First extension', { exact: true }).fill('200');
    await range.getByLabel('Last extension', { exact: true }).fill('299');
    await range.getByRole('button', { name: 'Add range' }).click();
    await page.getByTestId('tel-ranges').locator('tr[data-range="200-299"]').waitFor(PAGE_WAIT);

    const [location] = await ada.telephony.locations();
    assert.deepEqual([location?.name, location?.timeZone, location?.address.country], ['New York', 'America/New_York', 'US']);
    assert.deepEqual((await ada.telephony.settings()).extensionRanges.map((r) => [r.first, r.last]), [['200', '299']]);
  });

  it('CL-5: people get extensions; a number is added and mapped to a person', async () => {
    const person = page.getByRole('form', { name: 'Change a person’s calling settings' });
    for (const [name, ext] of [
      ['Bob Agent', '201'],
      ['Carol Agent', '202'],
    ] as const) {
      await person.getByLabel('Person', { exact: true }).selectOption({ label: `${name} (${name.split(' ')[0]!.toLowerCase()}@tel.test)` });
      await person.getByLabel('Extension', { exact: true }).fill(ext);
      await person.getByLabel('Location', { exact: true }).selectOption({ label: 'New York' });
      await person.getByRole('button', { name: 'Save' }).click();
      await page.getByTestId('tel-people').locator(`tr[data-person="${name}"]`, { hasText: ext }).waitFor(PAGE_WAIT);
    }
    const add = page.getByRole('form', { name: 'Add number' });
    await add.getByLabel('Number', { exact: true }).fill('+1 415 555 0101');
    await add.getByRole('button', { name: 'Add number' }).click();
    const row = page.getByTestId('tel-numbers').locator('tr[data-number="+14155550101"]');
    await row.waitFor(PAGE_WAIT);
    await row.getByLabel('Reaches: +14155550101', { exact: true }).selectOption({ label: 'Person: Bob Agent' });
    await page.getByText('Number mapped.').waitFor(PAGE_WAIT);
    const numbers = await ada.telephony.numbers();
    assert.deepEqual(numbers.map((n) => [n.phoneNumber, n.owner?.name]), [['+14155550101', 'Bob Agent']]);
  });

  it('CL-4: a hunt group with two agents in order and a ringing policy; the page passes axe', async () => {
    const form = page.getByRole('form', { name: 'Create hunt group' });
    await form.getByLabel('Name', { exact: true }).fill('Sales');
    await form.getByLabel('Extension', { exact: true }).fill('250');
    await form.getByLabel('Ringing order', { exact: true }).selectOption({ label: 'Longest idle' });
    await form.getByRole('checkbox', { name: /Carol Agent/ }).check();
    await form.getByRole('checkbox', { name: /Bob Agent/ }).check();
    await form.getByRole('button', { name: 'Create hunt group' }).click();
    await page.getByText('Hunt group created.').waitFor(PAGE_WAIT);
    await page.getByTestId('tel-hunt-groups').locator('tr[data-hunt-group="Sales"]', { hasText: 'Carol Agent, Bob Agent' }).waitFor(PAGE_WAIT);
    const [group] = await ada.telephony.huntGroups();
    assert.deepEqual([group?.name, group?.extension, group?.policy, group?.agents.map((a) => a.displayName)], ['Sales', '250', 'UNIFORM', ['Carol Agent', 'Bob Agent']]);
    await assertAccessible(page, 'admin telephony');
  });

  it('CL-4, CL-5: an agent sees their line in Settings, logs out of the hunt group and in again; chooses the company number', async () => {
    await ada.telephony.addNumber({ phoneNumber: '+14155550100', locationId: (await ada.telephony.locations())[0]!.id });
    await ada.telephony.updateSettings({ companyNumber: '+14155550100' });
    const bob = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' })).newPage();
    await signInPage(bob, flint.url, 'bob@tel.test');
    await bob.goto(`${flint.url}/#/settings`);
    await bob.getByRole('heading', { name: 'Calling' }).waitFor(PAGE_WAIT);
    assert.equal(await bob.getByTestId('my-extension').textContent(), '201');
    await bob.getByText('People you call see +14155550101.').waitFor(PAGE_WAIT);
    const row = bob.getByTestId('my-hunt-groups').locator('tr[data-hunt-group="Sales"]');
    await row.getByText('logged in').waitFor(PAGE_WAIT);
    await row.getByRole('button', { name: 'Log out: Sales' }).click();
    await bob.getByText('You are logged out').waitFor(PAGE_WAIT);
    const group = (await ada.telephony.huntGroups())[0]!;
    assert.equal(group.agents.find((a) => a.displayName === 'Bob Agent')?.loggedIn, false);
    await assertAccessible(bob, 'settings calling');
    await row.getByRole('button', { name: 'Log in: Sales' }).click();
    await bob.getByText('You are logged in').waitFor(PAGE_WAIT);
    await bob.getByLabel('Caller ID', { exact: true }).selectOption('company');
    await bob.getByText('People you call see +14155550100.').waitFor(PAGE_WAIT);
    const bobId = group.agents.find((a) => a.displayName === 'Bob Agent')!.personId;
    assert.equal((await ada.telephony.person(bobId)).callerId, 'company');
    await bob.context().close();
  });

  it('CL-4: business hours, a holiday and an auto attendant whose key 1 goes to the hunt group', async () => {
    const schedule = page.getByRole('form', { name: 'Create schedule' });
    await schedule.getByLabel('Name', { exact: true }).fill('Office');
    await schedule.getByLabel('From', { exact: true }).fill('09:00');
    await schedule.getByLabel('To', { exact: true }).fill('17:00');
    await schedule.getByRole('button', { name: 'Create schedule' }).click();
    await page.getByTestId('tel-schedules').locator('tr[data-schedule="Office"]').waitFor(PAGE_WAIT);
    await schedule.getByLabel('Kind', { exact: true }).selectOption('holidays');
    await schedule.getByLabel('Name', { exact: true }).fill('Christmas');
    await schedule.getByLabel('Date', { exact: true }).fill('2026-12-25');
    await schedule.getByRole('button', { name: 'Create schedule' }).click();
    await page.getByTestId('tel-schedules').locator('tr[data-schedule="Christmas"]').waitFor(PAGE_WAIT);

    const form = page.getByRole('form', { name: 'Create auto attendant' });
    await form.getByLabel('Name', { exact: true }).fill('Main line');
    await form.getByLabel('Extension', { exact: true }).fill('260');
    await form.getByLabel('Business hours', { exact: true }).selectOption({ label: 'Office' });
    await form.getByLabel('Holidays', { exact: true }).selectOption({ label: 'Christmas' });
    await form.getByLabel('Greeting (spoken to callers)', { exact: true }).fill('Welcome. Press 1 for sales.');
    await form.getByLabel('Keys during business hours: destination 1', { exact: true }).fill('250');
    await form.getByRole('button', { name: 'Add key' }).last().click();
    await form.getByLabel('Keys after hours and on holidays: key 1', { exact: true }).fill('1');
    await form.getByLabel('Keys after hours and on holidays: action 1', { exact: true }).selectOption({ label: 'Voicemail of' });
    await form.getByLabel('Keys after hours and on holidays: destination 1', { exact: true }).fill('201');
    await form.getByRole('button', { name: 'Create auto attendant' }).click();
    await page.getByTestId('tel-attendants').locator('tr[data-attendant="Main line"]', { hasText: '1 → Transfer to 250' }).waitFor(PAGE_WAIT);
    await assertAccessible(page, 'admin telephony attendants');
    const [attendant] = await ada.telephony.attendants();
    const bobId = (await ada.telephony.people()).find((p) => p.displayName === 'Bob Agent')!.personId;
    // A Monday 10:00 in New York rings the hunt group; Christmas goes to Bob's voicemail. The
    // business hours start today (the form's start date), so the Monday is one to come.
    const monday = new Date(Date.now() + 7 * 86_400_000);
    monday.setUTCDate(monday.getUTCDate() + ((8 - monday.getUTCDay()) % 7));
    if (monday.getUTCMonth() === 11 && monday.getUTCDate() === 25) monday.setUTCDate(monday.getUTCDate() + 7);
    monday.setUTCHours(15, 0, 0, 0);
    assert.equal((await ada.telephony.previewRoute({ dialed: '260', digits: '1', at: monday.toISOString() })).kind, 'huntGroup');
    assert.deepEqual(await ada.telephony.previewRoute({ dialed: '260', digits: '1', at: '2026-12-25T15:00:00.000Z' }), { kind: 'voicemail', targetId: bobId });
    assert.equal(attendant?.businessHoursMenu.greeting, 'Welcome. Press 1 for sales.');
  });

  it('CL-6: a desk phone’s one-time activation code is shown once', async () => {
    const form = page.getByRole('form', { name: 'Add phone' });
    await form.getByLabel('Person', { exact: true }).selectOption({ label: 'Bob Agent' });
    await form.getByLabel('MAC address', { exact: true }).fill('00:11:22:AA:BB:CC');
    await form.getByRole('button', { name: 'Add phone' }).click();
    const code = (await page.getByTestId('tel-activation-code').textContent({ timeout: PAGE_WAIT.timeout })) ?? '';
    assert.match(code, /^\d{4}( \d{4}){4}$/);
    await page.getByTestId('tel-phones').getByText('Waiting for activation').waitFor(PAGE_WAIT);
    const [device] = await ada.telephony.devices();
    assert.equal(device?.mac, '00:11:22:aa:bb:cc');
    // Shown once: a reload does not bring it back.
    await page.reload();
    await page.getByTestId('tel-phones').waitFor(PAGE_WAIT);
    assert.equal(await page.getByTestId('tel-activation-code').count(), 0);
  });
});
