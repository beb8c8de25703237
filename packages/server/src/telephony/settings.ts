/**
 * The org's calling settings (SPEC CL-5): the company number (one of the org's DIDs), the
 * international class of service, and the extension ranges (3 to 5 digits, first and last of one
 * length, not overlapping, holding no emergency number). Changes are audited (CP-5).
 * @module
 */
import { TELEPHONY_LIMITS, type ExtensionRange, type TelephonySettings } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { countWhere, requireMember, requireTelephonyAdmin } from './access.ts';
import { rangeHoldsEmergency, rangesOverlap } from './dial-plan.ts';

export interface OrgSettingsRow {
  companyNumber: string | undefined;
  internationalCalling: boolean;
}

/** The org's settings row, or the defaults (no company number, international calling off). */
export async function orgSettings(db: Db, orgId: string): Promise<OrgSettingsRow> {
  const row = await db.selectFrom('telephony_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  return { companyNumber: row?.company_number ?? undefined, internationalCalling: row?.international_calling === 1 };
}

export async function extensionRanges(db: Db, orgId: string): Promise<ExtensionRange[]> {
  const rows = await db.selectFrom('telephony_extension_ranges').selectAll().where('org_id', '=', orgId).orderBy('first_ext').execute();
  return rows.map((r) => ({ id: r.id, first: r.first_ext, last: r.last_ext }));
}

async function present(db: Db, orgId: string): Promise<TelephonySettings> {
  const s = await orgSettings(db, orgId);
  return { ...(s.companyNumber !== undefined ? { companyNumber: s.companyNumber } : {}), internationalCalling: s.internationalCalling, extensionRanges: await extensionRanges(db, orgId) };
}

export async function getSettings(core: Core, actor: Actor): Promise<TelephonySettings> {
  requireMember(actor);
  return present(core.db, actor.orgId);
}

export async function updateSettings(core: Core, actor: Actor, input: { companyNumber?: string | null | undefined; internationalCalling?: boolean | undefined }): Promise<TelephonySettings> {
  requireTelephonyAdmin(actor);
  return core.db.transaction().execute(async (trx) => {
    const before = await orgSettings(trx, actor.orgId);
    const after = { ...before };
    if (input.companyNumber !== undefined) {
      if (input.companyNumber !== null) {
        const number = await trx.selectFrom('telephony_numbers').select('id').where('org_id', '=', actor.orgId).where('phone_number', '=', input.companyNumber).executeTakeFirst();
        if (number === undefined) throw ApiError.badRequest('companyNumber: must be one of the organization’s numbers (add it first)');
      }
      after.companyNumber = input.companyNumber ?? undefined;
    }
    if (input.internationalCalling !== undefined) after.internationalCalling = input.internationalCalling;
    const values = { company_number: after.companyNumber ?? null, international_calling: after.internationalCalling ? 1 : 0, updated_at: core.now() };
    await trx
      .insertInto('telephony_settings')
      .values({ org_id: actor.orgId, ...values })
      .onConflict((oc) => oc.column('org_id').doUpdateSet(values))
      .execute();
    const changes: Record<string, { from?: unknown; to?: unknown }> = {};
    if (before.companyNumber !== after.companyNumber) changes['companyNumber'] = { from: before.companyNumber ?? null, to: after.companyNumber ?? null };
    if (before.internationalCalling !== after.internationalCalling) changes['internationalCalling'] = { from: before.internationalCalling, to: after.internationalCalling };
    if (Object.keys(changes).length > 0) await recordAdminAction(core, trx, actor, { action: 'telephony.settings.update', targetId: actor.orgId, targetName: 'calling settings', changes });
    return present(trx, actor.orgId);
  });
}

export async function createRange(core: Core, actor: Actor, input: { first: string; last: string }): Promise<ExtensionRange> {
  requireTelephonyAdmin(actor);
  if (input.first.length !== input.last.length) throw ApiError.badRequest('first, last: must have the same number of digits');
  if (input.first > input.last) throw ApiError.badRequest('last: must not be below first');
  if (rangeHoldsEmergency(input.first, input.last)) throw ApiError.badRequest('first, last: the range must not hold an emergency number (911, 112, 999, 000)');
  return core.db.transaction().execute(async (trx) => {
    if ((await countWhere(trx, 'telephony_extension_ranges', 'org_id', actor.orgId)) >= TELEPHONY_LIMITS.rangesPerOrg) throw ApiError.conflict(`An organization has at most ${TELEPHONY_LIMITS.rangesPerOrg} extension ranges.`);
    const others = await extensionRanges(trx, actor.orgId);
    const clash = others.find((r) => rangesOverlap(r, input));
    if (clash !== undefined) throw ApiError.conflict(`The range overlaps ${clash.first}–${clash.last}.`);
    const id = newId();
    await trx.insertInto('telephony_extension_ranges').values({ id, org_id: actor.orgId, first_ext: input.first, last_ext: input.last, created_at: core.now() }).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.range.create', targetId: id, targetName: `${input.first}–${input.last}` });
    return { id, first: input.first, last: input.last };
  });
}

export async function deleteRange(core: Core, actor: Actor, id: string): Promise<void> {
  requireTelephonyAdmin(actor);
  await core.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('telephony_extension_ranges').selectAll().where('id', '=', id).where('org_id', '=', actor.orgId).executeTakeFirst();
    if (row === undefined) throw ApiError.notFound('extension range');
    const used = await trx
      .selectFrom('telephony_extensions')
      .select('extension')
      .where('org_id', '=', actor.orgId)
      .where('extension', '>=', row.first_ext)
      .where('extension', '<=', row.last_ext)
      .execute();
    if (used.some((u) => u.extension.length === row.first_ext.length)) throw ApiError.conflict('Extensions in this range are assigned: free them first.');
    await trx.deleteFrom('telephony_extension_ranges').where('id', '=', id).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.range.delete', targetId: id, targetName: `${row.first_ext}–${row.last_ext}` });
  });
}
