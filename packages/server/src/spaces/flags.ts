/**
 * Flags: one's own bookmarks on messages, to read later (SPEC MS-3).
 * @module
 */
import type { Flag } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { memberOf } from './access.ts';
import { presentFlag } from './presenters.ts';

export async function createFlag(core: Core, actor: Actor, messageId: string): Promise<Flag> {
  return core.events.transact(async (trx, emit) => {
    const message = await trx.selectFrom('messages').select(['id', 'space_id']).where('id', '=', messageId).executeTakeFirst();
    if (message === undefined) throw ApiError.notFound('message');
    await memberOf(trx, actor, message.space_id).catch(() => {
      throw ApiError.notFound('message');
    });
    const existing = await trx.selectFrom('flags').selectAll().where('person_id', '=', actor.personId).where('message_id', '=', messageId).executeTakeFirst();
    if (existing !== undefined) return presentFlag(existing);
    const row = { id: newId(), person_id: actor.personId, message_id: messageId, space_id: message.space_id, created_at: core.now() };
    await trx.insertInto('flags').values(row).execute();
    const flag = presentFlag(row);
    emit({ recipients: [actor.personId], type: 'flag.created', data: flag, actorId: actor.personId });
    return flag;
  });
}

export async function listFlags(core: Core, actor: Actor, max: number): Promise<Flag[]> {
  // A flag on a message of a space one has left is kept but not shown.
  const rows = await core.db
    .selectFrom('flags as f')
    .innerJoin('memberships as m', (j) => j.onRef('m.space_id', '=', 'f.space_id').on('m.person_id', '=', actor.personId))
    .selectAll('f')
    .where('f.person_id', '=', actor.personId)
    .orderBy('f.created_at', 'desc')
    .orderBy('f.id', 'desc')
    .limit(max)
    .execute();
  return rows.map(presentFlag);
}

export async function deleteFlag(core: Core, actor: Actor, id: string): Promise<void> {
  await core.events.transact(async (trx, emit) => {
    const row = await trx.selectFrom('flags').selectAll().where('id', '=', id).where('person_id', '=', actor.personId).executeTakeFirst();
    if (row === undefined) throw ApiError.notFound('flag');
    await trx.deleteFrom('flags').where('id', '=', id).execute();
    emit({ recipients: [actor.personId], type: 'flag.deleted', data: { id, messageId: row.message_id }, actorId: actor.personId });
  });
}
