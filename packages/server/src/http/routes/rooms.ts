/**
 * Spaces, memberships and per-person space state (SPEC SP-1, SP-2, SP-4, SP-5, MS-4, MS-7).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { spaces } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { addMembership, getMembership, listMemberships, removeMembership, setModerator } from '../../spaces/memberships.ts';
import { createRoom, deleteRoom, getRoom, listRooms, markRead, openDirect, setFavorite, typing, updateRoom } from '../../spaces/rooms.ts';
import { pageSize, setNextLink } from '../paging.ts';
import { decodeCursor, encodeCursor } from '../../paging/cursor.ts';
import { route } from '../route.ts';

const isRoomCursor = (v: unknown): v is [number | string, string] =>
  Array.isArray(v) && v.length === 2 && (typeof v[0] === 'number' || typeof v[0] === 'string') && typeof v[1] === 'string';
const isIdCursor = (v: unknown): v is string => typeof v === 'string' && v.length <= 40;

export function roomRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, spaces.listRooms, async ({ actor, query, req, reply }) => {
    const result = await listRooms(core, actor, {
      teamId: query.teamId,
      type: query.type,
      sortBy: query.sortBy,
      filter: query.filter,
      max: pageSize(query.max),
      after: decodeCursor(query.cursor, isRoomCursor),
    });
    if (result.next) setNextLink(req, reply, encodeCursor(result.next));
    return { items: result.items };
  });
  route(app, core, spaces.createRoom, async ({ actor, body }) => createRoom(core, actor, body));
  route(app, core, spaces.openDirect, async ({ actor, body }) => (await openDirect(core, actor, body)).room);
  route(app, core, spaces.getRoom, async ({ actor, params }) => getRoom(core, actor, params.id));
  route(app, core, spaces.updateRoom, async ({ actor, params, body }) => updateRoom(core, actor, params.id, body));
  route(app, core, spaces.deleteRoom, async ({ actor, params }) => {
    await deleteRoom(core, actor, params.id);
  });
  route(app, core, spaces.setTyping, async ({ actor, params, body }) => {
    await typing(core, actor, params.id, body.isTyping);
  });
  route(app, core, spaces.setFavorite, async ({ actor, params, body }) => {
    await setFavorite(core, actor, params.id, body.isFavorite);
  });
  route(app, core, spaces.markRead, async ({ actor, params, body }) => {
    await markRead(core, actor, params.id, body.lastReadMessageId);
  });

  route(app, core, spaces.listMemberships, async ({ actor, query, req, reply }) => {
    const result = await listMemberships(core, actor, { ...query, max: pageSize(query.max), after: decodeCursor(query.cursor, isIdCursor) });
    if (result.next) setNextLink(req, reply, encodeCursor(result.next));
    return { items: result.items };
  });
  route(app, core, spaces.createMembership, async ({ actor, body }) => addMembership(core, actor, body));
  route(app, core, spaces.getMembership, async ({ actor, params }) => getMembership(core, actor, params.id));
  route(app, core, spaces.updateMembership, async ({ actor, params, body }) => setModerator(core, actor, params.id, body.isModerator));
  route(app, core, spaces.deleteMembership, async ({ actor, params }) => {
    await removeMembership(core, actor, params.id);
  });
}
