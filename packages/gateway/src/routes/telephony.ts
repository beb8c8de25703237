/**
 * `/v1/telephony/config/*` (SPEC CL-4, CL-5, PL-2): Webex Calling's configuration shapes over the
 * caller's SDK session (`session.telephony`) — locations, numbers, hunt groups, auto attendants and
 * a person's calling settings. Ids leave as hydra ids (LOCATION, HUNT_GROUP, AUTO_ATTENDANT,
 * PEOPLE); the core validates every field strictly, so a bad body is its 400. Webex's codes:
 * creates answer 200 `{id}`, hunt-group PUT 204, DELETE 204. Administration: closed to
 * integrations' tokens (scopes.ts), as Webex's `spark-admin:` scopes are for admins.
 * @module
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AutoAttendant, HuntGroup, HuntPolicy, PersonCalling, PhoneNumber, TelephonyLocation } from '@flint/protocol';
import { WebexError } from '../errors.ts';
import { fieldId, hydra, pathId } from '../ids.ts';
import { bodyObject, optBoolean, optString, queryString, reqString } from '../request.ts';
import { REPLY_SENT, v1, type Gateway } from '../context.ts';

const POLICIES: readonly HuntPolicy[] = ['SIMULTANEOUS', 'REGULAR', 'CIRCULAR', 'UNIFORM', 'WEIGHTED'];

function presentLocation(l: TelephonyLocation) {
  return { id: hydra.location(l.id), name: l.name, timeZone: l.timeZone, address: l.address, announcementLanguage: 'en_us', preferredLanguage: 'en_us', e911SetupRequired: false };
}

function presentNumber(n: PhoneNumber) {
  return {
    phoneNumber: n.phoneNumber,
    state: 'ACTIVE',
    phoneNumberType: 'PRIMARY',
    mainNumber: n.mainNumber,
    tollFreeNumber: false,
    isServiceNumber: false,
    location: { id: hydra.location(n.locationId), name: n.locationName },
    ...(n.owner !== undefined
      ? { owner: { id: n.owner.type === 'PEOPLE' ? hydra.person(n.owner.id) : n.owner.type === 'HUNT_GROUP' ? hydra.huntGroup(n.owner.id) : hydra.autoAttendant(n.owner.id), type: n.owner.type, ...(n.owner.type === 'PEOPLE' ? { lastName: n.owner.name } : { firstName: n.owner.name }) } }
      : {}),
  };
}

function presentHuntGroup(g: HuntGroup, locations: Map<string, string>) {
  return {
    id: hydra.huntGroup(g.id),
    name: g.name,
    locationId: hydra.location(g.locationId),
    locationName: locations.get(g.locationId) ?? '',
    ...(g.phoneNumber !== undefined ? { phoneNumber: g.phoneNumber } : {}),
    ...(g.extension !== undefined ? { extension: g.extension } : {}),
    enabled: g.enabled,
    callPolicies: {
      policy: g.policy,
      waitingEnabled: false,
      noAnswer: {
        nextAgentEnabled: g.noAnswer.nextAgentEnabled,
        nextAgentRings: g.noAnswer.rings,
        forwardEnabled: g.noAnswer.overflowDestination !== undefined,
        ...(g.noAnswer.overflowDestination !== undefined ? { destination: g.noAnswer.overflowDestination } : {}),
        numberOfRings: g.noAnswer.rings,
        systemMaxNumberOfRings: 20,
      },
    },
    agents: g.agents.map((a) => ({ id: hydra.person(a.personId), firstName: a.displayName, lastName: '', weight: a.weight, joinEnabled: a.loggedIn, ...(a.extension !== undefined ? { extension: a.extension } : {}) })),
  };
}

function presentAttendant(a: AutoAttendant, locations: Map<string, string>) {
  const menu = (m: AutoAttendant['businessHoursMenu']) => ({
    greeting: m.greeting !== undefined ? 'CUSTOM' : 'DEFAULT',
    extensionEnabled: m.extensionEnabled,
    keyConfigurations: m.keys.map((k) => ({
      key: k.key,
      action: k.action === 'TRANSFER' ? 'TRANSFER_WITHOUT_PROMPT' : k.action === 'VOICEMAIL' ? 'TRANSFER_TO_MAILBOX' : k.action === 'EXTENSION_DIALING' ? 'EXTENSION_DIALING' : k.action === 'REPEAT_MENU' ? 'REPEAT_MENU' : k.action === 'EXIT' ? 'EXIT' : k.action,
      ...(k.destination !== undefined ? { value: k.destination } : {}),
    })),
  });
  return {
    id: hydra.autoAttendant(a.id),
    name: a.name,
    locationId: hydra.location(a.locationId),
    locationName: locations.get(a.locationId) ?? '',
    ...(a.phoneNumber !== undefined ? { phoneNumber: a.phoneNumber } : {}),
    ...(a.extension !== undefined ? { extension: a.extension } : {}),
    businessHoursMenu: menu(a.businessHoursMenu),
    afterHoursMenu: menu(a.afterHoursMenu),
  };
}

function presentCallerId(p: PersonCalling) {
  return {
    selected: p.callerId === 'company' ? 'LOCATION_NUMBER' : 'DIRECT_LINE',
    ...(p.phoneNumbers[0] !== undefined ? { directNumber: p.phoneNumbers[0] } : {}),
    ...(p.extension !== undefined ? { extensionNumber: p.extension } : {}),
    ...(p.callerIdNumber !== undefined ? { locationNumber: p.callerIdNumber } : {}),
    internationalCallingAllowed: p.internationalAllowed,
  };
}

const locationParam = (req: FastifyRequest) => pathId('LOCATION', (req.params as { locationId: string }).locationId);

/** The Webex address object as the core takes it (the core checks every field). */
function addressOf(body: Record<string, unknown>): Record<string, unknown> {
  const a = body['address'];
  if (typeof a !== 'object' || a === null || Array.isArray(a)) throw WebexError.badRequest('address: an object with address1, city, postalCode, country');
  return a as Record<string, unknown>;
}

/** Webex's agents `[{id, weight}]` as the core's `[{personId, weight}]`. */
function agentsOf(body: Record<string, unknown>): { personId: string; weight?: number }[] | undefined {
  const raw = body['agents'];
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) throw WebexError.badRequest('agents: an array of {id, weight}');
  return raw.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw WebexError.badRequest(`agents[${i}]: an object`);
    const o = item as Record<string, unknown>;
    const weight = o['weight'];
    if (weight !== undefined && (typeof weight !== 'number' && typeof weight !== 'string')) throw WebexError.badRequest(`agents[${i}].weight: a number`);
    return { personId: fieldId('PEOPLE', o['id'], `agents[${i}].id`), ...(weight !== undefined ? { weight: Number(weight) } : {}) };
  });
}

function policyOf(body: Record<string, unknown>): { policy?: HuntPolicy; noAnswer?: { nextAgentEnabled: boolean; rings: number; overflowDestination?: string } } {
  const cp = body['callPolicies'];
  if (cp === undefined) return {};
  if (typeof cp !== 'object' || cp === null) throw WebexError.badRequest('callPolicies: an object');
  const o = cp as Record<string, unknown>;
  const policy = o['policy'];
  if (policy !== undefined && !POLICIES.includes(policy as HuntPolicy)) throw WebexError.badRequest(`callPolicies.policy: one of ${POLICIES.join(', ')}`);
  const na = o['noAnswer'];
  let noAnswer: { nextAgentEnabled: boolean; rings: number; overflowDestination?: string } | undefined;
  if (na !== undefined) {
    if (typeof na !== 'object' || na === null) throw WebexError.badRequest('callPolicies.noAnswer: an object');
    const n = na as Record<string, unknown>;
    const rings = n['nextAgentRings'] ?? n['numberOfRings'] ?? 3;
    if (typeof rings !== 'number') throw WebexError.badRequest('callPolicies.noAnswer.nextAgentRings: a number');
    const destination = n['forwardEnabled'] === true ? n['destination'] : undefined;
    if (destination !== undefined && typeof destination !== 'string') throw WebexError.badRequest('callPolicies.noAnswer.destination: a number or an extension');
    noAnswer = { nextAgentEnabled: n['nextAgentEnabled'] !== false, rings, ...(destination !== undefined ? { overflowDestination: destination } : {}) };
  }
  return { ...(policy !== undefined ? { policy: policy as HuntPolicy } : {}), ...(noAnswer !== undefined ? { noAnswer } : {}) };
}

export function telephonyRoutes(app: FastifyInstance, gw: Gateway): void {
  const locationNames = async (caller: { session: { telephony: { locations(): Promise<TelephonyLocation[]> } } }) => new Map((await caller.session.telephony.locations()).map((l) => [l.id, l.name]));

  v1(app, gw, 'GET', '/v1/telephony/config/locations', async ({ req, caller }) => {
    const name = queryString(req.query, 'name', 256)?.toLowerCase();
    const all = await caller.session.telephony.locations();
    return { locations: all.filter((l) => name === undefined || l.name.toLowerCase().includes(name)).map(presentLocation) };
  });
  v1(app, gw, 'POST', '/v1/telephony/config/locations', async ({ req, caller }) => {
    const body = bodyObject(req);
    const created = await caller.session.telephony.createLocation({ name: reqString(body, 'name', { max: 256 }), timeZone: reqString(body, 'timeZone', { max: 64 }), address: addressOf(body) as never });
    return { id: hydra.location(created.id) };
  });
  v1(app, gw, 'GET', '/v1/telephony/config/locations/:locationId', async ({ req, caller }) => presentLocation(await caller.session.telephony.location(locationParam(req))));
  v1(app, gw, 'PUT', '/v1/telephony/config/locations/:locationId', async ({ req, caller }) => {
    const body = bodyObject(req);
    const name = optString(body, 'name', { min: 1, max: 256 });
    const timeZone = optString(body, 'timeZone', { min: 1, max: 64 });
    const updated = await caller.session.telephony.updateLocation(locationParam(req), {
      ...(name !== undefined ? { name } : {}),
      ...(timeZone !== undefined ? { timeZone } : {}),
      ...(body['address'] !== undefined ? { address: addressOf(body) as never } : {}),
    });
    return presentLocation(updated);
  });

  v1(app, gw, 'GET', '/v1/telephony/config/numbers', async ({ req, caller }) => {
    const locationRaw = queryString(req.query, 'locationId');
    const phoneNumber = queryString(req.query, 'phoneNumber', 32);
    const numbers = await caller.session.telephony.numbers(locationRaw !== undefined ? { locationId: fieldId('LOCATION', locationRaw, 'locationId') } : {});
    return { phoneNumbers: numbers.filter((n) => phoneNumber === undefined || n.phoneNumber === phoneNumber).map(presentNumber) };
  });

  v1(app, gw, 'GET', '/v1/telephony/config/huntGroups', async ({ req, caller }) => {
    const locationRaw = queryString(req.query, 'locationId');
    const locationId = locationRaw !== undefined ? fieldId('LOCATION', locationRaw, 'locationId') : undefined;
    const names = await locationNames(caller);
    const groups = await caller.session.telephony.huntGroups();
    return { huntGroups: groups.filter((g) => locationId === undefined || g.locationId === locationId).map((g) => presentHuntGroup(g, names)) };
  });
  v1(app, gw, 'POST', '/v1/telephony/config/locations/:locationId/huntGroups', async ({ req, caller }) => {
    const locationId = locationParam(req);
    const body = bodyObject(req);
    const { policy, noAnswer } = policyOf(body);
    if (policy === undefined) throw WebexError.badRequest('callPolicies.policy: required');
    const extension = optString(body, 'extension', { max: 5 });
    const enabled = optBoolean(body, 'enabled');
    const created = await caller.session.telephony.createHuntGroup({
      name: reqString(body, 'name', { max: 80 }),
      locationId,
      policy,
      agents: agentsOf(body) ?? [],
      ...(noAnswer !== undefined ? { noAnswer } : {}),
      ...(extension !== undefined ? { extension } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
    });
    return { id: hydra.huntGroup(created.id) };
  });
  const groupParam = (req: FastifyRequest) => pathId('HUNT_GROUP', (req.params as { huntGroupId: string }).huntGroupId);
  v1(app, gw, 'GET', '/v1/telephony/config/locations/:locationId/huntGroups/:huntGroupId', async ({ req, caller }) => {
    const locationId = locationParam(req);
    const group = await caller.session.telephony.huntGroup(groupParam(req));
    if (group.locationId !== locationId) throw WebexError.notFound('hunt group');
    return presentHuntGroup(group, await locationNames(caller));
  });
  v1(app, gw, 'PUT', '/v1/telephony/config/locations/:locationId/huntGroups/:huntGroupId', async ({ req, reply, caller }) => {
    const locationId = locationParam(req);
    const id = groupParam(req);
    if ((await caller.session.telephony.huntGroup(id)).locationId !== locationId) throw WebexError.notFound('hunt group');
    const body = bodyObject(req);
    const { policy, noAnswer } = policyOf(body);
    const name = optString(body, 'name', { min: 1, max: 80 });
    const extension = optString(body, 'extension', { max: 5 });
    const enabled = optBoolean(body, 'enabled');
    const agents = agentsOf(body);
    await caller.session.telephony.updateHuntGroup(id, {
      ...(name !== undefined ? { name } : {}),
      ...(policy !== undefined ? { policy } : {}),
      ...(noAnswer !== undefined ? { noAnswer } : {}),
      ...(extension !== undefined ? { extension } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
      ...(agents !== undefined ? { agents } : {}),
    });
    // Webex answers a hunt group's PUT with 204.
    await reply.code(204).send();
    return REPLY_SENT;
  });
  v1(app, gw, 'DELETE', '/v1/telephony/config/locations/:locationId/huntGroups/:huntGroupId', async ({ req, caller }) => {
    const locationId = locationParam(req);
    const id = groupParam(req);
    if ((await caller.session.telephony.huntGroup(id)).locationId !== locationId) throw WebexError.notFound('hunt group');
    await caller.session.telephony.deleteHuntGroup(id);
  });

  v1(app, gw, 'GET', '/v1/telephony/config/autoAttendants', async ({ req, caller }) => {
    const locationRaw = queryString(req.query, 'locationId');
    const locationId = locationRaw !== undefined ? fieldId('LOCATION', locationRaw, 'locationId') : undefined;
    const names = await locationNames(caller);
    const all = await caller.session.telephony.attendants();
    return { autoAttendants: all.filter((a) => locationId === undefined || a.locationId === locationId).map((a) => presentAttendant(a, names)) };
  });
  const attendantParam = (req: FastifyRequest) => pathId('AUTO_ATTENDANT', (req.params as { autoAttendantId: string }).autoAttendantId);
  v1(app, gw, 'GET', '/v1/telephony/config/locations/:locationId/autoAttendants/:autoAttendantId', async ({ req, caller }) => {
    const locationId = locationParam(req);
    const a = await caller.session.telephony.attendant(attendantParam(req));
    if (a.locationId !== locationId) throw WebexError.notFound('auto attendant');
    return presentAttendant(a, await locationNames(caller));
  });
  v1(app, gw, 'DELETE', '/v1/telephony/config/locations/:locationId/autoAttendants/:autoAttendantId', async ({ req, caller }) => {
    const locationId = locationParam(req);
    const id = attendantParam(req);
    if ((await caller.session.telephony.attendant(id)).locationId !== locationId) throw WebexError.notFound('auto attendant');
    await caller.session.telephony.deleteAttendant(id);
  });

  // A person's calling settings (Webex: /people/{id}/features/callerId).
  const personParam = (req: FastifyRequest) => pathId('PEOPLE', (req.params as { personId: string }).personId);
  v1(app, gw, 'GET', '/v1/people/:personId/features/callerId', async ({ req, caller }) => presentCallerId(await caller.session.telephony.person(personParam(req))));
  v1(app, gw, 'PUT', '/v1/people/:personId/features/callerId', async ({ req, reply, caller }) => {
    const body = bodyObject(req);
    const selected = reqString(body, 'selected', { max: 40 });
    if (selected !== 'DIRECT_LINE' && selected !== 'LOCATION_NUMBER') throw WebexError.badRequest('selected: DIRECT_LINE or LOCATION_NUMBER');
    await caller.session.telephony.updatePerson(personParam(req), { callerId: selected === 'LOCATION_NUMBER' ? 'company' : 'own' });
    await reply.code(204).send();
    return REPLY_SENT;
  });
}
