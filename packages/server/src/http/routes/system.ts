/**
 * Health, metrics and the OpenAPI document.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core.ts';
import { pingDatabase } from '../../db/database.ts';

export function systemRoutes(app: FastifyInstance, core: Core): void {
  let closing = false;
  app.addHook('onClose', async () => {
    closing = true;
  });

  app.get('/health', { schema: { hide: true } }, async (_req, reply) => {
    if (closing) return reply.code(503).send({ status: 'stopping' });
    try {
      await pingDatabase(core.db);
    } catch {
      return reply.code(503).send({ status: 'database unavailable' });
    }
    // The media server starts beside the core, not before it: its readiness is reported on its own
    // and does not hold the core's (`starting`, `ready` or `unavailable`).
    return { status: 'ok', database: core.engine, media: core.mediaState };
  });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const body = await core.metrics.registry.metrics();
    return reply.header('Content-Type', core.metrics.registry.contentType).send(body);
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
