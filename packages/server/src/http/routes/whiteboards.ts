/**
 * Whiteboards (issue 21: MT-5): thin handlers over whiteboards/.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { whiteboards } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { createWhiteboard, deleteWhiteboard, getWhiteboard, listWhiteboards, renameWhiteboard } from '../../whiteboards/boards.ts';
import { appendUpdate, parseAfter, readState } from '../../whiteboards/updates.ts';
import { readThumbnail, saveSnapshot } from '../../whiteboards/snapshots.ts';
import { route } from '../route.ts';

export function whiteboardRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, whiteboards.createWhiteboard, async ({ actor, body }) => createWhiteboard(core, actor, body));
  route(app, core, whiteboards.listWhiteboards, async ({ actor, query }) => ({ items: await listWhiteboards(core, actor, query.roomId) }));
  route(app, core, whiteboards.getWhiteboard, async ({ actor, params }) => getWhiteboard(core, actor, params.id));
  route(app, core, whiteboards.updateWhiteboard, async ({ actor, params, body }) => renameWhiteboard(core, actor, params.id, body));
  route(app, core, whiteboards.deleteWhiteboard, async ({ actor, params }) => {
    await deleteWhiteboard(core, actor, params.id);
  });
  route(app, core, whiteboards.postWhiteboardUpdate, async ({ actor, params, body }) => appendUpdate(core, actor, params.id, body));
  route(app, core, whiteboards.readWhiteboardState, async ({ actor, params, query }) => readState(core, actor, params.id, parseAfter(query.after)));
  route(app, core, whiteboards.saveWhiteboardSnapshot, async ({ actor, params, body }) => saveSnapshot(core, actor, params.id, body));
  route(app, core, whiteboards.getWhiteboardThumbnail, async ({ actor, params }) => readThumbnail(core, actor, params.id));
}
