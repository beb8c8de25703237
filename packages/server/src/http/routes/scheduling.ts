/**
 * Scheduled meetings and personal rooms (SPEC MT-3, MT-4): thin handlers over scheduling/
 * (docs/meetings-scheduling.md).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { SCHEDULING_LIMITS, scheduling } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { createMeeting, deleteMeeting, getMeeting, isMeetingCursor, listMeetings, updateMeeting } from '../../scheduling/meetings.ts';
import { enterPersonalRoom, getPersonalRoom, knockPersonalRoom, renamePersonalRoom, resolvePersonalRoom, setPersonalRoomSpace } from '../../scheduling/personal-rooms.ts';
import { decodeCursor, encodeCursor } from '../../paging/cursor.ts';
import { setNextLink } from '../paging.ts';
import { route } from '../route.ts';

export function schedulingRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, scheduling.createMeeting, async ({ actor, body }) => createMeeting(core, actor, body));
  route(app, core, scheduling.listMeetings, async ({ actor, query, req, reply }) => {
    const result = await listMeetings(core, actor, {
      from: query.from,
      to: query.to,
      max: Math.min(query.max ?? SCHEDULING_LIMITS.pageDefault, SCHEDULING_LIMITS.pageMax),
      after: decodeCursor(query.cursor, isMeetingCursor),
      meetingNumber: query.meetingNumber,
      roomId: query.roomId,
    });
    if (result.next !== undefined) setNextLink(req, reply, encodeCursor(result.next));
    return { items: result.items };
  });
  route(app, core, scheduling.getMeeting, async ({ actor, params }) => getMeeting(core, actor, params.id));
  route(app, core, scheduling.updateMeeting, async ({ actor, params, body }) => updateMeeting(core, actor, params.id, body));
  route(app, core, scheduling.deleteMeeting, async ({ actor, params, query }) => {
    await deleteMeeting(core, actor, params.id, { sendEmail: query.sendEmail !== 'false' });
  });
  route(app, core, scheduling.getPersonalRoom, async ({ actor }) => getPersonalRoom(core, actor));
  route(app, core, scheduling.renamePersonalRoom, async ({ actor, body }) => renamePersonalRoom(core, actor, body.name));
  route(app, core, scheduling.setPersonalRoomSpace, async ({ actor, body }) => setPersonalRoomSpace(core, actor, body.roomId));
  route(app, core, scheduling.resolvePersonalRoom, async ({ params }) => resolvePersonalRoom(core, params.name));
  route(app, core, scheduling.enterPersonalRoom, async ({ actor, params }) => enterPersonalRoom(core, actor, params.name));
  route(app, core, scheduling.knockPersonalRoom, async ({ actor, params }) => knockPersonalRoom(core, actor, params.name));
}
