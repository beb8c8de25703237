/**
 * Call routing over the numbering (SPEC CL-4, CL-5, CL-6): pure functions over a snapshot of an
 * org's telephony configuration (numbering.ts loads it), no I/O, so every decision is unit-tested.
 * - Outbound, from a person: emergency numbers always go out, with the caller's location's address;
 *   extensions and the org's own numbers stay inside; international numbers need the class of
 *   service (the person's own choice, else the org's); the caller ID is the person's choice.
 * - Inbound, to a DID (or an extension): its owner — a person, a hunt group (the agents to ring, in
 *   waves, by its policy; its overflow when nobody can ring), an auto attendant (business or after
 *   hours by its schedules in its location's time zone, then the caller's DTMF digits through the
 *   menus and submenus, dialling by extension, to a transfer or a voicemail).
 * @module
 */
import type { AttendantMenu, EmergencyAddress, HuntPolicy, OwnerType, RouteDecision, ScheduleEvent } from '@flint/protocol';
import { addressLine, classifyDialed } from './dial-plan.ts';
import { huntWaves, type AgentState } from './hunting.ts';
import { scheduleActive } from './schedules.ts';

export interface Owner {
  type: OwnerType;
  id: string;
}

export interface NumberingSnapshot {
  internationalCalling: boolean;
  companyNumber: string | undefined;
  locations: ReadonlyMap<string, { timeZone: string; address: EmergencyAddress }>;
  /** The org's assigned extensions. */
  extensions: ReadonlyMap<string, Owner>;
  /** The org's DIDs (E.164) and their owner, if any. */
  numbers: ReadonlyMap<string, Owner | undefined>;
  people: ReadonlyMap<string, { locationId: string | undefined; callerId: 'own' | 'company'; international: 'org' | 'allow' | 'block'; numbers: readonly string[] }>;
  huntGroups: ReadonlyMap<string, { locationId: string; policy: HuntPolicy; enabled: boolean; advance: boolean; overflow: string | undefined; circularNext: number; agents: readonly AgentState[] }>;
  attendants: ReadonlyMap<string, { locationId: string; businessScheduleId: string | undefined; holidayScheduleId: string | undefined; businessHoursMenu: AttendantMenu; afterHoursMenu: AttendantMenu; submenus: readonly AttendantMenu[] }>;
  schedules: ReadonlyMap<string, { events: readonly ScheduleEvent[] }>;
}

export interface CallRequest {
  dialed: string;
  /** A person of the org calling (outbound rules apply), or a caller from outside (a trunk). */
  from: { kind: 'person'; personId: string } | { kind: 'external' };
  /** DTMF digits the caller pressed at an auto attendant, in order. */
  digits?: string;
  at: number;
  random: () => number;
}

/** How deep transfers and overflows may chain before the call is given up (a loop guard). */
const MAX_HOPS = 5;

/** The person's international class of service in effect. */
export function internationalAllowed(snap: NumberingSnapshot, personId: string): boolean {
  const p = snap.people.get(personId);
  if (p === undefined || p.international === 'org') return snap.internationalCalling;
  return p.international === 'allow';
}

/** The number a person's outbound calls show: their own DID or the company number, per their choice. */
export function callerIdOf(snap: NumberingSnapshot, personId: string): string | undefined {
  const p = snap.people.get(personId);
  if (p === undefined) return snap.companyNumber;
  if (p.callerId === 'company') return snap.companyNumber ?? p.numbers[0];
  return p.numbers[0] ?? snap.companyNumber;
}

/** The location a person calls from: their own, else the org's first (so an emergency call always has an address). */
function callerLocation(snap: NumberingSnapshot, personId: string) {
  const own = snap.people.get(personId)?.locationId;
  if (own !== undefined && snap.locations.has(own)) return snap.locations.get(own);
  return snap.locations.values().next().value;
}

/** Which of an attendant's top menus answers at an instant: holidays first, then business hours. */
export function attendantMenuAt(snap: NumberingSnapshot, attendantId: string, at: number): 'business' | 'afterHours' {
  const a = snap.attendants.get(attendantId);
  if (a === undefined) return 'business';
  const zone = snap.locations.get(a.locationId)?.timeZone ?? 'UTC';
  const holidays = a.holidayScheduleId === undefined ? undefined : snap.schedules.get(a.holidayScheduleId);
  if (holidays !== undefined && scheduleActive(holidays.events, at, zone)) return 'afterHours';
  const hours = a.businessScheduleId === undefined ? undefined : snap.schedules.get(a.businessScheduleId);
  // No business schedule: always open.
  if (hours !== undefined && !scheduleActive(hours.events, at, zone)) return 'afterHours';
  return 'business';
}

export type MenuOutcome =
  | { kind: 'transfer'; destination: string }
  | { kind: 'voicemail'; destination: string }
  | { kind: 'exit' }
  | { kind: 'menu'; menu: string };

/**
 * The caller's digits through an attendant's menus, from `start`. A key's action applies; at a
 * menu with extension dialling, a digit that is no key starts an extension, which `#` ends (or the
 * digits running out on a known extension). Keys with no action are ignored, as an IVR does.
 */
export function walkMenus(
  menus: { business: AttendantMenu; afterHours: AttendantMenu; submenus: readonly AttendantMenu[] },
  start: 'business' | 'afterHours',
  digits: string,
  isExtension: (ext: string) => boolean,
): MenuOutcome {
  const stack: string[] = [start];
  const menuOf = (name: string): AttendantMenu => (name === 'business' ? menus.business : name === 'afterHours' ? menus.afterHours : (menus.submenus[Number(name.slice('submenu:'.length))] ?? menus.business));
  let collecting: string | undefined;
  for (const digit of digits) {
    if (collecting !== undefined) {
      if (digit === '#') {
        if (isExtension(collecting)) return { kind: 'transfer', destination: collecting };
        collecting = undefined;
        continue;
      }
      if (/[0-9]/.test(digit) && collecting.length < 5) collecting += digit;
      continue;
    }
    const menu = menuOf(stack.at(-1)!);
    const key = menu.keys.find((k) => k.key === digit);
    if (key === undefined) {
      if (menu.extensionEnabled && /[0-9]/.test(digit)) collecting = digit;
      continue;
    }
    switch (key.action) {
      case 'TRANSFER':
        if (key.destination !== undefined) return { kind: 'transfer', destination: key.destination };
        break;
      case 'VOICEMAIL':
        if (key.destination !== undefined) return { kind: 'voicemail', destination: key.destination };
        break;
      case 'SUBMENU':
        if (key.submenu !== undefined && menus.submenus[key.submenu] !== undefined) stack.push(`submenu:${key.submenu}`);
        break;
      case 'EXTENSION_DIALING':
        collecting = '';
        break;
      case 'RETURN':
        if (stack.length > 1) stack.pop();
        break;
      case 'EXIT':
        return { kind: 'exit' };
      case 'REPEAT_MENU':
        break;
    }
  }
  if (collecting !== undefined && collecting.length >= 3 && isExtension(collecting)) return { kind: 'transfer', destination: collecting };
  return { kind: 'menu', menu: collecting !== undefined ? `${stack.at(-1)!}:extension` : stack.at(-1)! };
}

function reachOwner(snap: NumberingSnapshot, owner: Owner, req: CallRequest, hops: number): RouteDecision {
  switch (owner.type) {
    case 'PEOPLE':
      return { kind: 'person', targetId: owner.id };
    case 'HUNT_GROUP': {
      const g = snap.huntGroups.get(owner.id);
      if (g === undefined) return { kind: 'unknown', reason: 'no such hunt group' };
      const plan = g.enabled ? huntWaves(g.policy, g.agents, { circularNext: g.circularNext, advance: g.advance, random: req.random }) : { waves: [] };
      if (plan.waves.length === 0 && g.overflow !== undefined) return routeDestination(snap, g.overflow, req, hops + 1);
      return { kind: 'huntGroup', targetId: owner.id, ringWaves: plan.waves };
    }
    case 'AUTO_ATTENDANT': {
      const a = snap.attendants.get(owner.id);
      if (a === undefined) return { kind: 'unknown', reason: 'no such auto attendant' };
      const start = attendantMenuAt(snap, owner.id, req.at);
      const outcome = walkMenus({ business: a.businessHoursMenu, afterHours: a.afterHoursMenu, submenus: a.submenus }, start, req.digits ?? '', (ext) => snap.extensions.has(ext));
      // Digits are spent by this attendant; a transfer to another one starts it afresh.
      const onward: CallRequest = { ...req, digits: '' };
      if (outcome.kind === 'transfer') return routeDestination(snap, outcome.destination, onward, hops + 1);
      if (outcome.kind === 'voicemail') {
        const target = snap.extensions.get(outcome.destination);
        if (target?.type !== 'PEOPLE') return { kind: 'unknown', reason: 'the voicemail destination is not a person' };
        return { kind: 'voicemail', targetId: target.id };
      }
      return { kind: 'attendant', targetId: owner.id, menu: outcome.kind === 'exit' ? 'exit' : outcome.menu };
    }
  }
}

/** An attendant's transfer or a hunt group's overflow: an extension or a number, as the org dials it. */
function routeDestination(snap: NumberingSnapshot, destination: string, req: CallRequest, hops: number): RouteDecision {
  if (hops > MAX_HOPS) return { kind: 'refused', reason: 'too many transfers' };
  const ext = snap.extensions.get(destination);
  if (ext !== undefined) return reachOwner(snap, ext, req, hops);
  if (snap.numbers.has(destination)) {
    const owner = snap.numbers.get(destination);
    return owner === undefined ? { kind: 'unknown', reason: 'unassigned number' } : reachOwner(snap, owner, req, hops);
  }
  if (/^\+[1-9][0-9]{7,14}$/.test(destination)) {
    const callerId = snap.companyNumber;
    return { kind: 'pstn', number: destination, ...(callerId !== undefined ? { callerId } : {}) };
  }
  return { kind: 'unknown', reason: 'no such destination' };
}

/** Where a call goes (see the module's summary). */
export function routeCall(snap: NumberingSnapshot, req: CallRequest): RouteDecision {
  if (req.from.kind === 'external') {
    const dialed = req.dialed.replace(/[\s\-.()]/g, '');
    if (snap.numbers.has(dialed)) {
      const owner = snap.numbers.get(dialed);
      return owner === undefined ? { kind: 'unknown', reason: 'unassigned number' } : reachOwner(snap, owner, req, 0);
    }
    const ext = snap.extensions.get(dialed);
    return ext === undefined ? { kind: 'unknown', reason: 'no such number' } : reachOwner(snap, ext, req, 0);
  }
  const personId = req.from.personId;
  const location = callerLocation(snap, personId);
  const dialed = classifyDialed(req.dialed, location?.address.country ?? '');
  switch (dialed.type) {
    case 'emergency':
      // Never refused, whatever the class of service; the address goes with the call.
      return { kind: 'emergency', number: dialed.number, ...(location !== undefined ? { emergencyAddress: addressLine(location.address) } : {}) };
    case 'extension': {
      const owner = snap.extensions.get(dialed.extension);
      return owner === undefined ? { kind: 'unknown', reason: 'no such extension' } : reachOwner(snap, owner, { ...req, from: { kind: 'external' } }, 0);
    }
    case 'e164': {
      if (snap.numbers.has(dialed.number)) {
        const owner = snap.numbers.get(dialed.number);
        return owner === undefined ? { kind: 'unknown', reason: 'unassigned number' } : reachOwner(snap, owner, req, 0);
      }
      if (dialed.international && !internationalAllowed(snap, personId)) return { kind: 'refused', reason: 'international calling is not allowed for this person' };
      const callerId = callerIdOf(snap, personId);
      return { kind: 'pstn', number: dialed.number, ...(callerId !== undefined ? { callerId } : {}) };
    }
    case 'national': {
      const callerId = callerIdOf(snap, personId);
      return { kind: 'pstn', number: dialed.number, ...(callerId !== undefined ? { callerId } : {}) };
    }
    case 'invalid':
      return { kind: 'unknown', reason: 'not a number' };
  }
}
