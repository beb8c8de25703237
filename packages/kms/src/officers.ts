/**
 * Compliance officers (SPEC CP-1): principals that the security realm's own policy authorizes to
 * read the keys of every resource of an organization — what lets eDiscovery, the clear-text feed
 * and retention work on end-to-end encrypted content. The list lives in the KMS's own database and
 * is changed only by the KMS's operator (`flint kms officers …`), never through the core: a role
 * written into the core's database grants nothing here. Grants are kept by person id (resolved once,
 * when the operator grants), so the core cannot later point an officer's e-mail at someone else.
 * An officer reads keys; changing who is authorized on a resource still needs a member.
 * @module
 */
import type { Kysely } from 'kysely';
import type { KmsContext } from './context.ts';
import type { KmsDatabase } from './storage/schema.ts';
import { audit } from './audit.ts';

export interface Officer {
  orgId: string;
  userId: string;
  /** What the operator named them by (their e-mail address, for reading the list). */
  label: string;
  grantedBy: string;
  grantedAt: Date;
}

type Store = Pick<KmsContext, 'db' | 'now'>;
const OPERATOR = { clientId: 'kms-operator' } as const;

/** Grants the role; answers false when the person already held it for that org. Audited either way. */
export async function grantOfficer(kms: Store, input: { orgId: string; userId: string; label: string; grantedBy: string }): Promise<boolean> {
  const existing = await kms.db.selectFrom('kms_officers').select('user_id').where('org_id', '=', input.orgId).where('user_id', '=', input.userId).executeTakeFirst();
  if (existing === undefined) {
    await kms.db.insertInto('kms_officers').values({ org_id: input.orgId, user_id: input.userId, label: input.label, granted_by: input.grantedBy, granted_at: kms.now() }).execute();
  }
  await audit(kms, { ...OPERATOR, userId: input.grantedBy }, [{ action: 'officer.grant', target: input.userId, status: existing === undefined ? 201 : 200, detail: `org=${input.orgId} ${input.label}` }]);
  return existing === undefined;
}

/** Removes the role; answers false when the person did not hold it. Takes effect on the next request. */
export async function removeOfficer(kms: Store, input: { orgId: string; userId: string; removedBy: string }): Promise<boolean> {
  const result = await kms.db.deleteFrom('kms_officers').where('org_id', '=', input.orgId).where('user_id', '=', input.userId).executeTakeFirst();
  const removed = Number(result.numDeletedRows) > 0;
  await audit(kms, { ...OPERATOR, userId: input.removedBy }, [{ action: 'officer.remove', target: input.userId, status: removed ? 200 : 404, detail: `org=${input.orgId}` }]);
  return removed;
}

export async function listOfficers(db: Kysely<KmsDatabase>, orgId?: string): Promise<Officer[]> {
  let q = db.selectFrom('kms_officers').selectAll();
  if (orgId !== undefined) q = q.where('org_id', '=', orgId);
  const rows = await q.orderBy('org_id').orderBy('granted_at').execute();
  return rows.map((r) => ({ orgId: r.org_id, userId: r.user_id, label: r.label, grantedBy: r.granted_by, grantedAt: new Date(Number(r.granted_at)) }));
}

/** Whether `userId` is an officer of the organization that owns the resource. */
export async function isOfficerFor(kms: Pick<KmsContext, 'db'>, userId: string, resourceUri: string): Promise<boolean> {
  const row = await kms.db
    .selectFrom('kms_resources')
    .innerJoin('kms_officers', 'kms_officers.org_id', 'kms_resources.org_id')
    .select('kms_officers.user_id')
    .where('kms_resources.uri', '=', resourceUri)
    .where('kms_officers.user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}
