/**
 * `/v1/telephony/calls` (SPEC CL-1, CL-2): the Webex Call Control API's subset for bots and
 * integrations, over the core's call signalling (docs/calls.md). A call id is a hydra `CALL` id,
 * `callSessionId` the call's UUID as unpadded base64; a destination is a person's id or e-mail
 * address (extensions and numbers once telephony config lands). Dialling goes through the caller's
 * SDK session, which makes the direct space and the call's media key bound to it; the call then
 * rings the callee's apps, and the caller's own apps pick it up (the first to claim it carries the
 * media): Webex's "click to dial". Webex's codes: 201 for dial and a blind transfer, 204 for the
 * other actions; `park` answers 200 `{parkedAgainst}` (the slot's owner as a party, `number` their
 * address) and `retrieve` 201. Not built: group park (`isGroupPark`), pickup, barge-in, recording, DTMF, attended transfer,
 * `divert` to voicemail (another module's).
 * @module
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toHydraId, fromHydraId, type Call, type CallHistoryEntry, type CallTarget } from '@flint/protocol';
import { WebexError } from '../errors.ts';
import { fieldId, hydra } from '../ids.ts';
import { bodyObject, optBoolean, optString, queryEnum, reqString } from '../request.ts';
import { REPLY_SENT, v1, type Gateway } from '../context.ts';

const REDIRECT_REASON: Record<Call['redirections'][number]['reason'], string> = {
  forward_always: 'unconditional',
  forward_busy: 'busy',
  forward_no_answer: 'noAnswer',
  transfer: 'unknown',
  divert: 'divert',
};

/** Webex's callSessionId: the UUID's bytes, base64 without padding. */
function sessionIdOf(uuid: string): string {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64').replace(/=+$/, '');
}

export function presentCall(call: Call, me: string) {
  const originator = call.caller.personId === me;
  const other = originator ? call.callee : call.caller;
  const state =
    call.state === 'ringing' ? 'alerting' : call.state === 'connected' ? 'connected' : call.state === 'held' || call.state === 'parked' ? (call.heldBy === me ? 'held' : 'remoteHeld') : 'disconnected';
  const endpoint = originator ? call.caller.endpointId : call.callee.endpointId;
  return {
    id: toHydraId('CALL', call.id),
    callSessionId: sessionIdOf(call.id),
    personality: originator ? 'originator' : 'terminator',
    state,
    remoteParty: { name: other.displayName, personId: hydra.person(other.personId), privacyEnabled: false, callType: 'organization' },
    appearance: 1,
    created: call.created,
    ...(call.answered !== undefined ? { answered: call.answered } : {}),
    redirections: call.redirections.map((r) => ({ reason: REDIRECT_REASON[r.reason], redirectingParty: { personId: hydra.person(r.fromPersonId), privacyEnabled: false, callType: 'organization' } })),
    ...(call.recall !== undefined ? { recall: { type: 'park', party: { name: other.displayName, personId: hydra.person(other.personId), privacyEnabled: false, callType: 'organization' } } } : {}),
    muteCapable: false,
    muted: false,
    ...(endpoint !== undefined ? { endpointId: endpoint } : {}),
    ...(call.state === 'ended' ? { disconnected: true, ...(call.endReason !== undefined ? { disconnectReason: call.endReason } : {}) } : {}),
  };
}

function callIdOf(body: Record<string, unknown>, field = 'callId'): string {
  const raw = reqString(body, field, { max: 300 });
  const id = fromHydraId('CALL', raw);
  if (id === undefined) throw WebexError.badRequest(`${field}: not a valid call id`);
  return id;
}

/** A destination: a person's (hydra) id, or an e-mail address (`user@domain`, with an optional `sip:`). */
function destinationOf(body: Record<string, unknown>): CallTarget {
  const raw = reqString(body, 'destination', { max: 320 }).trim();
  const address = raw.replace(/^sip:/i, '');
  if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) return { email: address.toLowerCase() };
  return { personId: fieldId('PEOPLE', raw, 'destination') };
}

/** An endpoint id as the core takes them; Webex's are opaque strings, so anything else is refused here with a 400. */
function endpointOf(body: Record<string, unknown>, required: boolean): string | undefined {
  const value = required ? reqString(body, 'endpointId', { max: 40 }) : optString(body, 'endpointId', { max: 40 });
  if (value !== undefined && !/^[A-Za-z0-9_-]{8,40}$/.test(value)) throw WebexError.badRequest('endpointId: 8 to 40 letters, digits, - or _');
  return value;
}

function created(reply: { code(n: number): { send(body: unknown): unknown } }, call: Call) {
  reply.code(201).send({ callId: toHydraId('CALL', call.id), callSessionId: sessionIdOf(call.id) });
  return REPLY_SENT;
}

function noContent(reply: { code(n: number): { send(): unknown } }) {
  reply.code(204).send();
  return REPLY_SENT;
}

function callParam(req: FastifyRequest): string {
  const id = fromHydraId('CALL', (req.params as { callId: string }).callId);
  if (id === undefined) throw WebexError.notFound('call');
  return id;
}

export function telephonyCallRoutes(app: FastifyInstance, gw: Gateway): void {
  v1(app, gw, 'POST', '/v1/telephony/calls/dial', async ({ req, reply, caller }) => {
    const body = bodyObject(req);
    const to = destinationOf(body);
    const endpointId = endpointOf(body, false);
    const media = optBoolean(body, 'video') === true ? 'video' : 'audio';
    return created(reply, await caller.session.calls.dial(to, media, endpointId));
  });

  v1(app, gw, 'POST', '/v1/telephony/calls/answer', async ({ req, reply, caller }) => {
    const body = bodyObject(req);
    const id = callIdOf(body);
    await caller.session.calls.answer(id, endpointOf(body, true)!);
    return noContent(reply);
  });

  v1(app, gw, 'POST', '/v1/telephony/calls/reject', async ({ req, reply, caller }) => {
    const body = bodyObject(req);
    const id = callIdOf(body);
    const action = optString(body, 'action', { max: 40 });
    if (action !== undefined && !['busy', 'temporarilyUnavailable', 'ignore'].includes(action)) throw WebexError.badRequest('action: busy, temporarilyUnavailable or ignore');
    await caller.session.calls.decline(id);
    return noContent(reply);
  });

  v1(app, gw, 'POST', '/v1/telephony/calls/hangup', async ({ req, reply, caller }) => {
    await caller.session.calls.hangup(callIdOf(bodyObject(req)));
    return noContent(reply);
  });

  v1(app, gw, 'POST', '/v1/telephony/calls/hold', async ({ req, reply, caller }) => {
    await caller.session.calls.hold(callIdOf(bodyObject(req)));
    return noContent(reply);
  });

  v1(app, gw, 'POST', '/v1/telephony/calls/resume', async ({ req, reply, caller }) => {
    await caller.session.calls.resume(callIdOf(bodyObject(req)));
    return noContent(reply);
  });

  v1(app, gw, 'POST', '/v1/telephony/calls/divert', async ({ req, reply, caller }) => {
    const body = bodyObject(req);
    const id = callIdOf(body);
    if (optBoolean(body, 'toVoicemail') === true) throw WebexError.badRequest('toVoicemail: voicemail is not available through this API yet; give a destination');
    await caller.session.calls.divert(id, destinationOf(body));
    return noContent(reply);
  });

  v1(app, gw, 'POST', '/v1/telephony/calls/transfer', async ({ req, reply, caller }) => {
    const body = bodyObject(req);
    if (body['callId2'] !== undefined) throw WebexError.badRequest('callId2: attended (consult) transfer is not built; give callId1 and a destination for a blind transfer');
    const id = callIdOf(body, 'callId1');
    const moved = await caller.session.calls.transfer(id, destinationOf(body));
    return created(reply, moved);
  });

  v1(app, gw, 'POST', '/v1/telephony/calls/park', async ({ req, caller }) => {
    const body = bodyObject(req);
    const id = callIdOf(body);
    if (optBoolean(body, 'isGroupPark') === true) throw WebexError.badRequest('isGroupPark: group park is not built; park against a person (destination) or yourself');
    const against = body['destination'] === undefined ? undefined : destinationOf(body);
    const parked = await caller.session.calls.park(id, against);
    const slot = parked.park!.against;
    const person = await caller.session.api.people.get(slot.personId).catch(() => undefined);
    return { parkedAgainst: { name: slot.displayName, number: person?.emails[0] ?? '', personId: hydra.person(slot.personId), privacyEnabled: false, callType: 'organization' } };
  });

  v1(app, gw, 'POST', '/v1/telephony/calls/retrieve', async ({ req, reply, caller }) => {
    const body = bodyObject(req);
    const from = body['destination'] === undefined ? undefined : destinationOf(body);
    // The core needs the endpoint that will carry the media (Webex's single number reach is not built).
    if (body['singleNumberReachPhoneNumber'] !== undefined) throw WebexError.badRequest('singleNumberReachPhoneNumber: single number reach is not built; give endpointId');
    return created(reply, await caller.session.calls.retrieve(endpointOf(body, true)!, from));
  });

  v1(app, gw, 'GET', '/v1/telephony/calls', async ({ caller }) => {
    const me = await caller.session.personId();
    return { items: (await caller.session.calls.active()).map((c) => presentCall(c, me)) };
  });

  v1(app, gw, 'GET', '/v1/telephony/calls/history', async ({ req, caller }) => {
    const type = queryEnum(req.query, 'type', ['placed', 'missed', 'received'] as const);
    // Webex keeps up to 20 entries per type.
    const types = type !== undefined ? [type] : (['placed', 'missed', 'received'] as const);
    const entries: CallHistoryEntry[] = [];
    for (const t of types) entries.push(...(await caller.session.calls.history({ type: t, max: 20 })).items);
    entries.sort((a, b) => b.started.localeCompare(a.started));
    const emails = new Map<string, string>();
    for (const id of new Set(entries.map((e) => e.other.personId))) {
      const person = await caller.session.api.people.get(id).catch(() => undefined);
      if (person?.emails[0] !== undefined) emails.set(id, person.emails[0]);
    }
    return {
      items: entries.map((e) => ({
        type: e.type,
        name: e.other.displayName,
        number: emails.get(e.other.personId) ?? '',
        personId: hydra.person(e.other.personId),
        privacyEnabled: false,
        time: e.started,
        ...(e.durationSeconds > 0 ? { duration: e.durationSeconds } : {}),
      })),
    };
  });

  v1(app, gw, 'GET', '/v1/telephony/calls/:callId', async ({ req, caller }) => {
    const me = await caller.session.personId();
    return presentCall(await caller.session.calls.get(callParam(req)), me);
  });
}
