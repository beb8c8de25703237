/**
 * Guests in meetings (docs/meetings.md "Guests"): thin handlers over meetings/guests.ts and meetings.ts.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { meetingGuests, meetings } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { iceServersFor } from '../../calls/ice-servers.ts';
import { createMeetingLink, denyKnock, joinAsGuest, listKnocks, listMeetingLinks, revokeMeetingLink } from '../../meetings/guests.ts';
import { admitGuest, guestLeave, guestView } from '../../meetings/meetings.ts';
import { clientInfo, route } from '../route.ts';

export function meetingGuestRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, meetingGuests.createLink, async ({ actor, params, body }) => createMeetingLink(core, actor, params.id, body ?? {}));
  route(app, core, meetingGuests.listLinks, async ({ actor, params }) => listMeetingLinks(core, actor, params.id));
  route(app, core, meetingGuests.revokeLink, async ({ actor, params }) => {
    await revokeMeetingLink(core, actor, params.id);
  });
  route(app, core, meetingGuests.joinAsGuest, async ({ body, req }) => joinAsGuest(core, body, clientInfo(req)));
  route(app, core, meetingGuests.guestStatus, async ({ actor }) => guestView(core, actor));
  route(app, core, meetingGuests.guestLeave, async ({ actor }) => {
    await guestLeave(core, actor);
  });
  route(app, core, meetingGuests.listKnocks, async ({ actor, params }) => listKnocks(core, actor, params.id));
  route(app, core, meetingGuests.admitKnock, async ({ actor, params, body }) => admitGuest(core, actor, params.id, params.knockId, body.participantId));
  route(app, core, meetingGuests.denyKnock, async ({ actor, params, body }) => denyKnock(core, actor, params.id, params.knockId, body.participantId));
  // TURN for meetings: the same FLINT_TURN_* servers and short-lived credentials as calls.
  route(app, core, meetings.iceServers, async ({ actor }) => ({ iceServers: iceServersFor(core, actor) }));
}
