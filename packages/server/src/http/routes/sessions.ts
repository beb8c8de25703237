/**
 * One's own sessions (SPEC ID-8).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { sessions } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { listSessions, revokeSession } from '../../identity/sessions.ts';
import { presentSession } from '../../identity/presenters.ts';
import { route } from '../route.ts';

export function sessionRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, sessions.listSessions, async ({ actor }) => ({
    items: (await listSessions(core, actor)).map((s) => presentSession(s, actor.sessionId)),
  }));
  route(app, core, sessions.revokeSession, async ({ actor, params }) => {
    await revokeSession(core, actor, params.id);
  });
}
