/**
 * Whiteboards of a space (issue 21: MT-5): create, list, get, rename, delete. A board's title is
 * sealed with the space's key like a message; the core keeps who made it, when, and how far its
 * updates and snapshot go. Every call is a member's: a person who is not (or no longer) a member of
 * the board's space finds no board at all, as for messages (spaces/access.ts).
 * @module
 */
import type { Kysely } from 'kysely';
import { WHITEBOARD_LIMITS, type Whiteboard } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Database, WhiteboardsTable } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { memberOf, type SpaceAccess } from '../spaces/access.ts';
import type { MembershipRow } from '../db/schema.ts';

export function presentWhiteboard(row: WhiteboardsTable): Whiteboard {
  return {
    id: row.id,
    roomId: row.space_id,
    title: row.title,
    encryptionKeyUrl: row.encryption_key_url,
    creatorId: row.creator_id,
    created: new Date(Number(row.created_at)).toISOString(),
    lastActivity: new Date(Number(row.updated_at)).toISOString(),
    snapshotSeq: Number(row.snapshot_seq),
    lastSeq: Number(row.last_seq),
    hasThumbnail: row.snapshot_thumbnail !== null,
  };
}

/** The space's access for a member; anyone else is told the board does not exist. */
async function memberOrNotFound(db: Kysely<Database>, actor: Actor, spaceId: string): Promise<SpaceAccess & { membership: MembershipRow }> {
  try {
    return await memberOf(db, actor, spaceId);
  } catch (error) {
    if (error instanceof ApiError) throw ApiError.notFound('whiteboard');
    throw error;
  }
}

/** The board, if the actor is a member of its space (else 404, whether or not it exists). */
export async function boardForMember(db: Kysely<Database>, actor: Actor, boardId: string): Promise<{ board: WhiteboardsTable; access: SpaceAccess & { membership: MembershipRow } }> {
  const board = await db.selectFrom('whiteboards').selectAll().where('id', '=', boardId).executeTakeFirst();
  if (board === undefined) throw ApiError.notFound('whiteboard');
  const access = await memberOrNotFound(db, actor, board.space_id);
  return { board, access };
}

export interface CreateWhiteboardInput {
  roomId: string;
  title: string;
  encryptionKeyUrl: string;
}

export async function createWhiteboard(core: Core, actor: Actor, input: CreateWhiteboardInput): Promise<Whiteboard> {
  return core.events.transact(async (trx) => {
    await memberOf(trx, actor, input.roomId);
    const count = await trx.selectFrom('whiteboards').select((eb) => eb.fn.countAll<number | string>().as('n')).where('space_id', '=', input.roomId).executeTakeFirstOrThrow();
    if (Number(count.n) >= WHITEBOARD_LIMITS.perSpace) throw ApiError.badRequest(`A space has at most ${WHITEBOARD_LIMITS.perSpace} whiteboards.`);
    const now = core.now();
    const row: WhiteboardsTable = {
      id: newId(),
      space_id: input.roomId,
      creator_id: actor.personId,
      title: input.title,
      encryption_key_url: input.encryptionKeyUrl,
      created_at: now,
      updated_at: now,
      last_seq: 0,
      pending_updates: 0,
      snapshot_seq: 0,
      snapshot_state: null,
      snapshot_key_url: null,
      snapshot_thumbnail: null,
      snapshot_by: null,
      snapshot_at: null,
    };
    await trx.insertInto('whiteboards').values(row).execute();
    return presentWhiteboard(row);
  });
}

export async function listWhiteboards(core: Core, actor: Actor, roomId: string): Promise<Whiteboard[]> {
  await memberOf(core.db, actor, roomId);
  const rows = await core.db.selectFrom('whiteboards').selectAll().where('space_id', '=', roomId).orderBy('updated_at', 'desc').orderBy('id').execute();
  return rows.map(presentWhiteboard);
}

export async function getWhiteboard(core: Core, actor: Actor, boardId: string): Promise<Whiteboard> {
  return presentWhiteboard((await boardForMember(core.db, actor, boardId)).board);
}

export async function renameWhiteboard(core: Core, actor: Actor, boardId: string, input: { title: string; encryptionKeyUrl: string }): Promise<Whiteboard> {
  return core.events.transact(async (trx) => {
    const { board } = await boardForMember(trx, actor, boardId);
    const updated = { ...board, title: input.title, encryption_key_url: input.encryptionKeyUrl, updated_at: core.now() };
    await trx.updateTable('whiteboards').set({ title: updated.title, encryption_key_url: updated.encryption_key_url, updated_at: updated.updated_at }).where('id', '=', boardId).execute();
    return presentWhiteboard(updated);
  });
}

/** Its creator or a moderator of the space may delete a board (its updates and snapshot go with it). */
export async function deleteWhiteboard(core: Core, actor: Actor, boardId: string): Promise<void> {
  await core.events.transact(async (trx) => {
    const { board, access } = await boardForMember(trx, actor, boardId);
    if (board.creator_id !== actor.personId && access.membership.is_moderator !== 1) throw ApiError.forbidden('Only the board’s creator or a moderator may delete it.');
    await trx.deleteFrom('whiteboard_updates').where('board_id', '=', boardId).execute();
    await trx.deleteFrom('whiteboards').where('id', '=', boardId).execute();
  });
}
