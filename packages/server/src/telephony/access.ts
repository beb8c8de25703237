/**
 * Who may change telephony configuration (SPEC CL-5): the org's admins. Everyone of the org reads
 * the numbering (the calling directory). One place, so every domain function asks the same way.
 * @module
 */
import type { Actor } from '../core.ts';
import type { Db } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import { cleanName } from '../identity/names.ts';

export function requireTelephonyAdmin(actor: Actor): void {
  if (!actor.isAdmin) throw ApiError.forbidden('Telephony configuration requires the organization administrator role.');
}

export function requireMember(actor: Actor): void {
  if (actor.isGuest || actor.type !== 'person') throw ApiError.forbidden('Telephony is for the people of the organization.');
}

/** A name as stored (NFC, trimmed, no control characters); 400 naming `field`. */
export function telephonyName(field: string, raw: string): string {
  return cleanName(field, raw);
}

/** Counts rows of `table` where `column` = `value` (limits). */
export async function countWhere(db: Db, table: 'telephony_locations' | 'telephony_numbers' | 'telephony_hunt_groups' | 'telephony_attendants' | 'telephony_extension_ranges' | 'telephony_schedules' | 'telephony_devices', column: 'org_id' | 'location_id' | 'person_id', value: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(column as never, '=', value as never)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
