/**
 * The routing domain, pure (SPEC CL-4, CL-5): the dial plan, schedules in a location's time zone,
 * hunt-group ringing orders, attendant menus by DTMF, and the outbound class of service and
 * emergency address.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AttendantMenu } from '@flint/protocol';
import { classifyDialed, rangeHoldsEmergency, rangesOverlap, inRanges } from './dial-plan.ts';
import { huntWaves, type AgentState } from './hunting.ts';
import { eventProblems, localTime, scheduleActive } from './schedules.ts';
import { attendantMenuAt, routeCall, walkMenus, type NumberingSnapshot } from './routing.ts';

const seq = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('dial plan', () => {
  it('classifies emergency, extensions, E.164 (international from the caller’s country), national', () => {
    assert.deepEqual(classifyDialed('911', 'US'), { type: 'emergency', number: '911' });
    assert.deepEqual(classifyDialed('112', 'FR'), { type: 'emergency', number: '112' });
    assert.deepEqual(classifyDialed('2001', 'US'), { type: 'extension', extension: '2001' });
    assert.deepEqual(classifyDialed('+1 (415) 555-0100', 'US'), { type: 'e164', number: '+14155550100', international: false });
    assert.deepEqual(classifyDialed('+33142000000', 'US'), { type: 'e164', number: '+33142000000', international: true });
    assert.deepEqual(classifyDialed('011 33 1 42 00 00 00', 'US'), { type: 'e164', number: '+33142000000', international: true });
    assert.deepEqual(classifyDialed('0033142000000', 'FR'), { type: 'e164', number: '+33142000000', international: false });
    assert.deepEqual(classifyDialed('0142000000', 'FR'), { type: 'national', number: '0142000000' });
    assert.deepEqual(classifyDialed('12', 'FR'), { type: 'invalid' });
    assert.deepEqual(classifyDialed('abc', 'FR'), { type: 'invalid' });
  });
  it('ranges: overlap by length, emergency numbers inside, membership', () => {
    assert.equal(rangesOverlap({ first: '200', last: '299' }, { first: '250', last: '350' }), true);
    assert.equal(rangesOverlap({ first: '200', last: '299' }, { first: '300', last: '399' }), false);
    assert.equal(rangesOverlap({ first: '200', last: '299' }, { first: '2000', last: '2999' }), false);
    assert.equal(rangeHoldsEmergency('900', '999'), true);
    assert.equal(rangeHoldsEmergency('100', '199'), true);
    assert.equal(rangeHoldsEmergency('2000', '2999'), false);
    assert.equal(inRanges('2500', [{ first: '2000', last: '2999' }]), true);
    assert.equal(inRanges('250', [{ first: '2000', last: '2999' }]), false);
  });
});

describe('schedules in the location’s time zone', () => {
  const hours = [{ name: 'Weekdays', startDate: '2026-01-01', endDate: '2026-01-01', startTime: '09:00', endTime: '17:00', allDayEnabled: false, recurWeekly: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] as const }].map((e) => ({ ...e, recurWeekly: [...e.recurWeekly] }));
  it('business hours are wall-clock hours of the zone', () => {
    // Monday 2026-12-07 14:30 UTC = 09:30 in New York (EST), 23:30 in Tokyo.
    const t = Date.parse('2026-12-07T14:30:00Z');
    assert.deepEqual(localTime(t, 'America/New_York'), { date: '2026-12-07', monthDay: '12-07', weekday: 'monday', minutes: 9 * 60 + 30 });
    assert.equal(scheduleActive(hours, t, 'America/New_York'), true);
    assert.equal(scheduleActive(hours, t, 'Asia/Tokyo'), false);
    // 13:30 UTC = 08:30 New York: closed; Saturday: closed.
    assert.equal(scheduleActive(hours, Date.parse('2026-12-07T13:30:00Z'), 'America/New_York'), false);
    assert.equal(scheduleActive(hours, Date.parse('2026-12-12T15:00:00Z'), 'America/New_York'), false);
    // Summer time: 13:30 UTC in July = 09:30 EDT, open.
    assert.equal(scheduleActive(hours, Date.parse('2026-07-06T13:30:00Z'), 'America/New_York'), true);
  });
  it('holidays: one-off dates and yearly ones, all day', () => {
    const holidays = [
      { name: 'Christmas', startDate: '2026-12-25', endDate: '2026-12-25', allDayEnabled: true, recurYearly: true },
      { name: 'Closure', startDate: '2026-12-28', endDate: '2026-12-29', allDayEnabled: true },
    ];
    assert.equal(scheduleActive(holidays, Date.parse('2027-12-25T15:00:00Z'), 'Europe/Paris'), true);
    assert.equal(scheduleActive(holidays, Date.parse('2026-12-29T22:30:00Z'), 'Europe/Paris'), true); // 23:30 Paris
    assert.equal(scheduleActive(holidays, Date.parse('2026-12-29T23:30:00Z'), 'Europe/Paris'), false); // 00:30 on the 30th
  });
  it('problems: bad dates, reversed ranges, missing times', () => {
    assert.deepEqual(eventProblems([{ name: 'x', startDate: '2026-02-30', endDate: '2026-02-30', allDayEnabled: true }]).length, 2);
    assert.match(eventProblems([{ name: 'x', startDate: '2026-02-03', endDate: '2026-02-01', allDayEnabled: true }])[0]!, /endDate before/);
    assert.match(eventProblems([{ name: 'x', startDate: '2026-02-03', endDate: '2026-02-03', allDayEnabled: false }])[0]!, /startTime and endTime/);
  });
});

describe('hunt groups: ringing orders', () => {
  const agents: AgentState[] = [
    { personId: 'a', position: 0, weight: 10, loggedIn: true, idleSince: 300, available: true },
    { personId: 'b', position: 1, weight: 30, loggedIn: true, idleSince: 100, available: true },
    { personId: 'c', position: 2, weight: 60, loggedIn: true, idleSince: 200, available: true },
    { personId: 'd', position: 3, weight: 50, loggedIn: false, idleSince: null, available: true },
    { personId: 'e', position: 4, weight: 50, loggedIn: true, idleSince: null, available: false },
  ];
  const opts = { circularNext: 0, advance: true, random: seq(0.5) };
  it('simultaneous rings every logged-in, available agent at once', () => {
    assert.deepEqual(huntWaves('SIMULTANEOUS', agents, opts).waves, [['a', 'b', 'c']]);
  });
  it('top-down from the first, one at a time; without advance only the first', () => {
    assert.deepEqual(huntWaves('REGULAR', agents, opts).waves, [['a'], ['b'], ['c']]);
    assert.deepEqual(huntWaves('REGULAR', agents, { ...opts, advance: false }).waves, [['a']]);
  });
  it('circular starts after the previous call’s agent and wraps', () => {
    const plan = huntWaves('CIRCULAR', agents, { ...opts, circularNext: 2 });
    assert.deepEqual(plan.waves, [['c'], ['a'], ['b']]);
    assert.equal(plan.nextCircular, 3);
    // Past the end (logged-out d and busy e skipped): back to the top.
    assert.deepEqual(huntWaves('CIRCULAR', agents, { ...opts, circularNext: 3 }).waves, [['a'], ['b'], ['c']]);
  });
  it('longest idle first (uniform); never called counts as longest', () => {
    assert.deepEqual(huntWaves('UNIFORM', agents, opts).waves, [['b'], ['c'], ['a']]);
    const fresh = agents.map((a) => (a.personId === 'c' ? { ...a, idleSince: null } : a));
    assert.deepEqual(huntWaves('UNIFORM', fresh, opts).waves[0], ['c']);
  });
  it('weighted: the draw falls by weight share', () => {
    // Weights a 10, b 30, c 60 (total 100): 0.05 → a, 0.2 → b, 0.95 → c.
    assert.deepEqual(huntWaves('WEIGHTED', agents, { ...opts, random: seq(0.05) }).waves[0], ['a']);
    assert.deepEqual(huntWaves('WEIGHTED', agents, { ...opts, random: seq(0.2) }).waves[0], ['b']);
    assert.deepEqual(huntWaves('WEIGHTED', agents, { ...opts, random: seq(0.95) }).waves[0], ['c']);
    assert.equal(huntWaves('WEIGHTED', agents, { ...opts, random: seq(0.95) }).waves.length, 3);
  });
  it('nobody logged in: no wave', () => {
    assert.deepEqual(huntWaves('REGULAR', agents.map((a) => ({ ...a, loggedIn: false })), opts).waves, []);
  });
});

const menu = (m: Partial<AttendantMenu>): AttendantMenu => ({ extensionEnabled: false, keys: [], ...m });

function snapshot(): NumberingSnapshot {
  const mainMenu = menu({
    greeting: 'Welcome. Press 1 for sales, 2 for support, 9 for the directory.',
    extensionEnabled: true,
    keys: [
      { key: '1', action: 'TRANSFER', destination: '300' },
      { key: '2', action: 'SUBMENU', submenu: 0 },
      { key: '9', action: 'EXTENSION_DIALING' },
      { key: '0', action: 'EXIT' },
    ],
  });
  return {
    internationalCalling: false,
    companyNumber: '+14155550100',
    locations: new Map([
      ['loc-ny', { timeZone: 'America/New_York', address: { address1: '1 Main St', city: 'New York', state: 'NY', postalCode: '10001', country: 'US' } }],
      ['loc-paris', { timeZone: 'Europe/Paris', address: { address1: '5 rue de Rivoli', city: 'Paris', postalCode: '75001', country: 'FR' } }],
    ]),
    extensions: new Map([
      ['201', { type: 'PEOPLE' as const, id: 'ada' }],
      ['202', { type: 'PEOPLE' as const, id: 'bob' }],
      ['300', { type: 'HUNT_GROUP' as const, id: 'sales' }],
      ['400', { type: 'AUTO_ATTENDANT' as const, id: 'main' }],
    ]),
    numbers: new Map([
      ['+14155550100', { type: 'AUTO_ATTENDANT' as const, id: 'main' }],
      ['+14155550101', { type: 'PEOPLE' as const, id: 'ada' }],
      ['+14155550199', undefined],
    ]),
    people: new Map([
      ['ada', { locationId: 'loc-ny', callerId: 'own' as const, international: 'allow' as const, numbers: ['+14155550101'] }],
      ['bob', { locationId: 'loc-paris', callerId: 'company' as const, international: 'org' as const, numbers: [] }],
      ['carl', { locationId: undefined, callerId: 'own' as const, international: 'org' as const, numbers: [] }],
    ]),
    huntGroups: new Map([
      [
        'sales',
        {
          locationId: 'loc-ny',
          policy: 'UNIFORM' as const,
          enabled: true,
          advance: true,
          overflow: '+14155550101',
          circularNext: 0,
          agents: [
            { personId: 'ada', position: 0, weight: 1, loggedIn: true, idleSince: 500, available: true },
            { personId: 'bob', position: 1, weight: 1, loggedIn: true, idleSince: 100, available: true },
          ],
        },
      ],
    ]),
    attendants: new Map([
      [
        'main',
        {
          locationId: 'loc-ny',
          businessScheduleId: 'hours',
          holidayScheduleId: 'holidays',
          businessHoursMenu: mainMenu,
          afterHoursMenu: menu({ keys: [{ key: '1', action: 'VOICEMAIL', destination: '201' }] }),
          submenus: [menu({ keys: [{ key: '1', action: 'TRANSFER', destination: '202' }, { key: '*', action: 'RETURN' }] })],
        },
      ],
    ]),
    schedules: new Map([
      ['hours', { events: [{ name: 'Weekdays', startDate: '2026-01-01', endDate: '2026-01-01', startTime: '09:00', endTime: '17:00', allDayEnabled: false, recurWeekly: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] as ('monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday')[] }] }],
      ['holidays', { events: [{ name: 'Christmas', startDate: '2026-12-25', endDate: '2026-12-25', allDayEnabled: true, recurYearly: true }] }],
    ]),
  };
}

const MONDAY_10_NY = Date.parse('2026-12-07T15:00:00Z');
const MONDAY_20_NY = Date.parse('2026-12-08T01:00:00Z');
const CHRISTMAS_NOON_NY = Date.parse('2026-12-25T17:00:00Z');

describe('inbound routing of a DID', () => {
  const snap = snapshot();
  const inbound = (dialed: string, digits: string, at = MONDAY_10_NY) => routeCall(snap, { dialed, from: { kind: 'external' }, digits, at, random: seq(0.5) });
  it('the company number reaches the attendant; business or after hours by the location’s zone, holidays first', () => {
    assert.equal(attendantMenuAt(snap, 'main', MONDAY_10_NY), 'business');
    assert.equal(attendantMenuAt(snap, 'main', MONDAY_20_NY), 'afterHours');
    assert.equal(attendantMenuAt(snap, 'main', CHRISTMAS_NOON_NY), 'afterHours');
    assert.deepEqual(inbound('+14155550100', ''), { kind: 'attendant', targetId: 'main', menu: 'business' });
  });
  it('a DTMF choice routes to the hunt group, whose longest-idle agent rings first', () => {
    assert.deepEqual(inbound('+14155550100', '1'), { kind: 'huntGroup', targetId: 'sales', ringWaves: [['bob'], ['ada']] });
  });
  it('submenus, return, dial by extension with # or by the digits running out', () => {
    assert.deepEqual(inbound('+14155550100', '21'), { kind: 'person', targetId: 'bob' });
    assert.deepEqual(inbound('+14155550100', '2*'), { kind: 'attendant', targetId: 'main', menu: 'business' });
    assert.deepEqual(inbound('+14155550100', '2*1'), { kind: 'huntGroup', targetId: 'sales', ringWaves: [['bob'], ['ada']] });
    assert.deepEqual(inbound('+14155550100', '9201#'), { kind: 'person', targetId: 'ada' });
    // A digit that is a key acts as the key ('2': the submenu), one that is not starts an extension.
    assert.deepEqual(inbound('+14155550100', '202'), { kind: 'attendant', targetId: 'main', menu: 'submenu:0' });
    assert.deepEqual(inbound('+14155550100', '400'), { kind: 'attendant', targetId: 'main', menu: 'business' });
    assert.deepEqual(inbound('+14155550100', '9'), { kind: 'attendant', targetId: 'main', menu: 'business:extension' });
    assert.deepEqual(inbound('+14155550100', '0'), { kind: 'attendant', targetId: 'main', menu: 'exit' });
  });
  it('after hours and on holidays the menu sends to voicemail', () => {
    assert.deepEqual(inbound('+14155550100', '1', CHRISTMAS_NOON_NY), { kind: 'voicemail', targetId: 'ada' });
    assert.deepEqual(inbound('+14155550100', '1', MONDAY_20_NY), { kind: 'voicemail', targetId: 'ada' });
  });
  it('a person’s DID, an unassigned one, an unknown one', () => {
    assert.deepEqual(inbound('+14155550101', ''), { kind: 'person', targetId: 'ada' });
    assert.equal(inbound('+14155550199', '').kind, 'unknown');
    assert.equal(inbound('+14155559999', '').kind, 'unknown');
  });
  it('a hunt group nobody can answer overflows', () => {
    const s = snapshot();
    const g = s.huntGroups.get('sales')!;
    (s.huntGroups as Map<string, typeof g>).set('sales', { ...g, agents: g.agents.map((a) => ({ ...a, loggedIn: false })) });
    assert.deepEqual(routeCall(s, { dialed: '300', from: { kind: 'external' }, at: MONDAY_10_NY, random: seq(0.5) }), { kind: 'person', targetId: 'ada' });
  });
  it('walkMenus on its own: unknown keys are ignored', () => {
    const m = snapshot().attendants.get('main')!;
    assert.deepEqual(walkMenus({ business: m.businessHoursMenu, afterHours: m.afterHoursMenu, submenus: m.submenus }, 'afterHours', '#5', () => false), { kind: 'menu', menu: 'afterHours' });
  });
});

describe('outbound authorization', () => {
  const snap = snapshot();
  const outbound = (personId: string, dialed: string) => routeCall(snap, { dialed, from: { kind: 'person', personId }, at: MONDAY_10_NY, random: seq(0.5) });
  it('international refused without the class of service (the org’s), allowed with the person’s own', () => {
    assert.deepEqual(outbound('bob', '+14155550123'), { kind: 'refused', reason: 'international calling is not allowed for this person' });
    assert.deepEqual(outbound('bob', '+33142000000'), { kind: 'pstn', number: '+33142000000', callerId: '+14155550100' });
    assert.deepEqual(outbound('ada', '+33142000000'), { kind: 'pstn', number: '+33142000000', callerId: '+14155550101' });
    assert.deepEqual(outbound('carl', '+33142000000').kind, 'refused');
  });
  it('emergency calls always go out with the caller’s location’s address (the org’s first location without one)', () => {
    assert.deepEqual(outbound('ada', '911'), { kind: 'emergency', number: '911', emergencyAddress: '1 Main St, New York, NY, 10001, US' });
    assert.deepEqual(outbound('bob', '112'), { kind: 'emergency', number: '112', emergencyAddress: '5 rue de Rivoli, Paris, 75001, FR' });
    assert.deepEqual(outbound('carl', '911'), { kind: 'emergency', number: '911', emergencyAddress: '1 Main St, New York, NY, 10001, US' });
  });
  it('extensions and the org’s own numbers stay inside', () => {
    assert.deepEqual(outbound('bob', '201'), { kind: 'person', targetId: 'ada' });
    assert.deepEqual(outbound('bob', '+1 415 555 0101'), { kind: 'person', targetId: 'ada' });
    assert.equal(outbound('bob', '999').kind, 'emergency');
    assert.equal(outbound('bob', '555').kind, 'unknown');
  });
});
