/**
 * SIP desk phones (SPEC CL-6, SEC-4): an admin adds a phone for a person with its MAC address and
 * gets a one-time activation code, shown once. The code is 20 digits (a phone's keypad types it):
 * the first 8 find the row, the last 12 are kept only as an argon2id hash and expire. A phone
 * spends the code once, with its MAC address, for its SIP credentials: a username and a password
 * shown once; Flint keeps the digest's HA1, which is what the SIP engine must have to check a
 * REGISTER (SIP digest works that way). Deleting the phone ends its credentials.
 * @module
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { TELEPHONY_LIMITS, type SipCredentials, type SipDevice } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { TelephonyDevicesTable } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { countWhere, requireMember, requireTelephonyAdmin } from './access.ts';

/** Failed activations per client address per window, and the window. */
const ACTIVATE_TRIES = 10;
const ACTIVATE_WINDOW_SEC = 15 * 60;

function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(randomInt(10));
  return s;
}

/** A MAC address as stored: lower-case, colon-separated. */
export function normalizeMac(raw: string): string | undefined {
  const hex = raw.replace(/[:-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex)) return undefined;
  return hex.match(/../g)!.join(':');
}

export function ha1Of(username: string, realm: string, password: string): string {
  return createHash('md5').update(`${username}:${realm}:${password}`).digest('hex');
}

function present(r: TelephonyDevicesTable): SipDevice {
  return { id: r.id, personId: r.person_id, mac: r.mac, sipUsername: r.sip_username, activated: r.activated_at !== null, created: iso(Number(r.created_at)) };
}

export async function listDevices(core: Core, actor: Actor): Promise<SipDevice[]> {
  requireMember(actor);
  let q = core.db.selectFrom('telephony_devices').selectAll().where('org_id', '=', actor.orgId);
  // Someone who is not an admin sees their own phones only.
  if (!actor.isAdmin) q = q.where('person_id', '=', actor.personId);
  return (await q.orderBy('created_at').limit(5000).execute()).map(present);
}

export async function createDevice(core: Core, actor: Actor, input: { personId: string; mac: string }): Promise<{ device: SipDevice; activationCode: string }> {
  requireTelephonyAdmin(actor);
  const mac = normalizeMac(input.mac);
  if (mac === undefined) throw ApiError.badRequest('mac: six hexadecimal octets, e.g. 00:11:22:aa:bb:cc');
  const codeId = digits(8);
  const secret = digits(12);
  const codeHash = await core.passwords.hash(secret);
  return core.db.transaction().execute(async (trx) => {
    const person = await trx.selectFrom('people').select(['org_id', 'display_name']).where('id', '=', input.personId).where('status', '=', 'active').where('type', '=', 'person').executeTakeFirst();
    if (person?.org_id !== actor.orgId) throw ApiError.badRequest('personId: no such active person in your organization');
    if ((await countWhere(trx, 'telephony_devices', 'person_id', input.personId)) >= TELEPHONY_LIMITS.devicesPerPerson) throw ApiError.conflict(`A person has at most ${TELEPHONY_LIMITS.devicesPerPerson} phones.`);
    const taken = await trx.selectFrom('telephony_devices').select('id').where('org_id', '=', actor.orgId).where('mac', '=', mac).executeTakeFirst();
    if (taken !== undefined) throw ApiError.conflict('A phone with that MAC address exists already.');
    const id = newId();
    const row: TelephonyDevicesTable = {
      id,
      org_id: actor.orgId,
      person_id: input.personId,
      mac,
      sip_username: `flint${digits(10)}`,
      ha1: null,
      code_id: codeId,
      code_hash: codeHash,
      code_expires_at: core.now() + TELEPHONY_LIMITS.activationMinutes * 60_000,
      activated_at: null,
      created_at: core.now(),
    };
    await trx.insertInto('telephony_devices').values(row).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.device.create', targetId: id, targetName: `${mac} (${person.display_name})` });
    return { device: present(row), activationCode: codeId + secret };
  });
}

export async function deleteDevice(core: Core, actor: Actor, id: string): Promise<void> {
  requireTelephonyAdmin(actor);
  await core.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('telephony_devices').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined || row.org_id !== actor.orgId) throw ApiError.notFound('phone');
    await trx.deleteFrom('telephony_devices').where('id', '=', id).execute();
    await recordAdminAction(core, trx, actor, { action: 'telephony.device.delete', targetId: id, targetName: row.mac });
  });
}

/**
 * A phone spends its activation code for SIP credentials: once, before it expires, with the MAC
 * address the admin recorded. Every failure looks the same (403) and counts against the client
 * address; a new password is made each time (only its HA1 is kept).
 */
export async function activateDevice(core: Core, input: { code: string; mac: string }, clientIp: string): Promise<SipCredentials> {
  // 409 as for meetings without a media server: the deployment's state, not a server fault.
  if (core.sip === undefined) throw ApiError.conflict('No SIP engine runs on this Flint (apt-get install kamailio; FLINT_SIP=auto): phones cannot be activated.');
  const limitKey = `telephony-activate:${clientIp}`;
  const tries = await core.limiter.peek(limitKey);
  if (tries.count >= ACTIVATE_TRIES) throw ApiError.rateLimited(tries.resetInSec);
  const refuse = async (): Promise<never> => {
    await core.limiter.hit(limitKey, ACTIVATE_WINDOW_SEC);
    throw ApiError.forbidden('This activation code is not valid for this phone.');
  };
  const code = input.code.replace(/[\s-]/g, '');
  const mac = normalizeMac(input.mac);
  if (!/^[0-9]{20}$/.test(code) || mac === undefined) return refuse();
  const row = await core.db.selectFrom('telephony_devices').selectAll().where('code_id', '=', code.slice(0, 8)).executeTakeFirst();
  if (row === undefined || row.code_hash === null) {
    await core.passwords.verifyDummy(code.slice(8));
    return refuse();
  }
  const good = await core.passwords.verify(row.code_hash, code.slice(8));
  if (!good || row.mac !== mac || (row.code_expires_at ?? 0) < core.now()) return refuse();
  const password = randomBytes(18).toString('base64url');
  const sip = core.sip;
  // Spent once: the update only matches while the code is still there.
  const spent = await core.db
    .updateTable('telephony_devices')
    .set({ ha1: ha1Of(row.sip_username, sip.realm, password), code_id: null, code_hash: null, code_expires_at: null, activated_at: core.now() })
    .where('id', '=', row.id)
    .where('code_id', '=', row.code_id)
    .executeTakeFirst();
  if (Number(spent.numUpdatedRows) !== 1) return refuse();
  await core.limiter.reset(limitKey);
  return { username: row.sip_username, password, domain: sip.realm, registrar: sip.registrar };
}

/** A device's digest HA1 and its person, for the SIP engine (activated devices of active people only). */
export async function deviceForSip(db: Db, username: string): Promise<{ ha1: string; personId: string; orgId: string } | undefined> {
  const row = await db
    .selectFrom('telephony_devices as d')
    .innerJoin('people as p', 'p.id', 'd.person_id')
    .select(['d.ha1', 'd.person_id', 'd.org_id', 'p.status'])
    .where('d.sip_username', '=', username)
    .executeTakeFirst();
  if (row === undefined || row.ha1 === null || row.status !== 'active') return undefined;
  return { ha1: row.ha1, personId: row.person_id, orgId: row.org_id };
}
