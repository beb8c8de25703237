/**
 * Auto attendants (SPEC CL-4): menus by DTMF with submenus and dialling by extension, the
 * business-hours and holiday schedules of their location, route-to actions (routing.ts walks them),
 * and greetings spoken from a menu's text by the TTS engine into a WAV kept in the blob store.
 * Greetings are heard by PSTN callers, so they are not end-to-end encrypted content. Audited (CP-5).
 * @module
 */
import { TELEPHONY_LIMITS, type AttendantMenu, type AutoAttendant } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { TelephonyAttendantsTable } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { countWhere, requireMember, requireTelephonyAdmin, telephonyName } from './access.ts';
import { checkDestination } from './hunt-groups.ts';
import { locationOfOrg } from './locations.ts';
import { extensionsOf, numbersOf, releaseOwner, setExtension } from './numbers.ts';
import { scheduleOfOrg } from './schedule-store.ts';
import { speak } from './tts.ts';

export interface AttendantInput {
  name: string;
  locationId: string;
  extension?: string | null | undefined;
  businessScheduleId?: string | null | undefined;
  holidayScheduleId?: string | null | undefined;
  businessHoursMenu: AttendantMenu;
  afterHoursMenu: AttendantMenu;
  submenus?: AttendantMenu[] | undefined;
}

interface StoredMenus {
  submenus: AttendantMenu[];
  business: AttendantMenu;
}

async function present(db: Db, rows: readonly TelephonyAttendantsTable[]): Promise<AutoAttendant[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [extensions, numbers, greetings] = await Promise.all([
    extensionsOf(db, 'AUTO_ATTENDANT', ids),
    numbersOf(db, 'AUTO_ATTENDANT', ids),
    db.selectFrom('telephony_greetings').select(['attendant_id', 'menu', 'source', 'bytes', 'created_at']).where('attendant_id', 'in', ids).orderBy('menu').execute(),
  ]);
  return rows.map((r) => {
    const stored = JSON.parse(r.business_menu) as StoredMenus;
    const extension = extensions.get(r.id);
    const phoneNumber = numbers.get(r.id)?.[0];
    return {
      id: r.id,
      name: r.name,
      locationId: r.location_id,
      ...(extension !== undefined ? { extension } : {}),
      ...(phoneNumber !== undefined ? { phoneNumber } : {}),
      ...(r.business_schedule_id !== null ? { businessScheduleId: r.business_schedule_id } : {}),
      ...(r.holiday_schedule_id !== null ? { holidayScheduleId: r.holiday_schedule_id } : {}),
      businessHoursMenu: stored.business,
      afterHoursMenu: JSON.parse(r.after_hours_menu) as AttendantMenu,
      submenus: stored.submenus,
      greetings: greetings.filter((g) => g.attendant_id === r.id).map((g) => ({ menu: g.menu, source: g.source as 'tts' | 'upload', bytes: Number(g.bytes), created: iso(Number(g.created_at)) })),
      created: iso(Number(r.created_at)),
    };
  });
}

/** The menus of a stored row, as routing needs them. */
export function storedMenus(r: TelephonyAttendantsTable): { business: AttendantMenu; afterHours: AttendantMenu; submenus: AttendantMenu[] } {
  const stored = JSON.parse(r.business_menu) as StoredMenus;
  return { business: stored.business, afterHours: JSON.parse(r.after_hours_menu) as AttendantMenu, submenus: stored.submenus };
}

async function attendantOfOrg(db: Db, orgId: string, id: string): Promise<TelephonyAttendantsTable> {
  const row = await db.selectFrom('telephony_attendants').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined || row.org_id !== orgId) throw ApiError.notFound('auto attendant');
  return row;
}

async function getAttendantRow(db: Db, orgId: string, id: string): Promise<AutoAttendant> {
  return (await present(db, [await attendantOfOrg(db, orgId, id)]))[0]!;
}

/** Keys unique per menu; each action with what it needs; submenus that exist; destinations assigned. */
async function checkMenus(db: Db, orgId: string, menus: Record<string, AttendantMenu>, submenuCount: number): Promise<void> {
  for (const [field, menu] of Object.entries(menus)) {
    const keys = menu.keys.map((k) => k.key);
    if (new Set(keys).size !== keys.length) throw ApiError.badRequest(`${field}.keys: each key once`);
    for (const [i, k] of menu.keys.entries()) {
      const at = `${field}.keys[${i}]`;
      if ((k.action === 'TRANSFER' || k.action === 'VOICEMAIL') && k.destination === undefined) throw ApiError.badRequest(`${at}.destination: required for ${k.action}`);
      if (k.action === 'SUBMENU' && (k.submenu === undefined || k.submenu >= submenuCount)) throw ApiError.badRequest(`${at}.submenu: not one of the attendant’s submenus`);
      await checkDestination(db, orgId, `${at}.destination`, k.destination);
      if (k.action === 'VOICEMAIL' && k.destination !== undefined) {
        const owner = await db.selectFrom('telephony_extensions').select('owner_type').where('org_id', '=', orgId).where('extension', '=', k.destination).executeTakeFirst();
        if (owner?.owner_type !== 'PEOPLE') throw ApiError.badRequest(`${at}.destination: voicemail goes to a person’s extension`);
      }
    }
  }
}

async function checkSchedule(db: Db, orgId: string, locationId: string, id: string | null | undefined, type: 'businessHours' | 'holidays', field: string): Promise<void> {
  if (id === undefined || id === null) return;
  const row = await scheduleOfOrg(db, orgId, id, field);
  if (row.location_id !== locationId || row.type !== type) throw ApiError.badRequest(`${field}: must be a ${type} schedule of the attendant’s location`);
}

export async function listAttendants(core: Core, actor: Actor): Promise<AutoAttendant[]> {
  requireMember(actor);
  return present(core.db, await core.db.selectFrom('telephony_attendants').selectAll().where('org_id', '=', actor.orgId).orderBy('name').limit(TELEPHONY_LIMITS.attendantsPerOrg).execute());
}

export async function getAttendant(core: Core, actor: Actor, id: string): Promise<AutoAttendant> {
  requireMember(actor);
  return getAttendantRow(core.db, actor.orgId, id);
}

export async function createAttendant(core: Core, actor: Actor, input: AttendantInput): Promise<AutoAttendant> {
  requireTelephonyAdmin(actor);
  const name = telephonyName('name', input.name);
  const submenus = input.submenus ?? [];
  return core.db.transaction().execute(async (trx) => {
    if ((await countWhere(trx, 'telephony_attendants', 'org_id', actor.orgId)) >= TELEPHONY_LIMITS.attendantsPerOrg) throw ApiError.conflict(`An organization has at most ${TELEPHONY_LIMITS.attendantsPerOrg} auto attendants.`);
    await locationOfOrg(trx, actor.orgId, input.locationId, 'locationId');
    const taken = await trx.selectFrom('telephony_attendants').select('id').where('org_id', '=', actor.orgId).where('name', '=', name).executeTakeFirst();
    if (taken !== undefined) throw ApiError.conflict('An auto attendant of that name exists already.');
    await checkSchedule(trx, actor.orgId, input.locationId, input.businessScheduleId, 'businessHours', 'businessScheduleId');
    await checkSchedule(trx, actor.orgId, input.locationId, input.holidayScheduleId, 'holidays', 'holidayScheduleId');
    await checkMenus(trx, actor.orgId, { businessHoursMenu: input.businessHoursMenu, afterHoursMenu: input.afterHoursMenu, ...Object.fromEntries(submenus.map((m, i) => [`submenus[${i}]`, m])) }, submenus.length);
    const id = newId();
    await trx
      .insertInto('telephony_attendants')
      .values({
        id,
        org_id: actor.orgId,
        location_id: input.locationId,
        name,
        business_schedule_id: input.businessScheduleId ?? null,
        holiday_schedule_id: input.holidayScheduleId ?? null,
        business_menu: JSON.stringify({ business: input.businessHoursMenu, submenus } satisfies StoredMenus),
        after_hours_menu: JSON.stringify(input.afterHoursMenu),
        created_at: core.now(),
      })
      .execute();
    if (input.extension !== undefined && input.extension !== null) await setExtension(trx, actor.orgId, { type: 'AUTO_ATTENDANT', id }, input.extension);
    await recordAdminAction(core, trx, actor, { action: 'telephony.attendant.create', targetId: id, targetName: name });
    return getAttendantRow(trx, actor.orgId, id);
  });
}

export async function updateAttendant(core: Core, actor: Actor, id: string, input: Partial<AttendantInput>): Promise<AutoAttendant> {
  requireTelephonyAdmin(actor);
  const name = input.name === undefined ? undefined : telephonyName('name', input.name);
  return core.db.transaction().execute(async (trx) => {
    const row = await attendantOfOrg(trx, actor.orgId, id);
    const menus = storedMenus(row);
    const next = { business: input.businessHoursMenu ?? menus.business, afterHours: input.afterHoursMenu ?? menus.afterHours, submenus: input.submenus ?? menus.submenus };
    const locationId = input.locationId ?? row.location_id;
    if (input.locationId !== undefined) await locationOfOrg(trx, actor.orgId, input.locationId, 'locationId');
    if (name !== undefined && name !== row.name) {
      const taken = await trx.selectFrom('telephony_attendants').select('id').where('org_id', '=', actor.orgId).where('name', '=', name).executeTakeFirst();
      if (taken !== undefined) throw ApiError.conflict('An auto attendant of that name exists already.');
    }
    const businessScheduleId = input.businessScheduleId !== undefined ? input.businessScheduleId : row.business_schedule_id;
    const holidayScheduleId = input.holidayScheduleId !== undefined ? input.holidayScheduleId : row.holiday_schedule_id;
    await checkSchedule(trx, actor.orgId, locationId, businessScheduleId, 'businessHours', 'businessScheduleId');
    await checkSchedule(trx, actor.orgId, locationId, holidayScheduleId, 'holidays', 'holidayScheduleId');
    await checkMenus(trx, actor.orgId, { businessHoursMenu: next.business, afterHoursMenu: next.afterHours, ...Object.fromEntries(next.submenus.map((m, i) => [`submenus[${i}]`, m])) }, next.submenus.length);
    await trx
      .updateTable('telephony_attendants')
      .set({
        ...(name !== undefined ? { name } : {}),
        location_id: locationId,
        business_schedule_id: businessScheduleId,
        holiday_schedule_id: holidayScheduleId,
        business_menu: JSON.stringify({ business: next.business, submenus: next.submenus } satisfies StoredMenus),
        after_hours_menu: JSON.stringify(next.afterHours),
      })
      .where('id', '=', id)
      .execute();
    if (input.extension !== undefined) await setExtension(trx, actor.orgId, { type: 'AUTO_ATTENDANT', id }, input.extension);
    await recordAdminAction(core, trx, actor, { action: 'telephony.attendant.update', targetId: id, targetName: name ?? row.name });
    return getAttendantRow(trx, actor.orgId, id);
  });
}

export async function deleteAttendant(core: Core, actor: Actor, id: string): Promise<void> {
  requireTelephonyAdmin(actor);
  const keys = await core.db.transaction().execute(async (trx) => {
    const row = await attendantOfOrg(trx, actor.orgId, id);
    const greetings = await trx.selectFrom('telephony_greetings').select('blob_key').where('attendant_id', '=', id).execute();
    await releaseOwner(trx, 'AUTO_ATTENDANT', id);
    await trx.deleteFrom('telephony_greetings').where('attendant_id', '=', id).execute();
    await trx.deleteFrom('telephony_attendants').where('id', '=', id).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.attendant.delete', targetId: id, targetName: row.name });
    return greetings.map((g) => g.blob_key);
  });
  for (const key of keys) await core.blobs.delete(key);
}

/** Speaks a top menu's greeting text into a WAV (espeak-ng) and keeps it as that menu's greeting. */
export async function speakGreeting(core: Core, actor: Actor, id: string, menu: 'business' | 'afterHours'): Promise<AutoAttendant> {
  requireTelephonyAdmin(actor);
  const row = await attendantOfOrg(core.db, actor.orgId, id);
  const menus = storedMenus(row);
  const text = (menu === 'business' ? menus.business : menus.afterHours).greeting?.trim();
  if (text === undefined || text === '') throw ApiError.badRequest(`${menu === 'business' ? 'businessHoursMenu' : 'afterHoursMenu'}.greeting: set the greeting’s text first`);
  const wav = await speak(text);
  const key = `telephony/greetings/${id}/${menu}/${newId()}.wav`;
  await core.blobs.put(key, wav, 'audio/wav');
  const old = await core.db.transaction().execute(async (trx) => {
    await attendantOfOrg(trx, actor.orgId, id);
    const before = await trx.selectFrom('telephony_greetings').select('blob_key').where('attendant_id', '=', id).where('menu', '=', menu).executeTakeFirst();
    await trx.deleteFrom('telephony_greetings').where('attendant_id', '=', id).where('menu', '=', menu).execute();
    await trx.insertInto('telephony_greetings').values({ attendant_id: id, menu, source: 'tts', text, blob_key: key, bytes: wav.byteLength, created_at: core.now() }).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.attendant.greeting', targetId: id, targetName: row.name, changes: { menu: { to: menu } } });
    return before?.blob_key;
  });
  if (old !== undefined) await core.blobs.delete(old);
  return getAttendantRow(core.db, actor.orgId, id);
}
