/**
 * Device credentials: what the core cannot mint (issue 14, finding 1; docs/threat-model.md).
 *
 * The core vouches for a bearer (who is asking, and that the session is still alive), but whoever
 * can write the core's database can forge that answer. So every KMS request also carries, inside
 * the message encrypted to the KMS, a *device credential* of the same person: 32 random bytes the
 * device made (or, for a bot, derived from its token by HKDF), of which the KMS keeps only the
 * SHA-256. The core relays the message opaque and never sees the secret.
 *
 * An unknown device credential is enrolled when:
 * - the person has no credential at all yet (first use: trust on first use, the one window in
 *   which a forged bearer could enroll a device; documented in the threat model);
 * - the request also carries the person's password credential (derived from the password on the
 *   client, PBKDF2; the core keeps only an argon2 hash of the password, so its database cannot
 *   yield it) and it matches the one the KMS holds;
 * - or an enrolled device approves it beforehand (`create /devices` with its hash).
 * Nothing else enrolls one: an administrator resetting a password at the core gains nothing; the
 * KMS operator can reset a person's credentials (`flint kms reset-credentials`), after which the
 * next device enrolls as on first use.
 * @module
 */
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Caller, KmsContext } from './context.ts';
import { KmsError } from './errors.ts';
import { audit } from './audit.ts';

/** A credential's secret on the wire: 32 bytes, base64url without padding. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const HASH = /^[0-9a-f]{64}$/;
const MAX_DEVICES = 100;

export interface DeviceCredential {
  /** The credential's public id (in the audit log). */
  id: string;
}

export interface CredentialObject {
  id: string;
  kind: 'device' | 'password';
  label: string | null;
  enrolledVia: string;
  createDate: string;
}

/** The SHA-256 hex of a credential's secret, as the KMS stores it (clients compute the same to approve a device). */
export function credentialHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function secretOf(credential: Record<string, unknown> | undefined, field: 'device' | 'password'): string | undefined {
  const value = credential?.[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !SECRET.test(value)) throw KmsError.badRequest(`client.credential.${field} must be 32 bytes in base64url`);
  return value;
}

/**
 * The device behind a request of `userId` (whom the bearer names): an enrolled credential of that
 * person, or one enrolled now under the rules above. Throws 401 without a device credential, 403
 * for one that belongs to someone else or that nothing allows to enroll.
 */
export async function authenticateDevice(kms: KmsContext, caller: Caller, rawCredential: unknown): Promise<DeviceCredential> {
  const credential = typeof rawCredential === 'object' && rawCredential !== null ? (rawCredential as Record<string, unknown>) : undefined;
  const device = secretOf(credential, 'device');
  if (device === undefined) throw KmsError.unauthenticated('The request carries no device credential (client.credential.device).');
  const password = secretOf(credential, 'password');
  const hash = credentialHash(device);
  const known = await kms.db.selectFrom('kms_credentials').select(['id', 'user_id', 'kind']).where('hash', '=', hash).executeTakeFirst();
  if (known !== undefined) {
    if (known.user_id !== caller.userId || known.kind !== 'device') throw KmsError.forbidden('The device credential does not belong to the bearer’s owner.');
    return { id: known.id };
  }
  const enrolled = await kms.db.transaction().execute(async (trx) => {
    const mine = await trx.selectFrom('kms_credentials').select(['id', 'kind', 'hash']).where('user_id', '=', caller.userId).execute();
    const now = kms.now();
    const insert = async (kind: 'device' | 'password', secretHash: string, via: string) => {
      const id = uuidv7();
      await trx.insertInto('kms_credentials').values({ id, user_id: caller.userId, kind, hash: secretHash, label: caller.clientId.slice(0, 256) || null, enrolled_via: via, created_at: now }).execute();
      return id;
    };
    if (mine.length === 0) {
      const id = await insert('device', hash, 'first-use');
      if (password !== undefined) await insert('password', credentialHash(password), `device:${id}`);
      return { id, via: 'first-use' };
    }
    const stored = mine.find((c) => c.kind === 'password');
    if (password !== undefined && stored !== undefined && stored.hash === credentialHash(password)) {
      if (mine.filter((c) => c.kind === 'device').length >= MAX_DEVICES) throw KmsError.conflict(`At most ${MAX_DEVICES} devices per person: remove one first.`);
      return { id: await insert('device', hash, 'password'), via: 'password' };
    }
    return { refused: stored === undefined ? 'no-password' : 'mismatch' } as const;
  });
  if ('refused' in enrolled) {
    throw KmsError.forbidden(
      password === undefined
        ? 'This device is not enrolled at the KMS: sign in with your password on it, or approve it from one of your enrolled devices.'
        : enrolled.refused === 'no-password'
          ? 'This device is not enrolled at the KMS, which holds no password credential for you yet: approve this device, or set the password credential, from one of your enrolled devices.'
          : 'This device is not enrolled at the KMS, and the password credential does not match the one the KMS holds.',
    );
  }
  await audit(kms, { ...caller, credentialId: enrolled.id }, [{ action: 'device.enroll', target: enrolled.id, status: 201, detail: enrolled.via }]);
  return { id: enrolled.id };
}

function present(row: { id: string; kind: 'device' | 'password'; label: string | null; enrolled_via: string; created_at: number }): CredentialObject {
  return { id: row.id, kind: row.kind, label: row.label, enrolledVia: row.enrolled_via, createDate: new Date(row.created_at).toISOString() };
}

/** `create /devices {credentialHash}`: an enrolled device approves another device of the same person. */
export async function approveDevice(kms: KmsContext, caller: Caller, body: Record<string, unknown>): Promise<CredentialObject> {
  const hash = body['credentialHash'];
  if (typeof hash !== 'string' || !HASH.test(hash)) throw KmsError.badRequest('credentialHash must be the SHA-256 hex of the new device’s credential');
  const label = typeof body['label'] === 'string' ? body['label'].slice(0, 256) : null;
  return kms.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('kms_credentials').selectAll().where('hash', '=', hash).executeTakeFirst();
    if (existing !== undefined) {
      if (existing.user_id === caller.userId && existing.kind === 'device') return present(existing);
      throw KmsError.conflict('That credential is enrolled already.');
    }
    const count = await trx.selectFrom('kms_credentials').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', caller.userId).where('kind', '=', 'device').executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_DEVICES) throw KmsError.conflict(`At most ${MAX_DEVICES} devices per person: remove one first.`);
    const row = { id: uuidv7(), user_id: caller.userId, kind: 'device' as const, hash, label, enrolled_via: `device:${caller.credentialId ?? '?'}`, created_at: kms.now() };
    await trx.insertInto('kms_credentials').values(row).execute();
    return present(row);
  });
}

/** `update /password {password}`: the person's new password credential, set by one of their enrolled devices. */
export async function setPasswordCredential(kms: KmsContext, caller: Caller, body: Record<string, unknown>): Promise<void> {
  const password = secretOf(body, 'password');
  if (password === undefined) throw KmsError.badRequest('password (the new password credential) is required');
  const hash = credentialHash(password);
  await kms.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('kms_credentials').where('user_id', '=', caller.userId).where('kind', '=', 'password').execute();
    const clash = await trx.selectFrom('kms_credentials').select('id').where('hash', '=', hash).executeTakeFirst();
    if (clash !== undefined) throw KmsError.conflict('That credential is in use.');
    await trx.insertInto('kms_credentials').values({ id: uuidv7(), user_id: caller.userId, kind: 'password', hash, label: null, enrolled_via: `device:${caller.credentialId ?? '?'}`, created_at: kms.now() }).execute();
  });
}

/** `retrieve /devices`: one's own credentials (never their hashes). */
export async function listCredentials(kms: KmsContext, caller: Caller): Promise<CredentialObject[]> {
  const rows = await kms.db.selectFrom('kms_credentials').selectAll().where('user_id', '=', caller.userId).orderBy('id').execute();
  return rows.map(present);
}

/** `delete /devices/<id>`: removes one of one's own credentials (a lost device). */
export async function removeCredential(kms: KmsContext, caller: Caller, id: string): Promise<CredentialObject> {
  const row = await kms.db.selectFrom('kms_credentials').selectAll().where('id', '=', id).where('user_id', '=', caller.userId).executeTakeFirst();
  if (row === undefined) throw KmsError.notFound('No such device of yours.');
  await kms.db.deleteFrom('kms_credentials').where('id', '=', id).execute();
  return present(row);
}

/**
 * The KMS operator's reset (`flint kms reset-credentials <userId>`): forgets every credential of
 * the person, so their next device enrolls as on first use. For a person who lost every device
 * and their password; the operator must check who asks, since whoever uses the KMS next as that
 * person becomes their device.
 */
export async function resetCredentials(kms: Pick<KmsContext, 'db' | 'now'>, userId: string): Promise<number> {
  const result = await kms.db.deleteFrom('kms_credentials').where('user_id', '=', userId).executeTakeFirst();
  const removed = Number(result.numDeletedRows);
  await audit(kms, { userId, clientId: 'kms-operator' }, [{ action: 'credentials.reset', target: userId, status: 200, detail: `${removed} removed` }]);
  return removed;
}
