/**
 * Problem reports (SPEC AD-5): anyone signed in sends; the org's admins list, read and download.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { feedback, FEEDBACK_LIMITS } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { feedbackScreenshot, getFeedback, listFeedback, sendFeedback } from '../../admin/feedback.ts';
import { clientInfo, REPLY_SENT, route } from '../route.ts';

export function feedbackRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, feedback.sendFeedback, async ({ actor, body, req }) => sendFeedback(core, actor, body, { userAgent: clientInfo(req).userAgent }), {
    bodyLimit: FEEDBACK_LIMITS.bodyBytes,
  });
  route(app, core, feedback.listFeedback, async ({ actor, query }) => ({ items: await listFeedback(core, actor, query) }));
  route(app, core, feedback.getFeedback, async ({ actor, params }) => getFeedback(core, actor, params.id));
  route(app, core, feedback.getFeedbackScreenshot, async ({ actor, params, reply }) => {
    const shot = await feedbackScreenshot(core, actor, params.id);
    void reply
      .code(200)
      .header('Content-Type', shot.contentType)
      .header('Content-Disposition', 'attachment')
      .header('Cache-Control', 'private, no-store')
      .send(Buffer.from(shot.data));
    return REPLY_SENT;
  });
}
