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
 * - the person has no credential at all yet and the KMS's policy is `open` (first use: trust on
 *   first use, the one window in which a forged bearer could enroll a device; documented in the
 *   threat model); under `approval` a first device needs one of the proofs below;
 * - the request also carries the person's password credential (derived from the password on the
 *   client, PBKDF2; the core keeps only an argon2 hash of the password, so its database cannot
 *   yield it) and it matches the one the KMS holds;
 * - it carries the person's recovery key (set by one of their devices) or a one-time enrollment
 *   code the KMS's operator issued (`flint kms enroll-code`);
 * - it carries the org's identity provider's proof, where the KMS trusts that provider (idp.ts);
 * - or an enrolled device approves it beforehand (`create /devices` with its hash).
 * Nothing else enrolls one: an administrator resetting a password at the core gains nothing; the
 * KMS operator can reset a person's credentials (`flint kms reset-credentials`), after which the
 * next device enrolls as a first device.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Caller, KmsContext } from './context.ts';
import { KmsError } from './errors.ts';
import { audit } from './audit.ts';
import { idpTrustOf, verifyIdpProof } from './idp.ts';
import { hotQueries } from './storage/hot-queries.ts';

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
  kind: 'device' | 'password' | 'recovery' | 'enrollment';
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

/** A recovery key or enrollment code on the wire: 24 characters of RFC 4648 base32 (120 bits), as the SDK normalizes them. */
const RECOVERY = /^[A-Z2-7]{24}$/;
/** An operator's enrollment code is good for this long, once. */
export const ENROLLMENT_CODE_TTL_MS = 7 * 86_400_000;

function recoveryOf(credential: Record<string, unknown> | undefined): string | undefined {
  const value = credential?.['recovery'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !RECOVERY.test(value)) throw KmsError.badRequest('client.credential.recovery must be a recovery key or enrollment code (24 base32 characters)');
  return value;
}

/**
 * The organization the KMS knows the person by: the one the core named at their first request.
 * A core that later names another (to escape the first one's IdP requirement) is refused.
 */
async function pinOrganization(kms: KmsContext, caller: Caller): Promise<void> {
  const [known] = await hotQueries(kms.db).principalOrg(caller.userId);
  if (known === undefined) {
    await kms.db
      .insertInto('kms_principals')
      .values({ user_id: caller.userId, org_id: caller.orgId, idp_issuer: null, idp_subject: null, created_at: kms.now() })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute();
    return;
  }
  if (known.org_id !== caller.orgId) throw KmsError.forbidden('The core names another organization for this person than the KMS knows them by.');
}

/**
 * The device behind a request of `userId` (whom the bearer names): an enrolled credential of that
 * person, or one enrolled now under the rules above. Throws 401 without a device credential, 403
 * for one that belongs to someone else or that nothing allows to enroll. In a handshake of a
 * person whose organization's identity provider the KMS trusts, the provider's proof is required
 * too, enrolled device or not (idp.ts).
 */
export async function authenticateDevice(kms: KmsContext, caller: Caller, rawCredential: unknown, options: { handshake: boolean } = { handshake: false }): Promise<DeviceCredential> {
  const credential = typeof rawCredential === 'object' && rawCredential !== null ? (rawCredential as Record<string, unknown>) : undefined;
  const device = secretOf(credential, 'device');
  if (device === undefined) throw KmsError.unauthenticated('The request carries no device credential (client.credential.device).');
  const password = secretOf(credential, 'password');
  const recovery = recoveryOf(credential);
  const hash = credentialHash(device);
  await pinOrganization(kms, caller);
  const trust = options.handshake ? await idpTrustOf(kms.db, caller.orgId) : undefined;
  const proof = trust === undefined ? undefined : await verifyIdpProof(kms, trust, caller, credential?.['idp']);
  const [known] = await hotQueries(kms.db).credentialByHash(hash);
  if (known !== undefined) {
    if (known.user_id !== caller.userId || known.kind !== 'device') throw KmsError.forbidden('The device credential does not belong to the bearer’s owner.');
    return { id: known.id };
  }
  const enrolled = await kms.db.transaction().execute(async (trx) => {
    const mine = await trx.selectFrom('kms_credentials').select(['id', 'kind', 'hash', 'created_at']).where('user_id', '=', caller.userId).execute();
    const now = kms.now();
    const insert = async (kind: 'device' | 'password', secretHash: string, via: string) => {
      const id = uuidv7();
      await trx.insertInto('kms_credentials').values({ id, user_id: caller.userId, kind, hash: secretHash, label: caller.clientId.slice(0, 256) || null, enrolled_via: via, created_at: now }).execute();
      return id;
    };
    const stored = mine.find((c) => c.kind === 'password');
    const devices = mine.filter((c) => c.kind === 'device').length;
    /** A device enrolled with a proof of the person (not their password): it may also bring the first password credential. */
    const enrollWithProof = async (via: string) => {
      if (devices >= MAX_DEVICES) throw KmsError.conflict(`At most ${MAX_DEVICES} devices per person: remove one first.`);
      const id = await insert('device', hash, via);
      if (password !== undefined && stored === undefined) await insert('password', credentialHash(password), `device:${id}`);
      return { id, via };
    };
    // The org's identity provider vouched for this very device's sign-in (nonce): enough to enrol it.
    if (proof !== undefined) return enrollWithProof('idp');
    // First use: nothing of the person's yet (an operator's pending enrollment code aside).
    if (mine.every((c) => c.kind === 'enrollment') && kms.policy.firstDevice === 'open') return enrollWithProof('first-use');
    if (recovery !== undefined) {
      const presented = credentialHash(recovery);
      const key = mine.find((c) => c.kind === 'recovery' && c.hash === presented);
      if (key !== undefined) return enrollWithProof('recovery');
      const code = mine.find((c) => c.kind === 'enrollment' && c.hash === presented);
      if (code !== undefined) {
        // One use: spent whether or not it is still fresh.
        await trx.deleteFrom('kms_credentials').where('id', '=', code.id).execute();
        if (now - code.created_at <= ENROLLMENT_CODE_TTL_MS) return enrollWithProof('enrollment-code');
      }
      return { refused: 'recovery' } as const;
    }
    if (password !== undefined && stored !== undefined && stored.hash === credentialHash(password)) {
      if (devices >= MAX_DEVICES) throw KmsError.conflict(`At most ${MAX_DEVICES} devices per person: remove one first.`);
      return { id: await insert('device', hash, 'password'), via: 'password' };
    }
    return { refused: devices === 0 ? 'first-device' : stored === undefined ? 'no-password' : 'mismatch' } as const;
  });
  if ('refused' in enrolled) {
    throw KmsError.forbidden(
      enrolled.refused === 'recovery'
        ? 'This device is not enrolled at the KMS, and the recovery key or enrollment code is not valid (recovery_invalid).'
        : enrolled.refused === 'first-device'
          ? 'This device is not enrolled at the KMS, which enrolls a first device only with an enrollment code from its operator (first_device_approval).'
          : password === undefined
            ? 'This device is not enrolled at the KMS: sign in with your password on it, or approve it from one of your enrolled devices.'
            : enrolled.refused === 'no-password'
              ? 'This device is not enrolled at the KMS, which holds no password credential for you yet: approve this device, or set the password credential, from one of your enrolled devices.'
              : 'This device is not enrolled at the KMS, and the password credential does not match the one the KMS holds.',
    );
  }
  await audit(kms, { ...caller, credentialId: enrolled.id }, [{ action: 'device.enroll', target: enrolled.id, status: 201, detail: enrolled.via }]);
  return { id: enrolled.id };
}

function present(row: { id: string; kind: CredentialObject['kind']; label: string | null; enrolled_via: string; created_at: number }): CredentialObject {
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

/**
 * `update /recovery {recovery}`: the person's recovery key (made and shown once on the client,
 * like a Matrix recovery key), set by one of their enrolled devices; it replaces any earlier one.
 * With it, a new device enrolls without another device or the password.
 */
export async function setRecoveryKey(kms: KmsContext, caller: Caller, body: Record<string, unknown>): Promise<void> {
  const recovery = recoveryOf(body);
  if (recovery === undefined) throw KmsError.badRequest('recovery (the new recovery key) is required');
  const hash = credentialHash(recovery);
  await kms.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('kms_credentials').where('user_id', '=', caller.userId).where('kind', '=', 'recovery').execute();
    const clash = await trx.selectFrom('kms_credentials').select('id').where('hash', '=', hash).executeTakeFirst();
    if (clash !== undefined) throw KmsError.conflict('That credential is in use.');
    await trx.insertInto('kms_credentials').values({ id: uuidv7(), user_id: caller.userId, kind: 'recovery', hash, label: null, enrolled_via: `device:${caller.credentialId ?? '?'}`, created_at: kms.now() }).execute();
  });
}

/** 24 random base32 characters (120 bits): what a recovery key or an enrollment code looks like. */
export function newRecoveryCode(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(24);
  let out = '';
  for (const b of bytes) out += alphabet[b & 31];
  return out;
}

/**
 * The KMS operator's `flint kms enroll-code <personId>`: a one-time code (good for
 * `ENROLLMENT_CODE_TTL_MS`) with which the person's next device enrolls, handed to the person out
 * of band — what a first device needs under `FLINT_KMS_FIRST_DEVICE=approval`, or someone who lost
 * every device and their recovery key. Answers the code (shown once; the KMS keeps its SHA-256).
 */
export async function issueEnrollmentCode(kms: Pick<KmsContext, 'db' | 'now'>, userId: string): Promise<string> {
  const code = newRecoveryCode();
  await kms.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('kms_credentials').where('user_id', '=', userId).where('kind', '=', 'enrollment').execute();
    await trx.insertInto('kms_credentials').values({ id: uuidv7(), user_id: userId, kind: 'enrollment', hash: credentialHash(code), label: null, enrolled_via: 'kms-operator', created_at: kms.now() }).execute();
  });
  await audit(kms, { userId, clientId: 'kms-operator' }, [{ action: 'enrollment-code.issue', target: userId, status: 201 }]);
  return code;
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
