/**
 * Scheduled meetings and personal rooms (SPEC MT-3, MT-4) through the SDK, the core's API and the
 * Webex `/v1` subset: scheduling makes an end-to-end encrypted space with the invitees who have
 * accounts, mails every invitee an iCalendar REQUEST (a real SMTP server on loopback; parsed with
 * ical.js), an update with SEQUENCE + 1 and a CANCEL; bad input is a 4xx that changes nothing;
 * personal room names are validated, unique, and a renamed link stops working; a visitor who knocks
 * is added by the owner's session; the core holds no plaintext of the space's content.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import type { ScheduledMeeting } from '@flint/protocol';
import type { FlintClient, Session } from '@flint/sdk';
import { raw, scanForPlaintext, startFlint, startSmtpServer, stateDigest, type ReceivedMail, type TestFlint, type TestSmtpServer, until } from '@flint/testkit';

/** The VEVENT of a mail's calendar part, parsed with ical.js, and the calendar's METHOD. */
function calendarOf(mail: ReceivedMail): { method: string; event: ICAL.Event; vevent: ICAL.Component } {
  const part = mail.attachments.find((a) => a.contentType.startsWith('text/calendar')) ?? mail.attachments.find((a) => a.contentType.startsWith('application/ics'));
  assert.ok(part, `a calendar part in "${mail.subject}": ${mail.attachments.map((a) => a.contentType).join(', ')}`);
  const vcalendar = new ICAL.Component(ICAL.parse(part.content.toString('utf8')) as unknown[]);
  assert.equal(vcalendar.name, 'vcalendar');
  const vevent = vcalendar.getFirstSubcomponent('vevent');
  assert.ok(vevent);
  return { method: String(vcalendar.getFirstPropertyValue('method')), event: new ICAL.Event(vevent), vevent };
}

async function tableDigest(flint: TestFlint, names: readonly string[]): Promise<unknown> {
  const digest = await stateDigest(flint);
  return names.map((n) => [n, digest.tables[n]]);
}

const hour = 3_600_000;
/** A whole minute, `hours` from now (ISO, no milliseconds). */
function at(hours: number): string {
  return new Date(Math.ceil((Date.now() + hours * hour) / 60_000) * 60_000).toISOString().replace(/\.000Z$/, 'Z');
}

describe('scheduled meetings and personal rooms (MT-3, MT-4)', () => {
  let smtp: TestSmtpServer;
  let flint: TestFlint;
  let ada: FlintClient; // schedules
  let bob: FlintClient; // invited, has an account
  let eve: FlintClient; // not invited
  let adaS: Session, bobS: Session, eveS: Session;
  const sessions: Session[] = [];
  let meeting: ScheduledMeeting;

  before(async () => {
    smtp = await startSmtpServer();
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open', FLINT_SMTP_URL: smtp.url } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Host' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Invitee' });
    eve = await flint.signup({ email: 'eve@example.com', displayName: 'Eve Visitor' });
    for (const [name, c] of Object.entries({ ada, bob, eve })) {
      const s = await flint.connect(c, { deviceId: `${name}-node`, kmsTimeoutMs: 30_000 });
      sessions.push(s);
      if (name === 'ada') adaS = s;
      else if (name === 'bob') bobS = s;
      else eveS = s;
    }
  });
  after(async () => {
    for (const s of sessions) s.close();
    await flint.stop();
    await smtp.close();
  });

  it('schedules: an encrypted space with the invitee who has an account, and an iCalendar REQUEST to every invitee', async () => {
    const start = at(24);
    const end = at(25);
    meeting = await adaS.scheduling.schedule({
      title: 'Launch review',
      start,
      end,
      timezone: 'Europe/Paris',
      invitees: [{ email: 'Bob@example.com' }, { email: 'outside@elsewhere.test', displayName: 'Out Side' }],
    });
    assert.match(meeting.id, /^[0-9a-f]{32}$/);
    assert.match(meeting.meetingNumber, /^\d{9,10}$/);
    assert.equal(meeting.state, 'scheduled');
    assert.equal(meeting.hostEmail, 'ada@example.com');
    assert.equal(meeting.start, start);
    assert.equal(meeting.timezone, 'Europe/Paris');
    assert.equal(meeting.webLink, `${flint.url}/#/space/${meeting.roomId}`);
    assert.deepEqual(
      meeting.invitees.map((i) => i.email),
      ['bob@example.com', 'outside@elsewhere.test'],
    );
    // Bob is a member of the space and reads its sealed title; he sees the meeting in his list.
    const room = await bobS.spaces.get(meeting.roomId);
    assert.equal(room.title, 'Launch review');
    assert.deepEqual(
      (await bobS.scheduling.list()).items.map((m) => m.id),
      [meeting.id],
    );
    assert.deepEqual((await eveS.scheduling.list()).items, []);
    assert.equal((await raw(flint.url, 'GET', `/api/meetings/${meeting.id}`, { token: eve.session!.accessToken })).status, 404);

    for (const address of ['bob@example.com', 'outside@elsewhere.test']) {
      const mail = await smtp.waitFor((m) => m.envelopeTo.includes(address) && m.subject === 'Invitation: Launch review');
      const { method, event, vevent } = calendarOf(mail);
      assert.equal(method, 'REQUEST');
      assert.equal(event.summary, 'Launch review');
      assert.equal(event.sequence, 0);
      assert.equal(event.startDate.toJSDate().getTime(), Date.parse(start));
      assert.equal(event.endDate.toJSDate().getTime(), Date.parse(end));
      assert.match(event.uid, new RegExp(`^${meeting.id}@`));
      assert.match(String(vevent.getFirstPropertyValue('organizer')), /mailto:ada@example\.com/i);
      const attendees = event.attendees.map((a) => String(a.getFirstValue()).toLowerCase());
      assert.deepEqual(attendees.sort(), ['mailto:bob@example.com', 'mailto:outside@elsewhere.test']);
      assert.match(mail.text, new RegExp(meeting.meetingNumber));
    }
  });

  it('refuses bad input with a 4xx that changes nothing', async () => {
    const token = ada.session!.accessToken;
    const room = await adaS.spaces.create({ title: 'Spare' });
    const tables = ['scheduled_meetings', 'meeting_invitees', 'meeting_occurrences'];
    const before = await tableDigest(flint, tables);
    const post = (body: unknown) => raw(flint.url, 'POST', '/api/meetings', { token, body });
    const base = { title: 'x', start: at(2), end: at(3), roomId: room.id };
    const cases: [string, unknown, number][] = [
      ['too short', { ...base, end: new Date(Date.parse(base.start) + 5 * 60_000).toISOString() }, 400],
      ['too long', { ...base, end: at(2 + 24) }, 400],
      ['in the past', { ...base, start: at(-2), end: at(-1) }, 400],
      ['end before start', { ...base, end: at(1) }, 400],
      ['unknown zone', { ...base, timezone: 'Mars/Olympus' }, 400],
      ['empty title', { ...base, title: '' }, 400],
      ['long title', { ...base, title: 'x'.repeat(129) }, 400],
      ['bad address', { ...base, invitees: [{ email: 'not-an-address' }] }, 400],
      ['too many invitees', { ...base, invitees: Array.from({ length: 101 }, (_, i) => ({ email: `p${i}@example.com` })) }, 400],
      ['unknown field', { ...base, agenda: 'x' }, 400],
      ['a space already a meeting’s', { ...base, roomId: meeting.roomId }, 409],
      ['not a date', { ...base, start: 'tomorrow' }, 400],
      ['a series without an end', { ...base, recurrence: 'FREQ=WEEKLY' }, 400],
      ['a rule part not taken', { ...base, recurrence: 'FREQ=DAILY;BYHOUR=9;COUNT=3' }, 400],
      ['an unknown frequency', { ...base, recurrence: 'FREQ=HOURLY;COUNT=3' }, 400],
      ['more than 200 meetings', { ...base, recurrence: 'FREQ=DAILY;COUNT=201' }, 400],
      ['longer than two years', { ...base, recurrence: 'FREQ=YEARLY;COUNT=4' }, 400],
      ['not a rule', { ...base, recurrence: 'every monday' }, 400],
    ];
    for (const [name, body, status] of cases) {
      const answer = await post(body);
      assert.equal(answer.status, status, `${name}: ${answer.text}`);
      assert.ok((answer.json as { code?: string }).code, `${name}: a machine-readable code`);
    }
    // Eve may not schedule in Ada's space, nor change or cancel Ada's meeting.
    assert.equal((await raw(flint.url, 'POST', '/api/meetings', { token: eve.session!.accessToken, body: base })).status, 404);
    assert.equal((await raw(flint.url, 'PUT', `/api/meetings/${meeting.id}`, { token: eve.session!.accessToken, body: { title: 'Mine' } })).status, 404);
    assert.equal((await raw(flint.url, 'PUT', `/api/meetings/${meeting.id}`, { token: bob.session!.accessToken, body: { title: 'Mine' } })).status, 403);
    assert.equal((await raw(flint.url, 'DELETE', `/api/meetings/${meeting.id}`, { token: bob.session!.accessToken })).status, 403);
    assert.equal((await raw(flint.url, 'GET', `/api/meetings/nothex`, { token })).status, 400);
    assert.deepEqual(await tableDigest(flint, tables), before);
  });

  it('MT-4: a recurring meeting is one series; each occurrence is listed at the same time on its zone’s clock across daylight saving, and the invitation expands to the same instants', async () => {
    const expand = (event: ICAL.Event) => {
      const out: number[] = [];
      const iterator = event.iterator();
      for (let next = iterator.next(); next !== undefined && next !== null && out.length < 100; next = iterator.next()) out.push(next.toJSDate().getTime());
      return out;
    };
    const start = at(48);
    // 40 weeks always cross a daylight-saving change in Paris (at most 31 weeks apart).
    const weekly = await adaS.scheduling.schedule({ title: 'Weekly sync', start, end: at(49), timezone: 'Europe/Paris', invitees: [{ email: 'bob@example.com' }], recurrence: 'rrule:freq=weekly;count=40' });
    assert.equal(weekly.recurrence, 'FREQ=WEEKLY;COUNT=40');
    assert.equal(weekly.occurrences, 40);
    assert.equal(weekly.start, start);
    const window = { from: start, to: new Date(Date.parse(start) + 300 * 24 * hour).toISOString(), max: 100 };
    const listed = (await bobS.scheduling.list(window)).items.filter((m) => m.id === weekly.id);
    assert.equal(listed.length, 40, 'every occurrence is its own item');
    assert.equal(listed[1]!.seriesStart, start, 'a later occurrence names the series’ own start');
    const paris = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'short', hour: '2-digit', minute: '2-digit' });
    assert.equal(new Set(listed.map((m) => paris.format(Date.parse(m.start)))).size, 1, 'the same weekday and time in Paris throughout');
    assert.ok(new Set(listed.map((m) => Date.parse(m.start) % (24 * hour))).size > 1, 'so not the same UTC time throughout');
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bob@example.com') && m.subject === 'Invitation: Weekly sync');
    const { event, vevent } = calendarOf(mail);
    assert.ok(vevent.getFirstProperty('rdate') !== null, 'the offset changes: the occurrences are listed as RDATEs');
    assert.deepEqual(expand(event), listed.map((m) => Date.parse(m.start)), 'a calendar expands it to the same instants');
    assert.match(mail.text, /repeating \(FREQ=WEEKLY;COUNT=40\), 40 meetings/);

    // The same offset throughout: the RRULE itself, with a UTC start.
    const daily = await adaS.scheduling.schedule({ title: 'Stand-up', start: at(72), end: at(73), timezone: 'UTC', invitees: [{ email: 'bob@example.com' }], recurrence: 'FREQ=DAILY;INTERVAL=2;COUNT=3' });
    const standUp = calendarOf(await smtp.waitFor((m) => m.envelopeTo.includes('bob@example.com') && m.subject === 'Invitation: Stand-up'));
    const rule = standUp.vevent.getFirstPropertyValue('rrule') as ICAL.Recur;
    assert.deepEqual([rule.freq, rule.interval, rule.count], ['DAILY', 2, 3], 'the RRULE itself');
    const twoDays = 48 * hour;
    assert.deepEqual(expand(standUp.event), [0, 1, 2].map((i) => Date.parse(daily.start) + i * twoDays));
    // A lookup by number answers the series once, with its own times.
    assert.deepEqual((await adaS.scheduling.list({ meetingNumber: weekly.meetingNumber })).items.map((m) => [m.id, m.start, m.occurrences]), [[weekly.id, start, 40]]);
    // Made a single meeting again: one occurrence, the first; the update says so to calendars.
    const single = await adaS.scheduling.update(daily.id, { recurrence: null });
    assert.equal(single.recurrence, undefined);
    assert.equal((await adaS.scheduling.list({ from: daily.start, to: new Date(Date.parse(daily.start) + 10 * 24 * hour).toISOString(), max: 100 })).items.filter((m) => m.id === daily.id).length, 1);
    const update = calendarOf(await smtp.waitFor((m) => m.envelopeTo.includes('bob@example.com') && m.subject === 'Updated: Stand-up'));
    assert.equal(update.vevent.getFirstProperty('rrule'), null);
    await adaS.scheduling.cancel(weekly.id);
    await adaS.scheduling.cancel(daily.id);
    assert.equal((await flint.server.core.db.selectFrom('meeting_occurrences').select('meeting_id').where('meeting_id', 'in', [weekly.id, daily.id]).execute()).length, 0, 'the occurrences go with the series');
  });

  it('an update is mailed with SEQUENCE + 1; a removed invitee gets a CANCEL', async () => {
    const start = at(48);
    const end = at(49);
    const updated = await adaS.scheduling.update(meeting.id, { title: 'Launch review (moved)', start, end, invitees: [{ email: 'bob@example.com' }] });
    assert.equal(updated.sequence, 1);
    assert.equal(updated.start, start);
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bob@example.com') && m.subject === 'Updated: Launch review (moved)');
    const { method, event } = calendarOf(mail);
    assert.equal(method, 'REQUEST');
    assert.equal(event.sequence, 1);
    assert.equal(event.startDate.toJSDate().getTime(), Date.parse(start));
    const cancel = await smtp.waitFor((m) => m.envelopeTo.includes('outside@elsewhere.test') && m.subject.startsWith('Cancelled:'));
    assert.equal(calendarOf(cancel).method, 'CANCEL');
    // An unchanged update mails nothing and keeps the sequence.
    const same = await adaS.scheduling.update(meeting.id, { title: 'Launch review (moved)' });
    assert.equal(same.sequence, 1);
  });

  it('/v1/meetings (a bot): create, get, list with from/to/max paging, update, delete (Webex shapes and codes)', async () => {
    // A bot: Ada's own KMS device is this test's session, so a /v1 caller of hers would be a second device to approve.
    const token = (await ada.organizations.createBot('Scheduler Bot')).token;
    const botEmail = String(((await raw(flint.url, 'GET', '/v1/people/me', { token })).json as { emails: string[] }).emails[0]);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await raw(flint.url, 'POST', '/v1/meetings', { token, body: { title: `Standup ${i}`, start: at(2 + i), end: at(2.5 + i), timezone: 'UTC', invitees: [{ email: 'bob@example.com', displayName: 'Bob' }], sendEmail: false } });
      assert.equal(answer.status, 200, answer.text);
      const m = answer.json as Record<string, unknown>;
      assert.match(String(m['id']), /^[0-9a-f]{32}$/);
      assert.match(String(m['hostUserId']), /^Y2lzY29zcGFyazovL/);
      assert.match(String(m['roomId']), /^Y2lzY29zcGFyazovL/);
      assert.equal(m['hostEmail'], botEmail);
      assert.equal(m['state'], 'scheduled');
      assert.match(String(m['start']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      made.push(String(m['id']));
    }
    const first = await raw(flint.url, 'GET', `/v1/meetings?from=${encodeURIComponent(at(1))}&to=${encodeURIComponent(at(10))}&max=2`, { token });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(
      (first.json as { items: { id: string }[] }).items.map((m) => m.id),
      made.slice(0, 2),
    );
    const link = /<([^>]+)>;\s*rel="next"/.exec(first.headers.get('link') ?? '');
    assert.ok(link?.[1], 'a Link to the next page');
    const second = await raw(flint.url, 'GET', new URL(link[1]).pathname + new URL(link[1]).search, { token });
    assert.deepEqual(
      (second.json as { items: { id: string }[] }).items.map((m) => m.id),
      [made[2]],
    );
    assert.equal(second.headers.get('link'), null);
    const byNumber = await raw(flint.url, 'GET', `/v1/meetings?meetingNumber=${meeting.meetingNumber}`, { token: bob.session!.accessToken });
    assert.deepEqual(
      (byNumber.json as { items: { id: string }[] }).items.map((m) => m.id),
      [meeting.id],
    );
    const got = await raw(flint.url, 'GET', `/v1/meetings/${made[0]}`, { token: bob.session!.accessToken });
    assert.equal(got.status, 200, got.text);
    const put = await raw(flint.url, 'PUT', `/v1/meetings/${made[0]}`, { token, body: { title: 'Standup (renamed)', password: 'ignored', start: at(2), end: at(3) } });
    assert.equal(put.status, 200, put.text);
    assert.equal((put.json as { title: string }).title, 'Standup (renamed)');
    assert.equal((await raw(flint.url, 'POST', '/v1/meetings', { token, body: { title: 'x', start: 'soon', end: at(3) } })).status, 400);
    assert.equal((await raw(flint.url, 'GET', '/v1/meetings/zzz', { token })).status, 404);
    const del = await raw(flint.url, 'DELETE', `/v1/meetings/${made[0]}?sendEmail=false`, { token });
    assert.equal(del.status, 204, del.text);
    assert.equal((await raw(flint.url, 'GET', `/v1/meetings/${made[0]}`, { token })).status, 404);
    // A recurring meeting: one series by default, its occurrences with meetingType=scheduledMeeting.
    const daily = await raw(flint.url, 'POST', '/v1/meetings', { token, body: { title: 'Daily', start: at(30), end: at(30.5), timezone: 'UTC', recurrence: 'FREQ=DAILY;COUNT=3', sendEmail: false } });
    assert.equal(daily.status, 200, daily.text);
    const series = daily.json as { id: string; recurrence: string; meetingType: string; start: string };
    assert.deepEqual([series.recurrence, series.meetingType], ['FREQ=DAILY;COUNT=3', 'meetingSeries']);
    const window = `from=${encodeURIComponent(at(29))}&to=${encodeURIComponent(at(29 + 24 * 5))}&max=100`;
    const asSeries = (await raw(flint.url, 'GET', `/v1/meetings?${window}`, { token })).json as { items: { id: string; start: string }[] };
    assert.deepEqual(asSeries.items.filter((m) => m.id === series.id).map((m) => m.start), [series.start], 'the series once, with its own times');
    const asOccurrences = (await raw(flint.url, 'GET', `/v1/meetings?${window}&meetingType=scheduledMeeting`, { token })).json as { items: { id: string; meetingSeriesId: string; meetingType: string }[] };
    const mine = asOccurrences.items.filter((m) => m.meetingSeriesId === series.id);
    assert.equal(mine.length, 3);
    assert.ok(mine.every((m) => m.meetingType === 'scheduledMeeting' && new RegExp(`^${series.id}_\\d{8}T\\d{6}Z$`).test(m.id)), JSON.stringify(mine));
    assert.equal((await raw(flint.url, 'GET', `/v1/meetings?meetingType=webinar`, { token })).status, 400);
    assert.equal((await raw(flint.url, 'POST', '/v1/meetings', { token, body: { title: 'x', start: at(30), end: at(31), recurrence: 'FREQ=DAILY' } })).status, 400);
    const pmr = await raw(flint.url, 'GET', '/v1/meetingPreferences/personalMeetingRoom', { token });
    assert.equal(pmr.status, 200, pmr.text);
    assert.match((pmr.json as { personalMeetingRoomLink: string }).personalMeetingRoomLink, new RegExp(`^${flint.url}/meet/[a-z0-9.-]{3,40}$`));
  });

  it('cancelling mails a CANCEL with the next SEQUENCE to every invitee', async () => {
    await adaS.scheduling.cancel(meeting.id);
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bob@example.com') && m.subject === 'Cancelled: Launch review (moved)');
    const { method, event } = calendarOf(mail);
    assert.equal(method, 'CANCEL');
    assert.equal(event.sequence, 2);
    assert.equal((await raw(flint.url, 'GET', `/api/meetings/${meeting.id}`, { token: ada.session!.accessToken })).status, 404);
    // The space stays, with its sealed title.
    assert.equal((await bobS.spaces.get(meeting.roomId)).title, 'Launch review');
  });

  it('personal rooms: a name from the address, validated and unique; renaming ends the old link; a knock is let in by the owner', async () => {
    const room = await adaS.scheduling.personalRoom();
    assert.equal(room.name, 'ada');
    assert.equal(room.link, `${flint.url}/meet/ada`);
    const put = (token: string, name: string) => raw(flint.url, 'PUT', '/api/personal-room', { token, body: { name } });
    for (const bad of ['ab', 'x'.repeat(41), 'Ada', 'ada_lovelace', '-ada', 'ada.', 'a..b', 'ada room']) {
      const answer = await put(ada.session!.accessToken, bad);
      assert.equal(answer.status, 400, `${bad}: ${answer.text}`);
    }
    assert.equal((await bobS.scheduling.personalRoom()).name, 'bob');
    assert.equal((await put(bob.session!.accessToken, 'ada')).status, 409);
    const renamed = await adaS.scheduling.renamePersonalRoom('ada.lovelace-1');
    assert.equal(renamed.link, `${flint.url}/meet/ada.lovelace-1`);
    assert.equal((await raw(flint.url, 'GET', '/api/meet/ada')).status, 404);
    const card = await raw(flint.url, 'GET', '/api/meet/ada.lovelace-1');
    assert.equal(card.status, 200, card.text);
    assert.deepEqual(card.json, { name: 'ada.lovelace-1', link: `${flint.url}/meet/ada.lovelace-1`, ownerDisplayName: 'Ada Host' });
    // The old name is free at once.
    assert.equal((await put(bob.session!.accessToken, 'ada')).status, 200);

    // A knock before the room's space exists is a 409; the owner's session makes it lazily.
    assert.equal((await raw(flint.url, 'POST', '/api/meet/ada.lovelace-1/knock', { token: eve.session!.accessToken })).status, 409);
    const opened = await adaS.scheduling.openPersonalRoom();
    assert.equal((await adaS.scheduling.openPersonalRoom()).roomId, opened.roomId, 'made once');
    const entry = await eveS.api.personalRoom.enter('ada.lovelace-1');
    assert.equal(entry.isMember, false);
    await eveS.api.personalRoom.knock('ada.lovelace-1');
    // Ada's session hears the knock, authorizes Eve at the KMS and adds her: Eve reads the sealed title.
    await until('Eve let in by Ada’s session', async () => ((await eveS.api.personalRoom.enter('ada.lovelace-1')).isMember ? true : undefined));
    assert.equal((await eveS.spaces.get(opened.roomId)).title, 'Ada Host (personal room)');
    await adaS.messages.send({ roomId: opened.roomId, text: 'Welcome to my secret room' });
    const scan = await scanForPlaintext(flint, ['Welcome to my secret room', 'Ada Host (personal room)'], 'ada.lovelace-1');
    assert.ok(scan.controlInDatabase, 'the scan finds what the core legitimately holds (the room name)');
    assert.deepEqual(scan.inDatabase, []);
    assert.deepEqual(scan.inFiles, []);
  });
});
