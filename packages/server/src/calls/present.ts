/**
 * Calls and history entries as the API shows them (protocol/calls.ts).
 * @module
 */
import type { Call, CallHistoryEntry } from '@flint/protocol';
import type { Db } from '../db/database.ts';
import type { CallHistoryTable, CallRow } from '../db/schema.ts';
import { iso } from '../infra/ids.ts';
import { personBriefs } from '../spaces/access.ts';

export async function presentCall(db: Db, row: CallRow): Promise<Call> {
  const people = await personBriefs(db, [row.caller_id, row.callee_id, ...(row.parked_against !== null ? [row.parked_against] : [])]);
  const party = (personId: string, endpoint: string | null) => ({ personId, displayName: people.get(personId)?.display_name ?? '', ...(endpoint !== null ? { endpointId: endpoint } : {}) });
  const call: Call = {
    id: row.id,
    state: row.state,
    media: row.media,
    caller: party(row.caller_id, row.caller_endpoint),
    callee: party(row.callee_id, row.callee_endpoint),
    created: iso(Number(row.created_at)),
    redirections: JSON.parse(row.redirections) as Call['redirections'],
  };
  if (row.space_id !== null) call.roomId = row.space_id;
  if (row.key_url !== null) call.keyUrl = row.key_url;
  if (row.held_by !== null) call.heldBy = row.held_by;
  if (row.ring_until !== null && row.state === 'ringing') call.ringsUntil = iso(Number(row.ring_until));
  if (row.answered_at !== null) call.answered = iso(Number(row.answered_at));
  if (row.ended_at !== null) call.ended = iso(Number(row.ended_at));
  if (row.end_reason !== null) call.endReason = row.end_reason;
  if (row.ended_by !== null) call.endedBy = row.ended_by;
  if (row.state === 'parked' && row.parked_by !== null && row.parked_against !== null && row.ring_until !== null) {
    call.park = { by: row.parked_by, against: party(row.parked_against, null), until: iso(Number(row.ring_until)) };
  }
  if (row.recall !== null) call.recall = { type: row.recall };
  if (row.conference_room_id !== null && row.conference_by !== null) call.conference = { roomId: row.conference_room_id, invited: JSON.parse(row.conference_invited ?? '[]') as string[], by: row.conference_by };
  return call;
}

export async function presentHistory(db: Db, rows: readonly CallHistoryTable[]): Promise<CallHistoryEntry[]> {
  const people = await personBriefs(db, rows.map((r) => r.other_person_id));
  return rows.map((r) => {
    const answered = r.answered_at === null ? undefined : Number(r.answered_at);
    const entry: CallHistoryEntry = {
      id: r.id,
      callId: r.call_id,
      type: r.type,
      outcome: r.outcome,
      media: r.media,
      other: { personId: r.other_person_id, displayName: people.get(r.other_person_id)?.display_name ?? '' },
      started: iso(Number(r.started_at)),
      ended: iso(Number(r.ended_at)),
      durationSeconds: answered === undefined ? 0 : Math.max(0, Math.round((Number(r.ended_at) - answered) / 1000)),
    };
    if (r.space_id !== null) entry.roomId = r.space_id;
    if (answered !== undefined) entry.answered = iso(answered);
    return entry;
  });
}
