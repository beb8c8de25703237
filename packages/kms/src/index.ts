/**
 * Flint's Key Management Server (security realm): the Cisco KMS protocol (ECDHE handshake,
 * keys, resources, authorizations, ping), its own database, an append-only audit log.
 * Mount it on a Fastify listener with `kmsPlugin`, or run it alone with `createKmsServer`.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { openKms, type Kms, type KmsOptions } from './kms.ts';
import { kmsRoutes } from './http.ts';

export { openKms, readKmsAudit, resetKmsCredentials, issueKmsEnrollmentCode, setKmsIdp, removeKmsIdp, listKmsIdps, grantKmsOfficer, removeKmsOfficer, listKmsOfficers, setKmsRetention, listKmsRetention, shredKmsKeys, type Kms, type KmsInfo, type KmsOptions } from './kms.ts';
export { createKmsServer, type KmsServer, type KmsServerConfig } from './server.ts';
export { KmsError } from './errors.ts';
export { databaseConfigFromUrl } from './storage/database.ts';
export { KMS_ENV_VARS, KmsConfigError, loadKmsConfig, loadKmsPolicy, readKmsEnv, type KmsPolicySettings, type KmsConfig, type KmsConfigFlags, type KmsEnvVar } from './config.ts';
export type { KmsPrincipal, VerifyBearer, KmsLogger, RequestOrigin, FirstDevicePolicy } from './context.ts';
export type { IdpTrust } from './idp.ts';
export { idpNonce } from './idp.ts';
export { credentialHash } from './credentials.ts';
export type { Officer } from './officers.ts';
export type { ShredResult, KmsHold } from './retention.ts';
export type { AuditEntry, AuditQuery } from './audit.ts';

/**
 * Mounts the routes of a KMS opened with `openKms` (so the composition root can also hand it to
 * the core as its in-process link), and closes it with the listener.
 */
export function mountKms(kms: Kms): (app: FastifyInstance) => void {
  return (app) => {
    app.addHook('onClose', async () => kms.close());
    kmsRoutes(app, kms);
  };
}

/** Mounts the KMS's routes (`/kms/messages`, `/kms/info`, `/kms/health`) on an existing listener. */
export function kmsPlugin(options: KmsOptions): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    const kms = await openKms({ log: app.log, ...options });
    app.addHook('onClose', async () => kms.close());
    kmsRoutes(app, kms);
  };
}
