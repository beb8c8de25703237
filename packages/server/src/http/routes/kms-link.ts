/**
 * Where an outbound KMS connects (`flint kms serve --connect`): a WebSocket taking its link secret.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { OutboundKmsLink } from '../../kms-link/outbound-link.ts';

export const KMS_LINK_PATH = '/api/kms/link';

export function kmsLinkRoutes(app: FastifyInstance, link: OutboundKmsLink): void {
  app.get(KMS_LINK_PATH, { websocket: true, schema: { hide: true } }, (socket) => link.accept(socket));
}
