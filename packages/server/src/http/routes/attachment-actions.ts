/**
 * Attachment actions: card submissions (SPEC PL-2).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { attachmentActions } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { createAttachmentAction, getAttachmentAction } from '../../spaces/attachment-actions.ts';
import { route } from '../route.ts';

export function attachmentActionRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, attachmentActions.createAttachmentAction, async ({ actor, body }) => createAttachmentAction(core, actor, body));
  route(app, core, attachmentActions.getAttachmentAction, async ({ actor, params }) => getAttachmentAction(core, actor, params.id));
}
