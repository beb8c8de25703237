/**
 * A person's status (issue 16): available, away, or do not disturb — maybe until a time — with a
 * short text. Stored per person (`person_status`); a status whose end time has passed reads as
 * available (so "do not disturb until 14:00" ends by itself with no job); others see a change live
 * through the event stream (a presence frame to those watching the person).
 * @module
 */
import type { Availability } from '@flint/protocol';
import { ApiError } from '../errors.ts';
import type { Actor, Core } from '../core.ts';
import { cleanName } from './names.ts';
import type { Db } from '../db/database.ts';

/** The longest a timed status may last. */
export const STATUS_MAX_MS = 7 * 24 * 3600 * 1000;

/**
 * The statuses of these people now (people with none, or an ended one, are absent: available).
 * `db` is a transaction to read in, when the caller is inside one.
 */
export async function statusesOf(core: Core, personIds: string[], db: Db = core.db): Promise<Map<string, Availability>> {
  const out = new Map<string, Availability>();
  if (personIds.length === 0) return out;
  const now = core.now();
  const rows = await db.selectFrom('person_status').selectAll().where('person_id', 'in', personIds).execute();
  for (const row of rows) {
    if (row.until_at !== null && Number(row.until_at) <= now) continue;
    if (row.status === 'available' && row.text === null) continue;
    out.set(row.person_id, { status: row.status, ...(row.text !== null ? { text: row.text } : {}), ...(row.until_at !== null ? { until: new Date(Number(row.until_at)).toISOString() } : {}) });
  }
  return out;
}

export async function setStatus(core: Core, actor: Actor, input: { status: Availability['status']; text?: string | undefined; until?: string | undefined }): Promise<Availability | undefined> {
  const now = core.now();
  let until: number | null = null;
  if (input.until !== undefined) {
    until = Date.parse(input.until);
    if (!Number.isFinite(until) || until <= now) throw ApiError.badRequest('until: must be a time in the future');
    if (until - now > STATUS_MAX_MS) throw ApiError.badRequest('until: at most a week ahead');
  }
  const trimmed = input.text?.trim() ?? '';
  const text = trimmed === '' ? null : cleanName('text', trimmed);
  const row = { status: input.status, text, until_at: until, updated_at: now };
  await core.db
    .insertInto('person_status')
    .values({ person_id: actor.personId, ...row })
    .onConflict((oc) => oc.column('person_id').doUpdateSet(row))
    .execute();
  const availability = (await statusesOf(core, [actor.personId])).get(actor.personId);
  await core.events.hub.announceStatus(actor.personId, availability);
  return availability;
}
