/**
 * Legal holds (SPEC CP-4): a person's or a space's content is exempt from retention until the hold
 * is released. A hold on a person covers what they sent in every space, whichever org owns it (a
 * hold is a legal duty to preserve a custodian's content, not a setting of one org's spaces); a hold
 * on a space covers everything in it. Holds are listed to those who manage them and never shown to
 * members (as in Webex: members see the retention period, not the holds). Placing and releasing
 * are audited (CP-5); released holds stay listed for the record.
 * @module
 */
import { RETENTION_LIMITS, type LegalHold } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { LegalHoldRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { normalizeEmail } from '../identity/orgs.ts';

/**
 * Who may place, list and release legal holds: the one place this is decided. Today the org's
 * administrators; a compliance officer role belongs here too when the core learns of it.
 */
export function mayManageLegalHolds(actor: Actor): boolean {
  return actor.isAdmin;
}

function requireManager(actor: Actor): void {
  if (!mayManageLegalHolds(actor)) throw ApiError.forbidden('Managing legal holds requires the organization administrator role.');
}

export function presentHold(row: LegalHoldRow): LegalHold {
  const hold: LegalHold = {
    id: row.id,
    kind: row.kind,
    targetId: row.target_id,
    targetName: row.target_name,
    reason: row.reason,
    createdBy: row.created_by,
    created: iso(Number(row.created_at)),
  };
  if (row.released_at !== null) hold.released = iso(Number(row.released_at));
  if (row.released_by !== null) hold.releasedBy = row.released_by;
  if (row.kms_hold_uri !== null) hold.kmsHoldUri = row.kms_hold_uri;
  return hold;
}

async function actorEmail(db: Db, actor: Actor): Promise<string> {
  const row = await db.selectFrom('people').select('email').where('id', '=', actor.personId).executeTakeFirst();
  return row?.email ?? actor.personId;
}

export interface LegalHoldInput {
  personEmail?: string | undefined;
  roomId?: string | undefined;
  reason: string;
  kmsHoldUri?: string | undefined;
}

export async function createLegalHold(core: Core, actor: Actor, input: LegalHoldInput): Promise<LegalHold> {
  requireManager(actor);
  if ((input.personEmail === undefined) === (input.roomId === undefined)) throw ApiError.badRequest('Give exactly one of personEmail and roomId.');
  const reason = input.reason.trim();
  if (reason === '') throw ApiError.badRequest('reason: must not be blank');
  let kind: LegalHold['kind'];
  let targetId: string;
  let targetName: string;
  if (input.personEmail !== undefined) {
    // Only the org's own people: another org's admin holds its own custodians.
    const person = await core.db
      .selectFrom('people')
      .select(['id', 'email'])
      .where('email', '=', normalizeEmail(input.personEmail))
      .where('org_id', '=', actor.orgId)
      .executeTakeFirst();
    if (person === undefined) throw new ApiError('not_found', 'personEmail: no person of your organization has this address.');
    kind = 'person';
    targetId = person.id;
    targetName = person.email;
  } else {
    const space = await core.db.selectFrom('spaces').select(['id', 'org_id']).where('id', '=', input.roomId!).executeTakeFirst();
    if (space === undefined || space.org_id !== actor.orgId) throw new ApiError('not_found', 'roomId: no space of your organization has this id.');
    kind = 'space';
    targetId = space.id;
    targetName = space.id;
  }
  const row: LegalHoldRow = {
    id: newId(),
    org_id: actor.orgId,
    kind,
    target_id: targetId,
    target_name: targetName,
    reason,
    created_by: await actorEmail(core.db, actor),
    created_at: core.now(),
    released_by: null,
    released_at: null,
    kms_hold_uri: input.kmsHoldUri ?? null,
  };
  await core.db.transaction().execute(async (trx) => {
    const active = await trx
      .selectFrom('legal_holds')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', actor.orgId)
      .where('released_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(active.n) >= RETENTION_LIMITS.activeHolds) throw ApiError.conflict(`At most ${RETENTION_LIMITS.activeHolds} active legal holds per organization: release one first.`);
    await trx.insertInto('legal_holds').values(row).execute();
    await recordAdminAction(core, trx, actor, { action: 'legalHold.create', targetId: row.id, targetName: `${kind} ${targetName}`, changes: { reason: { to: reason } } });
  });
  return presentHold(row);
}

export async function listLegalHolds(core: Core, actor: Actor): Promise<LegalHold[]> {
  requireManager(actor);
  const rows = await core.db
    .selectFrom('legal_holds')
    .selectAll()
    .where('org_id', '=', actor.orgId)
    // Active first (released_at null), then the most recently released; newest first within each.
    .orderBy((eb) => eb.case().when('released_at', 'is', null).then(0).else(1).end())
    .orderBy('released_at', 'desc')
    .orderBy('created_at', 'desc')
    .limit(RETENTION_LIMITS.holdsListed)
    .execute();
  return rows.map(presentHold);
}

export async function releaseLegalHold(core: Core, actor: Actor, id: string): Promise<void> {
  requireManager(actor);
  const email = await actorEmail(core.db, actor);
  await core.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('legal_holds').selectAll().where('id', '=', id).where('org_id', '=', actor.orgId).executeTakeFirst();
    if (row === undefined) throw ApiError.notFound('legal hold');
    if (row.released_at !== null) throw ApiError.conflict('This legal hold was released already.');
    const now = core.now();
    await trx.updateTable('legal_holds').set({ released_at: now, released_by: email }).where('id', '=', id).where('released_at', 'is', null).execute();
    await recordAdminAction(core, trx, actor, { action: 'legalHold.release', targetId: row.id, targetName: `${row.kind} ${row.target_name}` });
  });
}

/** What every active hold covers, across all orgs (the retention sweep's exemptions). */
export async function activeHolds(db: Db): Promise<{ people: Set<string>; spaces: Set<string> }> {
  const rows = await db.selectFrom('legal_holds').select(['kind', 'target_id']).where('released_at', 'is', null).execute();
  return {
    people: new Set(rows.filter((r) => r.kind === 'person').map((r) => r.target_id)),
    spaces: new Set(rows.filter((r) => r.kind === 'space').map((r) => r.target_id)),
  };
}
