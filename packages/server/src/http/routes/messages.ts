/**
 * Messages, flags and presence (SPEC MS-1, MS-2, MS-3, MS-7).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { MESSAGING_LIMITS, messages } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { ApiError } from '../../errors.ts';
import { createFlag, deleteFlag, listFlags } from '../../spaces/flags.ts';
import { createMessage, deleteMessage, getMessage, listMentions, listMessages, updateMessage } from '../../spaces/messages.ts';
import { canSee, findPerson } from '../../identity/people.ts';
import { setStatus, statusesOf } from '../../identity/status.ts';
import { pageSize, setNextLinkParams } from '../paging.ts';
import { route } from '../route.ts';

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function messageRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, messages.createMessage, async ({ actor, body }) => createMessage(core, actor, body));

  route(app, core, messages.listMessages, async ({ actor, query, req, reply }) => {
    let mentionedMe = false;
    if (query.mentionedPeople !== undefined) {
      if (query.mentionedPeople !== 'me' && query.mentionedPeople !== actor.personId) throw ApiError.badRequest('mentionedPeople: only `me` (or one’s own id) is supported');
      mentionedMe = true;
    }
    const max = Math.min(query.max ?? MESSAGING_LIMITS.messagesPageDefault, MESSAGING_LIMITS.messagesPageMax);
    const result = await listMessages(core, actor, {
      roomId: query.roomId,
      parentId: query.parentId,
      mentionedMe,
      before: query.before === undefined ? undefined : Date.parse(query.before),
      beforeMessage: query.beforeMessage,
      max,
    });
    if (result.next !== undefined) setNextLinkParams(req, reply, { beforeMessage: result.next, before: undefined });
    return { items: result.items };
  });

  route(app, core, messages.listMentions, async ({ actor, query, req, reply }) => {
    const max = Math.min(query.max ?? MESSAGING_LIMITS.messagesPageDefault, MESSAGING_LIMITS.messagesPageMax);
    const result = await listMentions(core, actor, { beforeMessage: query.beforeMessage, max });
    if (result.next !== undefined) setNextLinkParams(req, reply, { beforeMessage: result.next });
    return { items: result.items };
  });

  route(app, core, messages.getMessage, async ({ actor, params }) => getMessage(core, actor, params.id));
  route(app, core, messages.updateMessage, async ({ actor, params, body }) => updateMessage(core, actor, params.id, body));
  route(app, core, messages.deleteMessage, async ({ actor, params }) => {
    await deleteMessage(core, actor, params.id);
  });

  route(app, core, messages.listFlags, async ({ actor, query }) => ({ items: await listFlags(core, actor, pageSize(query.max)) }));
  route(app, core, messages.createFlag, async ({ actor, body }) => createFlag(core, actor, body.messageId));
  route(app, core, messages.deleteFlag, async ({ actor, params }) => {
    await deleteFlag(core, actor, params.id);
  });

  route(app, core, messages.getPresence, async ({ actor, query }) => {
    const ids = [...new Set(query.id.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
    if (ids.length > 100 || ids.some((id) => !ID.test(id))) throw ApiError.badRequest('id: up to 100 comma-separated person ids');
    const visible = [];
    for (const id of ids) {
      const person = await findPerson(core.db, id);
      if (person !== undefined && canSee(actor, person)) visible.push(id);
    }
    const statuses = await statusesOf(core, visible);
    const items = visible.map((id) => {
      const p = core.events.hub.isOnline(id);
      const availability = statuses.get(id);
      return { personId: id, status: p.status, ...(p.lastActive !== undefined ? { lastActive: new Date(p.lastActive).toISOString() } : {}), ...(availability !== undefined ? { availability } : {}) };
    });
    return { items };
  });

  route(app, core, messages.setStatus, async ({ actor, body }) => {
    const availability = await setStatus(core, actor, body);
    const p = core.events.hub.isOnline(actor.personId);
    return { personId: actor.personId, status: p.status, ...(availability !== undefined ? { availability } : {}) };
  });
}
