/**
 * Organizations own e-mail domains and carry policy (SPEC ID-2, ID-4, ID-5).
 * @module
 */
import type { OrgPolicy } from '@flint/protocol';
import { LIMITS } from '@flint/protocol';
import { ApiError } from '../errors.ts';
import type { Actor, Core } from '../core.ts';
import { diff, recordAdminAction } from '../admin/audit.ts';
import { normalizeRanges } from '../admin/network-ranges.ts';
import type { Db } from '../db/database.ts';
import type { OrgRow } from '../db/schema.ts';
import { newId } from '../infra/ids.ts';
import { cleanName } from './names.ts';
import { checkTimeZone } from './locale.ts';

export const DEFAULT_POLICY: OrgPolicy = {
  signup: 'domains',
  selfServiceLocked: false,
  webSessionIdleMinutes: 0,
  webSessionIdleOnlyOutside: [],
  membersMayInvite: true,
  defaultTimezone: 'UTC',
  deletedAccountMessages: 'keep',
  messageRetentionDays: null,
  fileRetentionDays: null,
  appPasscodeRequired: false,
  appPasscodeIdleMinutes: 15,
};

export function parsePolicy(row: Pick<OrgRow, 'policy'>): OrgPolicy {
  return { ...DEFAULT_POLICY, ...(JSON.parse(row.policy) as Partial<OrgPolicy>) };
}

/** Lower-cases and checks a DNS domain name. */
export function normalizeDomain(domain: string): string {
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/.test(d) && d !== 'localhost') {
    throw ApiError.badRequest(`not a domain name: ${domain}`);
  }
  return d;
}

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function createOrg(
  core: Pick<Core, 'now'>,
  db: Db,
  input: { displayName: string; domains: readonly string[]; verified: boolean },
): Promise<OrgRow> {
  if (input.domains.length > LIMITS.domainsPerOrg) throw ApiError.badRequest(`at most ${LIMITS.domainsPerOrg} domains per org`);
  const now = core.now();
  const org: OrgRow = { id: newId(), display_name: cleanName('displayName', input.displayName), policy: JSON.stringify(DEFAULT_POLICY), created_at: now, logo_key: null };
  await db.insertInto('orgs').values(org).execute();
  for (const domain of input.domains) await addDomain(core, db, org.id, domain, input.verified);
  return org;
}

export async function addDomain(core: Pick<Core, 'now'>, db: Db, orgId: string, domain: string, verified: boolean): Promise<void> {
  const d = normalizeDomain(domain);
  const owner = await db.selectFrom('org_domains').select('org_id').where('domain', '=', d).executeTakeFirst();
  if (owner !== undefined && owner.org_id !== orgId) throw ApiError.conflict(`the domain ${d} belongs to another organization`);
  if (owner !== undefined) {
    await db.updateTable('org_domains').set({ verified: verified ? 1 : 0 }).where('domain', '=', d).execute();
    return;
  }
  const count = await db.selectFrom('org_domains').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow();
  if (Number(count.n) >= LIMITS.domainsPerOrg) throw ApiError.badRequest(`at most ${LIMITS.domainsPerOrg} domains per org`);
  await db.insertInto('org_domains').values({ domain: d, org_id: orgId, verified: verified ? 1 : 0, created_at: core.now() }).execute();
}

/** The org owning an e-mail's domain through a verified claim, if any. */
export async function orgOwningEmail(db: Db, email: string): Promise<OrgRow | undefined> {
  const row = await db
    .selectFrom('org_domains')
    .innerJoin('orgs', 'orgs.id', 'org_domains.org_id')
    .selectAll('orgs')
    .where('org_domains.domain', '=', emailDomain(email))
    .where('org_domains.verified', '=', 1)
    .executeTakeFirst();
  return row;
}

/**
 * Only the org owning an address's domain (a verified claim) makes accounts in it (SPEC ID-2):
 * another org's admin creating or inviting `ceo@their-domain` would otherwise take that address
 * from its owner — the owner could no longer create or invite the person, nor could the person
 * sign up. Others add such people to their spaces once they have an account (as guests of the
 * space, in their own org).
 */
export async function assertMayCreateAccount(db: Db, orgId: string, email: string): Promise<void> {
  const owner = await orgOwningEmail(db, email);
  if (owner !== undefined && owner.id !== orgId) {
    throw ApiError.forbidden(
      `${emailDomain(email)} belongs to another organization: only it creates accounts there. Once the person has an account, add them to your spaces by e-mail.`,
    );
  }
}

export async function getOrg(db: Db, id: string): Promise<OrgRow | undefined> {
  return db.selectFrom('orgs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findOrgByNameOrDomain(db: Db, ref: string): Promise<OrgRow | undefined> {
  const byId = /^[0-9a-f-]{36}$/i.test(ref) ? await getOrg(db, ref) : undefined;
  if (byId) return byId;
  const byDomain = await db
    .selectFrom('org_domains')
    .innerJoin('orgs', 'orgs.id', 'org_domains.org_id')
    .selectAll('orgs')
    .where('org_domains.domain', '=', ref.toLowerCase())
    .executeTakeFirst();
  if (byDomain) return byDomain;
  return db.selectFrom('orgs').selectAll().where('display_name', '=', ref).executeTakeFirst();
}

export async function listDomains(db: Db, orgId: string) {
  return db.selectFrom('org_domains').selectAll().where('org_id', '=', orgId).orderBy('domain').execute();
}

/** An admin renames their org or changes its policy; the change is audited (SPEC CP-5). */
export async function updateOrg(
  core: Core,
  actor: Actor,
  input: { displayName?: string | undefined; policy?: Partial<OrgPolicy> | undefined },
): Promise<OrgRow> {
  const orgId = actor.orgId;
  const org = await getOrg(core.db, orgId);
  if (org === undefined) throw ApiError.notFound('organization');
  const before = parsePolicy(org);
  const policy = { ...before, ...(input.policy ?? {}) };
  policy.webSessionIdleOnlyOutside = normalizeRanges(policy.webSessionIdleOnlyOutside);
  policy.defaultTimezone = checkTimeZone('policy.defaultTimezone', policy.defaultTimezone);
  const displayName = input.displayName === undefined ? org.display_name : cleanName('displayName', input.displayName);
  const changes = {
    ...diff({ displayName: org.display_name }, { displayName }),
    ...Object.fromEntries(Object.entries(diff(before, policy)).map(([k, v]) => [`policy.${k}`, v])),
  };
  await core.db.transaction().execute(async (trx) => {
    await trx.updateTable('orgs').set({ display_name: displayName, policy: JSON.stringify(policy) }).where('id', '=', orgId).execute();
    if (Object.keys(changes).length > 0) await recordAdminAction(core, trx, actor, { action: 'org.update', targetId: orgId, targetName: displayName, changes });
  });
  return { ...org, display_name: displayName, policy: JSON.stringify(policy) };
}

/** True until the first person exists: that person founds an org and becomes its admin. */
export async function isFreshInstall(db: Db): Promise<boolean> {
  const row = await db.selectFrom('people').select('id').limit(1).executeTakeFirst();
  return row === undefined;
}

/** The org's licences: one, messaging, unlimited, consumed by each of its people not deactivated (bots hold none). */
export async function listLicenses(db: Db, orgId: string): Promise<{ id: string; name: string; totalUnits: number; consumedUnits: number; consumedByUsers: number }[]> {
  const row = await db
    .selectFrom('people')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('type', '=', 'person')
    .where('status', '!=', 'deactivated')
    .executeTakeFirstOrThrow();
  const used = Number(row.n);
  return [{ id: 'messaging', name: 'Messaging', totalUnits: -1, consumedUnits: used, consumedByUsers: used }];
}
