/**
 * Locations (SPEC CL-5): a name unique in the org, an IANA time zone (schedules run in it) and the
 * emergency address sent with emergency calls from there; the address's country also decides
 * which numbers are international. Audited (CP-5).
 * @module
 */
import { TELEPHONY_LIMITS, type EmergencyAddress, type TelephonyLocation } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { TelephonyLocationsTable } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { countWhere, requireMember, requireTelephonyAdmin, telephonyName } from './access.ts';
import { isSupportedCountry } from './dial-plan.ts';
import { isTimeZone } from './schedules.ts';

export function presentLocation(r: TelephonyLocationsTable): TelephonyLocation {
  return {
    id: r.id,
    name: r.name,
    timeZone: r.time_zone,
    address: {
      address1: r.address1,
      ...(r.address2 !== null ? { address2: r.address2 } : {}),
      city: r.city,
      ...(r.state !== null ? { state: r.state } : {}),
      postalCode: r.postal_code,
      country: r.country,
    },
    created: iso(Number(r.created_at)),
  };
}

/** A location of the actor's org, or 404 (another org's is as missing as an unknown one). */
export async function locationOfOrg(db: Db, orgId: string, id: string, field?: string): Promise<TelephonyLocationsTable> {
  const row = await db.selectFrom('telephony_locations').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined || row.org_id !== orgId) {
    if (field !== undefined) throw ApiError.badRequest(`${field}: no such location`);
    throw ApiError.notFound('location');
  }
  return row;
}

function checkZone(zone: string): void {
  if (!isTimeZone(zone)) throw ApiError.badRequest('timeZone: not a known IANA time zone (e.g. Europe/Paris)');
}

function addressColumns(a: EmergencyAddress) {
  if (!isSupportedCountry(a.country)) throw ApiError.badRequest('address.country: not a supported country (docs/telephony.md lists them)');
  return {
    address1: telephonyName('address.address1', a.address1),
    address2: a.address2 === undefined || a.address2.trim() === '' ? null : telephonyName('address.address2', a.address2),
    city: telephonyName('address.city', a.city),
    state: a.state === undefined || a.state.trim() === '' ? null : telephonyName('address.state', a.state),
    postal_code: telephonyName('address.postalCode', a.postalCode),
    country: a.country,
  };
}

export async function listLocations(core: Core, actor: Actor): Promise<TelephonyLocation[]> {
  requireMember(actor);
  const rows = await core.db.selectFrom('telephony_locations').selectAll().where('org_id', '=', actor.orgId).orderBy('name').limit(TELEPHONY_LIMITS.locationsPerOrg).execute();
  return rows.map(presentLocation);
}

export async function getLocation(core: Core, actor: Actor, id: string): Promise<TelephonyLocation> {
  requireMember(actor);
  return presentLocation(await locationOfOrg(core.db, actor.orgId, id));
}

export async function createLocation(core: Core, actor: Actor, input: { name: string; timeZone: string; address: EmergencyAddress }): Promise<TelephonyLocation> {
  requireTelephonyAdmin(actor);
  const name = telephonyName('name', input.name);
  checkZone(input.timeZone);
  const address = addressColumns(input.address);
  return core.db.transaction().execute(async (trx) => {
    if ((await countWhere(trx, 'telephony_locations', 'org_id', actor.orgId)) >= TELEPHONY_LIMITS.locationsPerOrg) throw ApiError.conflict(`An organization has at most ${TELEPHONY_LIMITS.locationsPerOrg} locations.`);
    const taken = await trx.selectFrom('telephony_locations').select('id').where('org_id', '=', actor.orgId).where('name', '=', name).executeTakeFirst();
    if (taken !== undefined) throw ApiError.conflict('A location of that name exists already.');
    const id = newId();
    await trx.insertInto('telephony_locations').values({ id, org_id: actor.orgId, name, time_zone: input.timeZone, ...address, created_at: core.now() }).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.location.create', targetId: id, targetName: name });
    return presentLocation(await locationOfOrg(trx, actor.orgId, id));
  });
}

export async function updateLocation(core: Core, actor: Actor, id: string, input: { name?: string | undefined; timeZone?: string | undefined; address?: EmergencyAddress | undefined }): Promise<TelephonyLocation> {
  requireTelephonyAdmin(actor);
  const name = input.name === undefined ? undefined : telephonyName('name', input.name);
  if (input.timeZone !== undefined) checkZone(input.timeZone);
  const address = input.address === undefined ? undefined : addressColumns(input.address);
  return core.db.transaction().execute(async (trx) => {
    const row = await locationOfOrg(trx, actor.orgId, id);
    if (name !== undefined && name !== row.name) {
      const taken = await trx.selectFrom('telephony_locations').select('id').where('org_id', '=', actor.orgId).where('name', '=', name).executeTakeFirst();
      if (taken !== undefined) throw ApiError.conflict('A location of that name exists already.');
    }
    await trx
      .updateTable('telephony_locations')
      .set({ ...(name !== undefined ? { name } : {}), ...(input.timeZone !== undefined ? { time_zone: input.timeZone } : {}), ...(address ?? {}) })
      .where('id', '=', id)
      .execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.location.update', targetId: id, targetName: name ?? row.name });
    return presentLocation(await locationOfOrg(trx, actor.orgId, id));
  });
}

export async function deleteLocation(core: Core, actor: Actor, id: string): Promise<void> {
  requireTelephonyAdmin(actor);
  await core.db.transaction().execute(async (trx) => {
    const row = await locationOfOrg(trx, actor.orgId, id);
    for (const table of ['telephony_numbers', 'telephony_hunt_groups', 'telephony_attendants'] as const) {
      if ((await countWhere(trx, table, 'location_id', id)) > 0) throw ApiError.conflict('The location has numbers, hunt groups or auto attendants: move or remove them first.');
    }
    await trx.deleteFrom('telephony_schedules').where('location_id', '=', id).execute();
    await trx.deleteFrom('telephony_locations').where('id', '=', id).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.location.delete', targetId: id, targetName: row.name });
  });
}
