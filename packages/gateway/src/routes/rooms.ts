/**
 * `/v1/rooms` (SPEC PL-2, SP-1, SP-3, SP-4): titles sealed and opened with the caller's KMS access;
 * a direct space's title is the other person's name, as at Webex.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { Room } from '@flint/protocol';
import type { SecureRoom } from '@flint/sdk';
import type { Caller } from '../callers.ts';
import { WebexError } from '../errors.ts';
import { fieldId, pathId } from '../ids.ts';
import { presentRoom, type WebexRoom } from '../present.ts';
import { bodyObject, linkParam, optBoolean, optString, pageMax, queryEnum, queryString, reqString, setNextLink } from '../request.ts';
import { v1, type Gateway } from '../context.ts';
import { isOfficer, orOfficer, presentOrgSpace } from './events.ts';

/** Webex allows long titles; the core's ciphertext limit is 4 KiB, so plaintext stays well below. */
export const TITLE_MAX = 2000;

/** The other person's name for each direct space (one directory request for the whole page). */
export async function presentRooms(caller: Caller, rooms: readonly (SecureRoom | Room)[]): Promise<WebexRoom[]> {
  const others = [...new Set(rooms.flatMap((r) => (r.type === 'direct' && r.directPersonId !== undefined ? [r.directPersonId] : [])))];
  const names = new Map<string, string>();
  for (let i = 0; i < others.length; i += 85) {
    const found = await caller.session.api.people.list({ id: others.slice(i, i + 85).join(',') });
    for (const p of found.items) names.set(p.id, p.displayName);
  }
  return rooms.map((r) => presentRoom(r, undefined, r.directPersonId !== undefined ? names.get(r.directPersonId) : undefined));
}

export async function presentOneRoom(caller: Caller, room: SecureRoom | Room): Promise<WebexRoom> {
  return (await presentRooms(caller, [room]))[0]!;
}

export function roomRoutes(app: FastifyInstance, gw: Gateway): void {
  v1(app, gw, 'GET', '/v1/rooms', async ({ req, reply, caller }) => {
    const teamId = queryString(req.query, 'teamId');
    const type = queryEnum(req.query, 'type', ['group', 'direct'] as const);
    const sortBy = queryEnum(req.query, 'sortBy', ['id', 'lastactivity', 'created'] as const);
    const cursor = queryString(req.query, 'cursor', 300);
    if (isOfficer(caller) && teamId === undefined) {
      // A compliance officer lists every space of the org (oldest first), not only their own.
      const page = await caller.session.compliance.spaces({ max: pageMax(req.query), ...(type !== undefined ? { type } : {}), ...(cursor !== undefined ? { cursor } : {}) });
      if (page.next !== undefined) setNextLink(req, reply, { cursor: page.next });
      return { items: page.items.map(presentOrgSpace) };
    }
    const page = await caller.session.spaces.list({
      ...(teamId !== undefined ? { teamId: fieldId('TEAM', teamId, 'teamId') } : {}),
      ...(type !== undefined ? { type } : {}),
      ...(sortBy !== undefined ? { sortBy } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
      max: pageMax(req.query),
    });
    const next = linkParam(page.next, 'cursor');
    if (next !== undefined) setNextLink(req, reply, { cursor: next });
    return { items: await presentRooms(caller, page.items) };
  });

  v1(app, gw, 'GET', '/v1/rooms/:roomId', async ({ req, caller }) => {
    const id = pathId('ROOM', (req.params as { roomId: string }).roomId);
    return orOfficer(
      caller,
      async () => presentOneRoom(caller, await caller.session.spaces.get(id)),
      async () => {
        const space = (await caller.session.compliance.spaces({ roomId: id })).items[0];
        if (space === undefined) throw WebexError.notFound('room');
        return presentOrgSpace(space);
      },
    );
  });

  v1(app, gw, 'POST', '/v1/rooms', async ({ req, caller }) => {
    const body = bodyObject(req);
    const title = reqString(body, 'title', { max: TITLE_MAX });
    const teamId = optString(body, 'teamId');
    const isLocked = optBoolean(body, 'isLocked');
    const isAnnouncementOnly = optBoolean(body, 'isAnnouncementOnly');
    const room = await caller.session.spaces.create({
      title,
      ...(teamId !== undefined ? { teamId: fieldId('TEAM', teamId, 'teamId') } : {}),
      ...(isLocked !== undefined ? { isLocked } : {}),
      // Webex makes an announcement-only space locked; the core insists on it.
      ...(isAnnouncementOnly === true ? { isAnnouncementOnly, isLocked: true } : isAnnouncementOnly !== undefined ? { isAnnouncementOnly } : {}),
    });
    return presentOneRoom(caller, room);
  });

  v1(app, gw, 'PUT', '/v1/rooms/:roomId', async ({ req, caller }) => {
    const id = pathId('ROOM', (req.params as { roomId: string }).roomId);
    const body = bodyObject(req);
    // The SDK also sends `id` (and whatever else the room object held): ignored, as Webex does.
    const title = reqString(body, 'title', { max: TITLE_MAX });
    const isLocked = optBoolean(body, 'isLocked');
    const isAnnouncementOnly = optBoolean(body, 'isAnnouncementOnly');
    const current = await caller.session.spaces.get(id);
    if (current.type === 'direct') throw WebexError.badRequest('A direct space has no title of its own.');
    let room: SecureRoom = current;
    if (title !== current.title) room = await caller.session.spaces.rename(id, title);
    const flags = {
      ...(isLocked !== undefined && isLocked !== current.isLocked ? { isLocked } : {}),
      ...(isAnnouncementOnly !== undefined && isAnnouncementOnly !== current.isAnnouncementOnly ? { isAnnouncementOnly } : {}),
    };
    if (Object.keys(flags).length > 0) room = { ...(await caller.session.api.rooms.update(id, flags)), title };
    return presentOneRoom(caller, room);
  });

  v1(app, gw, 'DELETE', '/v1/rooms/:roomId', async ({ req, caller }) => {
    await caller.session.api.rooms.delete(pathId('ROOM', (req.params as { roomId: string }).roomId));
  });
}
