/**
 * The KMS's HTTP routes, mounted on whatever listener hosts it (the core's under `flint serve`,
 * its own under `flint kms serve`). The routes carry no HTTP authentication: every KMS message
 * authenticates itself with the bearer inside its encrypted body.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { kms as protocol, type kms as wire } from '@flint/protocol';
import type { Kms } from './kms.ts';

export const MAX_MESSAGES_PER_BATCH = protocol.KMS_MAX_MESSAGES_PER_BATCH;

export function kmsRoutes(app: FastifyInstance, kms: Kms): void {
  app.get('/kms/health', { schema: { hide: true } }, async () => ({ status: 'ok', realm: 'security' }));

  /** Discovery: the cluster URI, the static key (a JSON string, as the Webex SDK expects) and the CA. */
  app.get('/kms/info', { schema: { hide: true } }, async () => kms.info());

  /** The synchronous path: answers in the same order as the requests. */
  app.post<{ Body: wire.KmsMessagesBatch; Reply: wire.KmsMessagesReplies }>(protocol.KMS_MESSAGES_PATH, { schema: { hide: true, body: protocol.KmsMessagesBatch }, bodyLimit: 8 * 1024 * 1024 }, async (req) => ({
    kmsMessages: await kms.handle(
      req.body.kmsMessages,
      req.body.requesterAddress !== undefined ? { address: req.body.requesterAddress, source: 'core-reported' } : { address: req.ip, source: 'kms-observed' },
    ),
  }));
}
