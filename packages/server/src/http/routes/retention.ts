/**
 * Retention and legal hold (SPEC CP-4, SP-6): thin handlers over retention/. The retention periods
 * themselves are org policy (`PUT /api/organizations/:id`).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { retention } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { createLegalHold, listLegalHolds, releaseLegalHold } from '../../retention/legal-holds.ts';
import { spaceRetention } from '../../retention/space-retention.ts';
import { route } from '../route.ts';

export function retentionRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, retention.getSpaceRetention, async ({ actor, params }) => spaceRetention(core, actor, params.id));
  route(app, core, retention.createLegalHold, async ({ actor, body }) => createLegalHold(core, actor, body));
  route(app, core, retention.listLegalHolds, async ({ actor }) => ({ items: await listLegalHolds(core, actor) }));
  route(app, core, retention.releaseLegalHold, async ({ actor, params }) => {
    await releaseLegalHold(core, actor, params.id);
  });
}
