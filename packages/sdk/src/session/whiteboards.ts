/**
 * Whiteboards (issue 21: MT-5; SEC-1 for whiteboards), end to end encrypted. A board is a Yjs
 * document; every change made on this device leaves it as a Yjs update sealed with the space's
 * current key (JWE `dir`/A256GCM over the update's bytes in base64url, as message text is sealed),
 * so the core stores and relays ciphertext only. Opening a board reads its sealed snapshot and the
 * updates since, then applies the live updates the event stream brings for it; a gap in their
 * sequence numbers (a dropped connection, a frame lost between instances) is filled by reading the
 * state again. Saving seals the merged state and a PNG thumbnail made on the device; the core then
 * drops the updates the snapshot covers (compaction).
 *
 * The document's shape is the application's (the web app keeps Excalidraw's elements in a Y.Map);
 * this module moves bytes, it does not know what is drawn.
 * @module
 */
import * as Y from 'yjs';
import { WHITEBOARD_LIMITS, type Room, type Whiteboard, type WhiteboardUpdate } from '@flint/protocol';
import { fromBase64Url, toBase64Url } from '@flint/crypto';
import { FlintError } from '../errors.ts';
import { sealText } from '../kms/content.ts';
import type { KmsKey } from '../kms/client.ts';
import { asFlintError, currentKey, openSealed, type SessionContext } from './context.ts';
import type { Events, WhiteboardFrame } from './events.ts';

/** A board with its title opened (or `decryptError` saying why it could not be). */
export type OpenWhiteboard = Omit<Whiteboard, 'title'> & { title?: string; decryptError?: FlintError };

/** Marks the changes this module applies, so they are not sent back. */
const REMOTE = Symbol('flint.whiteboard.remote');

async function sealBytes(key: KmsKey, bytes: Uint8Array): Promise<string> {
  return (await sealText(key, toBase64Url(bytes))).ciphertext;
}

async function openBytes(ctx: SessionContext, keyUrl: string, ciphertext: string): Promise<Uint8Array> {
  return fromBase64Url(await openSealed(ctx, keyUrl, ciphertext));
}

function checkTitle(title: string): string {
  const t = title.trim();
  if (t === '' || t.length > 256) throw FlintError.invalid('A whiteboard title is 1 to 256 characters.');
  return t;
}

export class Whiteboards {
  constructor(
    private readonly ctx: SessionContext,
    private readonly events: Events,
  ) {}

  /** The boards of a space, titles opened, the most recently active first. */
  async list(roomId: string): Promise<OpenWhiteboard[]> {
    return Promise.all((await this.ctx.api.whiteboards.list(roomId)).map((b) => this.openTitle(b)));
  }

  async get(boardId: string): Promise<OpenWhiteboard> {
    return this.openTitle(await this.ctx.api.whiteboards.get(boardId));
  }

  /** A new board in the space, its title sealed with the space's current key. */
  async create(roomId: string, title: string): Promise<OpenWhiteboard> {
    const plain = checkTitle(title);
    const key = await currentKey(this.ctx, await this.ctx.api.rooms.get(roomId));
    const sealed = await sealText(key, plain);
    const board = await this.ctx.api.whiteboards.create({ roomId, title: sealed.ciphertext, encryptionKeyUrl: key.uri });
    return { ...board, title: plain };
  }

  async rename(boardId: string, title: string): Promise<OpenWhiteboard> {
    const plain = checkTitle(title);
    const board = await this.ctx.api.whiteboards.get(boardId);
    const key = await currentKey(this.ctx, await this.ctx.api.rooms.get(board.roomId));
    const sealed = await sealText(key, plain);
    return { ...(await this.ctx.api.whiteboards.update(boardId, { title: sealed.ciphertext, encryptionKeyUrl: key.uri })), title: plain };
  }

  delete(boardId: string): Promise<void> {
    return this.ctx.api.whiteboards.delete(boardId);
  }

  /** The PNG thumbnail of the board's last snapshot, opened (undefined: none saved yet). */
  async thumbnail(boardId: string): Promise<Uint8Array | undefined> {
    try {
      const { thumbnail, encryptionKeyUrl } = await this.ctx.api.whiteboards.thumbnail(boardId);
      return await openBytes(this.ctx, encryptionKeyUrl, thumbnail);
    } catch (error) {
      const e = asFlintError(error);
      if (e.kind === 'refused' && e.status === 404) return undefined;
      throw e;
    }
  }

  /**
   * Opens a board for drawing together: its saved state and the updates since are in `doc` when
   * this answers, and stay in step until `close()`. Changes made to `doc` are sealed and sent.
   */
  async open(boardId: string, options: { doc?: Y.Doc } = {}): Promise<WhiteboardSync> {
    const board = await this.ctx.api.whiteboards.get(boardId);
    const room = await this.ctx.api.rooms.get(board.roomId);
    const sync = new WhiteboardSync(this.ctx, this.events, board, room, options.doc ?? new Y.Doc());
    await sync.start();
    return sync;
  }

  private async openTitle(board: Whiteboard): Promise<OpenWhiteboard> {
    const { title, ...rest } = board;
    try {
      return { ...rest, title: await openSealed(this.ctx, board.encryptionKeyUrl, title) };
    } catch (error) {
      return { ...rest, decryptError: asFlintError(error) };
    }
  }
}

/** One open board: the document, kept in step with the other members' devices through the core. */
export class WhiteboardSync {
  /** The highest update number this document holds every update up to. */
  private held = 0;
  private readonly outbox: Uint8Array[] = [];
  private sending: Promise<void> = Promise.resolve();
  private reading: Promise<void> = Promise.resolve();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly errorHandlers = new Set<(error: FlintError) => void>();
  private readonly changeHandlers = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly ctx: SessionContext,
    private readonly events: Events,
    private board: Whiteboard,
    private room: Room,
    readonly doc: Y.Doc,
  ) {}

  get id(): string {
    return this.board.id;
  }

  get roomId(): string {
    return this.board.roomId;
  }

  /** The last update number the document holds all updates up to. */
  get seq(): number {
    return this.held;
  }

  /** Sending or opening failed (e.g. the person was removed from the space). */
  onError(handler: (error: FlintError) => void): () => void {
    this.errorHandlers.add(handler);
    return () => this.errorHandlers.delete(handler);
  }

  /** Another device's changes were applied to the document. */
  onRemoteChange(handler: () => void): () => void {
    this.changeHandlers.add(handler);
    return () => this.changeHandlers.delete(handler);
  }

  async start(): Promise<void> {
    const onUpdate = (update: Uint8Array, origin: unknown): void => {
      if (origin === REMOTE || this.closed) return;
      this.outbox.push(update);
      this.sending = this.sending.then(() => this.flushOutbox());
    };
    this.doc.on('update', onUpdate);
    this.unsubscribe.push(() => this.doc.off('update', onUpdate));
    this.unsubscribe.push(this.events.onWhiteboardUpdate((frame) => this.onLive(frame)));
    this.unsubscribe.push(
      this.events.onState((state) => {
        if (state === 'open') this.catchUp();
      }),
    );
    // Watch first, then read: an update made in between arrives live, or is read, or both (applying twice is harmless).
    await this.events.start();
    this.unsubscribe.push(this.events.watchWhiteboard(this.board.id));
    this.catchUp();
    await this.reading;
  }

  /** Resolves when every local change so far has been sent (or failed). */
  async flush(): Promise<void> {
    await this.sending;
  }

  /**
   * Saves the merged state, sealed, with a PNG thumbnail sealed likewise; the core then drops the
   * updates it covers. Answers the board as stored.
   */
  async save(thumbnailPng?: Uint8Array): Promise<Whiteboard> {
    await this.flush();
    await this.reading;
    this.room = await this.ctx.api.rooms.get(this.board.roomId);
    const key = await currentKey(this.ctx, this.room);
    const seq = this.held;
    const state = await sealBytes(key, Y.encodeStateAsUpdate(this.doc));
    if (state.length > WHITEBOARD_LIMITS.snapshotChars) throw FlintError.invalid(`The board is too large to save (over ${WHITEBOARD_LIMITS.snapshotChars} characters sealed).`);
    let thumbnail: string | undefined;
    if (thumbnailPng !== undefined) {
      thumbnail = await sealBytes(key, thumbnailPng);
      // A thumbnail too large is left out rather than failing the save: the board matters, the picture is a convenience.
      if (thumbnail.length > WHITEBOARD_LIMITS.thumbnailChars) thumbnail = undefined;
    }
    this.board = await this.ctx.api.whiteboards.saveSnapshot(this.board.id, { state, encryptionKeyUrl: key.uri, seq, ...(thumbnail !== undefined ? { thumbnail } : {}) });
    return this.board;
  }

  close(): void {
    this.closed = true;
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private fail(error: unknown): void {
    const e = asFlintError(error);
    for (const h of this.errorHandlers) h(e);
  }

  private onLive(frame: WhiteboardFrame): void {
    const update = frame.update;
    if (this.closed || update.boardId !== this.board.id || update.seq <= this.held) return;
    if (update.seq === this.held + 1) {
      // In order: apply it behind any read in progress, so `held` only moves forward in sequence.
      this.reading = this.reading.then(() => this.apply([update])).catch((error: unknown) => this.fail(error));
      return;
    }
    this.catchUp();
  }

  /** Reads what the document lacks (the snapshot if it covers more, then updates), in order. */
  private catchUp(): void {
    this.reading = this.reading
      .then(async () => {
        for (;;) {
          if (this.closed) return;
          const state = await this.ctx.api.whiteboards.state(this.board.id, this.held);
          if (state.snapshot !== undefined && state.snapshot.seq > this.held) {
            const bytes = await openBytes(this.ctx, state.snapshot.encryptionKeyUrl, state.snapshot.state);
            Y.applyUpdate(this.doc, bytes, REMOTE);
            this.held = state.snapshot.seq;
            this.changed();
          }
          await this.apply(state.updates);
          if (!state.more) return;
        }
      })
      .catch((error: unknown) => this.fail(error));
  }

  private async apply(updates: readonly WhiteboardUpdate[]): Promise<void> {
    let any = false;
    for (const u of updates) {
      if (u.seq <= this.held) continue;
      if (u.seq !== this.held + 1) {
        // Still a gap: read again from where the document is.
        this.catchUp();
        break;
      }
      const bytes = await openBytes(this.ctx, u.encryptionKeyUrl, u.update);
      Y.applyUpdate(this.doc, bytes, REMOTE);
      this.held = u.seq;
      any = true;
    }
    if (any) this.changed();
  }

  private changed(): void {
    for (const h of this.changeHandlers) h();
  }

  /** Sends what changed locally as one merged update per turn (a stroke fires many small ones). */
  private async flushOutbox(): Promise<void> {
    if (this.outbox.length === 0 || this.closed) return;
    const merged = Y.mergeUpdates(this.outbox.splice(0));
    try {
      const key = await currentKey(this.ctx, this.room);
      const sealed = await sealBytes(key, merged);
      if (sealed.length > WHITEBOARD_LIMITS.updateChars) {
        throw FlintError.invalid(`A change is too large to send (over ${WHITEBOARD_LIMITS.updateChars} characters sealed).`);
      }
      await this.ctx.api.whiteboards.postUpdate(this.board.id, { update: sealed, encryptionKeyUrl: key.uri });
    } catch (error) {
      this.fail(error);
    }
  }
}
