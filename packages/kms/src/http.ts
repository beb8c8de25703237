/**
 * The KMS's HTTP routes, mounted on whatever listener hosts it (the core's under `flint serve`,
 * its own under `flint kms serve`). The routes carry no HTTP authentication: every KMS message
 * authenticates itself with the bearer inside its encrypted body.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { Kms } from './kms.ts';

export const MAX_MESSAGES_PER_BATCH = 100;

const messagesBody = {
  type: 'object',
  required: ['kmsMessages'],
  additionalProperties: false,
  properties: {
    // The Webex SDK also names the cluster it means; there is one cluster per KMS, so it is only checked for type.
    destination: { type: 'string', maxLength: 2048 },
    // Flint's relay names the address it received the client's request from (the core's word).
    requesterAddress: { type: 'string', maxLength: 64 },
    kmsMessages: { type: 'array', minItems: 1, maxItems: MAX_MESSAGES_PER_BATCH, items: { type: 'string', maxLength: 262144 } },
  },
} as const;

export function kmsRoutes(app: FastifyInstance, kms: Kms): void {
  app.get('/kms/health', { schema: { hide: true } }, async () => ({ status: 'ok', realm: 'security' }));

  /** Discovery: the cluster URI, the static key (a JSON string, as the Webex SDK expects) and the CA. */
  app.get('/kms/info', { schema: { hide: true } }, async () => kms.info());

  /** The synchronous path: answers in the same order as the requests. */
  app.post<{ Body: { kmsMessages: string[]; requesterAddress?: string } }>('/kms/messages', { schema: { hide: true, body: messagesBody }, bodyLimit: 8 * 1024 * 1024 }, async (req) => ({
    kmsMessages: await kms.handle(
      req.body.kmsMessages,
      req.body.requesterAddress !== undefined ? { address: req.body.requesterAddress, source: 'core-reported' } : { address: req.ip, source: 'kms-observed' },
    ),
  }));
}
