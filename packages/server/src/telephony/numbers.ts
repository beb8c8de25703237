/**
 * Extensions and DID numbers (SPEC CL-5). An extension is unique in its org whoever holds it (a
 * person, a hunt group or an auto attendant: one table, its primary key) and must lie in one of
 * the org's ranges. A DID is an E.164 number, unique on the instance, of a location, mapped to at
 * most one owner of the org. Audited (CP-5).
 * @module
 */
import { TELEPHONY_LIMITS, type OwnerType, type PhoneNumber } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { countWhere, requireMember, requireTelephonyAdmin } from './access.ts';
import { inRanges } from './dial-plan.ts';
import { locationOfOrg } from './locations.ts';
import { extensionRanges, orgSettings } from './settings.ts';

/**
 * Gives `owner` the extension (or none, for null): 400 outside every range, 409 when someone else
 * of the org has it. Call inside the owner's transaction.
 */
export async function setExtension(db: Db, orgId: string, owner: { type: OwnerType; id: string }, extension: string | null): Promise<void> {
  if (extension !== null) {
    if (!inRanges(extension, await extensionRanges(db, orgId))) throw ApiError.badRequest('extension: not in one of the organization’s extension ranges');
    const holder = await db.selectFrom('telephony_extensions').selectAll().where('org_id', '=', orgId).where('extension', '=', extension).executeTakeFirst();
    if (holder !== undefined && !(holder.owner_type === owner.type && holder.owner_id === owner.id)) throw ApiError.conflict(`Extension ${extension} is assigned already.`);
    if (holder !== undefined) return;
  }
  await db.deleteFrom('telephony_extensions').where('owner_type', '=', owner.type).where('owner_id', '=', owner.id).execute();
  if (extension !== null) await db.insertInto('telephony_extensions').values({ org_id: orgId, extension, owner_type: owner.type, owner_id: owner.id }).execute();
}

/** Extensions of owners, by owner id. */
export async function extensionsOf(db: Db, type: OwnerType, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('telephony_extensions').select(['owner_id', 'extension']).where('owner_type', '=', type).where('owner_id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [r.owner_id, r.extension]));
}

/** DIDs of owners, by owner id (in number order). */
export async function numbersOf(db: Db, type: OwnerType, ids: readonly string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (ids.length === 0) return map;
  const rows = await db.selectFrom('telephony_numbers').select(['owner_id', 'phone_number']).where('owner_type', '=', type).where('owner_id', 'in', [...ids]).orderBy('phone_number').execute();
  for (const r of rows) if (r.owner_id !== null) map.set(r.owner_id, [...(map.get(r.owner_id) ?? []), r.phone_number]);
  return map;
}

/** Frees whatever an owner holds (it is being deleted). */
export async function releaseOwner(db: Db, type: OwnerType, id: string): Promise<void> {
  await db.deleteFrom('telephony_extensions').where('owner_type', '=', type).where('owner_id', '=', id).execute();
  await db.updateTable('telephony_numbers').set({ owner_type: null, owner_id: null }).where('owner_type', '=', type).where('owner_id', '=', id).execute();
}

/** The owner's name, checking it is of the org: 400 naming the field otherwise. */
async function ownerName(db: Db, orgId: string, owner: { type: OwnerType; id: string }): Promise<string> {
  const row =
    owner.type === 'PEOPLE'
      ? await db.selectFrom('people').select(['display_name as name', 'org_id']).where('id', '=', owner.id).where('status', '=', 'active').where('type', '=', 'person').executeTakeFirst()
      : owner.type === 'HUNT_GROUP'
        ? await db.selectFrom('telephony_hunt_groups').select(['name', 'org_id']).where('id', '=', owner.id).executeTakeFirst()
        : await db.selectFrom('telephony_attendants').select(['name', 'org_id']).where('id', '=', owner.id).executeTakeFirst();
  if (row === undefined || row.org_id !== orgId) throw ApiError.badRequest('owner: no such person, hunt group or auto attendant in your organization');
  return row.name;
}

async function presentNumbers(db: Db, orgId: string, rows: readonly { id: string; phone_number: string; location_id: string; owner_type: string | null; owner_id: string | null }[]): Promise<PhoneNumber[]> {
  const settings = await orgSettings(db, orgId);
  const locations = new Map((await db.selectFrom('telephony_locations').select(['id', 'name']).where('org_id', '=', orgId).execute()).map((l) => [l.id, l.name]));
  const ids = (type: string) => rows.filter((r) => r.owner_type === type && r.owner_id !== null).map((r) => r.owner_id!);
  const names = new Map<string, string>();
  const people = ids('PEOPLE');
  if (people.length > 0) for (const p of await db.selectFrom('people').select(['id', 'display_name']).where('id', 'in', people).execute()) names.set(p.id, p.display_name);
  const groups = ids('HUNT_GROUP');
  if (groups.length > 0) for (const g of await db.selectFrom('telephony_hunt_groups').select(['id', 'name']).where('id', 'in', groups).execute()) names.set(g.id, g.name);
  const attendants = ids('AUTO_ATTENDANT');
  if (attendants.length > 0) for (const a of await db.selectFrom('telephony_attendants').select(['id', 'name']).where('id', 'in', attendants).execute()) names.set(a.id, a.name);
  return rows.map((r) => ({
    id: r.id,
    phoneNumber: r.phone_number,
    locationId: r.location_id,
    locationName: locations.get(r.location_id) ?? '',
    ...(r.owner_type !== null && r.owner_id !== null ? { owner: { type: r.owner_type as OwnerType, id: r.owner_id, name: names.get(r.owner_id) ?? '' } } : {}),
    mainNumber: settings.companyNumber === r.phone_number,
  }));
}

async function numberOfOrg(db: Db, orgId: string, id: string) {
  const row = await db.selectFrom('telephony_numbers').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined || row.org_id !== orgId) throw ApiError.notFound('number');
  return row;
}

export async function listNumbers(core: Core, actor: Actor, query: { locationId?: string | undefined }): Promise<PhoneNumber[]> {
  requireMember(actor);
  let q = core.db.selectFrom('telephony_numbers').selectAll().where('org_id', '=', actor.orgId);
  if (query.locationId !== undefined) q = q.where('location_id', '=', query.locationId);
  return presentNumbers(core.db, actor.orgId, await q.orderBy('phone_number').limit(TELEPHONY_LIMITS.numbersPerOrg).execute());
}

export async function addNumber(core: Core, actor: Actor, input: { phoneNumber: string; locationId: string }): Promise<PhoneNumber> {
  requireTelephonyAdmin(actor);
  return core.db.transaction().execute(async (trx) => {
    await locationOfOrg(trx, actor.orgId, input.locationId, 'locationId');
    if ((await countWhere(trx, 'telephony_numbers', 'org_id', actor.orgId)) >= TELEPHONY_LIMITS.numbersPerOrg) throw ApiError.conflict(`An organization has at most ${TELEPHONY_LIMITS.numbersPerOrg} numbers.`);
    const taken = await trx.selectFrom('telephony_numbers').select('id').where('phone_number', '=', input.phoneNumber).executeTakeFirst();
    if (taken !== undefined) throw ApiError.conflict('That number is in use already.');
    const id = newId();
    await trx.insertInto('telephony_numbers').values({ id, org_id: actor.orgId, location_id: input.locationId, phone_number: input.phoneNumber, owner_type: null, owner_id: null, created_at: core.now() }).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.number.create', targetId: id, targetName: input.phoneNumber });
    return (await presentNumbers(trx, actor.orgId, [await numberOfOrg(trx, actor.orgId, id)]))[0]!;
  });
}

export async function assignNumber(core: Core, actor: Actor, id: string, owner: { type: OwnerType; id: string } | null): Promise<PhoneNumber> {
  requireTelephonyAdmin(actor);
  return core.db.transaction().execute(async (trx) => {
    const row = await numberOfOrg(trx, actor.orgId, id);
    const name = owner === null ? null : await ownerName(trx, actor.orgId, owner);
    await trx.updateTable('telephony_numbers').set({ owner_type: owner?.type ?? null, owner_id: owner?.id ?? null }).where('id', '=', id).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.number.assign', targetId: id, targetName: row.phone_number, changes: { owner: { from: row.owner_id, to: name } } });
    return (await presentNumbers(trx, actor.orgId, [await numberOfOrg(trx, actor.orgId, id)]))[0]!;
  });
}

export async function deleteNumber(core: Core, actor: Actor, id: string): Promise<void> {
  requireTelephonyAdmin(actor);
  await core.db.transaction().execute(async (trx) => {
    const row = await numberOfOrg(trx, actor.orgId, id);
    if ((await orgSettings(trx, actor.orgId)).companyNumber === row.phone_number) throw ApiError.conflict('This is the company number: choose another company number first.');
    await trx.deleteFrom('telephony_numbers').where('id', '=', id).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.number.delete', targetId: id, targetName: row.phone_number });
  });
}
