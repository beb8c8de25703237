/**
 * The org's numbering as routing needs it (SPEC CL-4, CL-5): loads a snapshot of one org's
 * telephony configuration in a few queries and hands it to the pure router (routing.ts). Used by
 * the admin's route preview and by the SIP engine's questions (sip.ts).
 * @module
 */
import type { HuntPolicy, OwnerType, RouteDecision, ScheduleEvent } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import { requireTelephonyAdmin } from './access.ts';
import { storedMenus } from './attendants.ts';
import { presentLocation } from './locations.ts';
import { routeCall, type NumberingSnapshot, type Owner } from './routing.ts';
import { orgSettings } from './settings.ts';

export async function loadSnapshot(db: Db, orgId: string): Promise<NumberingSnapshot> {
  const [settings, locations, extensions, numbers, people, personNumbers, groups, agents, attendants, schedules] = await Promise.all([
    orgSettings(db, orgId),
    db.selectFrom('telephony_locations').selectAll().where('org_id', '=', orgId).orderBy('created_at').execute(),
    db.selectFrom('telephony_extensions').selectAll().where('org_id', '=', orgId).execute(),
    db.selectFrom('telephony_numbers').select(['phone_number', 'owner_type', 'owner_id']).where('org_id', '=', orgId).execute(),
    db.selectFrom('telephony_people').selectAll().where('org_id', '=', orgId).execute(),
    db.selectFrom('telephony_numbers').select(['owner_id', 'phone_number']).where('org_id', '=', orgId).where('owner_type', '=', 'PEOPLE').orderBy('phone_number').execute(),
    db.selectFrom('telephony_hunt_groups').selectAll().where('org_id', '=', orgId).execute(),
    db.selectFrom('telephony_hunt_agents as a').innerJoin('telephony_hunt_groups as g', 'g.id', 'a.group_id').innerJoin('people as p', 'p.id', 'a.person_id').select(['a.group_id', 'a.person_id', 'a.position', 'a.weight', 'a.logged_in', 'a.idle_since', 'p.status']).where('g.org_id', '=', orgId).execute(),
    db.selectFrom('telephony_attendants').selectAll().where('org_id', '=', orgId).execute(),
    db.selectFrom('telephony_schedules').select(['id', 'events']).where('org_id', '=', orgId).execute(),
  ]);
  const numbersOfPerson = new Map<string, string[]>();
  for (const n of personNumbers) if (n.owner_id !== null) numbersOfPerson.set(n.owner_id, [...(numbersOfPerson.get(n.owner_id) ?? []), n.phone_number]);
  const peopleMap = new Map<string, { locationId: string | undefined; callerId: 'own' | 'company'; international: 'org' | 'allow' | 'block'; numbers: readonly string[] }>(
    people.map((p) => [p.person_id, { locationId: p.location_id ?? undefined, callerId: p.caller_id as 'own' | 'company', international: p.international as 'org' | 'allow' | 'block', numbers: numbersOfPerson.get(p.person_id) ?? [] }]),
  );
  for (const [personId, list] of numbersOfPerson) if (!peopleMap.has(personId)) peopleMap.set(personId, { locationId: undefined, callerId: 'own', international: 'org', numbers: list });
  return {
    internationalCalling: settings.internationalCalling,
    companyNumber: settings.companyNumber,
    locations: new Map(locations.map((l) => [l.id, { timeZone: l.time_zone, address: presentLocation(l).address }])),
    extensions: new Map(extensions.map((e) => [e.extension, { type: e.owner_type as OwnerType, id: e.owner_id }])),
    numbers: new Map(numbers.map((n): [string, Owner | undefined] => [n.phone_number, n.owner_type !== null && n.owner_id !== null ? { type: n.owner_type as OwnerType, id: n.owner_id } : undefined])),
    people: peopleMap,
    huntGroups: new Map(
      groups.map((g) => [
        g.id,
        {
          locationId: g.location_id,
          policy: g.policy as HuntPolicy,
          enabled: g.enabled === 1,
          advance: g.advance_enabled === 1,
          overflow: g.overflow_destination ?? undefined,
          circularNext: Number(g.circular_next),
          agents: agents
            .filter((a) => a.group_id === g.id)
            // Whether an agent is busy on a call is the calling service's to say; here every active agent is available.
            .map((a) => ({ personId: a.person_id, position: Number(a.position), weight: Number(a.weight), loggedIn: a.logged_in === 1, idleSince: a.idle_since === null ? null : Number(a.idle_since), available: a.status === 'active' })),
        },
      ]),
    ),
    attendants: new Map(
      attendants.map((a) => {
        const menus = storedMenus(a);
        return [a.id, { locationId: a.location_id, businessScheduleId: a.business_schedule_id ?? undefined, holidayScheduleId: a.holiday_schedule_id ?? undefined, businessHoursMenu: menus.business, afterHoursMenu: menus.afterHours, submenus: menus.submenus }];
      }),
    ),
    schedules: new Map(schedules.map((s) => [s.id, { events: JSON.parse(s.events) as ScheduleEvent[] }])),
  };
}

/** What the numbering does with a call, for an admin trying it (nothing rings, nothing is stored). */
export async function previewRoute(core: Core, actor: Actor, input: { dialed: string; fromPersonId?: string | undefined; digits?: string | undefined; at?: string | undefined }): Promise<RouteDecision> {
  requireTelephonyAdmin(actor);
  if (input.fromPersonId !== undefined) {
    const p = await core.db.selectFrom('people').select('org_id').where('id', '=', input.fromPersonId).executeTakeFirst();
    if (p?.org_id !== actor.orgId) throw ApiError.badRequest('fromPersonId: no such person in your organization');
  }
  const at = input.at === undefined ? core.now() : Date.parse(input.at);
  const snap = await loadSnapshot(core.db, actor.orgId);
  return routeCall(snap, { dialed: input.dialed, from: input.fromPersonId !== undefined ? { kind: 'person', personId: input.fromPersonId } : { kind: 'external' }, digits: input.digits ?? '', at, random: Math.random });
}
