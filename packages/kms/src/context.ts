/**
 * What every KMS domain function is given: the KMS's own database, its sealer and static key,
 * the injected identity check, the clock and the logger — and, per request, who is calling.
 * @module
 */
import type { Kysely } from 'kysely';
import type { KmsDatabase } from './storage/schema.ts';
import type { Sealer } from './sealing.ts';
import type { StaticKey } from './static-key.ts';
import type { AuditCommitter } from './audit-commit.ts';
import type { StaticKeyOps } from './envelopes.ts';

/** Who a bearer token belongs to, as Flint's identity service vouches. */
export interface KmsPrincipal {
  userId: string;
  orgId: string;
  /** The person's address, as the core knows it: an ID token from the org's provider must name it (idp.ts). */
  email?: string | undefined;
}

/**
 * How a person's first device may enrol (credentials.ts; docs/threat-model.md, "First device"):
 * `open`, on first use (trust on first use); `approval`, only with a proof the core cannot mint —
 * a one-time enrollment code from the KMS's operator, or the org's identity provider's proof where
 * the KMS trusts it.
 */
export type FirstDevicePolicy = 'open' | 'approval';

export interface KmsPolicy {
  firstDevice: FirstDevicePolicy;
  /** Lets the KMS read an identity provider over plain http on loopback (tests; never in production). */
  idpAllowLoopbackHttp: boolean;
}

/** Validates a KMS-scoped bearer token; undefined when it is not valid (expired, revoked, wrong scope). */
export type VerifyBearer = (token: string) => Promise<KmsPrincipal | undefined>;

/** Sends one message: the realm's own mail relay (mail.ts; FLINT_KMS_SMTP_URL), separate from the core's mailer. */
export interface KmsMailer {
  send(message: { to: string; subject: string; text: string; attachment: { filename: string; contentType: string; content: Uint8Array } }): Promise<void>;
}

/** A pino-compatible logger. The KMS never logs keys, tokens or message bodies. */
export interface KmsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface KmsContext {
  db: Kysely<KmsDatabase>;
  sealer: Sealer;
  staticKey: StaticKey;
  /** The static key imported once for the handshake's envelopes (envelopes.ts). */
  staticKeyOps: StaticKeyOps;
  /** `kms://<host>` */
  cluster: string;
  host: string;
  verifyBearer: VerifyBearer;
  now: () => number;
  log: KmsLogger;
  lifetimes: { ephemeralMs: number; unboundKeyMs: number; boundKeyMs: number };
  policy: KmsPolicy;
  /** The realm's mail relay (voicemail to e-mail, mail.ts); undefined when FLINT_KMS_SMTP_URL is not set. */
  mailer?: KmsMailer | undefined;
  /** The audit log's group commit (audit-commit.ts): concurrent requests' records share one transaction. */
  auditCommitter: AuditCommitter;
}

/**
 * Where a batch of KMS messages came from. `core-reported`: the address the core's relay received
 * the request from, passed beside the opaque messages — the core's word, which the KMS records
 * but cannot check; `kms-observed`: the peer of the KMS's own listener.
 */
export interface RequestOrigin {
  address: string;
  source: 'core-reported' | 'kms-observed';
}

/** The authenticated requester of one KMS message. */
export interface Caller extends KmsPrincipal {
  clientId: string;
  requestId: string;
  /** The device credential's public id (credentials.ts), once checked. */
  credentialId?: string | undefined;
  origin?: RequestOrigin | undefined;
}
