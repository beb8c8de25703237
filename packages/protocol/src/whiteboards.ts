/**
 * Collaborative whiteboards (issue 21: MT-5; SEC-1 for whiteboards). A space holds boards; each
 * board is a Yjs document whose every update is sealed with the space's key on the device (JWE
 * `dir`/A256GCM of the update's bytes, base64url inside), so the core stores and relays ciphertext
 * only: updates (live to the members watching the board, stored for those who open it later) and
 * snapshots (the merged state, sealed, with a sealed PNG thumbnail made on the device). Saving a
 * snapshot compacts: the updates it covers are dropped. A meeting's board is a board of the
 * meeting's space.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';
import { MESSAGING_LIMITS } from './limits.ts';
import { Ciphertext, KeyUrl } from './spaces.ts';

/**
 * Sizes are of the sealed text (what the core sees). A JSON body is at most 1 MiB, so a snapshot
 * and its thumbnail together stay under it.
 */
export const WHITEBOARD_LIMITS = {
  /** Boards in one space. */
  perSpace: 100,
  /** One sealed update (a stroke is a few hundred bytes; a pasted drawing more). */
  updateChars: 128 * 1024,
  /** Updates kept after the last snapshot; past this, a client must save a snapshot (compaction) first. */
  pendingUpdates: 5_000,
  /** The sealed merged state of a snapshot. */
  snapshotChars: 640 * 1024,
  /** The sealed PNG thumbnail of a snapshot. */
  thumbnailChars: 256 * 1024,
  /** Updates one read answers; more follow with `after`. */
  updatesPerRead: 500,
  /** Boards one connection may watch at once. */
  watchedPerConnection: 16,
} as const;

export const Whiteboard = Type.Object({
  id: Id,
  roomId: Id,
  /** The title, sealed with `encryptionKeyUrl`. */
  title: Type.String(),
  encryptionKeyUrl: Type.String(),
  creatorId: Id,
  created: Timestamp,
  /** When the last update or snapshot arrived. */
  lastActivity: Timestamp,
  /** The last update the stored snapshot covers (0: none yet). */
  snapshotSeq: Type.Integer({ minimum: 0 }),
  /** The last update stored (0: none yet). */
  lastSeq: Type.Integer({ minimum: 0 }),
  hasThumbnail: Type.Boolean(),
});
export type Whiteboard = Static<typeof Whiteboard>;

export const WhiteboardUpdate = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  boardId: Id,
  personId: Id,
  /** The Yjs update, sealed. */
  update: Type.String(),
  encryptionKeyUrl: Type.String(),
  created: Timestamp,
});
export type WhiteboardUpdate = Static<typeof WhiteboardUpdate>;

export const WhiteboardSnapshot = Type.Object({
  /** The merged Yjs state, sealed. */
  state: Type.String(),
  encryptionKeyUrl: Type.String(),
  /** The last update it covers. */
  seq: Type.Integer({ minimum: 0 }),
  personId: Id,
  created: Timestamp,
});
export type WhiteboardSnapshot = Static<typeof WhiteboardSnapshot>;

export const createWhiteboard = defineMethod({
  id: 'whiteboards.create',
  verb: 'POST',
  path: '/api/whiteboards',
  summary: `A new board in a space one belongs to (the title sealed); at most ${WHITEBOARD_LIMITS.perSpace} boards a space.`,
  tag: 'whiteboards',
  auth: 'person',
  body: Type.Object({ roomId: Id, title: Ciphertext(MESSAGING_LIMITS.titleChars), encryptionKeyUrl: KeyUrl }, { additionalProperties: false }),
  response: Whiteboard,
  status: 200,
});

export const listWhiteboards = defineMethod({
  id: 'whiteboards.list',
  verb: 'GET',
  path: '/api/whiteboards',
  summary: 'The boards of a space one belongs to, the most recently active first.',
  tag: 'whiteboards',
  auth: 'person',
  query: Type.Object({ roomId: Id }, { additionalProperties: false }),
  response: Type.Object({ items: Type.Array(Whiteboard) }),
  status: 200,
});

export const getWhiteboard = defineMethod({
  id: 'whiteboards.get',
  verb: 'GET',
  path: '/api/whiteboards/:id',
  summary: 'A board of a space one belongs to.',
  tag: 'whiteboards',
  auth: 'person',
  params: IdParams,
  response: Whiteboard,
  status: 200,
});

export const updateWhiteboard = defineMethod({
  id: 'whiteboards.update',
  verb: 'PUT',
  path: '/api/whiteboards/:id',
  summary: 'Rename a board (the new title sealed).',
  tag: 'whiteboards',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ title: Ciphertext(MESSAGING_LIMITS.titleChars), encryptionKeyUrl: KeyUrl }, { additionalProperties: false }),
  response: Whiteboard,
  status: 200,
});

export const deleteWhiteboard = defineMethod({
  id: 'whiteboards.delete',
  verb: 'DELETE',
  path: '/api/whiteboards/:id',
  summary: 'Delete a board with its updates and snapshot (its creator or a moderator of the space).',
  tag: 'whiteboards',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

export const postWhiteboardUpdate = defineMethod({
  id: 'whiteboards.updates.create',
  verb: 'POST',
  path: '/api/whiteboards/:id/updates',
  summary: `Add a sealed Yjs update (at most ${WHITEBOARD_LIMITS.updateChars} characters); stored, and sent live to the members watching the board.`,
  tag: 'whiteboards',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ update: Ciphertext(WHITEBOARD_LIMITS.updateChars), encryptionKeyUrl: KeyUrl }, { additionalProperties: false }),
  response: Type.Object({ seq: Type.Integer({ minimum: 1 }) }),
  status: 200,
});

export const readWhiteboardState = defineMethod({
  id: 'whiteboards.state',
  verb: 'GET',
  path: '/api/whiteboards/:id/state',
  summary: `What a device holding the board up to update \`after\` lacks: the snapshot if it covers more, then up to ${WHITEBOARD_LIMITS.updatesPerRead} updates in order (\`more\`: read again after the last).`,
  tag: 'whiteboards',
  auth: 'person',
  params: IdParams,
  query: Type.Object({ after: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) }, { additionalProperties: false }),
  response: Type.Object({
    snapshot: Type.Optional(WhiteboardSnapshot),
    updates: Type.Array(WhiteboardUpdate),
    more: Type.Boolean(),
  }),
  status: 200,
});

export const saveWhiteboardSnapshot = defineMethod({
  id: 'whiteboards.snapshot.save',
  verb: 'PUT',
  path: '/api/whiteboards/:id/snapshot',
  summary: 'Save the merged state (sealed) covering updates up to `seq`, with a sealed PNG thumbnail; the updates it covers are dropped (compaction). A snapshot older than the stored one is refused (409).',
  tag: 'whiteboards',
  auth: 'person',
  params: IdParams,
  body: Type.Object(
    {
      state: Ciphertext(WHITEBOARD_LIMITS.snapshotChars),
      thumbnail: Type.Optional(Ciphertext(WHITEBOARD_LIMITS.thumbnailChars)),
      encryptionKeyUrl: KeyUrl,
      seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    },
    { additionalProperties: false },
  ),
  response: Whiteboard,
  status: 200,
});

export const getWhiteboardThumbnail = defineMethod({
  id: 'whiteboards.thumbnail',
  verb: 'GET',
  path: '/api/whiteboards/:id/thumbnail',
  summary: 'The sealed PNG thumbnail of the board’s last snapshot.',
  tag: 'whiteboards',
  auth: 'person',
  params: IdParams,
  response: Type.Object({ thumbnail: Type.String(), encryptionKeyUrl: Type.String() }),
  status: 200,
});
