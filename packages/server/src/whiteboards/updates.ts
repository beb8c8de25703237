/**
 * A board's sealed Yjs updates (issue 21): each is stored under the next sequence number of its
 * board, then sent live to the members' connections that watch the board (events/hub.ts, on every
 * instance). Live delivery is best effort; a device catches up by reading the state after the last
 * update it holds (`readState`: the snapshot when it covers more, then the updates after). The
 * core cannot read an update: it counts them and bounds their size (the protocol's schema) and
 * their number since the last snapshot (WHITEBOARD_LIMITS.pendingUpdates), after which a client
 * must save a snapshot.
 * @module
 */
import { sql } from 'kysely';
import { WHITEBOARD_LIMITS, type WhiteboardSnapshot, type WhiteboardUpdate } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { WhiteboardUpdatesTable } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { memberIds } from '../spaces/access.ts';
import { boardForMember } from './boards.ts';

function presentUpdate(row: WhiteboardUpdatesTable): WhiteboardUpdate {
  return {
    seq: Number(row.seq),
    boardId: row.board_id,
    personId: row.person_id,
    update: row.update_sealed,
    encryptionKeyUrl: row.encryption_key_url,
    created: new Date(Number(row.created_at)).toISOString(),
  };
}

export async function appendUpdate(core: Core, actor: Actor, boardId: string, input: { update: string; encryptionKeyUrl: string }): Promise<{ seq: number }> {
  const { update, roomId } = await core.events.transact(async (trx) => {
    const { board } = await boardForMember(trx, actor, boardId);
    const now = core.now();
    // Bumping the counter in place takes the board's row lock on PostgreSQL, so two writers get distinct numbers.
    const bumped = await trx
      .updateTable('whiteboards')
      .set({ last_seq: sql`last_seq + 1`, pending_updates: sql`pending_updates + 1`, updated_at: now })
      .where('id', '=', boardId)
      .where('pending_updates', '<', WHITEBOARD_LIMITS.pendingUpdates)
      .returning(['last_seq'])
      .executeTakeFirst();
    if (bumped === undefined) {
      throw ApiError.conflict(`The board holds ${WHITEBOARD_LIMITS.pendingUpdates} updates since its last snapshot: save a snapshot first.`);
    }
    const row: WhiteboardUpdatesTable = {
      board_id: boardId,
      seq: Number(bumped.last_seq),
      person_id: actor.personId,
      update_sealed: input.update,
      encryption_key_url: input.encryptionKeyUrl,
      created_at: now,
    };
    await trx.insertInto('whiteboard_updates').values(row).execute();
    return { update: presentUpdate(row), roomId: board.space_id };
  });
  // After the commit: a device that hears of the update can read it back.
  const members = await memberIds(core.db, roomId);
  await core.events.hub.whiteboardUpdate(members, { roomId, update });
  return { seq: update.seq };
}

export interface BoardState {
  snapshot?: WhiteboardSnapshot;
  updates: WhiteboardUpdate[];
  more: boolean;
}

/** What a device holding the board up to update `after` lacks. */
export async function readState(core: Core, actor: Actor, boardId: string, after: number): Promise<BoardState> {
  const { board } = await boardForMember(core.db, actor, boardId);
  const snapshotSeq = Number(board.snapshot_seq);
  let from = after;
  let snapshot: WhiteboardSnapshot | undefined;
  if (snapshotSeq > after && board.snapshot_state !== null && board.snapshot_key_url !== null && board.snapshot_by !== null && board.snapshot_at !== null) {
    snapshot = { state: board.snapshot_state, encryptionKeyUrl: board.snapshot_key_url, seq: snapshotSeq, personId: board.snapshot_by, created: new Date(Number(board.snapshot_at)).toISOString() };
    from = snapshotSeq;
  }
  const rows = await core.db
    .selectFrom('whiteboard_updates')
    .selectAll()
    .where('board_id', '=', boardId)
    .where('seq', '>', from)
    .orderBy('seq')
    .limit(WHITEBOARD_LIMITS.updatesPerRead + 1)
    .execute();
  const more = rows.length > WHITEBOARD_LIMITS.updatesPerRead;
  return { ...(snapshot !== undefined ? { snapshot } : {}), updates: rows.slice(0, WHITEBOARD_LIMITS.updatesPerRead).map(presentUpdate), more };
}

/** The `after` query parameter: digits (the schema) within the safe integers. */
export function parseAfter(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw ApiError.badRequest('after: a whole number');
  return n;
}
