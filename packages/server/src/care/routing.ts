/**
 * Which expert a care request goes to (SPEC SP-7): the one place "available" and the rotation are
 * decided.
 *
 * An expert of the queue is *available* when they are an active person, connected now (their
 * event stream is open on some instance: the hub's presence, shared across instances by the bus),
 * their status is neither "away" nor "do not disturb" (a timed status that ended counts as
 * available), and they have fewer than `CARE_LIMITS.openPerExpert` assigned requests. Among the
 * available, the one with the fewest assigned requests (across all queues) wins; a tie goes to the
 * one this queue routed to longest ago (never first), then by id — so equally loaded experts take
 * turns. Nobody available: the request waits in the queue for an expert to take it.
 * @module
 */
import { CARE_LIMITS } from '@flint/protocol';
import type { Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import { statusesOf } from '../identity/status.ts';

export interface Candidate {
  personId: string;
  load: number;
  lastRoutedAt: number | null;
}

/** Orders the available candidates: fewest open requests, then longest since routed to here, then id. */
export function rankCandidates(candidates: readonly Candidate[]): Candidate[] {
  return [...candidates].sort(
    (a, b) =>
      a.load - b.load ||
      (a.lastRoutedAt ?? -1) - (b.lastRoutedAt ?? -1) ||
      (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0),
  );
}

/**
 * Picks the expert for a request on `queueId`, excluding `exclude` (the asker, the expert handing
 * off), and records the pick in the rotation. Answers undefined when nobody is available.
 */
export async function routeToExpert(core: Core, trx: Db, queueId: string, exclude: readonly string[]): Promise<string | undefined> {
  const experts = await trx
    .selectFrom('care_experts as e')
    .innerJoin('people as p', 'p.id', 'e.person_id')
    .select(['e.person_id', 'e.last_routed_at'])
    .where('e.queue_id', '=', queueId)
    .where('p.status', '=', 'active')
    .execute();
  const connected = experts.filter((e) => !exclude.includes(e.person_id) && core.events.hub.isOnline(e.person_id).status === 'active');
  if (connected.length === 0) return undefined;
  const ids = connected.map((e) => e.person_id);
  const statuses = await statusesOf(core, ids, trx);
  const present = connected.filter((e) => {
    const status = statuses.get(e.person_id)?.status;
    return status !== 'away' && status !== 'dnd';
  });
  if (present.length === 0) return undefined;
  const loads = await trx
    .selectFrom('care_requests')
    .select(['expert_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '=', 'assigned')
    .where(
      'expert_id',
      'in',
      present.map((e) => e.person_id),
    )
    .groupBy('expert_id')
    .execute();
  const loadOf = new Map(loads.map((l) => [l.expert_id, Number(l.n)]));
  const candidates = present
    .map((e) => ({ personId: e.person_id, load: loadOf.get(e.person_id) ?? 0, lastRoutedAt: e.last_routed_at === null ? null : Number(e.last_routed_at) }))
    .filter((c) => c.load < CARE_LIMITS.openPerExpert);
  const chosen = rankCandidates(candidates)[0];
  if (chosen === undefined) return undefined;
  await trx.updateTable('care_experts').set({ last_routed_at: core.now() }).where('queue_id', '=', queueId).where('person_id', '=', chosen.personId).execute();
  return chosen.personId;
}
