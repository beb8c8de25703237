/**
 * The KMS service: opens its own database, loads (or creates) its CA and static key, and answers
 * batches of KMS messages. Both the Fastify plugin and the standalone server are thin shells
 * around this.
 * @module
 */
import { join } from 'node:path';
import type { DatabaseConfig } from '@flint/db';
import type { Jwk } from '@flint/crypto';
import { openKmsDatabase } from './storage/database.ts';
import { Sealer } from './sealing.ts';
import { StaticKeyOps } from './envelopes.ts';
import { loadStaticKey } from './static-key.ts';
import { handleMessage } from './messages.ts';
import { smtpMailer } from './mail.ts';
import { readAudit, type AuditEntry, type AuditQuery } from './audit.ts';
import { AuditCommitter, auditRowWriter } from './audit-commit.ts';
import { sweepEphemeralKeys } from './ephemeral-keys.ts';
import type { FirstDevicePolicy, KmsContext, KmsLogger, RequestOrigin, VerifyBearer } from './context.ts';
import { issueEnrollmentCode, resetCredentials } from './credentials.ts';
import { listIdpTrusts, removeIdpTrust, setIdpTrust, type IdpTrust } from './idp.ts';
import { grantOfficer, listOfficers, removeOfficer, type Officer } from './officers.ts';
import { listRetention, setRetention, shredExpiredKeys, type ShredResult } from './retention.ts';
import type { Kysely } from 'kysely';
import type { KmsDatabase } from './storage/schema.ts';

export interface KmsOptions {
  /** The KMS's folder: its SQLite file (unless `database` says otherwise) and its master key file. */
  dataDir: string;
  /** The KMS's own database; default: SQLite at `<dataDir>/kms.db`. Never the core's database. */
  database?: DatabaseConfig | undefined;
  /** `kms://<host>`: the cluster URI, the static key's `kid` and the certificate's name. Default `kms://localhost`. */
  kmsCluster?: string | undefined;
  /** Validates the KMS-scoped bearer inside each request (supplied by the composition root from Flint's identity service). */
  verifyBearer: VerifyBearer;
  /** 32 bytes sealing secrets at rest; default: read or create `<dataDir>/master.key`. All nodes on one database need the same. */
  masterKey?: Uint8Array | undefined;
  /** Ephemeral key lifetime in seconds (default 3600; at least 120, since clients re-key 30 s before expiry). */
  ephemeralKeyLifetimeSec?: number | undefined;
  log?: KmsLogger | undefined;
  /** The clock, in epoch milliseconds (tests move it to expire keys). */
  now?: (() => number) | undefined;
  /** How a person's first device enrolls (FLINT_KMS_FIRST_DEVICE; default `open`). */
  firstDevice?: FirstDevicePolicy | undefined;
  /** Reads identity providers over plain http on loopback (FLINT_KMS_IDP_ALLOW_LOOPBACK_HTTP; tests). */
  idpAllowLoopbackHttp?: boolean | undefined;
  /** The realm's mail relay's SMTP server (FLINT_KMS_SMTP_URL): voicemail to e-mail; none without it. */
  mailSmtpUrl?: string | undefined;
  /** The relay's From address (FLINT_KMS_MAIL_FROM). */
  mailFrom?: string | undefined;
}

export interface KmsInfo {
  kmsCluster: string;
  /** The static public JWK as a JSON string (that is how the Webex discovery answer carries it). */
  rsaPublicKey: string;
  /** The CA clients must trust (`encryption.caroots` in the Webex SDK), base64 DER and PEM. */
  caroots: string[];
  caCertificatePem: string;
}

export interface Kms {
  info(): KmsInfo;
  /** The static public JWK as an object. */
  publicKey(): Jwk;
  /** Answers each message independently, in order; never rejects. `origin`: where they came from, for the audit log. */
  handle(messages: readonly unknown[], origin?: RequestOrigin): Promise<string[]>;
  /** The operator's reset of a person's device credentials (see credentials.ts); answers how many were removed. */
  resetCredentials(userId: string): Promise<number>;
  audit(query?: AuditQuery): Promise<AuditEntry[]>;
  /** The KMS's own retention job (retention.ts), at `now` (default: the KMS's clock); also run hourly. */
  shred(now?: number): Promise<ShredResult>;
  close(): Promise<void>;
}

const SILENT: KmsLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function openKms(options: KmsOptions): Promise<Kms> {
  const cluster = (options.kmsCluster ?? 'kms://localhost').replace(/\/+$/, '');
  const url = new URL(cluster);
  if (url.protocol !== 'kms:' || url.hostname === '' || url.pathname !== '') throw new Error(`kmsCluster must be kms://<host>, not ${cluster}`);
  const lifetimeSec = options.ephemeralKeyLifetimeSec ?? 3600;
  if (!Number.isInteger(lifetimeSec) || lifetimeSec < 120) throw new Error('ephemeralKeyLifetimeSec must be an integer of at least 120');
  const sealer = options.masterKey !== undefined ? Sealer.fromKey(options.masterKey) : Sealer.fromFile(join(options.dataDir, 'master.key'));
  const opened = await openKmsDatabase(options.database ?? { kind: 'sqlite', file: join(options.dataDir, 'kms.db') });
  const now = options.now ?? Date.now;
  let ctx: KmsContext;
  try {
    const staticKey = await loadStaticKey(opened.db, sealer, cluster, now());
    ctx = {
      db: opened.db,
      sealer,
      staticKey,
      staticKeyOps: new StaticKeyOps(staticKey.privateJwk, staticKey.kid),
      cluster,
      host: url.hostname,
      verifyBearer: options.verifyBearer,
      now,
      log: options.log ?? SILENT,
      lifetimes: { ephemeralMs: lifetimeSec * 1000, unboundKeyMs: 10 * 60_000, boundKeyMs: 365 * 86_400_000 },
      policy: { firstDevice: options.firstDevice ?? 'open', idpAllowLoopbackHttp: options.idpAllowLoopbackHttp ?? false },
      auditCommitter: new AuditCommitter(auditRowWriter(opened.db)),
      mailer: options.mailSmtpUrl !== undefined ? smtpMailer(options.mailSmtpUrl, options.mailFrom ?? `Flint key server <kms@${url.hostname}>`) : undefined,
    };
  } catch (error) {
    await opened.close();
    throw error;
  }
  // Expired ephemeral keys are refused on use; the sweep only keeps the table small.
  const sweep = setInterval(() => void sweepEphemeralKeys(ctx).catch(() => undefined), 10 * 60_000);
  sweep.unref();
  // Crypto-shredding by the KMS's own rule (retention.ts); idempotent, so every node may run it.
  const shredder = setInterval(
    () =>
      void shredExpiredKeys(ctx, now()).then(
        (r) => r.shredded.length > 0 && ctx.log.info({ keys: r.shredded.length }, 'kms retention: keys of expired epochs deleted'),
        (error: unknown) => ctx.log.warn({ err: error }, 'kms retention failed'),
      ),
    3_600_000,
  );
  shredder.unref();
  const info: KmsInfo = {
    kmsCluster: cluster,
    rsaPublicKey: JSON.stringify(ctx.staticKey.publicJwk),
    caroots: [ctx.staticKey.caCertificate],
    caCertificatePem: ctx.staticKey.caCertificatePem,
  };
  let closed: Promise<void> | undefined;
  return {
    info: () => info,
    publicKey: () => ({ ...ctx.staticKey.publicJwk }),
    handle: (messages, origin) => Promise.all(messages.map((m) => handleMessage(ctx, m, origin))),
    resetCredentials: (userId) => resetCredentials(ctx, userId),
    audit: (query) => readAudit(ctx.db, query),
    shred: (at) => shredExpiredKeys(ctx, at ?? now()),
    close: () => {
      clearInterval(sweep);
      clearInterval(shredder);
      // Records still committing belong to answers not yet sent: let them land first.
      return (closed ??= ctx.auditCommitter.flush().then(() => opened.close()));
    },
  };
}

/** Reads the audit log straight from the KMS database (for `flint kms audit`), without serving. */
export async function readKmsAudit(options: Pick<KmsOptions, 'dataDir' | 'database'>, query: AuditQuery = {}): Promise<AuditEntry[]> {
  const opened = await openKmsDatabase(options.database ?? { kind: 'sqlite', file: join(options.dataDir, 'kms.db') });
  try {
    return await readAudit(opened.db, query);
  } finally {
    await opened.close();
  }
}

/** Forgets a person's KMS device credentials straight in the KMS database (for `flint kms reset-credentials`). */
export async function resetKmsCredentials(options: Pick<KmsOptions, 'dataDir' | 'database'>, userId: string): Promise<number> {
  const opened = await openKmsDatabase(options.database ?? { kind: 'sqlite', file: join(options.dataDir, 'kms.db') });
  try {
    return await resetCredentials({ db: opened.db, now: Date.now }, userId);
  } finally {
    await opened.close();
  }
}

/** Opens the KMS database alone, for an operator task, and closes it after. */
async function withKmsDatabase<T>(options: Pick<KmsOptions, 'dataDir' | 'database'>, task: (db: Kysely<KmsDatabase>) => Promise<T>): Promise<T> {
  const opened = await openKmsDatabase(options.database ?? { kind: 'sqlite', file: join(options.dataDir, 'kms.db') });
  try {
    return await task(opened.db);
  } finally {
    await opened.close();
  }
}

/** `flint kms officers add`: the security realm's operator grants the compliance officer role (officers.ts). */
export function grantKmsOfficer(options: Pick<KmsOptions, 'dataDir' | 'database'>, input: { orgId: string; userId: string; label: string }): Promise<boolean> {
  return withKmsDatabase(options, (db) => grantOfficer({ db, now: Date.now }, { ...input, grantedBy: 'operator' }));
}

/** `flint kms officers remove`. */
export function removeKmsOfficer(options: Pick<KmsOptions, 'dataDir' | 'database'>, input: { orgId: string; userId: string }): Promise<boolean> {
  return withKmsDatabase(options, (db) => removeOfficer({ db, now: Date.now }, { ...input, removedBy: 'operator' }));
}

/** `flint kms officers list`. */
export function listKmsOfficers(options: Pick<KmsOptions, 'dataDir' | 'database'>, orgId?: string): Promise<Officer[]> {
  return withKmsDatabase(options, (db) => listOfficers(db, orgId));
}

/** `flint kms enroll-code <personId>`: a one-time code with which the person's next device enrolls (credentials.ts). */
export function issueKmsEnrollmentCode(options: Pick<KmsOptions, 'dataDir' | 'database'>, userId: string): Promise<string> {
  return withKmsDatabase(options, (db) => issueEnrollmentCode({ db, now: Date.now }, userId));
}

/** `flint kms idp set`: the KMS requires proof from this provider for the org's people (idp.ts). */
export function setKmsIdp(options: Pick<KmsOptions, 'dataDir' | 'database' | 'idpAllowLoopbackHttp'>, input: { orgId: string; issuer: string; clientId: string }): Promise<IdpTrust> {
  return withKmsDatabase(options, (db) => setIdpTrust({ db, now: Date.now }, { ...input, allowLoopbackHttp: options.idpAllowLoopbackHttp ?? false }));
}

/** `flint kms idp remove`. */
export function removeKmsIdp(options: Pick<KmsOptions, 'dataDir' | 'database'>, orgId: string): Promise<boolean> {
  return withKmsDatabase(options, (db) => removeIdpTrust(db, orgId));
}

/** `flint kms idp list`. */
export function listKmsIdps(options: Pick<KmsOptions, 'dataDir' | 'database'>): Promise<IdpTrust[]> {
  return withKmsDatabase(options, (db) => listIdpTrusts(db));
}

/** `flint kms retention set`: the operator's crypto-shredding rule for an org (null: keep keys). */
export function setKmsRetention(options: Pick<KmsOptions, 'dataDir' | 'database'>, input: { orgId: string; messageDays: number | null }): Promise<void> {
  return withKmsDatabase(options, (db) => setRetention({ db, now: Date.now }, input));
}

/** `flint kms retention list`. */
export function listKmsRetention(options: Pick<KmsOptions, 'dataDir' | 'database'>): Promise<{ orgId: string; messageDays: number; setAt: Date }[]> {
  return withKmsDatabase(options, (db) => listRetention(db));
}

/** `flint kms retention shred`: runs the KMS's retention job once, at `now` (default: the clock). */
export function shredKmsKeys(options: Pick<KmsOptions, 'dataDir' | 'database'>, now: number = Date.now()): Promise<ShredResult> {
  return withKmsDatabase(options, (db) => shredExpiredKeys({ db, now: Date.now }, now));
}
