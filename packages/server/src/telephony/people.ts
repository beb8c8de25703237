/**
 * People's calling settings (SPEC CL-5): location, extension, caller ID choice (own line or the
 * company number) and international class of service (the org's, or allowed/blocked for the
 * person). Admins set them; a person may change their own caller ID choice. Audited (CP-5).
 * @module
 */
import type { PersonCalling } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { requireMember } from './access.ts';
import { extensionsOf, numbersOf, setExtension } from './numbers.ts';
import { locationOfOrg } from './locations.ts';
import { orgSettings } from './settings.ts';

/** The calling settings of active people of an org (all, or the ids given). */
async function presentPeople(db: Db, orgId: string, ids?: readonly string[]): Promise<PersonCalling[]> {
  let q = db
    .selectFrom('people as p')
    .leftJoin('telephony_people as t', 't.person_id', 'p.id')
    .select(['p.id', 'p.display_name', 'p.email', 't.location_id', 't.caller_id', 't.international'])
    .where('p.org_id', '=', orgId)
    .where('p.status', '=', 'active')
    .where('p.type', '=', 'person');
  if (ids !== undefined) q = q.where('p.id', 'in', [...ids]);
  const rows = await q.orderBy('p.display_name').limit(5000).execute();
  const personIds = rows.map((r) => r.id);
  const [extensions, numbers, settings] = await Promise.all([extensionsOf(db, 'PEOPLE', personIds), numbersOf(db, 'PEOPLE', personIds), orgSettings(db, orgId)]);
  return rows.map((r) => {
    const callerId = (r.caller_id ?? 'own') as 'own' | 'company';
    const international = (r.international ?? 'org') as 'org' | 'allow' | 'block';
    const own = numbers.get(r.id) ?? [];
    const callerIdNumber = callerId === 'company' ? (settings.companyNumber ?? own[0]) : (own[0] ?? settings.companyNumber);
    const extension = extensions.get(r.id);
    return {
      personId: r.id,
      displayName: r.display_name,
      email: r.email,
      ...(r.location_id !== null && r.location_id !== undefined ? { locationId: r.location_id } : {}),
      ...(extension !== undefined ? { extension } : {}),
      phoneNumbers: own,
      callerId,
      ...(callerIdNumber !== undefined ? { callerIdNumber } : {}),
      internationalCalling: international,
      internationalAllowed: international === 'org' ? settings.internationalCalling : international === 'allow',
    };
  });
}

export async function listPeopleCalling(core: Core, actor: Actor): Promise<PersonCalling[]> {
  requireMember(actor);
  return presentPeople(core.db, actor.orgId);
}

export async function getPersonCalling(core: Core, actor: Actor, personId: string): Promise<PersonCalling> {
  requireMember(actor);
  const found = await presentPeople(core.db, actor.orgId, [personId]);
  if (found[0] === undefined) throw ApiError.notFound('person');
  return found[0];
}

export async function updatePersonCalling(
  core: Core,
  actor: Actor,
  personId: string,
  input: { locationId?: string | null | undefined; extension?: string | null | undefined; callerId?: 'own' | 'company' | undefined; internationalCalling?: 'org' | 'allow' | 'block' | undefined },
): Promise<PersonCalling> {
  requireMember(actor);
  const self = personId === actor.personId;
  const adminOnly = input.locationId !== undefined || input.extension !== undefined || input.internationalCalling !== undefined;
  if (!actor.isAdmin && (!self || adminOnly)) throw ApiError.forbidden(self ? 'Only an administrator changes your location, extension or international calling.' : 'Telephony configuration requires the organization administrator role.');
  return core.db.transaction().execute(async (trx) => {
    const before = (await presentPeople(trx, actor.orgId, [personId]))[0];
    if (before === undefined) throw ApiError.notFound('person');
    if (input.locationId !== undefined && input.locationId !== null) await locationOfOrg(trx, actor.orgId, input.locationId, 'locationId');
    if (input.extension !== undefined) await setExtension(trx, actor.orgId, { type: 'PEOPLE', id: personId }, input.extension);
    const values = {
      location_id: input.locationId !== undefined ? input.locationId : (before.locationId ?? null),
      caller_id: input.callerId ?? before.callerId,
      international: input.internationalCalling ?? before.internationalCalling,
      updated_at: core.now(),
    };
    await trx
      .insertInto('telephony_people')
      .values({ person_id: personId, org_id: actor.orgId, ...values })
      .onConflict((oc) => oc.column('person_id').doUpdateSet(values))
      .execute();
    const after = (await presentPeople(trx, actor.orgId, [personId]))[0]!;
    const changes: Record<string, { from?: unknown; to?: unknown }> = {};
    for (const k of ['locationId', 'extension', 'callerId', 'internationalCalling'] as const) if (before[k] !== after[k]) changes[k] = { from: before[k] ?? null, to: after[k] ?? null };
    if (Object.keys(changes).length > 0) await recordAdminAction(core, trx, actor, { action: 'telephony.person.update', targetId: personId, targetName: after.displayName, changes });
    return after;
  });
}
