/**
 * Telephony configuration (SPEC CL-4, CL-5, CL-6; docs/telephony.md): an org's numbering (locations
 * with a time zone and an emergency address, extension ranges, DID numbers and who they reach, the
 * company number, people's caller ID and international class of service), hunt groups, schedules,
 * auto attendants and SIP desk phones with one-time activation codes. The native API is under
 * `/api/telephony`; the Webex-shaped `/v1/telephony/config/*` of the gateway is made from it.
 * Org admins change everything here; anyone of the org reads the numbering (a directory) and
 * logs themselves in and out of the hunt groups they are an agent of.
 * A PSTN or SIP-phone leg is not end-to-end encrypted (the SIP engine and the provider hear it).
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

export const TELEPHONY_LIMITS = {
  locationsPerOrg: 100,
  /** Extension ranges per org. */
  rangesPerOrg: 20,
  numbersPerOrg: 10_000,
  huntGroupsPerOrg: 200,
  agentsPerHuntGroup: 50,
  schedulesPerLocation: 50,
  eventsPerSchedule: 100,
  attendantsPerOrg: 100,
  /** Submenus of one attendant (reached by a key's SUBMENU action). */
  submenusPerAttendant: 10,
  devicesPerPerson: 5,
  /** A name (location, hunt group, schedule, attendant), in characters. */
  nameChars: 80,
  addressChars: 200,
  /** A greeting's text spoken by the TTS engine, in characters. */
  greetingChars: 1000,
  /** Rings before a hunt group advances to its next agent. */
  maxRings: 20,
  /** A weighted agent's weight: 0..100 (0 never gets a call by weight). */
  maxWeight: 100,
  /** Minutes an activation code stays valid. */
  activationMinutes: 7 * 24 * 60,
} as const;

/** An extension: 3 to 5 digits. */
export const Extension = Type.String({ pattern: '^[0-9]{3,5}$' });
/** An E.164 number: `+` and 8 to 15 digits. */
export const E164 = Type.String({ pattern: '^\\+[1-9][0-9]{7,14}$' });
const Name = Type.String({ minLength: 1, maxLength: TELEPHONY_LIMITS.nameChars });
const AddressLine = Type.String({ minLength: 1, maxLength: TELEPHONY_LIMITS.addressChars });

export const EmergencyAddress = Type.Object(
  {
    address1: AddressLine,
    address2: Type.Optional(Type.String({ maxLength: TELEPHONY_LIMITS.addressChars })),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    state: Type.Optional(Type.String({ maxLength: 100 })),
    postalCode: Type.String({ minLength: 1, maxLength: 20 }),
    /** ISO 3166 alpha-2; it also says which numbers are international from this location. */
    country: Type.String({ pattern: '^[A-Z]{2}$' }),
  },
  { additionalProperties: false },
);
export type EmergencyAddress = Static<typeof EmergencyAddress>;

export const TelephonyLocation = Type.Object({
  id: Id,
  name: Type.String(),
  /** An IANA time zone: schedules are evaluated in it. */
  timeZone: Type.String(),
  address: EmergencyAddress,
  created: Timestamp,
});
export type TelephonyLocation = Static<typeof TelephonyLocation>;

export const ExtensionRange = Type.Object({ id: Id, first: Type.String(), last: Type.String() });
export type ExtensionRange = Static<typeof ExtensionRange>;

export const TelephonySettings = Type.Object({
  companyNumber: Type.Optional(Type.String()),
  /** Whether the org's people may call international numbers (a person's own setting may say otherwise). */
  internationalCalling: Type.Boolean(),
  extensionRanges: Type.Array(ExtensionRange),
});
export type TelephonySettings = Static<typeof TelephonySettings>;

export const OwnerType = Type.Union([Type.Literal('PEOPLE'), Type.Literal('HUNT_GROUP'), Type.Literal('AUTO_ATTENDANT')]);
export type OwnerType = Static<typeof OwnerType>;

export const NumberOwner = Type.Object({ type: OwnerType, id: Id, name: Type.String() });
export type NumberOwner = Static<typeof NumberOwner>;

export const PhoneNumber = Type.Object({
  id: Id,
  phoneNumber: Type.String(),
  locationId: Id,
  locationName: Type.String(),
  /** Whom the number reaches; absent: unassigned. */
  owner: Type.Optional(NumberOwner),
  /** The org's company number (the main number callers see when people choose it). */
  mainNumber: Type.Boolean(),
});
export type PhoneNumber = Static<typeof PhoneNumber>;

export const CallerIdChoice = Type.Union([Type.Literal('own'), Type.Literal('company')]);
export const InternationalChoice = Type.Union([Type.Literal('org'), Type.Literal('allow'), Type.Literal('block')]);

export const PersonCalling = Type.Object({
  personId: Id,
  displayName: Type.String(),
  email: Type.String(),
  locationId: Type.Optional(Id),
  extension: Type.Optional(Type.String()),
  /** The person's DID numbers. */
  phoneNumbers: Type.Array(Type.String()),
  /** Caller ID on outbound calls: the person's own number or the company number. */
  callerId: CallerIdChoice,
  /** What callers see: the number the choice yields (absent when there is none). */
  callerIdNumber: Type.Optional(Type.String()),
  internationalCalling: InternationalChoice,
  /** The class of service in effect (the person's choice, or the org's). */
  internationalAllowed: Type.Boolean(),
});
export type PersonCalling = Static<typeof PersonCalling>;

export const HuntPolicy = Type.Union([Type.Literal('SIMULTANEOUS'), Type.Literal('REGULAR'), Type.Literal('CIRCULAR'), Type.Literal('UNIFORM'), Type.Literal('WEIGHTED')]);
export type HuntPolicy = Static<typeof HuntPolicy>;

export const HuntAgent = Type.Object({
  personId: Id,
  displayName: Type.String(),
  weight: Type.Integer(),
  loggedIn: Type.Boolean(),
  extension: Type.Optional(Type.String()),
});
export type HuntAgent = Static<typeof HuntAgent>;

/** Where a call goes: an extension (person, hunt group, attendant) or an E.164 number. */
export const Destination = Type.String({ pattern: '^(\\+[1-9][0-9]{7,14}|[0-9]{3,5})$' });

export const NoAnswer = Type.Object(
  {
    /** Advance to the next agent after `rings` unanswered rings (not for SIMULTANEOUS). */
    nextAgentEnabled: Type.Boolean(),
    rings: Type.Integer({ minimum: 1, maximum: TELEPHONY_LIMITS.maxRings }),
    /** Where a call nobody answered goes (absent: it ends unanswered). */
    overflowDestination: Type.Optional(Destination),
  },
  { additionalProperties: false },
);

export const HuntGroup = Type.Object({
  id: Id,
  name: Type.String(),
  locationId: Id,
  extension: Type.Optional(Type.String()),
  phoneNumber: Type.Optional(Type.String()),
  enabled: Type.Boolean(),
  policy: HuntPolicy,
  noAnswer: Type.Object({ nextAgentEnabled: Type.Boolean(), rings: Type.Integer(), overflowDestination: Type.Optional(Type.String()) }),
  agents: Type.Array(HuntAgent),
  created: Timestamp,
});
export type HuntGroup = Static<typeof HuntGroup>;

const AgentInput = Type.Object({ personId: Id, weight: Type.Optional(Type.Integer({ minimum: 0, maximum: TELEPHONY_LIMITS.maxWeight })) }, { additionalProperties: false });
const Agents = Type.Array(AgentInput, { maxItems: TELEPHONY_LIMITS.agentsPerHuntGroup });

const Weekday = Type.Union([Type.Literal('sunday'), Type.Literal('monday'), Type.Literal('tuesday'), Type.Literal('wednesday'), Type.Literal('thursday'), Type.Literal('friday'), Type.Literal('saturday')]);
export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One event of a schedule, in the location's time zone (Webex's shape, recurrence simplified). */
export const ScheduleEvent = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: TELEPHONY_LIMITS.nameChars }),
    startDate: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }),
    endDate: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }),
    startTime: Type.Optional(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' })),
    endTime: Type.Optional(Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' })),
    allDayEnabled: Type.Boolean(),
    /** Weekly: the days it recurs on (from `startDate` on, for ever). */
    recurWeekly: Type.Optional(Type.Array(Weekday, { minItems: 1, maxItems: 7, uniqueItems: true })),
    /** Yearly on the same dates (holidays). */
    recurYearly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ScheduleEvent = Static<typeof ScheduleEvent>;

export const ScheduleType = Type.Union([Type.Literal('businessHours'), Type.Literal('holidays')]);
export type ScheduleType = Static<typeof ScheduleType>;

export const Schedule = Type.Object({
  id: Id,
  name: Type.String(),
  type: ScheduleType,
  locationId: Id,
  events: Type.Array(ScheduleEvent),
});
export type Schedule = Static<typeof Schedule>;

const Events = Type.Array(ScheduleEvent, { maxItems: TELEPHONY_LIMITS.eventsPerSchedule });

export const MenuAction = Type.Union([
  /** To `destination`: an extension (person, hunt group, attendant) or an E.164 number. */
  Type.Literal('TRANSFER'),
  /** To the voicemail of the person at `destination` (an extension). */
  Type.Literal('VOICEMAIL'),
  /** To the attendant's submenu number `submenu`. */
  Type.Literal('SUBMENU'),
  /** The caller dials an extension next. */
  Type.Literal('EXTENSION_DIALING'),
  Type.Literal('REPEAT_MENU'),
  /** Back to the menu this submenu was reached from. */
  Type.Literal('RETURN'),
  Type.Literal('EXIT'),
]);
export type MenuAction = Static<typeof MenuAction>;

export const MenuKey = Type.Object(
  {
    key: Type.String({ pattern: '^[0-9*#]$' }),
    action: MenuAction,
    destination: Type.Optional(Destination),
    submenu: Type.Optional(Type.Integer({ minimum: 0, maximum: TELEPHONY_LIMITS.submenusPerAttendant - 1 })),
  },
  { additionalProperties: false },
);
export type MenuKey = Static<typeof MenuKey>;

export const AttendantMenu = Type.Object(
  {
    /** The greeting's text: spoken by the TTS engine when no audio was uploaded. */
    greeting: Type.Optional(Type.String({ maxLength: TELEPHONY_LIMITS.greetingChars })),
    /** Callers may dial an extension directly at this menu. */
    extensionEnabled: Type.Boolean(),
    keys: Type.Array(MenuKey, { maxItems: 12 }),
  },
  { additionalProperties: false },
);
export type AttendantMenu = Static<typeof AttendantMenu>;

export const GreetingInfo = Type.Object({ menu: Type.String(), source: Type.Union([Type.Literal('tts'), Type.Literal('upload')]), bytes: Type.Integer(), created: Timestamp });

export const AutoAttendant = Type.Object({
  id: Id,
  name: Type.String(),
  locationId: Id,
  extension: Type.Optional(Type.String()),
  phoneNumber: Type.Optional(Type.String()),
  businessScheduleId: Type.Optional(Id),
  holidayScheduleId: Type.Optional(Id),
  businessHoursMenu: AttendantMenu,
  afterHoursMenu: AttendantMenu,
  submenus: Type.Array(AttendantMenu),
  greetings: Type.Array(GreetingInfo),
  created: Timestamp,
});
export type AutoAttendant = Static<typeof AutoAttendant>;

export const SipDevice = Type.Object({
  id: Id,
  personId: Id,
  mac: Type.String(),
  sipUsername: Type.String(),
  activated: Type.Boolean(),
  created: Timestamp,
});
export type SipDevice = Static<typeof SipDevice>;

/** The SIP credentials a phone gets for its activation code (shown once; Flint keeps only the digest's HA1). */
export const SipCredentials = Type.Object({
  username: Type.String(),
  password: Type.String(),
  domain: Type.String(),
  /** Where to register: `host:port` of the SIP engine. */
  registrar: Type.String(),
});
export type SipCredentials = Static<typeof SipCredentials>;

/** What the numbering decides for a dialled string (the SIP engine acts on it; admins can try it). */
export const RouteDecision = Type.Object({
  kind: Type.Union([
    Type.Literal('person'),
    Type.Literal('huntGroup'),
    Type.Literal('attendant'),
    Type.Literal('voicemail'),
    Type.Literal('pstn'),
    Type.Literal('emergency'),
    Type.Literal('refused'),
    Type.Literal('unknown'),
  ]),
  /** The person, hunt group or attendant reached. */
  targetId: Type.Optional(Id),
  /** The number to dial out (pstn, emergency). */
  number: Type.Optional(Type.String()),
  /** Why a call is refused. */
  reason: Type.Optional(Type.String()),
  /** Emergency calls: the caller's location's address, as sent with the call. */
  emergencyAddress: Type.Optional(Type.String()),
  /** The caller ID the call carries out (pstn). */
  callerId: Type.Optional(Type.String()),
  /** Hunt group: the agents to ring, in waves (all of a wave at once). */
  ringWaves: Type.Optional(Type.Array(Type.Array(Id))),
  /** Attendant: the menu the call is at after the digits (business or after hours, or a submenu). */
  menu: Type.Optional(Type.String()),
});
export type RouteDecision = Static<typeof RouteDecision>;

const tag = 'telephony';
const LocationBody = Type.Object({ name: Name, timeZone: Type.String({ minLength: 1, maxLength: 64 }), address: EmergencyAddress }, { additionalProperties: false });

export const getSettings = defineMethod({ id: 'telephony.settings.get', verb: 'GET', path: '/api/telephony/settings', summary: 'The org’s calling settings: company number, international class of service, extension ranges.', tag, auth: 'person', response: TelephonySettings, status: 200 });
export const updateSettings = defineMethod({
  id: 'telephony.settings.update',
  verb: 'PUT',
  path: '/api/telephony/settings',
  summary: 'Set the company number (one of the org’s numbers; null clears it) or the org’s international class of service. Org admins; audited.',
  tag,
  auth: 'person',
  body: Type.Object({ companyNumber: Type.Optional(Type.Union([E164, Type.Null()])), internationalCalling: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  response: TelephonySettings,
  status: 200,
});
export const createRange = defineMethod({
  id: 'telephony.ranges.create',
  verb: 'POST',
  path: '/api/telephony/extensionRanges',
  summary: `Add an extension range: first and last of the same length (3–5 digits), not overlapping another range, not holding an emergency number; at most ${TELEPHONY_LIMITS.rangesPerOrg}. Org admins.`,
  tag,
  auth: 'person',
  body: Type.Object({ first: Extension, last: Extension }, { additionalProperties: false }),
  response: ExtensionRange,
  status: 200,
});
export const deleteRange = defineMethod({ id: 'telephony.ranges.delete', verb: 'DELETE', path: '/api/telephony/extensionRanges/:id', summary: 'Remove an extension range no assigned extension is in (409 otherwise). Org admins.', tag, auth: 'person', params: IdParams, response: null, status: 204 });

export const listLocations = defineMethod({ id: 'telephony.locations.list', verb: 'GET', path: '/api/telephony/locations', summary: 'The org’s locations, by name.', tag, auth: 'person', response: Type.Object({ items: Type.Array(TelephonyLocation) }), status: 200 });
export const createLocation = defineMethod({ id: 'telephony.locations.create', verb: 'POST', path: '/api/telephony/locations', summary: `Add a location (unique name, a known time zone, an emergency address); at most ${TELEPHONY_LIMITS.locationsPerOrg}. Org admins.`, tag, auth: 'person', body: LocationBody, response: TelephonyLocation, status: 200 });
export const getLocation = defineMethod({ id: 'telephony.locations.get', verb: 'GET', path: '/api/telephony/locations/:id', summary: 'One location.', tag, auth: 'person', params: IdParams, response: TelephonyLocation, status: 200 });
export const updateLocation = defineMethod({ id: 'telephony.locations.update', verb: 'PUT', path: '/api/telephony/locations/:id', summary: 'Change a location. Org admins.', tag, auth: 'person', params: IdParams, body: Type.Partial(LocationBody, { additionalProperties: false }), response: TelephonyLocation, status: 200 });
export const deleteLocation = defineMethod({ id: 'telephony.locations.delete', verb: 'DELETE', path: '/api/telephony/locations/:id', summary: 'Remove a location that has no number, hunt group or attendant (409 otherwise). Org admins.', tag, auth: 'person', params: IdParams, response: null, status: 204 });

export const listNumbers = defineMethod({
  id: 'telephony.numbers.list',
  verb: 'GET',
  path: '/api/telephony/numbers',
  summary: 'The org’s DID numbers and whom they reach.',
  tag,
  auth: 'person',
  query: Type.Object({ locationId: Type.Optional(Id) }, { additionalProperties: false }),
  response: Type.Object({ items: Type.Array(PhoneNumber) }),
  status: 200,
});
export const addNumber = defineMethod({ id: 'telephony.numbers.create', verb: 'POST', path: '/api/telephony/numbers', summary: `Add a DID number (E.164, unique) to a location; at most ${TELEPHONY_LIMITS.numbersPerOrg}. Org admins.`, tag, auth: 'person', body: Type.Object({ phoneNumber: E164, locationId: Id }, { additionalProperties: false }), response: PhoneNumber, status: 200 });
export const assignNumber = defineMethod({
  id: 'telephony.numbers.assign',
  verb: 'PUT',
  path: '/api/telephony/numbers/:id',
  summary: 'Map a number to a person, hunt group or auto attendant of the org (null: unassign). Org admins.',
  tag,
  auth: 'person',
  params: IdParams,
  body: Type.Object({ owner: Type.Union([Type.Object({ type: OwnerType, id: Id }, { additionalProperties: false }), Type.Null()]) }, { additionalProperties: false }),
  response: PhoneNumber,
  status: 200,
});
export const deleteNumber = defineMethod({ id: 'telephony.numbers.delete', verb: 'DELETE', path: '/api/telephony/numbers/:id', summary: 'Remove a number (not the company number: 409). Org admins.', tag, auth: 'person', params: IdParams, response: null, status: 204 });

export const listPeople = defineMethod({ id: 'telephony.people.list', verb: 'GET', path: '/api/telephony/people', summary: 'The calling settings of the org’s active people (the directory for dialling by name).', tag, auth: 'person', response: Type.Object({ items: Type.Array(PersonCalling) }), status: 200 });
export const getPerson = defineMethod({ id: 'telephony.people.get', verb: 'GET', path: '/api/telephony/people/:id', summary: 'A person’s calling settings.', tag, auth: 'person', params: IdParams, response: PersonCalling, status: 200 });
export const updatePerson = defineMethod({
  id: 'telephony.people.update',
  verb: 'PUT',
  path: '/api/telephony/people/:id',
  summary: 'Set a person’s location, extension (in a range, unique; null clears it), caller ID choice and international class of service. Org admins; a person may set their own caller ID choice.',
  tag,
  auth: 'person',
  params: IdParams,
  body: Type.Object(
    {
      locationId: Type.Optional(Type.Union([Id, Type.Null()])),
      extension: Type.Optional(Type.Union([Extension, Type.Null()])),
      callerId: Type.Optional(CallerIdChoice),
      internationalCalling: Type.Optional(InternationalChoice),
    },
    { additionalProperties: false },
  ),
  response: PersonCalling,
  status: 200,
});

const HuntGroupBody = Type.Object(
  {
    name: Name,
    locationId: Id,
    extension: Type.Optional(Type.Union([Extension, Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
    policy: HuntPolicy,
    noAnswer: Type.Optional(NoAnswer),
    agents: Agents,
  },
  { additionalProperties: false },
);
export const listHuntGroups = defineMethod({ id: 'telephony.huntGroups.list', verb: 'GET', path: '/api/telephony/huntGroups', summary: 'The org’s hunt groups with their agents.', tag, auth: 'person', response: Type.Object({ items: Type.Array(HuntGroup) }), status: 200 });
export const createHuntGroup = defineMethod({ id: 'telephony.huntGroups.create', verb: 'POST', path: '/api/telephony/huntGroups', summary: `Define a hunt group: agents (active people of the org) in order with weights, a ringing policy, no-answer advance and overflow; at most ${TELEPHONY_LIMITS.huntGroupsPerOrg}. Org admins.`, tag, auth: 'person', body: HuntGroupBody, response: HuntGroup, status: 200 });
export const getHuntGroup = defineMethod({ id: 'telephony.huntGroups.get', verb: 'GET', path: '/api/telephony/huntGroups/:id', summary: 'One hunt group.', tag, auth: 'person', params: IdParams, response: HuntGroup, status: 200 });
export const updateHuntGroup = defineMethod({ id: 'telephony.huntGroups.update', verb: 'PUT', path: '/api/telephony/huntGroups/:id', summary: 'Change a hunt group (agents kept keep their logged-in state). Org admins.', tag, auth: 'person', params: IdParams, body: Type.Partial(HuntGroupBody, { additionalProperties: false }), response: HuntGroup, status: 200 });
export const deleteHuntGroup = defineMethod({ id: 'telephony.huntGroups.delete', verb: 'DELETE', path: '/api/telephony/huntGroups/:id', summary: 'Remove a hunt group (its extension and numbers are freed). Org admins.', tag, auth: 'person', params: IdParams, response: null, status: 204 });
export const setAgentLogin = defineMethod({
  id: 'telephony.huntGroups.login',
  verb: 'PUT',
  path: '/api/telephony/huntGroups/:id/agents/me',
  summary: 'Log oneself in or out of a hunt group one is an agent of (logged-out agents are not rung).',
  tag,
  auth: 'person',
  params: IdParams,
  body: Type.Object({ loggedIn: Type.Boolean() }, { additionalProperties: false }),
  response: HuntGroup,
  status: 200,
});
export const myHuntGroups = defineMethod({ id: 'telephony.huntGroups.mine', verb: 'GET', path: '/api/telephony/huntGroups/mine', summary: 'The hunt groups one is an agent of, with one’s logged-in state.', tag, auth: 'person', response: Type.Object({ items: Type.Array(HuntGroup) }), status: 200 });

const ScheduleBody = Type.Object({ name: Name, type: ScheduleType, locationId: Id, events: Events }, { additionalProperties: false });
export const listSchedules = defineMethod({ id: 'telephony.schedules.list', verb: 'GET', path: '/api/telephony/schedules', summary: 'The org’s business-hours and holiday schedules.', tag, auth: 'person', response: Type.Object({ items: Type.Array(Schedule) }), status: 200 });
export const createSchedule = defineMethod({ id: 'telephony.schedules.create', verb: 'POST', path: '/api/telephony/schedules', summary: `Define a schedule of a location (times in its time zone); at most ${TELEPHONY_LIMITS.schedulesPerLocation} per location. Org admins.`, tag, auth: 'person', body: ScheduleBody, response: Schedule, status: 200 });
export const updateSchedule = defineMethod({ id: 'telephony.schedules.update', verb: 'PUT', path: '/api/telephony/schedules/:id', summary: 'Rename a schedule or replace its events. Org admins.', tag, auth: 'person', params: IdParams, body: Type.Object({ name: Type.Optional(Name), events: Type.Optional(Events) }, { additionalProperties: false }), response: Schedule, status: 200 });
export const deleteSchedule = defineMethod({ id: 'telephony.schedules.delete', verb: 'DELETE', path: '/api/telephony/schedules/:id', summary: 'Remove a schedule (attendants using it fall back to always open / no holidays). Org admins.', tag, auth: 'person', params: IdParams, response: null, status: 204 });

const AttendantBody = Type.Object(
  {
    name: Name,
    locationId: Id,
    extension: Type.Optional(Type.Union([Extension, Type.Null()])),
    businessScheduleId: Type.Optional(Type.Union([Id, Type.Null()])),
    holidayScheduleId: Type.Optional(Type.Union([Id, Type.Null()])),
    businessHoursMenu: AttendantMenu,
    afterHoursMenu: AttendantMenu,
    submenus: Type.Optional(Type.Array(AttendantMenu, { maxItems: TELEPHONY_LIMITS.submenusPerAttendant })),
  },
  { additionalProperties: false },
);
export const listAttendants = defineMethod({ id: 'telephony.attendants.list', verb: 'GET', path: '/api/telephony/autoAttendants', summary: 'The org’s auto attendants.', tag, auth: 'person', response: Type.Object({ items: Type.Array(AutoAttendant) }), status: 200 });
export const createAttendant = defineMethod({ id: 'telephony.attendants.create', verb: 'POST', path: '/api/telephony/autoAttendants', summary: `Define an auto attendant: menus by DTMF with submenus, schedules of its location; at most ${TELEPHONY_LIMITS.attendantsPerOrg}. Org admins.`, tag, auth: 'person', body: AttendantBody, response: AutoAttendant, status: 200 });
export const getAttendant = defineMethod({ id: 'telephony.attendants.get', verb: 'GET', path: '/api/telephony/autoAttendants/:id', summary: 'One auto attendant.', tag, auth: 'person', params: IdParams, response: AutoAttendant, status: 200 });
export const updateAttendant = defineMethod({ id: 'telephony.attendants.update', verb: 'PUT', path: '/api/telephony/autoAttendants/:id', summary: 'Change an auto attendant. Org admins.', tag, auth: 'person', params: IdParams, body: Type.Partial(AttendantBody, { additionalProperties: false }), response: AutoAttendant, status: 200 });
export const deleteAttendant = defineMethod({ id: 'telephony.attendants.delete', verb: 'DELETE', path: '/api/telephony/autoAttendants/:id', summary: 'Remove an auto attendant. Org admins.', tag, auth: 'person', params: IdParams, response: null, status: 204 });
export const speakGreeting = defineMethod({
  id: 'telephony.attendants.speakGreeting',
  verb: 'POST',
  path: '/api/telephony/autoAttendants/:id/greetings/:menu',
  summary: 'Make a menu’s greeting audio (WAV) from its text with the TTS engine (espeak-ng); 409 when none is installed. Org admins.',
  tag,
  auth: 'person',
  params: Type.Object({ id: Id, menu: Type.Union([Type.Literal('business'), Type.Literal('afterHours')]) }, { additionalProperties: false }),
  response: AutoAttendant,
  status: 200,
});

export const listDevices = defineMethod({ id: 'telephony.devices.list', verb: 'GET', path: '/api/telephony/devices', summary: 'The org’s SIP desk phones.', tag, auth: 'person', response: Type.Object({ items: Type.Array(SipDevice) }), status: 200 });
export const createDevice = defineMethod({
  id: 'telephony.devices.create',
  verb: 'POST',
  path: '/api/telephony/devices',
  summary: `Add a desk phone for a person (its MAC address); answers a one-time activation code, shown once and kept only as a slow salted hash, valid ${TELEPHONY_LIMITS.activationMinutes / 60 / 24} days. Org admins.`,
  tag,
  auth: 'person',
  body: Type.Object({ personId: Id, mac: Type.String({ pattern: '^[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){5}$' }) }, { additionalProperties: false }),
  response: Type.Object({ device: SipDevice, activationCode: Type.String() }),
  status: 200,
});
export const deleteDevice = defineMethod({ id: 'telephony.devices.delete', verb: 'DELETE', path: '/api/telephony/devices/:id', summary: 'Remove a desk phone: its SIP credentials stop working at once. Org admins.', tag, auth: 'person', params: IdParams, response: null, status: 204 });
export const activateDevice = defineMethod({
  id: 'telephony.devices.activate',
  verb: 'POST',
  path: '/api/telephony/devices/activate',
  summary: 'A phone spends its activation code (once, with its MAC address) for its SIP credentials. No sign-in; rate limited.',
  tag,
  auth: 'none',
  body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 40 }), mac: Type.String({ minLength: 12, maxLength: 17 }) }, { additionalProperties: false }),
  response: SipCredentials,
  status: 200,
});

export const previewRoute = defineMethod({
  id: 'telephony.route.preview',
  verb: 'POST',
  path: '/api/telephony/route',
  summary: 'What the numbering does with a call: from a person (outbound) or from outside (inbound, with DTMF digits), at an instant. Org admins.',
  tag,
  auth: 'person',
  body: Type.Object(
    {
      dialed: Type.String({ minLength: 1, maxLength: 32 }),
      fromPersonId: Type.Optional(Id),
      digits: Type.Optional(Type.String({ pattern: '^[0-9*#]{0,20}$' })),
      at: Type.Optional(Timestamp),
    },
    { additionalProperties: false },
  ),
  response: RouteDecision,
  status: 200,
});

/** The SIP engine's questions (header `X-Flint-Sip-Secret`; anyone else gets 404). Not for clients. */
const SipUser = Type.String({ minLength: 1, maxLength: 64 });
export const sipCredentials = defineMethod({
  id: 'telephony.sip.credentials',
  verb: 'GET',
  path: '/api/telephony/sip/credentials',
  summary: 'For the SIP engine only: a device’s digest HA1 and the address of record it registers under.',
  tag,
  auth: 'none',
  query: Type.Object({ user: SipUser }, { additionalProperties: false }),
  response: Type.Object({ ha1: Type.String(), aor: Type.String() }),
  status: 200,
});
export const sipRoute = defineMethod({
  id: 'telephony.sip.route',
  verb: 'GET',
  path: '/api/telephony/sip/route',
  summary: 'For the SIP engine only: where a call from a device goes (ring, refuse, PSTN, emergency with the address).',
  tag,
  auth: 'none',
  query: Type.Object({ user: SipUser, dialed: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  response: Type.Object({
    action: Type.Union([Type.Literal('ring'), Type.Literal('refuse'), Type.Literal('pstn'), Type.Literal('emergency'), Type.Literal('core')]),
    targets: Type.Optional(Type.String()),
    code: Type.Optional(Type.Integer()),
    reason: Type.Optional(Type.String()),
    number: Type.Optional(Type.String()),
    callerId: Type.Optional(Type.String()),
    address: Type.Optional(Type.String()),
  }),
  status: 200,
});
export const sipInbound = defineMethod({
  id: 'telephony.sip.inbound',
  verb: 'GET',
  path: '/api/telephony/sip/inbound',
  summary: 'For the SIP engine only: where a call from the PSTN trunk to a DID goes (ring or refuse).',
  tag,
  auth: 'none',
  query: Type.Object({ dialed: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  response: Type.Object({
    action: Type.Union([Type.Literal('ring'), Type.Literal('refuse'), Type.Literal('pstn'), Type.Literal('emergency'), Type.Literal('core')]),
    targets: Type.Optional(Type.String()),
    code: Type.Optional(Type.Integer()),
    reason: Type.Optional(Type.String()),
    number: Type.Optional(Type.String()),
    callerId: Type.Optional(Type.String()),
    address: Type.Optional(Type.String()),
  }),
  status: 200,
});

/**
 * A telephone call ringing a person's browser (SPEC CL-4): a caller from the PSTN passed on by an
 * auto attendant or a hunt group. Its audio is bridged by the server (rtpengine), so it is **not
 * end-to-end encrypted**. `offer` is the WebRTC SDP the browser answers (no trickle: candidates
 * inside), present while it rings.
 */
export const PhoneCall = Type.Object({
  id: Id,
  /** The caller's number as the trunk gave it. */
  from: Type.String(),
  /** The number they dialled. */
  to: Type.String(),
  /** The hunt group that passed the call on, if one did. */
  huntGroupId: Type.Optional(Id),
  state: Type.Union([Type.Literal('ringing'), Type.Literal('connected'), Type.Literal('ended')]),
  offer: Type.Optional(Type.String()),
  /** ended: `hangup` (either side), `answered_elsewhere` (a desk phone or another tab), `declined`, `failed`. */
  endReason: Type.Optional(Type.String()),
  /** Always false: the telephone network and the server carry the audio. */
  e2ee: Type.Literal(false),
  created: Timestamp,
});
export type PhoneCall = Static<typeof PhoneCall>;

export const answerPhoneCall = defineMethod({
  id: 'telephony.phoneCalls.answer',
  verb: 'POST',
  path: '/api/telephony/phoneCalls/:id/answer',
  summary: 'Answer a phone call ringing one’s browser with its WebRTC answer (non-trickle SDP). 409 when answered elsewhere or over.',
  tag,
  auth: 'person',
  params: IdParams,
  body: Type.Object({ sdp: Type.String({ minLength: 10, maxLength: 20_000 }) }, { additionalProperties: false }),
  response: PhoneCall,
  status: 200,
});
export const hangupPhoneCall = defineMethod({
  id: 'telephony.phoneCalls.hangup',
  verb: 'POST',
  path: '/api/telephony/phoneCalls/:id/hangup',
  summary: 'Decline a ringing phone call, or hang up a connected one.',
  tag,
  auth: 'person',
  params: IdParams,
  response: PhoneCall,
  status: 200,
});
