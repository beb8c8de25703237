/**
 * People: oneself, the directory and the admin API (SPEC ID-2, ID-4, ID-7).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { LIMITS, people } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { ApiError } from '../../errors.ts';
import { changePassword } from '../../identity/accounts.ts';
import { deleteOwnAccount } from '../../identity/account-deletion.ts';
import { createPersonAsAdmin, deactivateAsAdmin, updatePersonAsAdmin } from '../../identity/org-admin.ts';
import {
  deleteAvatar,
  findPerson,
  getVisiblePerson,
  listPeople,
  presentFor,
  setAvatar,
  updateProfile,
} from '../../identity/people.ts';
import { pageSize, setNextLink } from '../paging.ts';
import { decodeCursor, encodeCursor } from '../../paging/cursor.ts';
import { REPLY_SENT, route } from '../route.ts';

const AVATAR_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isCursor = (v: unknown): v is [string, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string';

export function peopleRoutes(app: FastifyInstance, core: Core): void {
  // Avatars arrive as the raw image; the body limit makes an oversized one a 413 before it is buffered whole.
  app.addContentTypeParser(AVATAR_TYPES, { parseAs: 'buffer', bodyLimit: LIMITS.avatarBytes }, (_req, body, done) => done(null, body));

  route(app, core, people.me, async ({ actor }) => {
    const row = await findPerson(core.db, actor.personId);
    if (row === undefined) throw ApiError.notFound('person');
    return presentFor(core, actor, row);
  });

  route(app, core, people.updateMe, async ({ actor, body }) => presentFor(core, actor, await updateProfile(core, actor, actor.personId, body)));

  route(app, core, people.deleteAccount, async ({ actor, body }) => deleteOwnAccount(core, actor, body));

  route(app, core, people.changePassword, async ({ actor, body }) => {
    await changePassword(core, actor, body);
  });

  route(
    app,
    core,
    people.setAvatar,
    async ({ actor, req }) => {
      if (!Buffer.isBuffer(req.body)) throw new ApiError('unsupported_media_type', 'Send the avatar as the raw image with its image/* Content-Type.');
      return presentFor(core, actor, await setAvatar(core, actor, req.headers['content-type'], req.body));
    },
    { bodyLimit: LIMITS.avatarBytes },
  );

  route(app, core, people.deleteAvatar, async ({ actor }) => {
    await deleteAvatar(core, actor);
  });

  route(app, core, people.getAvatar, async ({ actor, params, reply }) => {
    const row = await getVisiblePerson(core, actor, params.id);
    const blob = row.avatar_key === null ? undefined : await core.blobs.get(row.avatar_key);
    if (blob === undefined) throw ApiError.notFound('avatar');
    void reply.code(200).header('Content-Type', blob.contentType).header('Cache-Control', 'private, max-age=86400').send(Buffer.from(blob.data));
    return REPLY_SENT;
  });

  route(app, core, people.listPeople, async ({ actor, query, req, reply }) => {
    let ids: string[] | undefined;
    if (query.id !== undefined) {
      ids = query.id.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (ids.length > 85) throw ApiError.badRequest('id: at most 85 ids');
      const bad = ids.find((id) => !ID.test(id));
      if (bad !== undefined) throw ApiError.badRequest(`id: not an id: ${bad.slice(0, 40)}`);
    }
    const after = decodeCursor(query.cursor, isCursor);
    const result = await listPeople(core, actor, {
      email: query.email,
      displayName: query.displayName,
      ids,
      max: pageSize(query.max),
      after: after ? { name: after[0], id: after[1] } : undefined,
    });
    if (result.next) setNextLink(req, reply, encodeCursor([result.next.name, result.next.id]));
    const { next: _next, ...body } = result;
    return body;
  });

  route(app, core, people.getPerson, async ({ actor, params }) => presentFor(core, actor, await getVisiblePerson(core, actor, params.id)));

  route(app, core, people.createPerson, async ({ actor, body }) => {
    const [email] = body.emails;
    if (email === undefined) throw ApiError.badRequest('emails: one address is required');
    const row = await createPersonAsAdmin(core, actor, { ...body, email });
    return presentFor(core, actor, row);
  });

  route(app, core, people.updatePerson, async ({ actor, params, body }) => presentFor(core, actor, await updatePersonAsAdmin(core, actor, params.id, body)));

  route(app, core, people.deactivatePerson, async ({ actor, params }) => {
    await deactivateAsAdmin(core, actor, params.id);
  });
}
