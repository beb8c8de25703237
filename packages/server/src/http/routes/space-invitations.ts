/**
 * Invitations into a space by address (issue 14, finding 6; SPEC SP-2, ID-2).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { spaceInvitations } from '@flint/protocol';
import type { Core } from '../../core.ts';
import {
  acceptInvitation,
  admitInvitee,
  declineInvitation,
  inviteToSpace,
  listAwaitingAdmission,
  listMyInvitations,
  listRoomInvitations,
  revokeRoomInvitation,
} from '../../spaces/space-invitations.ts';
import { route } from '../route.ts';

export function spaceInvitationRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, spaceInvitations.inviteToSpace, async ({ actor, params, body }) => inviteToSpace(core, actor, params.id, body.email));
  route(app, core, spaceInvitations.listRoomInvitations, async ({ actor, params }) => ({ items: await listRoomInvitations(core, actor, params.id) }));
  route(app, core, spaceInvitations.revokeSpaceInvitation, async ({ actor, params }) => {
    await revokeRoomInvitation(core, actor, params.id);
  });
  route(app, core, spaceInvitations.listMySpaceInvitations, async ({ actor }) => ({ items: await listMyInvitations(core, actor) }));
  route(app, core, spaceInvitations.listAwaitingAdmission, async ({ actor }) => ({ items: await listAwaitingAdmission(core, actor) }));
  route(app, core, spaceInvitations.acceptSpaceInvitation, async ({ actor, params }) => acceptInvitation(core, actor, params.id));
  route(app, core, spaceInvitations.declineSpaceInvitation, async ({ actor, params }) => {
    await declineInvitation(core, actor, params.id);
  });
  route(app, core, spaceInvitations.admitSpaceInvitation, async ({ actor, params }) => admitInvitee(core, actor, params.id));
}
