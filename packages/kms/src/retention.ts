/**
 * Crypto-shredding (SPEC CP-4, beyond Webex): the KMS deletes the keys of expired key epochs, so a
 * backup of the core — which still holds the expired ciphertext until its own backups age out — is
 * unreadable for expired content too.
 *
 * The core must not be able to make the KMS delete keys of live content. So the core has no say at
 * all: nothing here takes a request from the core, and the rule uses only facts the KMS itself
 * holds.
 * - **The rule** (`kms_retention`): per organization, a number of days, set only by the KMS's own
 *   operator (`flint kms retention set`), as compliance officers are. Without one, an org's keys
 *   are kept for ever. A core (or an org admin through it) that shortens the core's retention deletes
 *   ciphertext sooner, never a key.
 * - **Which keys**: a key of a resource, never the resource's newest (current) key. A space's key
 *   rotates (a member removed or leaving), and from then on clients seal with the new key; the old
 *   key's epoch ended when its successor was bound — a time the KMS recorded itself. Every message
 *   sealed with it was created by then (plus the time a client takes to notice a rotation: `GRACE_MS`),
 *   so once the successor has been bound longer than the rule's days plus the grace, every message
 *   of the epoch is past the retention period and the key goes.
 * - **Holds** (`kms_holds`): a legal hold placed at the KMS keeps every key of the held room's
 *   resource, or of every resource the held person is or ever was authorized on (the audit log is
 *   the KMS's record of past authorizations), directly or through a team's resource. Any person of
 *   the org may place one (a hold only keeps keys); only its creator, a compliance officer of the org
 *   (granted by the KMS operator) or the operator may release it. The web console places and
 *   releases a KMS hold beside each legal hold, through the admin's own KMS session.
 * Every shredded key and every hold placed or released is in the append-only audit log.
 * @module
 */
import { v7 as uuidv7 } from 'uuid';
import type { Kysely } from 'kysely';
import type { Caller, KmsContext } from './context.ts';
import type { KmsDatabase } from './storage/schema.ts';
import { KmsError } from './errors.ts';
import { audit } from './audit.ts';
import { objectUri } from './uris.ts';

const DAY_MS = 86_400_000;
/** How long after a rotation a client may still seal with the old key (it had not seen the rotation). */
export const GRACE_MS = DAY_MS;
/** The longest rule: 100 years (as the core's retention). */
const MAX_DAYS = 36_500;
const OPERATOR = { clientId: 'kms-operator', userId: 'operator' } as const;

type Store = Pick<KmsContext, 'db' | 'now'>;

export interface KmsHold {
  uri: string;
  roomId?: string;
  userId?: string;
  createdBy: string;
  createDate: string;
}

function presentHold(kms: Pick<KmsContext, 'cluster'>, row: { id: string; room_id: string | null; user_id: string | null; created_by: string; created_at: number }): KmsHold {
  return {
    uri: objectUri(kms as KmsContext, 'holds', row.id),
    ...(row.room_id !== null ? { roomId: row.room_id } : {}),
    ...(row.user_id !== null ? { userId: row.user_id } : {}),
    createdBy: row.created_by,
    createDate: new Date(Number(row.created_at)).toISOString(),
  };
}

/** `create holds`: anyone of an org may place a hold on a room or a person of that org's content. */
export async function createHold(kms: KmsContext, caller: Caller, input: { roomId?: string | undefined; userId?: string | undefined }): Promise<KmsHold> {
  if ((input.roomId === undefined) === (input.userId === undefined)) throw KmsError.badRequest('a hold names exactly one of roomId and userId');
  if (caller.orgId === '') throw KmsError.forbidden('Only a person of an organization places holds.');
  const row = { id: uuidv7(), org_id: caller.orgId, room_id: input.roomId ?? null, user_id: input.userId ?? null, created_by: caller.userId, created_at: kms.now() };
  await kms.db.insertInto('kms_holds').values(row).execute();
  return presentHold(kms, row);
}

/** `delete holds/:id`: its creator, a compliance officer of its org, or (outside the protocol) the operator. */
export async function deleteHold(kms: KmsContext, caller: Caller, uri: string): Promise<KmsHold> {
  const id = uri.slice(uri.lastIndexOf('/') + 1);
  const row = await kms.db.selectFrom('kms_holds').selectAll().where('id', '=', decodeURIComponent(id)).executeTakeFirst();
  // Unknown and another org's look the same.
  if (row === undefined || row.org_id !== caller.orgId) throw KmsError.notFound('No such hold.');
  if (row.created_by !== caller.userId) {
    const officer = await kms.db.selectFrom('kms_officers').select('user_id').where('org_id', '=', row.org_id).where('user_id', '=', caller.userId).executeTakeFirst();
    if (officer === undefined) throw KmsError.forbidden('Only who placed the hold, or a compliance officer of the organization, releases it at the KMS.');
  }
  await kms.db.deleteFrom('kms_holds').where('id', '=', row.id).execute();
  return presentHold(kms, row);
}

/** The rule of the caller's org (null: keys kept). */
export async function retentionOf(db: Kysely<KmsDatabase>, orgId: string): Promise<number | null> {
  const row = await db.selectFrom('kms_retention').select('message_days').where('org_id', '=', orgId).executeTakeFirst();
  return row === undefined ? null : Number(row.message_days);
}

/** `flint kms retention set`: the operator's rule for one org (null removes it). Audited. */
export async function setRetention(kms: Store, input: { orgId: string; messageDays: number | null }): Promise<void> {
  if (input.messageDays !== null && (!Number.isInteger(input.messageDays) || input.messageDays < 1 || input.messageDays > MAX_DAYS)) {
    throw KmsError.badRequest(`message days must be an integer from 1 to ${MAX_DAYS}`);
  }
  if (input.messageDays === null) await kms.db.deleteFrom('kms_retention').where('org_id', '=', input.orgId).execute();
  else {
    const values = { org_id: input.orgId, message_days: input.messageDays, set_by: 'operator', set_at: kms.now() };
    await kms.db
      .insertInto('kms_retention')
      .values(values)
      .onConflict((oc) => oc.column('org_id').doUpdateSet({ message_days: values.message_days, set_by: values.set_by, set_at: values.set_at }))
      .execute();
  }
  await audit(kms, OPERATOR, [{ action: 'retention.set', target: input.orgId, status: 200, detail: input.messageDays === null ? 'keep' : `${input.messageDays} days` }]);
}

export async function listRetention(db: Kysely<KmsDatabase>): Promise<{ orgId: string; messageDays: number; setAt: Date }[]> {
  const rows = await db.selectFrom('kms_retention').selectAll().orderBy('org_id').execute();
  return rows.map((r) => ({ orgId: r.org_id, messageDays: Number(r.message_days), setAt: new Date(Number(r.set_at)) }));
}

/** Resources a held person is or was authorized on, and those reached through them (a team's resource named on a space's). */
async function heldResourcesOf(db: Kysely<KmsDatabase>, userIds: readonly string[]): Promise<Set<string>> {
  const held = new Set<string>();
  if (userIds.length === 0) return held;
  const now = await db.selectFrom('kms_authorizations').select('resource_uri').where('auth_id', 'in', [...userIds]).execute();
  const past = await db.selectFrom('kms_audit').select('target').where('action', '=', 'authorization.create').where('detail', 'in', [...userIds]).where('target', 'is not', null).execute();
  let frontier = [...new Set([...now.map((r) => r.resource_uri), ...past.map((r) => r.target!)])];
  for (let depth = 0; depth < 8 && frontier.length > 0; depth++) {
    for (const uri of frontier) held.add(uri);
    // A resource naming a held resource among its authorizations (a team space) is held too.
    const through = await db.selectFrom('kms_authorizations').select('resource_uri').where('auth_id', 'in', frontier).execute();
    const pastThrough = await db.selectFrom('kms_audit').select('target').where('action', '=', 'authorization.create').where('detail', 'in', frontier).where('target', 'is not', null).execute();
    frontier = [...new Set([...through.map((r) => r.resource_uri), ...pastThrough.map((r) => r.target!)])].filter((uri) => !held.has(uri));
  }
  return held;
}

export interface ShredResult {
  /** URIs of the keys deleted. */
  shredded: string[];
}

/**
 * The KMS's own retention job: deletes, for each org with a rule, every key whose successor on its
 * resource was bound more than the rule's days plus `GRACE_MS` before `now`, unless a hold covers
 * the resource. Idempotent; runs on any KMS node (hourly) and by `flint kms retention shred`.
 */
export async function shredExpiredKeys(kms: Store, now: number): Promise<ShredResult> {
  const shredded: string[] = [];
  for (const rule of await listRetention(kms.db)) {
    const cutoff = now - rule.messageDays * DAY_MS - GRACE_MS;
    const holds = await kms.db.selectFrom('kms_holds').select(['room_id', 'user_id']).where('org_id', '=', rule.orgId).execute();
    const heldRooms = new Set(holds.map((h) => h.room_id).filter((r): r is string => r !== null));
    const heldResources = await heldResourcesOf(kms.db, holds.map((h) => h.user_id).filter((u): u is string => u !== null));
    const resources = await kms.db.selectFrom('kms_resources').select(['uri', 'room_id']).where('org_id', '=', rule.orgId).execute();
    for (const resource of resources) {
      if (heldResources.has(resource.uri) || (resource.room_id !== null && heldRooms.has(resource.room_id))) continue;
      const keys = await kms.db
        .selectFrom('kms_keys')
        .select(['uri', 'bound_at'])
        .where('resource_uri', '=', resource.uri)
        .where('bound_at', 'is not', null)
        .orderBy('bound_at')
        .orderBy('uri')
        .execute();
      // Each key's epoch ended when the next one was bound; the newest key's has not ended.
      const expired = keys.slice(0, -1).filter((_key, i) => Number(keys[i + 1]!.bound_at) < cutoff);
      if (expired.length === 0) continue;
      const uris = expired.map((k) => k.uri);
      await kms.db.deleteFrom('kms_keys').where('uri', 'in', uris).execute();
      await audit(kms, { clientId: 'kms-retention', userId: 'kms-retention', orgId: rule.orgId }, uris.map((uri) => ({ action: 'key.shred' as const, target: uri, status: 200, detail: `${resource.uri} (retention ${rule.messageDays} days)` })));
      shredded.push(...uris);
    }
  }
  return { shredded };
}
