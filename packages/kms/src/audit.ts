/**
 * The append-only audit log (SPEC SEC-6, DESIGN §2 invariant 4): every key access, every
 * authorization change and every refusal, with who, what, when and from which client and
 * request. The table refuses updates and deletes in the database itself (see the migration).
 * @module
 */
import { v7 as uuidv7 } from 'uuid';
import type { Kysely } from 'kysely';
import type { KmsDatabase } from './storage/schema.ts';
import type { Caller, KmsContext } from './context.ts';
import type { AuditCommitter } from './audit-commit.ts';

export type AuditAction =
  | 'ecdhe.create'
  | 'ecdhe.delete'
  | 'key.create'
  | 'key.retrieve'
  | 'key.bind'
  | 'resource.create'
  | 'resource.retrieve'
  | 'authorization.create'
  | 'authorization.list'
  | 'authorization.delete'
  | 'resource.bind'
  | 'device.enroll'
  | 'device.approve'
  | 'device.list'
  | 'device.delete'
  | 'password.update'
  | 'recovery.update'
  | 'enrollment-code.issue'
  | 'credentials.reset'
  | 'officer.grant'
  | 'officer.remove'
  | 'hold.create'
  | 'hold.delete'
  | 'retention.set'
  | 'retention.retrieve'
  | 'key.shred'
  | 'mail.append'
  | 'mail.send'
  | 'request.rejected';

export interface AuditEntry {
  id: string;
  at: Date;
  userId: string | null;
  orgId: string | null;
  clientId: string | null;
  requestId: string | null;
  action: string;
  target: string | null;
  status: number;
  detail: string | null;
  /** The device credential that asked (its public id; see credentials.ts). */
  credentialId: string | null;
  /** Where the request came from: the client's address as the core's relay received it (`addressSource` 'core-reported': the core's word, unverifiable by the KMS), or the peer of the KMS's own listener ('kms-observed'). */
  address: string | null;
  addressSource: string | null;
}

export interface AuditRecord {
  action: AuditAction;
  target?: string | undefined;
  status: number;
  detail?: string | undefined;
}

/**
 * Appends entries for one request. `caller` may be partial when the requester is not known. With
 * the serving KMS's group commit (audit-commit.ts) the entries share a transaction with those of
 * concurrent requests; either way this resolves only once they are committed, so an answer sent
 * after it never outruns its record.
 */
export async function audit(kms: Pick<KmsContext, 'db' | 'now'> & { auditCommitter?: AuditCommitter | undefined }, caller: Partial<Caller> | undefined, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  const at = kms.now();
  const rows = records.map((r) => ({
    id: uuidv7(),
    at,
    user_id: caller?.userId ?? null,
    org_id: caller?.orgId ?? null,
    client_id: caller?.clientId ?? null,
    request_id: caller?.requestId ?? null,
    action: r.action,
    target: r.target ?? null,
    status: r.status,
    detail: r.detail ?? null,
    credential_id: caller?.credentialId ?? null,
    address: caller?.origin?.address ?? null,
    address_source: caller?.origin?.source ?? null,
  }));
  if (kms.auditCommitter !== undefined) await kms.auditCommitter.append(rows);
  else await kms.db.insertInto('kms_audit').values(rows).execute();
}

export interface AuditQuery {
  userId?: string | undefined;
  /** A key, resource or authorization URI. */
  target?: string | undefined;
  action?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Newest first when set to 'desc' (the default is oldest first). */
  order?: 'asc' | 'desc';
  limit?: number | undefined;
}

export async function readAudit(db: Kysely<KmsDatabase>, query: AuditQuery = {}): Promise<AuditEntry[]> {
  let q = db.selectFrom('kms_audit').selectAll();
  if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
  if (query.target !== undefined) q = q.where('target', '=', query.target);
  if (query.action !== undefined) q = q.where('action', '=', query.action);
  if (query.since !== undefined) q = q.where('at', '>=', query.since.getTime());
  if (query.until !== undefined) q = q.where('at', '<', query.until.getTime());
  const rows = await q
    .orderBy('id', query.order ?? 'asc')
    .limit(Math.min(Math.max(query.limit ?? 1000, 1), 100_000))
    .execute();
  return rows.map((r) => ({
    id: r.id,
    at: new Date(r.at),
    userId: r.user_id,
    orgId: r.org_id,
    clientId: r.client_id,
    requestId: r.request_id,
    action: r.action,
    target: r.target,
    status: r.status,
    detail: r.detail,
    credentialId: r.credential_id,
    address: r.address,
    addressSource: r.address_source,
  }));
}
