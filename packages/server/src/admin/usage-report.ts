/**
 * Daily usage of an org (SPEC ID-8, AD-2), computed when asked from metadata the core holds anyway —
 * message and file rows (sender, time, ciphertext size) and space rows — never from content. Days
 * are UTC. Aggregated at query time (grouped by day in SQL), not stored: a report over a large org
 * and a long period reads every message row of the period once.
 * @module
 */
import { sql } from 'kysely';
import { adminReports, type UsageDay } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { ApiError } from '../errors.ts';

const DAY_MS = 86_400_000;

function dayNumber(day: string, name: string): number {
  const ms = Date.parse(`${day}T00:00:00.000Z`);
  if (Number.isNaN(ms)) throw ApiError.badRequest(`${name}: not a day (YYYY-MM-DD)`);
  return ms / DAY_MS;
}

export async function usageReport(core: Core, actor: Actor, query: { from: string; to: string }): Promise<UsageDay[]> {
  const first = dayNumber(query.from, 'from');
  const last = dayNumber(query.to, 'to');
  if (last < first) throw ApiError.badRequest('to: must not be before from');
  if (last - first + 1 > adminReports.REPORT_MAX_DAYS) throw ApiError.badRequest(`from, to: at most ${adminReports.REPORT_MAX_DAYS} days`);
  const start = first * DAY_MS;
  const end = (last + 1) * DAY_MS;
  // Integer division on both engines (SQLite: integer / integer; PostgreSQL: bigint / integer).
  const day = (column: string) => sql<number>`(${sql.ref(column)} / ${sql.lit(DAY_MS)})`;

  const messages = await core.db
    .selectFrom('messages')
    .innerJoin('people', 'people.id', 'messages.person_id')
    .select((eb) => [day('messages.created_at').as('d'), eb.fn.countAll<number>().as('n'), eb.fn.count<number>('messages.person_id').distinct().as('people')])
    .where('people.org_id', '=', actor.orgId)
    .where('messages.created_at', '>=', start)
    .where('messages.created_at', '<', end)
    .groupBy(day('messages.created_at'))
    .execute();
  const files = await core.db
    .selectFrom('files')
    .select((eb) => [day('created_at').as('d'), eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('size').as('bytes')])
    .where('org_id', '=', actor.orgId)
    .where('status', '=', 'complete')
    .where('preview_of', 'is', null)
    .where('created_at', '>=', start)
    .where('created_at', '<', end)
    .groupBy(day('created_at'))
    .execute();
  const spaces = await core.db
    .selectFrom('spaces')
    .select((eb) => [day('created_at').as('d'), eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', actor.orgId)
    .where('created_at', '>=', start)
    .where('created_at', '<', end)
    .groupBy(day('created_at'))
    .execute();

  const rows = new Map<number, UsageDay>();
  for (let d = first; d <= last; d++) {
    rows.set(d, { day: new Date(d * DAY_MS).toISOString().slice(0, 10), activePeople: 0, messages: 0, files: 0, fileBytes: 0, spacesCreated: 0 });
  }
  for (const r of messages) {
    const row = rows.get(Number(r.d));
    if (row) Object.assign(row, { messages: Number(r.n), activePeople: Number(r.people) });
  }
  for (const r of files) {
    const row = rows.get(Number(r.d));
    if (row) Object.assign(row, { files: Number(r.n), fileBytes: Number(r.bytes ?? 0) });
  }
  for (const r of spaces) {
    const row = rows.get(Number(r.d));
    if (row) row.spacesCreated = Number(r.n);
  }
  return [...rows.values()];
}

const CSV_COLUMNS = ['day', 'activePeople', 'messages', 'files', 'fileBytes', 'spacesCreated'] as const;

/** RFC 4180 CSV: a header line, then one line per day (numbers and dates only: nothing to quote). */
export function usageCsv(days: readonly UsageDay[]): string {
  return [CSV_COLUMNS.join(','), ...days.map((d) => CSV_COLUMNS.map((c) => String(d[c])).join(','))].join('\r\n') + '\r\n';
}
