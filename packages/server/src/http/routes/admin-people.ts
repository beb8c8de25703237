/**
 * An admin's actions on one person: password reset and sessions (SPEC ID-5, ID-7, ID-8).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { adminPeople } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { endSessionsOf, resetPasswordAsAdmin, sessionsOf } from '../../admin/person-actions.ts';
import { presentSession } from '../../identity/presenters.ts';
import { route } from '../route.ts';

export function adminPeopleRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, adminPeople.resetPassword, async ({ actor, params }) => ({ password: await resetPasswordAsAdmin(core, actor, params.id) }));
  route(app, core, adminPeople.listPersonSessions, async ({ actor, params }) => ({
    items: (await sessionsOf(core, actor, params.id)).map((row) => presentSession(row, actor.sessionId)),
  }));
  route(app, core, adminPeople.endPersonSessions, async ({ actor, params }) => {
    await endSessionsOf(core, actor, params.id);
  });
}
