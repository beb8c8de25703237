/**
 * Emoji reactions (issue 16): thin handlers over spaces/reactions.ts.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { reactions } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { createReaction, deleteReaction, listReactions } from '../../spaces/reactions.ts';
import { route } from '../route.ts';

export function reactionRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, reactions.createReaction, async ({ actor, body }) => createReaction(core, actor, body));
  route(app, core, reactions.listReactions, async ({ actor, query }) => ({ items: await listReactions(core, actor, query.roomId, query.messageId) }));
  route(app, core, reactions.deleteReaction, async ({ actor, params }) => {
    await deleteReaction(core, actor, params.id);
  });
}
