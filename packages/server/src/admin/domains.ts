/**
 * Domains an org admin claims and proves (SPEC ID-2): a claim gets a random token; the admin
 * publishes `flint-verification=<token>` as a TXT record at the domain; verifying looks the records
 * up with node:dns (through FLINT_DNS_SERVERS when set, else the system's resolvers) and marks the
 * domain verified when one matches. A domain another org holds, verified or only claimed, cannot
 * be claimed (one row per domain); the operator settles disputes with `flint admin`. Every change
 * is audited (CP-5).
 * @module
 */
import { Resolver } from 'node:dns/promises';
import type { OrgDomain } from '@flint/protocol';
import { LIMITS } from '@flint/protocol';
import { randomToken } from '@flint/crypto';
import type { Actor, Core } from '../core.ts';
import type { Selectable } from 'kysely';
import type { OrgDomainsTable } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { iso } from '../infra/ids.ts';
import { normalizeDomain } from '../identity/orgs.ts';
import { recordAdminAction } from './audit.ts';

const TXT_PREFIX = 'flint-verification=';
type DomainRow = Selectable<OrgDomainsTable>;

export function presentDomain(row: DomainRow): OrgDomain {
  const d: OrgDomain = { domain: row.domain, verified: row.verified === 1, created: iso(row.created_at) };
  if (row.verified !== 1 && row.verification_token !== null) {
    d.verificationToken = row.verification_token;
    d.txtRecord = `${TXT_PREFIX}${row.verification_token}`;
  }
  return d;
}

export async function listOrgDomains(core: Core, actor: Actor): Promise<DomainRow[]> {
  return core.db.selectFrom('org_domains').selectAll().where('org_id', '=', actor.orgId).orderBy('domain').execute();
}

async function ownDomain(core: Core, actor: Actor, domain: string): Promise<DomainRow> {
  let d: string;
  try {
    d = normalizeDomain(domain);
  } catch {
    throw ApiError.notFound('domain');
  }
  const row = await core.db.selectFrom('org_domains').selectAll().where('domain', '=', d).where('org_id', '=', actor.orgId).executeTakeFirst();
  if (row === undefined) throw ApiError.notFound('domain');
  return row;
}

export async function claimDomain(core: Core, actor: Actor, domain: string): Promise<DomainRow> {
  const d = normalizeDomain(domain);
  const existing = await core.db.selectFrom('org_domains').selectAll().where('domain', '=', d).executeTakeFirst();
  if (existing?.org_id === actor.orgId) return existing;
  const count = await core.db.selectFrom('org_domains').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', actor.orgId).executeTakeFirstOrThrow();
  if (Number(count.n) >= LIMITS.domainsPerOrg) throw ApiError.badRequest(`at most ${LIMITS.domainsPerOrg} domains per org`);
  if (existing !== undefined) throw ApiError.conflict(`the domain ${d} belongs to another organization`);
  const row: DomainRow = { domain: d, org_id: actor.orgId, verified: 0, created_at: core.now(), verification_token: randomToken('dv').slice(3, 35) };
  await core.db.transaction().execute(async (trx) => {
    await trx.insertInto('org_domains').values(row).execute();
    await recordAdminAction(core, trx, actor, { action: 'domain.add', targetId: d, targetName: d, changes: { verified: { to: false } } });
  });
  return row;
}

/** The TXT records of a name, each record's strings joined (RFC 1035 splits long ones). */
async function txtRecords(core: Core, name: string): Promise<string[]> {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (core.config.dnsServers !== undefined) resolver.setServers(core.config.dnsServers);
  try {
    return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
    throw new ApiError('unavailable', `The DNS lookup of ${name} failed (${code ?? 'error'}); try again later.`);
  }
}

export async function verifyDomain(core: Core, actor: Actor, domain: string): Promise<DomainRow> {
  const row = await ownDomain(core, actor, domain);
  if (row.verified === 1) return row;
  const records = await txtRecords(core, row.domain);
  if (row.verification_token === null || !records.includes(`${TXT_PREFIX}${row.verification_token}`)) {
    throw new ApiError('validation_failed', `No TXT record "${TXT_PREFIX}${row.verification_token ?? ''}" found at ${row.domain} yet.`);
  }
  await core.db.transaction().execute(async (trx) => {
    await trx.updateTable('org_domains').set({ verified: 1, verification_token: null }).where('domain', '=', row.domain).where('org_id', '=', actor.orgId).execute();
    await recordAdminAction(core, trx, actor, { action: 'domain.verify', targetId: row.domain, targetName: row.domain, changes: { verified: { from: false, to: true } } });
  });
  return { ...row, verified: 1, verification_token: null };
}

export async function removeDomain(core: Core, actor: Actor, domain: string): Promise<void> {
  const row = await ownDomain(core, actor, domain);
  await core.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('org_domains').where('domain', '=', row.domain).where('org_id', '=', actor.orgId).execute();
    await recordAdminAction(core, trx, actor, { action: 'domain.remove', targetId: row.domain, targetName: row.domain, changes: { verified: { from: row.verified === 1 } } });
  });
}
