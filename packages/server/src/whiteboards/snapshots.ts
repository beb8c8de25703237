/**
 * A board's snapshot (issue 21): the merged Yjs state sealed on a member's device, covering the
 * updates up to `seq`, with a sealed PNG thumbnail made there too. Saving it compacts the board —
 * the updates it covers are deleted in the same transaction — so the stored board is one snapshot
 * plus the updates since. A snapshot that covers less than the stored one, or more than has been
 * stored, is refused (409), so two devices saving at once cannot move the board back.
 * @module
 */
import { type Whiteboard } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { ApiError } from '../errors.ts';
import { boardForMember, presentWhiteboard } from './boards.ts';

export interface SaveSnapshotInput {
  state: string;
  thumbnail?: string | undefined;
  encryptionKeyUrl: string;
  seq: number;
}

export async function saveSnapshot(core: Core, actor: Actor, boardId: string, input: SaveSnapshotInput): Promise<Whiteboard> {
  return core.events.transact(async (trx) => {
    const { board } = await boardForMember(trx, actor, boardId);
    if (input.seq > Number(board.last_seq)) throw ApiError.badRequest(`seq: the board has no update ${input.seq} (its last is ${board.last_seq}).`);
    if (input.seq < Number(board.snapshot_seq)) throw ApiError.conflict(`A snapshot covering updates up to ${board.snapshot_seq} is stored already.`);
    const now = core.now();
    await trx.deleteFrom('whiteboard_updates').where('board_id', '=', boardId).where('seq', '<=', input.seq).execute();
    const left = await trx.selectFrom('whiteboard_updates').select((eb) => eb.fn.countAll<number | string>().as('n')).where('board_id', '=', boardId).executeTakeFirstOrThrow();
    const changes = {
      snapshot_seq: input.seq,
      snapshot_state: input.state,
      snapshot_key_url: input.encryptionKeyUrl,
      snapshot_thumbnail: input.thumbnail ?? null,
      snapshot_by: actor.personId,
      snapshot_at: now,
      pending_updates: Number(left.n),
      updated_at: now,
    };
    // Guarded by the seq read above, so of two saves racing the later-covering one wins or the other fails.
    const result = await trx.updateTable('whiteboards').set(changes).where('id', '=', boardId).where('snapshot_seq', '<=', input.seq).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw ApiError.conflict('A newer snapshot was saved meanwhile.');
    return presentWhiteboard({ ...board, ...changes });
  });
}

export async function readThumbnail(core: Core, actor: Actor, boardId: string): Promise<{ thumbnail: string; encryptionKeyUrl: string }> {
  const { board } = await boardForMember(core.db, actor, boardId);
  if (board.snapshot_thumbnail === null || board.snapshot_key_url === null) throw ApiError.notFound('thumbnail');
  return { thumbnail: board.snapshot_thumbnail, encryptionKeyUrl: board.snapshot_key_url };
}
