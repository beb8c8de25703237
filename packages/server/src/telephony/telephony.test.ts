/**
 * Telephony configuration over HTTP (SPEC CL-4, CL-5, SEC-4), on the engine the suite runs on
 * (SQLite, or PostgreSQL with FLINT_TEST_DATABASE_URL): locations, extension ranges, DIDs and the
 * company number, people's calling settings, hunt groups with agents logging in and out,
 * schedules, auto attendants, SIP phones and their one-time activation codes; admins only for
 * changes; bad input refused with a 4xx that changes nothing; uniqueness and limits.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { FlintClient } from '@flint/sdk';
import { TELEPHONY_LIMITS } from '@flint/protocol';
import { errorOf, raw, startFlint, stateDigest, type TestFlint } from '@flint/testkit';

const TELEPHONY_TABLES = ['telephony_settings', 'telephony_extension_ranges', 'telephony_locations', 'telephony_extensions', 'telephony_numbers', 'telephony_people', 'telephony_hunt_groups', 'telephony_hunt_agents', 'telephony_schedules', 'telephony_attendants', 'telephony_greetings', 'telephony_devices'];

async function digest(flint: TestFlint): Promise<unknown> {
  const d = await stateDigest(flint);
  return TELEPHONY_TABLES.map((t) => [t, d.tables[t]]);
}

const espeakInstalled = spawnSync('espeak-ng', ['--version']).status === 0;

const NY = { address1: '1 Main St', city: 'New York', state: 'NY', postalCode: '10001', country: 'US' };

describe('telephony configuration (CL-4, CL-5)', () => {
  let flint: TestFlint;
  let ada: FlintClient; // admin
  let bob: FlintClient;
  let carol: FlintClient;
  let token = '';
  const ids: Record<string, string> = {};
  let locationId = '';

  /** Sends a request as Ada and expects a 4xx that changes nothing. */
  async function refused(method: string, path: string, body: unknown, status: number, as = token): Promise<string> {
    const before = await digest(flint);
    const res = await raw(flint.url, method, path, { token: as, ...(body !== undefined ? { body } : {}) });
    assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(body)} → ${res.status} ${res.text}`);
    assert.deepEqual(await digest(flint), before, `${method} ${path} changed nothing`);
    return errorOf(res).message;
  }

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Admin' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Agent' });
    carol = await flint.signup({ email: 'carol@example.com', displayName: 'Carol Agent' });
    for (const [name, c] of Object.entries({ ada, bob, carol })) ids[name] = c.session!.personId;
    token = ada.session!.accessToken;
  });
  after(() => flint.stop());

  it('locations: a known time zone and a supported country; names unique; others may read but not write', async () => {
    const loc = await ada.telephony.createLocation({ name: 'New York', timeZone: 'America/New_York', address: NY });
    locationId = loc.id;
    assert.deepEqual(loc.address, NY);
    assert.match(await refused('POST', '/api/telephony/locations', { name: 'Paris', timeZone: 'Mars/Olympus', address: NY }, 400), /timeZone/);
    assert.match(await refused('POST', '/api/telephony/locations', { name: 'Atlantis', timeZone: 'UTC', address: { ...NY, country: 'ZZ' } }, 400), /country/);
    await refused('POST', '/api/telephony/locations', { name: 'NY', timeZone: 'UTC', address: { ...NY, country: 'us' } }, 400);
    await refused('POST', '/api/telephony/locations', { name: 'New York', timeZone: 'UTC', address: NY }, 409);
    await refused('POST', '/api/telephony/locations', { name: 'X', timeZone: 'UTC', address: NY, extra: 1 }, 400);
    await refused('POST', '/api/telephony/locations', { name: 'Bob’s', timeZone: 'UTC', address: NY }, 403, bob.session!.accessToken);
    assert.equal((await bob.telephony.locations()).length, 1);
    const moved = await ada.telephony.updateLocation(loc.id, { timeZone: 'America/Chicago' });
    assert.equal(moved.timeZone, 'America/Chicago');
  });

  it('extension ranges: same length, 3–5 digits, no overlap, no emergency number, a limit', async () => {
    const range = await ada.telephony.createRange({ first: '200', last: '299' });
    await ada.telephony.createRange({ first: '4000', last: '4999' });
    assert.match(await refused('POST', '/api/telephony/extensionRanges', { first: '250', last: '350' }, 409), /overlaps 200–299/);
    assert.match(await refused('POST', '/api/telephony/extensionRanges', { first: '300', last: '3999' }, 400), /same number of digits/);
    assert.match(await refused('POST', '/api/telephony/extensionRanges', { first: '900', last: '999' }, 400), /emergency/);
    assert.match(await refused('POST', '/api/telephony/extensionRanges', { first: '399', last: '300' }, 400), /below/);
    await refused('POST', '/api/telephony/extensionRanges', { first: '12', last: '19' }, 400);
    await refused('POST', '/api/telephony/extensionRanges', { first: '123456', last: '123457' }, 400);
    const settings = await ada.telephony.settings();
    assert.deepEqual(settings.extensionRanges.map((r) => `${r.first}-${r.last}`), ['200-299', '4000-4999']);
    assert.equal(settings.extensionRanges[0]!.id, range.id);
    // The limit: up to TELEPHONY_LIMITS.rangesPerOrg ranges, then 409.
    const extra = [];
    for (let i = settings.extensionRanges.length; i < TELEPHONY_LIMITS.rangesPerOrg; i++) extra.push(await ada.telephony.createRange({ first: `5${String(i).padStart(2, '0')}00`, last: `5${String(i).padStart(2, '0')}99` }));
    assert.match(await refused('POST', '/api/telephony/extensionRanges', { first: '59900', last: '59999' }, 409), /at most 20/);
    for (const r of extra) await ada.telephony.deleteRange(r.id);
  });

  it('people: extensions in a range and unique; caller ID and international class of service', async () => {
    const a = await ada.telephony.updatePerson(ids['ada']!, { extension: '201', locationId, internationalCalling: 'allow' });
    assert.equal(a.extension, '201');
    assert.equal(a.internationalAllowed, true);
    const b = await ada.telephony.updatePerson(ids['bob']!, { extension: '202', locationId });
    assert.equal(b.internationalAllowed, false, 'the org’s default: no international calling');
    await ada.telephony.updatePerson(ids['carol']!, { extension: '4001' });
    assert.match(await refused('PUT', `/api/telephony/people/${ids['bob']}`, { extension: '201' }, 409), /201 is assigned/);
    assert.match(await refused('PUT', `/api/telephony/people/${ids['bob']}`, { extension: '555' }, 400), /range/);
    await refused('PUT', `/api/telephony/people/${ids['bob']}`, { extension: '20' }, 400);
    await refused('PUT', `/api/telephony/people/${ids['bob']}`, { locationId: '00000000-0000-7000-8000-000000000000' }, 400);
    // A person changes their own caller ID choice, nothing else.
    const own = await bob.telephony.updatePerson(ids['bob']!, { callerId: 'company' });
    assert.equal(own.callerId, 'company');
    await refused('PUT', `/api/telephony/people/${ids['bob']}`, { internationalCalling: 'allow' }, 403, bob.session!.accessToken);
    await refused('PUT', `/api/telephony/people/${ids['carol']}`, { callerId: 'company' }, 403, bob.session!.accessToken);
  });

  it('numbers: E.164, unique; mapped to a person; the company number must be one of them and cannot be removed', async () => {
    const main = await ada.telephony.addNumber({ phoneNumber: '+14155550100', locationId });
    const direct = await ada.telephony.addNumber({ phoneNumber: '+14155550101', locationId });
    await refused('POST', '/api/telephony/numbers', { phoneNumber: '+14155550100', locationId }, 409);
    await refused('POST', '/api/telephony/numbers', { phoneNumber: '4155550100', locationId }, 400);
    await refused('PUT', '/api/telephony/settings', { companyNumber: '+14155550199' }, 400);
    const settings = await ada.telephony.updateSettings({ companyNumber: '+14155550100' });
    assert.equal(settings.companyNumber, '+14155550100');
    const mapped = await ada.telephony.assignNumber(direct.id, { type: 'PEOPLE', id: ids['ada']! });
    assert.deepEqual(mapped.owner, { type: 'PEOPLE', id: ids['ada'], name: 'Ada Admin' });
    await refused('PUT', `/api/telephony/numbers/${direct.id}`, { owner: { type: 'HUNT_GROUP', id: ids['ada'] } }, 400);
    assert.match(await refused('DELETE', `/api/telephony/numbers/${main.id}`, undefined, 409), /company number/);
    const bobNow = await ada.telephony.person(ids['bob']!);
    assert.equal(bobNow.callerIdNumber, '+14155550100', 'Bob chose the company number');
    const adaNow = await ada.telephony.person(ids['ada']!);
    assert.deepEqual([adaNow.phoneNumbers, adaNow.callerIdNumber], [['+14155550101'], '+14155550101']);
  });

  it('hunt groups: agents of the org, each once; extension unique across owners; agents log in and out', async () => {
    const sales = await ada.telephony.createHuntGroup({
      name: 'Sales',
      locationId,
      extension: '200',
      policy: 'UNIFORM',
      noAnswer: { nextAgentEnabled: true, rings: 3, overflowDestination: '201' },
      agents: [{ personId: ids['bob']! }, { personId: ids['carol']!, weight: 20 }],
    });
    assert.deepEqual(
      sales.agents.map((a) => [a.displayName, a.weight, a.loggedIn, a.extension]),
      [
        ['Bob Agent', 1, true, '202'],
        ['Carol Agent', 20, true, '4001'],
      ],
    );
    assert.equal(sales.extension, '200');
    const body = { name: 'Support', locationId, policy: 'CIRCULAR', agents: [{ personId: ids['bob'] }] };
    await refused('POST', '/api/telephony/huntGroups', { ...body, extension: '201' }, 409);
    await refused('POST', '/api/telephony/huntGroups', { ...body, agents: [{ personId: ids['bob'] }, { personId: ids['bob'] }] }, 400);
    await refused('POST', '/api/telephony/huntGroups', { ...body, policy: 'RANDOM' }, 400);
    await refused('POST', '/api/telephony/huntGroups', { ...body, noAnswer: { nextAgentEnabled: true, rings: TELEPHONY_LIMITS.maxRings + 1 } }, 400);
    await refused('POST', '/api/telephony/huntGroups', { ...body, noAnswer: { nextAgentEnabled: true, rings: 3, overflowDestination: '299' } }, 400);
    await refused('POST', '/api/telephony/huntGroups', { ...body, name: 'Sales' }, 409);
    await refused('POST', '/api/telephony/huntGroups', { ...body, agents: [{ personId: ids['bob'], weight: 101 }] }, 400);
    await refused('POST', '/api/telephony/huntGroups', { ...body, agents: Array.from({ length: TELEPHONY_LIMITS.agentsPerHuntGroup + 1 }, () => ({ personId: ids['bob'] })) }, 400);
    // An agent logs out; someone who is not an agent cannot.
    const out = await bob.telephony.setAgentLogin(sales.id, false);
    assert.equal(out.agents.find((a) => a.personId === ids['bob'])!.loggedIn, false);
    await refused('PUT', `/api/telephony/huntGroups/${sales.id}/agents/me`, { loggedIn: false }, 403);
    assert.deepEqual((await bob.telephony.myHuntGroups()).map((g) => g.name), ['Sales']);
    // The router now rings Carol only (Bob logged out), then overflows to Ada's extension when she logs out too.
    assert.deepEqual((await ada.telephony.previewRoute({ dialed: '200' })).ringWaves, [[ids['carol']]]);
    await carol.telephony.setAgentLogin(sales.id, false);
    assert.deepEqual(await ada.telephony.previewRoute({ dialed: '200' }), { kind: 'person', targetId: ids['ada'] });
    await bob.telephony.setAgentLogin(sales.id, true);
  });

  it('schedules and auto attendants: menus checked, business hours and holidays in the location’s zone', async () => {
    const hours = await ada.telephony.createSchedule({
      name: 'Office hours',
      type: 'businessHours',
      locationId,
      events: [{ name: 'Weekdays', startDate: '2026-01-01', endDate: '2026-01-01', startTime: '09:00', endTime: '17:00', allDayEnabled: false, recurWeekly: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] }],
    });
    const holidays = await ada.telephony.createSchedule({ name: 'Holidays', type: 'holidays', locationId, events: [{ name: 'Christmas', startDate: '2026-12-25', endDate: '2026-12-25', allDayEnabled: true, recurYearly: true }] });
    await refused('POST', '/api/telephony/schedules', { name: 'Bad', type: 'holidays', locationId, events: [{ name: 'x', startDate: '2026-02-30', endDate: '2026-02-30', allDayEnabled: true }] }, 400);
    await refused('POST', '/api/telephony/schedules', { name: 'Bad', type: 'holidays', locationId, events: [{ name: 'x', startDate: '2026-02-03', endDate: '2026-02-03', allDayEnabled: false }] }, 400);
    await refused('POST', '/api/telephony/schedules', { name: 'Holidays', type: 'holidays', locationId, events: [] }, 409);
    const menu = { greeting: 'Welcome to Example. Press 1 for sales, 2 for the directory.', extensionEnabled: true, keys: [{ key: '1', action: 'TRANSFER', destination: '200' }, { key: '2', action: 'SUBMENU', submenu: 0 }] };
    const after = { extensionEnabled: false, keys: [{ key: '1', action: 'VOICEMAIL', destination: '201' }] };
    const base = { name: 'Main', locationId, businessScheduleId: hours.id, holidayScheduleId: holidays.id, businessHoursMenu: menu, afterHoursMenu: after, submenus: [{ extensionEnabled: true, keys: [{ key: '*', action: 'RETURN' }] }] };
    await refused('POST', '/api/telephony/autoAttendants', { ...base, submenus: [] }, 400);
    await refused('POST', '/api/telephony/autoAttendants', { ...base, afterHoursMenu: { extensionEnabled: false, keys: [{ key: '1', action: 'VOICEMAIL', destination: '200' }] } }, 400);
    await refused('POST', '/api/telephony/autoAttendants', { ...base, afterHoursMenu: { extensionEnabled: false, keys: [{ key: '1', action: 'TRANSFER' }] } }, 400);
    await refused('POST', '/api/telephony/autoAttendants', { ...base, businessHoursMenu: { ...menu, keys: [...menu.keys, { key: '1', action: 'EXIT' }] } }, 400);
    await refused('POST', '/api/telephony/autoAttendants', { ...base, businessHoursMenu: { ...menu, keys: [{ key: 'A', action: 'EXIT' }] } }, 400);
    await refused('POST', '/api/telephony/autoAttendants', { ...base, businessScheduleId: holidays.id }, 400);
    const main = await ada.telephony.createAttendant({ ...base, extension: '4100' } as Parameters<typeof ada.telephony.createAttendant>[0]);
    const number = (await ada.telephony.numbers()).find((n) => n.phoneNumber === '+14155550100')!;
    await ada.telephony.assignNumber(number.id, { type: 'AUTO_ATTENDANT', id: main.id });
    // Chicago (the location's zone now): Monday 10:00 CST = 16:00 UTC is open, Christmas is not.
    assert.deepEqual((await ada.telephony.previewRoute({ dialed: '+14155550100', digits: '1', at: '2026-12-07T16:00:00.000Z' })).ringWaves, [[ids['bob']]]);
    assert.deepEqual(await ada.telephony.previewRoute({ dialed: '+14155550100', digits: '1', at: '2026-12-25T16:00:00.000Z' }), { kind: 'voicemail', targetId: ids['ada'] });
    assert.deepEqual(await ada.telephony.previewRoute({ dialed: '+14155550100', digits: '24001#', at: '2026-12-07T16:00:00.000Z' }), { kind: 'person', targetId: ids['carol'] });
    assert.deepEqual(await ada.telephony.previewRoute({ dialed: '+14155550100', digits: '2', at: '2026-12-07T16:00:00.000Z' }), { kind: 'attendant', targetId: main.id, menu: 'submenu:0' });
    const list = await ada.telephony.numbers();
    assert.deepEqual(list.find((n) => n.phoneNumber === '+14155550100')!.owner, { type: 'AUTO_ATTENDANT', id: main.id, name: 'Main' });
    assert.equal(list.find((n) => n.phoneNumber === '+14155550100')!.mainNumber, true);
  });

  it('greetings: a menu’s text spoken by espeak-ng into a WAV kept in the blob store', { skip: espeakInstalled ? false : 'espeak-ng is not installed (apt-get install espeak-ng)' }, async () => {
    const main = (await ada.telephony.attendants()).find((a) => a.name === 'Main')!;
    const spoken = await ada.telephony.speakGreeting(main.id, 'business');
    const greeting = spoken.greetings.find((g) => g.menu === 'business')!;
    assert.equal(greeting.source, 'tts');
    assert.ok(greeting.bytes > 10_000, `a spoken sentence is more than a header (${greeting.bytes} bytes)`);
    const row = await flint.server.core.db.selectFrom('telephony_greetings').selectAll().where('attendant_id', '=', main.id).executeTakeFirstOrThrow();
    const blob = await flint.server.core.blobs.get(row.blob_key);
    assert.equal(Buffer.from(blob!.data.subarray(0, 4)).toString('latin1'), 'RIFF');
    assert.equal(Buffer.from(blob!.data.subarray(8, 12)).toString('latin1'), 'WAVE');
    // The after-hours menu has no text: a 400 that changes nothing.
    await refused('POST', `/api/telephony/autoAttendants/${main.id}/greetings/afterHours`, undefined, 400);
    await refused('POST', `/api/telephony/autoAttendants/${main.id}/greetings/lunch`, undefined, 400);
  });

  it('outbound: international refused without the class of service; emergency carries the location’s address', async () => {
    assert.deepEqual(await ada.telephony.previewRoute({ dialed: '+33142000000', fromPersonId: ids['bob'] }), { kind: 'refused', reason: 'international calling is not allowed for this person' });
    assert.deepEqual(await ada.telephony.previewRoute({ dialed: '+33142000000', fromPersonId: ids['ada'] }), { kind: 'pstn', number: '+33142000000', callerId: '+14155550101' });
    assert.deepEqual(await ada.telephony.previewRoute({ dialed: '911', fromPersonId: ids['bob'] }), { kind: 'emergency', number: '911', emergencyAddress: '1 Main St, New York, NY, 10001, US' });
    await ada.telephony.updateSettings({ internationalCalling: true });
    assert.equal((await ada.telephony.previewRoute({ dialed: '+33142000000', fromPersonId: ids['bob'] })).kind, 'pstn');
    await ada.telephony.updateSettings({ internationalCalling: false });
    await refused('POST', '/api/telephony/route', { dialed: '911' }, 403, bob.session!.accessToken);
  });

  it('phones: activation codes are one-time, hashed, bound to the MAC; without a SIP engine activation says so', async () => {
    const { device, activationCode } = await ada.telephony.createDevice({ personId: ids['bob']!, mac: '00-11-22-AA-BB-CC' });
    assert.equal(device.mac, '00:11:22:aa:bb:cc');
    assert.match(activationCode, /^[0-9]{20}$/);
    const row = await flint.server.core.db.selectFrom('telephony_devices').selectAll().where('id', '=', device.id).executeTakeFirstOrThrow();
    assert.ok(row.code_hash !== null && row.code_hash.startsWith('$argon2id$'), 'the code is kept as a slow salted hash');
    assert.ok(!JSON.stringify(row).includes(activationCode.slice(8)), 'the secret half is not stored');
    await refused('POST', '/api/telephony/devices', { personId: ids['bob'], mac: '00:11:22:aa:bb:cc' }, 409);
    await refused('POST', '/api/telephony/devices', { personId: ids['bob'], mac: 'not-a-mac' }, 400);
    await refused('POST', '/api/telephony/devices', { personId: ids['bob'], mac: '00:11:22:aa:bb:cd' }, 403, bob.session!.accessToken);
    // No SIP engine in this Flint (FLINT_SIP=off): 409, and the code is not spent.
    const res = await raw(flint.url, 'POST', '/api/telephony/devices/activate', { body: { code: activationCode, mac: '00:11:22:aa:bb:cc' } });
    assert.equal(res.status, 409);
    assert.match(errorOf(res).message, /No SIP engine/);
    assert.notEqual((await flint.server.core.db.selectFrom('telephony_devices').select('code_hash').where('id', '=', device.id).executeTakeFirstOrThrow()).code_hash, null);
    // The SIP engine's own routes answer 404 to anyone without its secret.
    assert.equal((await raw(flint.url, 'GET', `/api/telephony/sip/credentials?user=${row.sip_username}`, { headers: { 'x-flint-sip-secret': 'guess' } })).status, 404);
    await ada.telephony.deleteDevice(device.id);
    assert.equal((await ada.telephony.devices()).length, 0);
  });

  it('deletions: a range in use, a location in use; the audit log names each change', async () => {
    const ranges = (await ada.telephony.settings()).extensionRanges;
    await refused('DELETE', `/api/telephony/extensionRanges/${ranges[0]!.id}`, undefined, 409);
    await refused('DELETE', `/api/telephony/locations/${locationId}`, undefined, 409);
    await refused('DELETE', '/api/telephony/locations/00000000-0000-7000-8000-000000000000', undefined, 404);
    const actions = (await flint.server.core.db.selectFrom('admin_audit').select('action').where('action', 'like', 'telephony.%').execute()).map((r) => r.action);
    for (const a of ['telephony.location.create', 'telephony.range.create', 'telephony.number.assign', 'telephony.huntGroup.create', 'telephony.attendant.create', 'telephony.device.create', 'telephony.device.delete', 'telephony.person.update']) assert.ok(actions.includes(a), a);
  });
});
