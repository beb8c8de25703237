/**
 * A call between two people (SPEC CL-1, CL-2; docs/calls.md): the core's state machine
 *
 *     ringing ──answer──▶ connected ⇄ held          (hold / resume)
 *        │                   │  └──transfer──▶ ringing (the other party calls the target)
 *        └─────────┬─────────┘
 *                  ▼
 *        ended {hangup | cancelled | no_answer | declined | busy | dnd}
 *
 * persisted in `calls` (so a restart of the core keeps every call: the media is peer to peer and
 * never touches it), with `call_lines` saying who is on a call now (busy), a `call_history` row per
 * person each time a leg of a call ends, and every change a `call.updated` event to both parties —
 * every endpoint of the callee gets it, so all of them ring, and all but the one that answered stop
 * when it is answered. The ring timeout is a durable job (jobs/), so it fires after a restart too.
 *
 * The core relays the WebRTC negotiation between the two answered endpoints (`call.signal` events)
 * and names the call's media key by its URI only: frames are encrypted in the browsers.
 * @module
 */
import { CALL_LIMITS, type Call, type CallEndReason, type CallMedia, type CallSignal, type CallTarget } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { CallHistoryTable, CallRow } from '../db/schema.ts';
import type { Emit } from '../events/event-service.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { enqueueJobs } from '../jobs/job-queue.ts';
import { findPerson } from '../identity/people.ts';
import { directSpaceId, reachablePerson, settingsRow } from './parties.ts';
import { presentCall, presentHistory } from './present.ts';
import { loadSpace, membershipOf } from '../spaces/access.ts';

/** The durable job that ends (or forwards) a leg that rang too long. */
export const RING_TIMEOUT_QUEUE = 'call-ring-timeout';
/** Forwards followed in a row at most (a loop of forwards stops here and the call rings the last one). */
const MAX_FORWARDS = 3;

type Redirection = Call['redirections'][number];

function requirePerson(actor: Actor): void {
  if (actor.type !== 'person') throw ApiError.forbidden('Only people make and take calls.');
}

export async function announce(trx: Db, emit: Emit, row: CallRow, actorId: string | null, alsoTo: readonly string[] = []): Promise<Call> {
  const call = await presentCall(trx, row);
  emit({ recipients: [row.caller_id, row.callee_id, ...alsoTo], type: 'call.updated', data: call, actorId });
  return call;
}

export async function loadCall(db: Db, id: string): Promise<CallRow | undefined> {
  return db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A call the actor is a party of now; anyone else gets 404 (so call ids tell nothing). */
export async function partyCall(db: Db, actor: Actor, id: string): Promise<CallRow> {
  requirePerson(actor);
  const row = await loadCall(db, id);
  if (row === undefined || (row.caller_id !== actor.personId && row.callee_id !== actor.personId)) throw ApiError.notFound('call');
  return row;
}

/** Takes a line for a person; false when they are on a call already (busy). Works under concurrency on both engines (primary key). */
export async function takeLine(trx: Db, personId: string, callId: string): Promise<boolean> {
  const result = await trx.insertInto('call_lines').values({ person_id: personId, call_id: callId }).onConflict((oc) => oc.column('person_id').doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

async function isBusy(trx: Db, personId: string): Promise<boolean> {
  return (await trx.selectFrom('call_lines').select('call_id').where('person_id', '=', personId).executeTakeFirst()) !== undefined;
}

async function isActive(trx: Db, personId: string): Promise<boolean> {
  const person = await findPerson(trx, personId);
  return person !== undefined && person.status !== 'deactivated';
}

/**
 * Where a call to `calleeId` lands: follows forward-always (and forward-busy when the callee is on a
 * call) to active people not already in the chain, and says whether it can ring there (or ends
 * with `busy` or `dnd`).
 */
async function route(trx: Db, callerId: string, calleeId: string, redirections: Redirection[]): Promise<{ calleeId: string; refuse?: 'busy' | 'dnd' }> {
  let current = calleeId;
  const seen = new Set([callerId, calleeId, ...redirections.map((r) => r.fromPersonId)]);
  for (let hop = 0; ; hop++) {
    const settings = await settingsRow(trx, current);
    const canForward = (to: string | null): to is string => to !== null && hop < MAX_FORWARDS && !seen.has(to);
    if (canForward(settings.forward_always) && (await isActive(trx, settings.forward_always))) {
      redirections.push({ reason: 'forward_always', fromPersonId: current, toPersonId: settings.forward_always });
      current = settings.forward_always;
      seen.add(current);
      continue;
    }
    if (settings.dnd === 1) return { calleeId: current, refuse: 'dnd' };
    if (await isBusy(trx, current)) {
      if (canForward(settings.forward_busy) && (await isActive(trx, settings.forward_busy))) {
        redirections.push({ reason: 'forward_busy', fromPersonId: current, toPersonId: settings.forward_busy });
        current = settings.forward_busy;
        seen.add(current);
        continue;
      }
      return { calleeId: current, refuse: 'busy' };
    }
    return { calleeId: current };
  }
}

export function ringUntil(core: Core, now: number): number {
  return now + core.config.calls.ringSeconds * 1000;
}

export async function scheduleRingTimeout(trx: Db, row: Pick<CallRow, 'id' | 'ring_leg' | 'ring_until'>, now: number): Promise<void> {
  await enqueueJobs(trx, [{ queue: RING_TIMEOUT_QUEUE, payload: { callId: row.id, leg: row.ring_leg }, maxAttempts: 5, runAt: Number(row.ring_until) }], now);
}

/** The history rows of the leg that ends now: one for its caller, one for its callee. */
export async function recordLeg(trx: Db, row: CallRow, now: number, outcome: { caller: CallHistoryTable['outcome']; callee: CallHistoryTable['outcome'] }): Promise<void> {
  const answered = row.answered_at === null ? null : Number(row.answered_at);
  const base = { call_id: row.id, media: row.media, space_id: row.space_id, started_at: Number(row.leg_started_at), answered_at: answered, ended_at: now };
  await trx
    .insertInto('call_history')
    .values([
      { id: newId(), person_id: row.caller_id, type: 'placed', outcome: outcome.caller, other_person_id: row.callee_id, ...base },
      { id: newId(), person_id: row.callee_id, type: answered === null ? 'missed' : 'received', outcome: outcome.callee, other_person_id: row.caller_id, ...base },
    ])
    .execute();
}

/** Ends a call: its lines free, its leg in both histories, the event to both. */
export async function endCall(trx: Db, emit: Emit, row: CallRow, reason: CallEndReason, endedBy: string | null, now: number, alsoTo: readonly string[] = []): Promise<Call> {
  const ended: CallRow = { ...row, state: 'ended', end_reason: reason, ended_by: endedBy, ended_at: now, held_by: null, ring_until: null, parked_by: null, parked_against: null };
  await trx.updateTable('calls').set({ state: 'ended', end_reason: reason, ended_by: endedBy, ended_at: now, held_by: null, ring_until: null, parked_by: null, parked_against: null }).where('id', '=', row.id).execute();
  await trx.deleteFrom('call_lines').where('call_id', '=', row.id).execute();
  await trx.deleteFrom('call_parks').where('call_id', '=', row.id).execute();
  const outcome = row.answered_at !== null ? 'answered' : reason;
  await recordLeg(trx, ended, now, { caller: outcome, callee: outcome });
  return announce(trx, emit, ended, endedBy, alsoTo);
}

export interface DialInput {
  to: CallTarget;
  media: CallMedia;
  /** Absent: placed through the API for the person's apps, the first of which to claim it carries it. */
  endpointId?: string | undefined;
  roomId?: string | undefined;
  keyUrl?: string | undefined;
}

/** Places a call: it rings every endpoint of the callee (after forwards), or ends at once as busy or DND. */
export async function dial(core: Core, actor: Actor, input: DialInput): Promise<Call> {
  requirePerson(actor);
  const dialed = await reachablePerson(core.db, actor, input.to);
  if ((input.roomId === undefined) !== (input.keyUrl === undefined)) throw ApiError.badRequest('Give roomId and keyUrl together (the media key is bound to that space), or neither.');
  if (input.roomId !== undefined && input.roomId !== (await directSpaceId(core.db, actor.personId, dialed.id))) throw ApiError.badRequest('roomId must be your direct space with the person you call.');
  return core.events.transact(async (trx, emit) => {
    const now = core.now();
    const id = newId();
    const redirections: Redirection[] = [];
    const routed = await route(trx, actor.personId, dialed.id, redirections);
    // A redirected call lands on someone else: its key (bound to the dialed pair's space) is not theirs.
    const keyed = routed.calleeId === dialed.id && input.roomId !== undefined;
    const row: CallRow = {
      id,
      caller_id: actor.personId,
      callee_id: routed.calleeId,
      space_id: keyed ? input.roomId! : ((await directSpaceId(trx, actor.personId, routed.calleeId)) ?? null),
      key_url: keyed ? input.keyUrl! : null,
      state: 'ringing',
      media: input.media,
      caller_endpoint: input.endpointId ?? null,
      callee_endpoint: null,
      held_by: null,
      ring_leg: 1,
      ring_until: ringUntil(core, now),
      leg_started_at: now,
      redirections: JSON.stringify(redirections),
      created_at: now,
      answered_at: null,
      ended_at: null,
      end_reason: null,
      ended_by: null,
      conference_room_id: null,
      conference_invited: null,
      conference_by: null,
      parked_by: null,
      parked_against: null,
      recall: null,
    };
    await trx.insertInto('calls').values(row).execute();
    if (!(await takeLine(trx, actor.personId, id))) throw ApiError.conflict('You are on a call already: hang it up first.');
    if (routed.refuse !== undefined) return endCall(trx, emit, row, routed.refuse, null, now);
    // Another call took the callee's line since `route` looked (PostgreSQL, concurrent dials): busy.
    if (!(await takeLine(trx, routed.calleeId, id))) return endCall(trx, emit, row, 'busy', null, now);
    await scheduleRingTimeout(trx, row, now);
    return announce(trx, emit, row, actor.personId);
  });
}

/** Takes a ringing call on one endpoint of the callee: the first to answer wins. */
export async function answer(core: Core, actor: Actor, id: string, endpointId: string): Promise<Call> {
  return core.events.transact(async (trx, emit) => {
    const row = await partyCall(trx, actor, id);
    if (row.callee_id !== actor.personId) throw ApiError.forbidden('Only the person called answers the call.');
    if (row.state === 'ended') throw ApiError.conflict('The call has ended.');
    if (row.state !== 'ringing') {
      if (row.callee_endpoint === endpointId) return presentCall(trx, row);
      throw new ApiError('answered_elsewhere', 'The call was answered on another of your devices.');
    }
    const now = core.now();
    const updated: CallRow = { ...row, state: 'connected', callee_endpoint: endpointId, answered_at: now, ring_until: null };
    await trx.updateTable('calls').set({ state: 'connected', callee_endpoint: endpointId, answered_at: now, ring_until: null }).where('id', '=', row.id).where('state', '=', 'ringing').execute();
    return announce(trx, emit, updated, actor.personId);
  });
}

/** The callee refuses a ringing call: it ends as `declined` on every endpoint. */
export async function decline(core: Core, actor: Actor, id: string): Promise<Call> {
  return core.events.transact(async (trx, emit) => {
    const row = await partyCall(trx, actor, id);
    if (row.callee_id !== actor.personId) throw ApiError.forbidden('Only the person called declines the call.');
    if (row.state !== 'ringing') throw ApiError.conflict(row.state === 'ended' ? 'The call has ended.' : 'The call was answered: hang up instead.');
    return endCall(trx, emit, row, 'declined', actor.personId, core.now());
  });
}

/** Ends the call from either side; ending an ended call answers it unchanged. */
export async function hangup(core: Core, actor: Actor, id: string): Promise<Call> {
  return core.events.transact(async (trx, emit) => {
    const row = await partyCall(trx, actor, id);
    if (row.state === 'ended') return presentCall(trx, row);
    const reason: CallEndReason = row.state !== 'ringing' ? 'hangup' : row.caller_id === actor.personId ? 'cancelled' : 'declined';
    return endCall(trx, emit, row, reason, actor.personId, core.now());
  });
}

/**
 * Ends an answered call so that both move into their direct space's meeting (MT-6): the endpoints
 * join it and name the call's key as the meeting's. Needs a media server (as meetings do).
 */
export async function moveToMeeting(core: Core, actor: Actor, id: string): Promise<Call> {
  if (core.media === undefined) throw new ApiError('meetings_unavailable', 'Meetings are not available on this Flint: its media server (Janus) is not running.');
  return core.events.transact(async (trx, emit) => {
    const row = await partyCall(trx, actor, id);
    if (row.state !== 'connected' && row.state !== 'held') throw ApiError.conflict('Only an answered call moves into a meeting.');
    if (row.space_id === null || row.key_url === null) throw ApiError.conflict('The call has no direct space and key yet.');
    return endCall(trx, emit, row, 'moved_to_meeting', actor.personId, core.now());
  });
}

/**
 * Adds people to an answered call (MT-6, an ad-hoc conference). A direct space holds its two people
 * only, so the conference lives in a group space the actor's client made with both parties and the
 * people added as members — that client put them on its KMS resource; the core adds no key holder,
 * it checks the memberships it can see. The call ends with `moved_to_meeting` naming that space:
 * both endpoints join its meeting (the SFU, keyed as every meeting, docs/meetings.md) and the people
 * added get the event (`call.updated`) that invites them into it.
 */
export async function addPeople(core: Core, actor: Actor, id: string, input: { roomId: string; personIds: readonly string[] }): Promise<Call> {
  if (core.media === undefined) throw new ApiError('meetings_unavailable', 'Conferences are not available on this Flint: its media server (Janus) is not running.');
  const invited = [...new Set(input.personIds)];
  if (invited.length === 0 || invited.length > CALL_LIMITS.conferenceInvitees) throw ApiError.badRequest(`Add between 1 and ${CALL_LIMITS.conferenceInvitees} people at once.`);
  return core.events.transact(async (trx, emit) => {
    const row = await partyCall(trx, actor, id);
    if (row.state !== 'connected' && row.state !== 'held') throw ApiError.conflict('Only an answered call takes more people.');
    const space = await loadSpace(trx, input.roomId);
    if (space === undefined || (await membershipOf(trx, input.roomId, actor.personId)) === undefined) throw ApiError.notFound('space');
    if (space.type !== 'group') throw ApiError.badRequest('A conference needs a group space: a direct space holds its two people only.');
    for (const party of [row.caller_id, row.callee_id]) {
      if ((await membershipOf(trx, input.roomId, party)) === undefined) throw ApiError.badRequest('Both parties of the call must be members of the conference’s space.');
    }
    for (const personId of invited) {
      if (personId === row.caller_id || personId === row.callee_id) throw ApiError.badRequest('That person is in the call already.');
      if ((await membershipOf(trx, input.roomId, personId)) === undefined) throw ApiError.badRequest('Everyone added must be a member of the conference’s space (one’s client adds them, and so authorizes them on its key).');
    }
    const now = core.now();
    const conference = { conference_room_id: input.roomId, conference_invited: JSON.stringify(invited), conference_by: actor.personId };
    await trx.updateTable('calls').set(conference).where('id', '=', row.id).execute();
    const ended = await endCall(trx, emit, { ...row, ...conference }, 'moved_to_meeting', actor.personId, now, invited);
    return ended;
  });
}

export async function hold(core: Core, actor: Actor, id: string): Promise<Call> {
  return core.events.transact(async (trx, emit) => {
    const row = await partyCall(trx, actor, id);
    if (row.state === 'held' && row.held_by === actor.personId) return presentCall(trx, row);
    if (row.state !== 'connected') throw ApiError.conflict(row.state === 'held' ? 'The other party has put the call on hold.' : 'Only a connected call can be put on hold.');
    await trx.updateTable('calls').set({ state: 'held', held_by: actor.personId }).where('id', '=', row.id).execute();
    return announce(trx, emit, { ...row, state: 'held', held_by: actor.personId }, actor.personId);
  });
}

export async function resume(core: Core, actor: Actor, id: string): Promise<Call> {
  return core.events.transact(async (trx, emit) => {
    const row = await partyCall(trx, actor, id);
    if (row.state === 'connected') return presentCall(trx, row);
    if (row.state !== 'held' || row.held_by !== actor.personId) throw ApiError.conflict('Only the one who put the call on hold resumes it.');
    await trx.updateTable('calls').set({ state: 'connected', held_by: null }).where('id', '=', row.id).execute();
    return announce(trx, emit, { ...row, state: 'connected', held_by: null }, actor.personId);
  });
}

/**
 * Blind transfer: the actor leaves, and the other party's endpoint calls the target (a new leg of
 * the same call, ringing every endpoint of the target). A target on DND or on a call is refused
 * with 409 and the call goes on unchanged.
 */
export async function transfer(core: Core, actor: Actor, id: string, to: CallTarget): Promise<Call> {
  requirePerson(actor);
  const target = await reachablePerson(core.db, actor, to);
  return core.events.transact(async (trx, emit) => {
    const row = await partyCall(trx, actor, id);
    if (row.state !== 'connected' && row.state !== 'held') throw ApiError.conflict('Only an answered call can be transferred.');
    const stays = row.caller_id === actor.personId ? { person: row.callee_id, endpoint: row.callee_endpoint } : { person: row.caller_id, endpoint: row.caller_endpoint };
    if (target.id === stays.person) throw ApiError.badRequest('The call is already with that person.');
    if ((await settingsRow(trx, target.id)).dnd === 1) throw ApiError.conflict('That person does not take calls now (do not disturb).');
    const now = core.now();
    await recordLeg(trx, row, now, { caller: 'transferred', callee: 'transferred' });
    await trx.deleteFrom('call_lines').where('person_id', '=', actor.personId).where('call_id', '=', row.id).execute();
    if (!(await takeLine(trx, target.id, row.id))) throw ApiError.conflict('That person is on another call.');
    const redirections = [...(JSON.parse(row.redirections) as Redirection[]), { reason: 'transfer' as const, fromPersonId: actor.personId, toPersonId: target.id }];
    const next: CallRow = {
      ...row,
      caller_id: stays.person,
      caller_endpoint: stays.endpoint,
      callee_id: target.id,
      callee_endpoint: null,
      space_id: (await directSpaceId(trx, stays.person, target.id)) ?? null,
      key_url: null,
      state: 'ringing',
      held_by: null,
      ring_leg: row.ring_leg + 1,
      ring_until: ringUntil(core, now),
      leg_started_at: now,
      answered_at: null,
      redirections: JSON.stringify(redirections),
    };
    const { id: _id, ...changes } = next;
    await trx.updateTable('calls').set(changes).where('id', '=', row.id).execute();
    await scheduleRingTimeout(trx, next, now);
    return announce(trx, emit, next, actor.personId, [actor.personId]);
  });
}

/**
 * The ring timeout of one leg: if it still rings, it goes to the callee's no-answer forward (when
 * they have one who can take it) or ends as `no_answer`. A leg that was answered, ended or moved on
 * meanwhile is left alone.
 */
export async function ringTimedOut(core: Core, id: string, leg: number): Promise<void> {
  await core.events.transact(async (trx, emit) => {
    const row = await loadCall(trx, id);
    if (row !== undefined && row.state === 'parked' && row.ring_leg === leg) {
      await recallParked(core, trx, emit, row, core.now());
      return;
    }
    if (row === undefined || row.state !== 'ringing' || row.ring_leg !== leg) return;
    const now = core.now();
    const to = (await settingsRow(trx, row.callee_id)).forward_no_answer;
    const redirections = JSON.parse(row.redirections) as Redirection[];
    const visited = new Set([row.caller_id, row.callee_id, ...redirections.map((r) => r.fromPersonId)]);
    if (to !== null && !visited.has(to) && redirections.length < MAX_FORWARDS && (await isActive(trx, to)) && (await redirectRinging(core, trx, emit, row, to, 'forward_no_answer', now)) !== undefined) return;
    await endCall(trx, emit, row, 'no_answer', null, now);
  });
}

/**
 * A parked call nobody retrieved in time rings the one who parked it again (Webex's park recall): a
 * new leg from the other party, on the same pair (so the same key). If the parker is on another
 * call by then, it ends as `no_answer`.
 */
async function recallParked(core: Core, trx: Db, emit: Emit, row: CallRow, now: number): Promise<void> {
  const parker = row.parked_by!;
  const slot = row.parked_against;
  await trx.deleteFrom('call_parks').where('call_id', '=', row.id).execute();
  const stays = row.caller_id === parker ? { person: row.callee_id, endpoint: row.callee_endpoint } : { person: row.caller_id, endpoint: row.caller_endpoint };
  if (!(await takeLine(trx, parker, row.id))) {
    await endCall(trx, emit, row, 'no_answer', null, now, slot !== null ? [slot] : []);
    return;
  }
  await recordLeg(trx, row, now, { caller: 'answered', callee: 'answered' });
  const next: CallRow = {
    ...row,
    caller_id: stays.person,
    caller_endpoint: stays.endpoint,
    callee_id: parker,
    callee_endpoint: null,
    state: 'ringing',
    held_by: null,
    parked_by: null,
    parked_against: null,
    recall: 'park',
    ring_leg: row.ring_leg + 1,
    ring_until: ringUntil(core, now),
    leg_started_at: now,
    answered_at: null,
  };
  const { id: _id, ...changes } = next;
  await trx.updateTable('calls').set(changes).where('id', '=', row.id).execute();
  await scheduleRingTimeout(trx, next, now);
  await announce(trx, emit, next, null, slot !== null ? [slot] : []);
}

/**
 * Moves a ringing leg to another callee (a forward on no answer, a divert): the old callee's leg is
 * in their history as forwarded, the new one rings with a fresh ring time. Undefined (nothing
 * changed) when the new callee is on do not disturb or on a call.
 */
async function redirectRinging(core: Core, trx: Db, emit: Emit, row: CallRow, to: string, reason: 'forward_no_answer' | 'divert', now: number): Promise<Call | undefined> {
  if ((await settingsRow(trx, to)).dnd === 1 || !(await takeLine(trx, to, row.id))) return undefined;
  await recordLeg(trx, row, now, { caller: 'forwarded', callee: 'forwarded' });
  await trx.deleteFrom('call_lines').where('person_id', '=', row.callee_id).where('call_id', '=', row.id).execute();
  const redirections = [...(JSON.parse(row.redirections) as Redirection[]), { reason, fromPersonId: row.callee_id, toPersonId: to }];
  const next: CallRow = {
    ...row,
    callee_id: to,
    callee_endpoint: null,
    space_id: (await directSpaceId(trx, row.caller_id, to)) ?? null,
    key_url: null,
    ring_leg: row.ring_leg + 1,
    ring_until: ringUntil(core, now),
    leg_started_at: now,
    redirections: JSON.stringify(redirections),
  };
  const { id: _id, ...changes } = next;
  await trx.updateTable('calls').set(changes).where('id', '=', row.id).execute();
  await scheduleRingTimeout(trx, next, now);
  return announce(trx, emit, next, reason === 'divert' ? row.callee_id : null, [row.callee_id]);
}

/** The callee sends a call that rings them on to another person (Webex's divert). */
export async function divert(core: Core, actor: Actor, id: string, to: CallTarget): Promise<Call> {
  requirePerson(actor);
  const target = await reachablePerson(core.db, actor, to);
  return core.events.transact(async (trx, emit) => {
    const row = await partyCall(trx, actor, id);
    if (row.callee_id !== actor.personId) throw ApiError.forbidden('Only the person called diverts the call.');
    if (row.state !== 'ringing') throw ApiError.conflict('Only a ringing call can be diverted.');
    if (target.id === row.caller_id) throw ApiError.badRequest('That person is the caller.');
    const moved = await redirectRinging(core, trx, emit, row, target.id, 'divert', core.now());
    if (moved === undefined) throw ApiError.conflict('That person cannot take the call now (on a call, or do not disturb).');
    return moved;
  });
}

/** The caller's endpoint takes a call placed without one (through the API): the first to claim it. */
export async function claimCall(core: Core, actor: Actor, id: string, endpointId: string): Promise<Call> {
  return core.events.transact(async (trx, emit) => {
    const row = await partyCall(trx, actor, id);
    if (row.caller_id !== actor.personId) throw ApiError.forbidden('Only the caller’s endpoints claim a call.');
    if (row.state === 'ended') throw ApiError.conflict('The call has ended.');
    if (row.caller_endpoint === endpointId) return presentCall(trx, row);
    if (row.caller_endpoint !== null) throw new ApiError('answered_elsewhere', 'Another of your endpoints carries the call.');
    await trx.updateTable('calls').set({ caller_endpoint: endpointId }).where('id', '=', row.id).execute();
    return announce(trx, emit, { ...row, caller_endpoint: endpointId }, actor.personId);
  });
}

/**
 * Names the call's media key for the current leg (the caller's client): a KMS key URI bound to the
 * two parties' direct space's resource, which the callee's client checks before using it.
 */
export async function setCallKey(core: Core, actor: Actor, id: string, input: { roomId: string; keyUrl: string }): Promise<Call> {
  return core.events.transact(async (trx, emit) => {
    const row = await partyCall(trx, actor, id);
    if (row.caller_id !== actor.personId) throw ApiError.forbidden('The caller’s client names the call’s key.');
    if (row.state === 'ended') throw ApiError.conflict('The call has ended.');
    if (input.roomId !== (await directSpaceId(trx, row.caller_id, row.callee_id))) throw ApiError.badRequest('roomId must be the direct space of the call’s two parties.');
    if (row.key_url !== null) {
      if (row.key_url === input.keyUrl && row.space_id === input.roomId) return presentCall(trx, row);
      throw ApiError.conflict('The call has a media key already: use that one.');
    }
    await trx.updateTable('calls').set({ space_id: input.roomId, key_url: input.keyUrl }).where('id', '=', row.id).execute();
    return announce(trx, emit, { ...row, space_id: input.roomId, key_url: input.keyUrl }, actor.personId);
  });
}

/** Relays a WebRTC offer, answer or ICE candidate from the actor's endpoint in an answered call to the other party's endpoint. */
export async function relaySignal(core: Core, actor: Actor, id: string, input: { endpointId: string; signal: CallSignal }): Promise<void> {
  await core.events.transact(async (trx, emit) => {
    const row = await partyCall(trx, actor, id);
    if (row.state !== 'connected' && row.state !== 'held') throw ApiError.conflict('Only an answered call carries media.');
    const asCaller = row.caller_id === actor.personId;
    const mine = asCaller ? row.caller_endpoint : row.callee_endpoint;
    if (mine !== input.endpointId) throw ApiError.conflict('This endpoint is not the one in the call.');
    const to = asCaller ? { person: row.callee_id, endpoint: row.callee_endpoint } : { person: row.caller_id, endpoint: row.caller_endpoint };
    if (to.endpoint === null) throw ApiError.conflict('The other party has no endpoint in the call.');
    emit({ recipients: [to.person], type: 'call.signal', data: { callId: row.id, fromEndpointId: input.endpointId, toEndpointId: to.endpoint, ...input.signal }, actorId: actor.personId });
  });
}

/** One's calls going on now (ringing, connected, held). */
export async function activeCalls(core: Core, actor: Actor): Promise<Call[]> {
  requirePerson(actor);
  const rows = await core.db
    .selectFrom('calls')
    .selectAll()
    .where('state', '!=', 'ended')
    .where((eb) => eb.or([eb('caller_id', '=', actor.personId), eb('callee_id', '=', actor.personId), eb('parked_against', '=', actor.personId)]))
    .orderBy('created_at')
    .execute();
  return Promise.all(rows.map((r) => presentCall(core.db, r)));
}

/** A call one is a party of now, or whose leg is in one's history. */
export async function getCall(core: Core, actor: Actor, id: string): Promise<Call> {
  requirePerson(actor);
  const row = await loadCall(core.db, id);
  if (row === undefined) throw ApiError.notFound('call');
  if (row.caller_id !== actor.personId && row.callee_id !== actor.personId && row.parked_against !== actor.personId) {
    const had = await core.db.selectFrom('call_history').select('id').where('call_id', '=', id).where('person_id', '=', actor.personId).executeTakeFirst();
    if (had === undefined) throw ApiError.notFound('call');
  }
  return presentCall(core.db, row);
}

export async function callHistory(core: Core, actor: Actor, query: { max?: string | undefined; before?: string | undefined; type?: 'placed' | 'received' | 'missed' | undefined }) {
  requirePerson(actor);
  const max = Math.min(CALL_LIMITS.historyPage, Math.max(1, Number(query.max ?? 50)));
  let q = core.db.selectFrom('call_history').selectAll().where('person_id', '=', actor.personId);
  if (query.before !== undefined) q = q.where('id', '<', query.before);
  if (query.type !== undefined) q = q.where('type', '=', query.type);
  const rows = await q.orderBy('id', 'desc').limit(max).execute();
  return { items: await presentHistory(core.db, rows) };
}
