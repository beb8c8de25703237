/**
 * Requests to approve a new browser from an enrolled one (protocol `device-requests.ts`). The core
 * only carries them between one person's browsers: the approval itself happens at the KMS, from
 * an enrolled device, after that device checked the request's MAC under the code shown on the new
 * browser — a code the core never sees. So a request the core invents (or alters) is refused by
 * the person's own browser, and a status the core fakes changes nothing at the KMS.
 * @module
 */
import { DEVICE_REQUEST_LIMITS, type DeviceRequest } from '@flint/protocol';
import type { Actor, ClientInfo, Core } from '../core.ts';
import type { DeviceRequestsTable } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';

function present(row: DeviceRequestsTable, now: number): DeviceRequest {
  return {
    id: row.id,
    credentialHash: row.credential_hash,
    mac: row.mac,
    // An unanswered request past its time is no longer pending: the new browser must ask again.
    status: row.status === 'pending' && row.expires_at <= now ? 'refused' : row.status,
    created: iso(row.created_at),
    expires: iso(row.expires_at),
    ...(row.user_agent !== null ? { userAgent: row.user_agent } : {}),
    ...(row.address !== null ? { address: row.address } : {}),
  };
}

export async function createDeviceRequest(core: Core, actor: Actor, input: { credentialHash: string; mac: string }, client: ClientInfo): Promise<DeviceRequest> {
  const now = core.now();
  const row: DeviceRequestsTable = {
    id: newId(),
    person_id: actor.personId,
    credential_hash: input.credentialHash,
    mac: input.mac,
    status: 'pending',
    user_agent: client.userAgent?.slice(0, 256) ?? null,
    address: client.ip?.slice(0, 64) ?? null,
    created_at: now,
    expires_at: now + DEVICE_REQUEST_LIMITS.ttlMs,
  };
  await core.db.transaction().execute(async (trx) => {
    // Answered and expired requests are kept no longer than a request lives.
    await trx.deleteFrom('device_requests').where('person_id', '=', actor.personId).where('expires_at', '<=', now).execute();
    const pending = await trx.selectFrom('device_requests').select('id').where('person_id', '=', actor.personId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    const drop = pending.slice(DEVICE_REQUEST_LIMITS.pendingPerPerson - 1).map((r) => r.id);
    if (drop.length > 0) await trx.deleteFrom('device_requests').where('id', 'in', drop).execute();
    await trx.insertInto('device_requests').values(row).execute();
  });
  return present(row, now);
}

export async function listDeviceRequests(core: Core, actor: Actor): Promise<DeviceRequest[]> {
  const now = core.now();
  const rows = await core.db
    .selectFrom('device_requests')
    .selectAll()
    .where('person_id', '=', actor.personId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => present(r, now));
}

async function ownRequest(core: Core, actor: Actor, id: string): Promise<DeviceRequestsTable> {
  const row = await core.db.selectFrom('device_requests').selectAll().where('id', '=', id).where('person_id', '=', actor.personId).executeTakeFirst();
  if (row === undefined) throw ApiError.notFound('device request');
  return row;
}

export async function getDeviceRequest(core: Core, actor: Actor, id: string): Promise<DeviceRequest> {
  return present(await ownRequest(core, actor, id), core.now());
}

/** Records the enrolled browser's answer; only a pending, unexpired request can be answered. */
export async function answerDeviceRequest(core: Core, actor: Actor, id: string, status: 'approved' | 'refused'): Promise<DeviceRequest> {
  const now = core.now();
  const row = await ownRequest(core, actor, id);
  if (row.status !== 'pending' || row.expires_at <= now) throw ApiError.conflict('This request was answered already, or it expired.');
  await core.db.updateTable('device_requests').set({ status }).where('id', '=', id).where('status', '=', 'pending').execute();
  return present({ ...row, status }, now);
}
