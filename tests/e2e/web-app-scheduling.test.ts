/**
 * Scheduled meetings and personal rooms in the web app, in a real Chromium (SPEC MT-3, MT-4): Ada
 * schedules in the "Schedule a meeting" dialog with Bob and an outside address; the invitation
 * e-mails reach a loopback SMTP server; Bob sees the meeting in his Meetings list and joins its
 * space (sealed title opened in his tab). Ada renames her personal room in Settings; its link, as
 * a path (`/meet/<name>`), opens the room page: Ada's own Join makes the room's space; Bob knocks
 * and Ada's tab lets him in; a visitor who is not signed in sees whose room it is and the sign-in
 * notice. An `.ics` file uploaded by Ada is read in her tab and schedules a meeting. Axe on each
 * view. Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type FlintClient } from '@flint/sdk';
import { assertAccessible, launchChromium, PAGE_WAIT, scanForPlaintext, signInPage, startFlint, startSmtpServer, TEST_PASSWORD, webDist, type TestFlint, type TestSmtpServer } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const DESKTOP = { width: 1280, height: 800 };

/** An invitation as another calendar would send it: a VTIMEZONE-less TZID, an organizer and attendees. */
function icsFile(start: Date): string {
  const wall = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  const end = new Date(start.getTime() + 45 * 60_000);
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Other Calendar//EN',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    'UID:imported-1@other.test',
    `DTSTAMP:${wall(new Date())}`,
    `DTSTART:${wall(start)}`,
    `DTEND:${wall(end)}`,
    'SUMMARY:Imported sync',
    'RRULE:FREQ=WEEKLY;COUNT=2',
    'ORGANIZER;CN=Zed Partner:mailto:zed@partner.test',
    'ATTENDEE;CN=Ada Lovelace;RSVP=TRUE:mailto:ada@sched.test',
    'ATTENDEE;CN=Bob Babbage;RSVP=TRUE:mailto:bob@sched.test',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

describe('web app: meetings and personal rooms (Chromium)', () => {
  let smtp: TestSmtpServer;
  let flint: TestFlint;
  let browser: Browser;
  let ada: Page;
  let bob: Page;
  let meetingRoomId = '';

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    smtp = await startSmtpServer();
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_SMTP_URL: smtp.url } });
    browser = await launchChromium();
    const adaApi = await flint.signup({ email: 'ada@sched.test', displayName: 'Ada Lovelace' });
    const bobApi = await flint.signup({ email: 'bob@sched.test', displayName: 'Bob Babbage' });
    // First KMS devices hold the password credentials, so the browsers enroll with the password.
    const connect = async (api: FlintClient, deviceId: string) => flint.connect(api, { deviceId, kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, api.session!.personId) } });
    (await connect(adaApi, 'ada-node')).close();
    (await connect(bobApi, 'bob-node')).close();
    ada = await (await browser.newContext({ viewport: DESKTOP, locale: 'en-US' })).newPage();
    bob = await (await browser.newContext({ viewport: DESKTOP, locale: 'en-US' })).newPage();
    await signInPage(ada, flint.url, 'ada@sched.test');
    await signInPage(bob, flint.url, 'bob@sched.test');
  });
  after(async () => {
    await browser?.close();
    await flint?.stop();
    await smtp?.close();
  });

  it('Ada schedules with Bob and an outside address; the invitations are mailed', async () => {
    await ada.getByRole('link', { name: 'Meetings' }).click();
    await ada.getByRole('heading', { name: 'Upcoming meetings' }).waitFor(PAGE_WAIT);
    await ada.getByRole('button', { name: 'Schedule a meeting' }).click();
    const dialog = ada.getByRole('dialog', { name: 'Schedule a meeting' });
    await dialog.getByLabel('Title').fill('Design review');
    const picker = dialog.getByRole('combobox', { name: 'Person or e-mail address' });
    // Bob by the button; the outside address by Enter (with no suggestion open, Enter adds it).
    await picker.fill('bob@sched.test');
    await dialog.getByRole('button', { name: 'Add invitee' }).click();
    await dialog.getByRole('list', { name: 'Invitees' }).getByText('bob@sched.test').waitFor(PAGE_WAIT);
    await picker.fill('guest@elsewhere.test');
    await picker.press('Enter');
    await dialog.getByRole('list', { name: 'Invitees' }).getByText('guest@elsewhere.test').waitFor(PAGE_WAIT);
    assert.equal(await dialog.count(), 1, 'the dialog is still open: Enter did not submit it');
    await assertAccessible(ada, 'schedule dialog');
    await ada.screenshot({ path: `${SHOTS}meetings-schedule.png` });
    await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
    await ada.getByText(/“Design review” is scheduled \(meeting number \d{9,10}\)/).waitFor(PAGE_WAIT);
    const item = ada.locator('[data-meeting]').filter({ hasText: 'Design review' });
    await item.waitFor(PAGE_WAIT);
    meetingRoomId = decodeURIComponent(/#\/space\/(.+)$/.exec((await item.getByRole('link', { name: 'Join' }).getAttribute('href')) ?? '')?.[1] ?? '');
    assert.ok(meetingRoomId);
    await assertAccessible(ada, 'meetings list');
    for (const address of ['bob@sched.test', 'guest@elsewhere.test']) {
      const mail = await smtp.waitFor((m) => m.envelopeTo.includes(address) && m.subject === 'Invitation: Design review');
      assert.ok(mail.attachments.some((a) => a.contentType.startsWith('text/calendar') && a.content.toString('utf8').includes('METHOD:REQUEST')));
    }
  });

  it('MT-4: Ada schedules a weekly series of three; each meeting is listed with how it repeats; the invitation carries the rule', async () => {
    await ada.getByRole('button', { name: 'Schedule a meeting' }).click();
    const dialog = ada.getByRole('dialog', { name: 'Schedule a meeting' });
    await dialog.getByLabel('Title').fill('Weekly planning');
    await dialog.getByLabel('Repeats').selectOption({ label: 'Every week, on this day' });
    await dialog.getByLabel('Number of meetings').fill('3');
    await dialog.getByRole('combobox', { name: 'Person or e-mail address' }).fill('bob@sched.test');
    await dialog.getByRole('button', { name: 'Add invitee' }).click();
    await assertAccessible(ada, 'schedule dialog with repeats');
    await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
    await ada.getByText(/“Weekly planning” is scheduled/).waitFor(PAGE_WAIT);
    const items = ada.locator('[data-meeting]').filter({ hasText: 'Weekly planning' });
    await items.nth(2).waitFor(PAGE_WAIT);
    assert.equal(await items.count(), 3, 'the three meetings of the next 30 days, one item each');
    await items.first().getByText('Repeats: Every week, on this day · 3 meetings').waitFor(PAGE_WAIT);
    const rule = await items.first().locator('[data-recurrence]').getAttribute('data-recurrence');
    assert.match(rule ?? '', /^FREQ=WEEKLY;BYDAY=(MO|TU|WE|TH|FR|SA|SU);COUNT=3$/);
    await items.first().getByRole('button', { name: 'Cancel the series' }).waitFor(PAGE_WAIT);
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bob@sched.test') && m.subject === 'Invitation: Weekly planning');
    const calendar = mail.attachments.find((a) => a.contentType.startsWith('text/calendar'))!.content.toString('utf8');
    assert.ok(calendar.includes(`RRULE:${rule}`) || /^RDATE:/m.test(calendar), 'the rule, or its dates across a daylight-saving change');
  });

  it('Bob sees the meeting and joins its space', async () => {
    await bob.getByRole('link', { name: 'Meetings' }).click();
    const item = bob.locator('[data-meeting]').filter({ hasText: 'Design review' });
    await item.waitFor(PAGE_WAIT);
    await item.getByText('Host: Ada Lovelace', { exact: false }).waitFor(PAGE_WAIT);
    await item.getByRole('link', { name: 'Join' }).click();
    await bob.locator('.timeline').waitFor(PAGE_WAIT);
    assert.ok(bob.url().endsWith(`#/space/${meetingRoomId}`));
    await bob.getByRole('combobox', { name: 'Write a message to Design review' }).waitFor(PAGE_WAIT);
  });

  it('the personal room: renamed in Settings; its link opens the room; Bob knocks and Ada’s tab lets him in', async () => {
    await ada.goto(`${flint.url}/#/settings`);
    const section = ada.getByRole('region', { name: 'Personal room' });
    await section.getByRole('link', { name: `${flint.url}/meet/ada` }).waitFor(PAGE_WAIT);
    await section.getByLabel('Room name').fill('ada.l');
    await section.getByRole('button', { name: 'Change link' }).click();
    await section.getByText('Your room has a new link; the old one no longer works.').waitFor(PAGE_WAIT);
    await section.getByRole('link', { name: `${flint.url}/meet/ada.l` }).waitFor(PAGE_WAIT);
    await assertAccessible(ada, 'personal room settings');

    // The path link, as shared: the server sends it to the app's page.
    await ada.goto(`${flint.url}/meet/ada.l`);
    await ada.getByRole('heading', { name: 'Your personal room' }).waitFor(PAGE_WAIT);
    await ada.getByRole('button', { name: 'Join' }).click();
    await ada.locator('.timeline').waitFor(PAGE_WAIT);

    await bob.goto(`${flint.url}/meet/ada`);
    await bob.getByText('No personal room has this link.', { exact: false }).waitFor(PAGE_WAIT);
    await bob.goto(`${flint.url}/meet/ada.l`);
    await bob.getByRole('heading', { name: 'Ada Lovelace’s personal room' }).waitFor(PAGE_WAIT);
    await assertAccessible(bob, 'personal room page');
    await bob.getByRole('button', { name: 'Join' }).click();
    // Ada's tab hears the knock, authorizes Bob at the KMS and adds him; Bob's page opens the room.
    await bob.getByRole('combobox', { name: 'Write a message to Ada Lovelace (personal room)' }).waitFor({ timeout: 40_000 });

    const visitor = await (await browser.newContext({ viewport: DESKTOP, locale: 'en-US' })).newPage();
    await visitor.goto(`${flint.url}/meet/ada.l`);
    await visitor.getByRole('heading', { name: 'Ada Lovelace’s personal room' }).waitFor(PAGE_WAIT);
    await visitor.getByText('Sign in to join this room.').waitFor(PAGE_WAIT);
    await assertAccessible(visitor, 'personal room page, signed out');
    await visitor.screenshot({ path: `${SHOTS}meet-signed-out.png` });
    await visitor.context().close();
  });

  it('an .ics file uploaded by Ada is read in her tab and schedules the meeting for its attendees', async () => {
    await ada.goto(`${flint.url}/#/meetings`);
    await ada.getByRole('heading', { name: 'Upcoming meetings' }).waitFor(PAGE_WAIT);
    const start = new Date(Math.ceil((Date.now() + 3 * 3_600_000) / 60_000) * 60_000);
    await ada.locator('input[type=file][accept*=".ics"]').setInputFiles({ name: 'invite.ics', mimeType: 'text/calendar', buffer: Buffer.from(icsFile(start)) });
    const dialog = ada.getByRole('dialog', { name: 'Schedule a meeting' });
    assert.equal(await dialog.getByLabel('Title').inputValue(), 'Imported sync');
    await dialog.getByText('bob@sched.test').waitFor(PAGE_WAIT);
    await dialog.getByText('zed@partner.test').waitFor(PAGE_WAIT);
    // Its weekly rule comes with it.
    assert.equal(await dialog.getByLabel('Repeats').inputValue(), 'weekly');
    assert.equal(await dialog.getByLabel('Number of meetings').inputValue(), '2');
    await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
    const imported = ada.locator('[data-meeting]').filter({ hasText: 'Imported sync' });
    await imported.nth(1).waitFor(PAGE_WAIT);
    assert.equal(await imported.count(), 2, 'two weekly meetings');
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('zed@partner.test') && m.subject === 'Invitation: Imported sync');
    assert.match(mail.text, /Ada Lovelace invites you/);
    await bob.goto(`${flint.url}/#/meetings`);
    await bob.locator('[data-meeting]').filter({ hasText: 'Imported sync' }).first().waitFor(PAGE_WAIT);
    const scan = await scanForPlaintext(flint, ['Ada Lovelace (personal room)'], 'Imported sync');
    assert.ok(scan.controlInDatabase, 'the schedule’s title is metadata the core holds');
    assert.deepEqual(scan.inDatabase, []);
  });
});
