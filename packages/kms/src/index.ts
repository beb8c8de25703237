/**
 * Flint's Key Management Server (security realm). This is the skeleton the foundation ships: it
 * mounts the KMS's own listener routes so that `flint serve` has its place in the process.
 * The Cisco KMS protocol (handshake, keys, resources, authorizations, audit) is built by the KMS
 * issue; nothing here holds or serves keys yet.
 * @module
 */
import type { FastifyInstance } from 'fastify';

export interface KmsOptions {
  /** The KMS keeps its own database under this folder (bring-your-own-database later). */
  dataDir: string;
}

export function kmsPlugin(_options: KmsOptions): (app: FastifyInstance) => void {
  return (app) => {
    app.get('/kms/health', { schema: { hide: true } }, async () => ({ status: 'ok', realm: 'security', protocol: 'not yet served' }));
  };
}
