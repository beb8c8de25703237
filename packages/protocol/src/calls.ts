/**
 * Calls between two people in the app (SPEC CL-1, CL-2; docs/calls.md). The core runs the call's
 * state machine (ringing → connected ⇄ held → ended, with a reason) and relays the WebRTC
 * negotiation (SDP offers, answers and ICE candidates) between the two parties' endpoints; the
 * media goes peer to peer (through TURN when configured). Every frame is encrypted in the browsers
 * with a key derived from the call's KMS key (`keyUrl`, bound to the two people's direct space's
 * KMS resource), so the core only ever sees metadata: who, when, the state, the key's URI.
 *
 * An *endpoint* is one client of a person (a browser tab, an app): every endpoint of the callee
 * rings; the first to answer takes the call and the others see it answered elsewhere.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Email, Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

export const CALL_LIMITS = {
  /** An SDP offer or answer, in characters. */
  sdpChars: 20_000,
  /** One ICE candidate line, in characters. */
  candidateChars: 1_000,
  /** A KMS key URI, in characters. */
  keyUrlChars: 2_000,
  /** History entries in one page. */
  historyPage: 100,
  /** Ring time bounds for FLINT_CALL_RING_SECONDS, in seconds. */
  ringSecondsMin: 5,
  ringSecondsMax: 300,
  /** Park time bounds for FLINT_CALL_PARK_SECONDS (default 120), in seconds: then the call rings the one who parked it. */
  parkSecondsMin: 10,
  parkSecondsMax: 3600,
  /** People added at once to a call that becomes a conference (with the two parties: at most 10 in it at first). */
  conferenceInvitees: 8,
} as const;

/** `parked`: a party parked it against someone's park slot (their own by default); the other party hears music on hold until it is retrieved, or it rings the one who parked it at the park timeout. */
export const CallState = Type.Union([Type.Literal('ringing'), Type.Literal('connected'), Type.Literal('held'), Type.Literal('parked'), Type.Literal('ended')]);
export type CallState = Static<typeof CallState>;

export const CallMedia = Type.Union([Type.Literal('audio'), Type.Literal('video')]);
export type CallMedia = Static<typeof CallMedia>;

/**
 * Why a call ended. `no_answer`, `declined`, `busy` and `dnd` are the unanswered ends a voicemail
 * feature hooks on (the callee did not take it); `cancelled`: the caller hung up while it rang;
 * `hangup`: either party ended an answered call; `moved_to_meeting`: the two moved into their direct
 * space's meeting (MT-6), whose media key is the call's.
 */
export const CallEndReason = Type.Union([
  Type.Literal('hangup'),
  Type.Literal('cancelled'),
  Type.Literal('no_answer'),
  Type.Literal('declined'),
  Type.Literal('busy'),
  Type.Literal('dnd'),
  Type.Literal('moved_to_meeting'),
]);
export type CallEndReason = Static<typeof CallEndReason>;

/** Why the callee changed on the way: a forward (the callee's setting), a blind transfer, or the callee sending it on while it rang (divert). */
export const CallRedirectReason = Type.Union([Type.Literal('forward_always'), Type.Literal('forward_busy'), Type.Literal('forward_no_answer'), Type.Literal('transfer'), Type.Literal('divert')]);
export type CallRedirectReason = Static<typeof CallRedirectReason>;

export const CallParty = Type.Object({
  personId: Id,
  displayName: Type.String(),
  /** The endpoint that placed or answered the call (absent for a callee until answered). */
  endpointId: Type.Optional(Type.String()),
});
export type CallParty = Static<typeof CallParty>;

export const Call = Type.Object({
  id: Id,
  state: CallState,
  /** What the caller asked for; the callee may answer a video call with audio only. */
  media: CallMedia,
  caller: CallParty,
  callee: CallParty,
  /** The two people's direct space: the call's messages, files, and the KMS resource its key is bound to. */
  roomId: Type.Optional(Id),
  /** The call's media key (a KMS key URI bound to the direct space's KMS resource); set by the caller's client. */
  keyUrl: Type.Optional(Type.String()),
  /** Who put the call on hold (the other one hears music on hold). */
  heldBy: Type.Optional(Id),
  created: Timestamp,
  /** While ringing: when it stops ringing (the ring timeout). */
  ringsUntil: Type.Optional(Timestamp),
  answered: Type.Optional(Timestamp),
  ended: Type.Optional(Timestamp),
  endReason: Type.Optional(CallEndReason),
  /** Who ended it (absent when the core did: the ring timeout). */
  endedBy: Type.Optional(Id),
  /** Each time the callee changed: why, and from whom. */
  redirections: Type.Array(Type.Object({ reason: CallRedirectReason, fromPersonId: Id, toPersonId: Id })),
  /**
   * Set when the call became a conference (`moved_to_meeting` by adding people): the group space a
   * party's client made with the two parties and the people added (its KMS resource authorizes
   * them, done by that client, not the core), whose meeting carries the conference on the SFU, and
   * who was invited into it.
   */
  conference: Type.Optional(Type.Object({ roomId: Id, invited: Type.Array(Id), by: Id })),
  /** While parked: who parked it, whose park slot holds it, and when it rings the one who parked it again. */
  park: Type.Optional(Type.Object({ by: Id, against: CallParty, until: Timestamp })),
  /** A leg that rings the one who parked the call because nobody retrieved it (Webex's `recall`). */
  recall: Type.Optional(Type.Object({ type: Type.Literal('park') })),
});
export type Call = Static<typeof Call>;

/** One call in one person's history (their leg of it). */
export const CallHistoryEntry = Type.Object({
  id: Id,
  callId: Id,
  /** `placed` by them; `received` and answered; `missed`: rang them and they did not take it. */
  type: Type.Union([Type.Literal('placed'), Type.Literal('received'), Type.Literal('missed')]),
  /** How their leg ended: `answered`, or the call's end reason, or `transferred`/`forwarded` when it moved on. */
  outcome: Type.Union([Type.Literal('answered'), CallEndReason, Type.Literal('transferred'), Type.Literal('forwarded')]),
  media: CallMedia,
  other: Type.Object({ personId: Id, displayName: Type.String() }),
  roomId: Type.Optional(Id),
  started: Timestamp,
  answered: Type.Optional(Timestamp),
  ended: Timestamp,
  /** Seconds from answer to end (0 when not answered). */
  durationSeconds: Type.Integer({ minimum: 0 }),
});
export type CallHistoryEntry = Static<typeof CallHistoryEntry>;

/** A person's call settings (CL-2): do not disturb, and forwarding to another person. */
export const CallSettings = Type.Object({
  doNotDisturb: Type.Boolean(),
  forwardAlways: Type.Optional(Id),
  forwardBusy: Type.Optional(Id),
  forwardNoAnswer: Type.Optional(Id),
});
export type CallSettings = Static<typeof CallSettings>;

export const IceServer = Type.Object({ urls: Type.Array(Type.String()), username: Type.Optional(Type.String()), credential: Type.Optional(Type.String()) });
export type IceServer = Static<typeof IceServer>;

/** A client-made id for one endpoint (tab, app) of a person: letters, digits, `-`, `_`. */
export const EndpointId = Type.String({ minLength: 8, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$' });

/** Whom to call: a person by id or by e-mail address (an extension once telephony config lands). */
export const CallTarget = Type.Union([Type.Object({ personId: Id }, { additionalProperties: false }), Type.Object({ email: Email }, { additionalProperties: false })]);
export type CallTarget = Static<typeof CallTarget>;

const Sdp = Type.String({ minLength: 1, maxLength: CALL_LIMITS.sdpChars });
const KeyUrl = Type.String({ minLength: 1, maxLength: CALL_LIMITS.keyUrlChars, pattern: '^kms://' });

/** What one endpoint relays to the other party's endpoint (metadata of the WebRTC negotiation). */
export const CallSignal = Type.Union([
  Type.Object({ kind: Type.Literal('offer'), sdp: Sdp }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('answer'), sdp: Sdp }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('candidate'),
      candidate: Type.String({ maxLength: CALL_LIMITS.candidateChars }),
      sdpMid: Type.Optional(Type.String({ maxLength: 32 })),
      sdpMLineIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 64 })),
    },
    { additionalProperties: false },
  ),
]);
export type CallSignal = Static<typeof CallSignal>;

/** The `call.signal` event: to the other party, for the endpoint named `toEndpointId`. */
export type CallSignalEvent = CallSignal & { callId: string; fromEndpointId: string; toEndpointId: string };

export const dial = defineMethod({
  id: 'calls.dial',
  verb: 'POST',
  path: '/api/calls',
  summary:
    'Call a person (by id or e-mail) from one’s endpoint. Every endpoint of the callee rings. A call the callee cannot take ends at once with reason `busy` or `dnd` (or is forwarded, by their settings). Needs the two people’s direct space; the caller’s client names the media key (bound to its KMS resource) here or later with `PUT /api/calls/:id/key`.',
  tag: 'calls',
  auth: 'person',
  body: Type.Object({ to: CallTarget, media: CallMedia, endpointId: Type.Optional(EndpointId), roomId: Type.Optional(Id), keyUrl: Type.Optional(KeyUrl) }, { additionalProperties: false }),
  response: Call,
  status: 201,
});

export const claim = defineMethod({
  id: 'calls.claim',
  verb: 'POST',
  path: '/api/calls/:id/claim',
  summary: 'Carry a call one placed without an endpoint (through the API, "click to dial") on this endpoint: the first of one’s endpoints to claim it takes it; a later one gets 409 `answered_elsewhere`.',
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ endpointId: EndpointId }, { additionalProperties: false }),
  response: Call,
  status: 200,
});

export const divert = defineMethod({
  id: 'calls.divert',
  verb: 'POST',
  path: '/api/calls/:id/divert',
  summary: 'Send a call that rings one on to another person (the callee only, while it rings): it rings them instead. Refused with 409 when they are on a call or on do not disturb.',
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ to: CallTarget }, { additionalProperties: false }),
  response: Call,
  status: 200,
});

export const listCalls = defineMethod({
  id: 'calls.list',
  verb: 'GET',
  path: '/api/calls',
  summary: 'One’s calls going on now (ringing, connected or held), oldest first: what a client re-syncs from after a reconnect.',
  tag: 'calls',
  auth: 'person',
  response: Type.Object({ items: Type.Array(Call) }),
  status: 200,
});

export const getCall = defineMethod({
  id: 'calls.get',
  verb: 'GET',
  path: '/api/calls/:id',
  summary: 'A call one is (or was) a party of.',
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  response: Call,
  status: 200,
});

export const answer = defineMethod({
  id: 'calls.answer',
  verb: 'POST',
  path: '/api/calls/:id/answer',
  summary: 'Take a ringing call on this endpoint (the callee only). The first endpoint to answer takes it; a later one gets 409 `answered_elsewhere`.',
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ endpointId: EndpointId }, { additionalProperties: false }),
  response: Call,
  status: 200,
});

export const decline = defineMethod({
  id: 'calls.decline',
  verb: 'POST',
  path: '/api/calls/:id/decline',
  summary: 'Refuse a ringing call (the callee only): it ends with reason `declined` on every endpoint. A message, if any, the client posts in the direct space itself (it is encrypted content).',
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  response: Call,
  status: 200,
});

export const hangup = defineMethod({
  id: 'calls.hangup',
  verb: 'POST',
  path: '/api/calls/:id/hangup',
  summary: 'End the call: `cancelled` while it rings (the caller), `declined` while it rings (the callee), `hangup` once answered. Hanging up an ended call is harmless.',
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  response: Call,
  status: 200,
});

export const moveToMeeting = defineMethod({
  id: 'calls.moveToMeeting',
  verb: 'POST',
  path: '/api/calls/:id/move-to-meeting',
  summary: 'Turn an answered call into the meeting of its direct space (MT-6): the call ends with reason `moved_to_meeting`, and both endpoints join the space’s meeting, naming the call’s media key as the meeting’s (no new key).',
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  response: Call,
  status: 200,
});

export const addPeople = defineMethod({
  id: 'calls.addPeople',
  verb: 'POST',
  path: '/api/calls/:id/add-people',
  summary: `Turn an answered call into a conference (MT-6, "add people"): \`roomId\` is a group space one's client made with both parties and the people added as members (so its KMS resource authorizes them); the call ends with reason \`moved_to_meeting\` naming that space, both endpoints join its meeting, and the people added (at most ${CALL_LIMITS.conferenceInvitees}, members of it, not parties) get the event to join. Needs the media server (Janus).`,
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ roomId: Id, personIds: Type.Array(Id, { minItems: 1, maxItems: CALL_LIMITS.conferenceInvitees }) }, { additionalProperties: false }),
  response: Call,
  status: 200,
});

export const park = defineMethod({
  id: 'calls.park',
  verb: 'POST',
  path: '/api/calls/:id/park',
  summary: 'Park an answered call (a party): it waits in a park slot — one’s own, or the person named’s (`against`) — with the other party hearing music on hold from the parker’s endpoint, and one’s line is free. Any endpoint of the slot’s owner, or the parker, retrieves it; unretrieved, it rings the parker again after FLINT_CALL_PARK_SECONDS. One call per slot (409 when taken).',
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ against: Type.Optional(CallTarget) }, { additionalProperties: false }),
  response: Call,
  status: 200,
});

export const retrieve = defineMethod({
  id: 'calls.retrieve',
  verb: 'POST',
  path: '/api/calls/retrieve',
  summary: 'Retrieve the call parked in a slot (`from`: the slot’s owner; default one’s own) on this endpoint. The slot’s owner and the one who parked it may; the call is connected again with the retriever (a new leg, with a key for the new pair, when the retriever is someone else). 404 when the slot is empty, 409 when one is on a call.',
  tag: 'calls',
  auth: 'person',
  body: Type.Object({ endpointId: EndpointId, from: Type.Optional(CallTarget) }, { additionalProperties: false }),
  response: Call,
  status: 200,
});

export const hold = defineMethod({
  id: 'calls.hold',
  verb: 'POST',
  path: '/api/calls/:id/hold',
  summary: 'Put a connected call on hold: one’s client then sends music on hold (and a still picture) instead of one’s microphone and camera.',
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  response: Call,
  status: 200,
});

export const resume = defineMethod({
  id: 'calls.resume',
  verb: 'POST',
  path: '/api/calls/:id/resume',
  summary: 'Take a call one held off hold.',
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  response: Call,
  status: 200,
});

export const transfer = defineMethod({
  id: 'calls.transfer',
  verb: 'POST',
  path: '/api/calls/:id/transfer',
  summary: 'Blind transfer: one leaves the connected call and it rings the person named instead; the other party stays in it (as the caller of the new leg).',
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ to: CallTarget }, { additionalProperties: false }),
  response: Call,
  status: 200,
});

export const setKey = defineMethod({
  id: 'calls.setKey',
  verb: 'PUT',
  path: '/api/calls/:id/key',
  summary: 'Name the call’s media key (the caller’s client, once per leg): the direct space between the two parties and a KMS key URI bound to its resource.',
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ roomId: Id, keyUrl: KeyUrl }, { additionalProperties: false }),
  response: Call,
  status: 200,
});

export const signal = defineMethod({
  id: 'calls.signal',
  verb: 'POST',
  path: '/api/calls/:id/signal',
  summary: 'Relay an SDP offer or answer, or an ICE candidate, from one’s endpoint in the call to the other party’s endpoint (a `call.signal` event). Answered calls only.',
  tag: 'calls',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ endpointId: EndpointId, signal: CallSignal }, { additionalProperties: false }),
  response: null,
  status: 204,
});

export const history = defineMethod({
  id: 'calls.history',
  verb: 'GET',
  path: '/api/calls/history',
  summary: `One’s call history, newest first: placed, received and missed calls with their outcome and duration (at most ${CALL_LIMITS.historyPage} a page; \`before\` an entry id for the next).`,
  tag: 'calls',
  auth: 'person',
  query: Type.Object(
    { max: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })), before: Type.Optional(Id), type: Type.Optional(Type.Union([Type.Literal('placed'), Type.Literal('received'), Type.Literal('missed')])) },
    { additionalProperties: false },
  ),
  response: Type.Object({ items: Type.Array(CallHistoryEntry) }),
  status: 200,
});

export const getSettings = defineMethod({
  id: 'calls.getSettings',
  verb: 'GET',
  path: '/api/calls/settings',
  summary: 'One’s call settings: do not disturb and forwarding.',
  tag: 'calls',
  auth: 'person',
  response: CallSettings,
  status: 200,
});

export const putSettings = defineMethod({
  id: 'calls.putSettings',
  verb: 'PUT',
  path: '/api/calls/settings',
  summary: 'Change one’s call settings; a forward names a person one may call (not oneself). Omitted fields are unchanged; `null` clears a forward.',
  tag: 'calls',
  auth: 'person',
  body: Type.Object(
    {
      doNotDisturb: Type.Optional(Type.Boolean()),
      forwardAlways: Type.Optional(Type.Union([Id, Type.Null()])),
      forwardBusy: Type.Optional(Type.Union([Id, Type.Null()])),
      forwardNoAnswer: Type.Optional(Type.Union([Id, Type.Null()])),
    },
    { additionalProperties: false },
  ),
  response: CallSettings,
  status: 200,
});

export const iceServers = defineMethod({
  id: 'calls.iceServers',
  verb: 'GET',
  path: '/api/calls/ice-servers',
  summary: 'The STUN/TURN servers a call’s endpoints use (TURN credentials are short-lived, made for the caller). Empty when none is configured: endpoints then use their own addresses.',
  tag: 'calls',
  auth: 'person',
  response: Type.Object({ iceServers: Type.Array(IceServer) }),
  status: 200,
});
