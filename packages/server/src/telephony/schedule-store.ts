/**
 * Business-hours and holiday schedules of a location (SPEC CL-4), stored: names unique per
 * location and type, events validated (schedules.ts evaluates them). Audited (CP-5).
 * @module
 */
import { TELEPHONY_LIMITS, type Schedule, type ScheduleEvent, type ScheduleType } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { TelephonySchedulesTable } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { countWhere, requireMember, requireTelephonyAdmin, telephonyName } from './access.ts';
import { locationOfOrg } from './locations.ts';
import { eventProblems } from './schedules.ts';

export function presentSchedule(r: TelephonySchedulesTable): Schedule {
  return { id: r.id, name: r.name, type: r.type as ScheduleType, locationId: r.location_id, events: JSON.parse(r.events) as ScheduleEvent[] };
}

export async function scheduleOfOrg(db: Db, orgId: string, id: string, field?: string): Promise<TelephonySchedulesTable> {
  const row = await db.selectFrom('telephony_schedules').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined || row.org_id !== orgId) {
    if (field !== undefined) throw ApiError.badRequest(`${field}: no such schedule`);
    throw ApiError.notFound('schedule');
  }
  return row;
}

function checkEvents(events: readonly ScheduleEvent[]): void {
  const problems = eventProblems(events);
  if (problems.length > 0) throw ApiError.badRequest(problems[0]!, problems);
}

async function assertNameFree(db: Db, locationId: string, type: string, name: string, except?: string): Promise<void> {
  let q = db.selectFrom('telephony_schedules').select('id').where('location_id', '=', locationId).where('type', '=', type).where('name', '=', name);
  if (except !== undefined) q = q.where('id', '!=', except);
  if ((await q.executeTakeFirst()) !== undefined) throw ApiError.conflict('A schedule of that name and type exists at this location already.');
}

export async function listSchedules(core: Core, actor: Actor): Promise<Schedule[]> {
  requireMember(actor);
  const rows = await core.db.selectFrom('telephony_schedules').selectAll().where('org_id', '=', actor.orgId).orderBy('name').limit(TELEPHONY_LIMITS.locationsPerOrg * TELEPHONY_LIMITS.schedulesPerLocation).execute();
  return rows.map(presentSchedule);
}

export async function createSchedule(core: Core, actor: Actor, input: { name: string; type: ScheduleType; locationId: string; events: ScheduleEvent[] }): Promise<Schedule> {
  requireTelephonyAdmin(actor);
  const name = telephonyName('name', input.name);
  checkEvents(input.events);
  return core.db.transaction().execute(async (trx) => {
    await locationOfOrg(trx, actor.orgId, input.locationId, 'locationId');
    if ((await countWhere(trx, 'telephony_schedules', 'location_id', input.locationId)) >= TELEPHONY_LIMITS.schedulesPerLocation) throw ApiError.conflict(`A location has at most ${TELEPHONY_LIMITS.schedulesPerLocation} schedules.`);
    await assertNameFree(trx, input.locationId, input.type, name);
    const id = newId();
    await trx.insertInto('telephony_schedules').values({ id, org_id: actor.orgId, location_id: input.locationId, name, type: input.type, events: JSON.stringify(input.events), created_at: core.now() }).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.schedule.create', targetId: id, targetName: name });
    return presentSchedule(await scheduleOfOrg(trx, actor.orgId, id));
  });
}

export async function updateSchedule(core: Core, actor: Actor, id: string, input: { name?: string | undefined; events?: ScheduleEvent[] | undefined }): Promise<Schedule> {
  requireTelephonyAdmin(actor);
  const name = input.name === undefined ? undefined : telephonyName('name', input.name);
  if (input.events !== undefined) checkEvents(input.events);
  return core.db.transaction().execute(async (trx) => {
    const row = await scheduleOfOrg(trx, actor.orgId, id);
    if (name !== undefined) await assertNameFree(trx, row.location_id, row.type, name, id);
    await trx
      .updateTable('telephony_schedules')
      .set({ ...(name !== undefined ? { name } : {}), ...(input.events !== undefined ? { events: JSON.stringify(input.events) } : {}) })
      .where('id', '=', id)
      .execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.schedule.update', targetId: id, targetName: name ?? row.name });
    return presentSchedule(await scheduleOfOrg(trx, actor.orgId, id));
  });
}

export async function deleteSchedule(core: Core, actor: Actor, id: string): Promise<void> {
  requireTelephonyAdmin(actor);
  await core.db.transaction().execute(async (trx) => {
    const row = await scheduleOfOrg(trx, actor.orgId, id);
    await trx.updateTable('telephony_attendants').set({ business_schedule_id: null }).where('business_schedule_id', '=', id).execute();
    await trx.updateTable('telephony_attendants').set({ holiday_schedule_id: null }).where('holiday_schedule_id', '=', id).execute();
    await trx.deleteFrom('telephony_schedules').where('id', '=', id).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.schedule.delete', targetId: id, targetName: row.name });
  });
}
