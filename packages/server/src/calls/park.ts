/**
 * Call park and retrieve (SPEC CL-2; docs/calls.md): a party parks an answered call in a park slot —
 * their own, or another person's (one call per slot: `call_parks`' primary key, on both engines) —
 * and their line is free. The other party hears music on hold: the parker's endpoint keeps the
 * peer-to-peer media and sends it, as on hold (the core carries no media). The slot's owner or the
 * parker retrieves it on any of their endpoints: the parker on the same pair (same key, a new
 * endpoint), anyone else as a new leg with the other party (a key for the new pair, named by that
 * party's client as after a transfer). Unretrieved, the park timeout (FLINT_CALL_PARK_SECONDS, the
 * durable ring-timeout job) rings the parker again (`recall`, in calls.ts).
 * @module
 */
import type { Call, CallTarget } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { CallRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { announce, loadCall, partyCall, recordLeg, scheduleRingTimeout, takeLine } from './calls.ts';
import { directSpaceId, parkSlotOf } from './parties.ts';

type Redirection = Call['redirections'][number];

/** Parks an answered call in the actor's slot or the named person's. */
export async function park(core: Core, actor: Actor, id: string, against: CallTarget | undefined): Promise<Call> {
  if (actor.type !== 'person') throw ApiError.forbidden('Only people park calls.');
  const slot = await parkSlotOf(core.db, actor, against);
  return core.events.transact(async (trx, emit) => {
    const row = await partyCall(trx, actor, id);
    if (row.state === 'parked') throw ApiError.conflict('The call is parked already.');
    if (row.state !== 'connected' && !(row.state === 'held' && row.held_by === actor.personId)) throw ApiError.conflict('Only an answered call one is not held on can be parked.');
    const mine = row.caller_id === actor.personId ? row.caller_endpoint : row.callee_endpoint;
    if (mine === null) throw ApiError.conflict('No endpoint of yours carries the call (its music on hold comes from there).');
    const taken = await trx.insertInto('call_parks').values({ person_id: slot, call_id: row.id }).onConflict((oc) => oc.column('person_id').doNothing()).executeTakeFirst();
    if (Number(taken.numInsertedOrUpdatedRows ?? 0n) !== 1) throw new ApiError('conflict', 'That park slot holds another call: retrieve it first.');
    const now = core.now();
    const parked: CallRow = { ...row, state: 'parked', held_by: actor.personId, parked_by: actor.personId, parked_against: slot, ring_leg: row.ring_leg + 1, ring_until: now + core.config.calls.parkSeconds * 1000 };
    await trx.updateTable('calls').set({ state: 'parked', held_by: actor.personId, parked_by: actor.personId, parked_against: slot, ring_leg: parked.ring_leg, ring_until: parked.ring_until }).where('id', '=', row.id).execute();
    // The parker's line is free: they can place and take other calls while this one waits.
    await trx.deleteFrom('call_lines').where('person_id', '=', actor.personId).where('call_id', '=', row.id).execute();
    await scheduleRingTimeout(trx, parked, now);
    return announce(trx, emit, parked, actor.personId, [slot]);
  });
}

/** Retrieves the call parked in a slot (one's own by default) on the actor's endpoint. */
export async function retrieve(core: Core, actor: Actor, input: { endpointId: string; from?: CallTarget | undefined }): Promise<Call> {
  if (actor.type !== 'person') throw ApiError.forbidden('Only people retrieve calls.');
  const slot = await parkSlotOf(core.db, actor, input.from);
  return core.events.transact(async (trx, emit) => {
    const parkedIn = await trx.selectFrom('call_parks').select('call_id').where('person_id', '=', slot).executeTakeFirst();
    const row = parkedIn === undefined ? undefined : await loadCall(trx, parkedIn.call_id);
    if (row === undefined || row.state !== 'parked' || row.parked_by === null) throw ApiError.notFound('parked call');
    const parker = row.parked_by;
    if (actor.personId !== slot && actor.personId !== parker) throw ApiError.forbidden('Only the slot’s owner or the one who parked the call retrieves it.');
    if (!(await takeLine(trx, actor.personId, row.id))) throw ApiError.conflict('You are on a call already: hang it up first.');
    await trx.deleteFrom('call_parks').where('person_id', '=', slot).execute();
    const now = core.now();
    const stays = row.caller_id === parker ? { person: row.callee_id, endpoint: row.callee_endpoint } : { person: row.caller_id, endpoint: row.caller_endpoint };
    const base = { state: 'connected' as const, held_by: null, parked_by: null, parked_against: null, ring_until: null, recall: null };
    let next: CallRow;
    if (actor.personId === parker) {
      // The same two people: the key stays; the retrieving endpoint takes the parker's side.
      next = { ...row, ...base, ...(row.caller_id === parker ? { caller_endpoint: input.endpointId } : { callee_endpoint: input.endpointId }) };
    } else {
      // Someone else takes it (a park against their slot): a new leg with the other party, as a transfer.
      await recordLeg(trx, row, now, { caller: 'transferred', callee: 'transferred' });
      await trx.deleteFrom('call_lines').where('person_id', '=', parker).where('call_id', '=', row.id).execute();
      const redirections: Redirection[] = [...(JSON.parse(row.redirections) as Redirection[]), { reason: 'transfer', fromPersonId: parker, toPersonId: actor.personId }];
      next = {
        ...row,
        ...base,
        caller_id: stays.person,
        caller_endpoint: stays.endpoint,
        callee_id: actor.personId,
        callee_endpoint: input.endpointId,
        space_id: (await directSpaceId(trx, stays.person, actor.personId)) ?? null,
        key_url: null,
        leg_started_at: now,
        answered_at: now,
        redirections: JSON.stringify(redirections),
      };
    }
    const { id: _id, ...changes } = next;
    await trx.updateTable('calls').set(changes).where('id', '=', row.id).execute();
    return announce(trx, emit, next, actor.personId, [parker, slot]);
  });
}
