/**
 * Invitations (SPEC ID-3).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { invitations } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { invite, listInvitations, previewInvitation, resendInvitation, revokeInvitation } from '../../identity/invitations.ts';
import { presentInvitation } from '../../identity/presenters.ts';
import { route } from '../route.ts';

export function invitationRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, invitations.createInvitation, async ({ actor, body }) => presentInvitation(await invite(core, actor, body)));
  route(app, core, invitations.listInvitations, async ({ actor }) => ({
    items: (await listInvitations(core, actor)).map(presentInvitation),
  }));
  route(app, core, invitations.revokeInvitation, async ({ actor, params }) => {
    await revokeInvitation(core, actor, params.id);
  });
  route(app, core, invitations.resendInvitation, async ({ actor, params }) => presentInvitation(await resendInvitation(core, actor, params.id)));
  route(app, core, invitations.previewInvitation, async ({ body }) => previewInvitation(core, body.invitationToken));
}
