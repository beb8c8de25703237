/**
 * The session's one event stream (SPEC EV-1): it carries the application's events and this
 * device's KMS replies (the relay's `encryption.kms_message` events), resumes after a drop with the
 * last id it holds, and — with a `storage` — after a restart too.
 *
 * It also keeps a promise of end-to-end encryption that no single client can keep alone: someone
 * who leaves a space cannot rotate its key (they would know the new one), so when a person leaves
 * on their own, one remaining member rotates — the member whose id sorts first among those still
 * in the space, so the others need not coordinate (DESIGN §2, invariant 3). Every client with a
 * running session takes part, whatever it is (web app, bot, CLI). Likewise for an invitee who
 * accepted an invitation into a space: the core cannot give them the key, so the inviter's session
 * authorizes them at the KMS and admits them when told, and every session, when its stream opens,
 * admits those it owes (`invitations.ts`); so for the expert a care request was routed to (`care.ts`).
 * @module
 */
import type { CareRequest, PersonalRoomKnock, Membership, Message, ServerFrame, SpaceInvitation, StoredEvent } from '@flint/protocol';
import { EventStream, type WebSocketConstructor } from '../event-stream.ts';
import type { KmsRelay } from '../kms/relay-transport.ts';
import { rotateSpaceKey, type SessionContext } from './context.ts';
import { openMessage } from './messages.ts';
import { admit, admitAwaiting } from './invitations.ts';
import { admitAwaitingExperts, admitExpert, shouldAdmit } from './care.ts';
import { admitKnock } from './scheduling.ts';
import type { SecureMessage } from './types.ts';

/** Where a session keeps what must survive a restart (the Web Storage shape: `localStorage` fits). */
export interface SessionStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export type Signal = Extract<ServerFrame, { type: 'typing' | 'presence' }>;
export type WhiteboardFrame = Extract<ServerFrame, { type: 'whiteboard.update' }>;
export type StreamState = 'connecting' | 'open' | 'closed';

export interface EventsOptions {
  WebSocket?: WebSocketConstructor;
  /** The stream rides on the browser's session cookie (no token in `hello`). */
  cookie: boolean;
  storage?: SessionStorage;
  /** Milliseconds of silence before a ping (see EventStream). */
  heartbeatMs?: number;
  /** The longest wait between reconnection attempts. */
  maxBackoffMs?: number;
}

export interface StartOptions {
  /** Resume after this id (by default: where `storage` left off, else "now"). */
  lastEventId?: number;
}

export class Events {
  private stream: EventStream | undefined;
  private relay: KmsRelay | undefined;
  private readonly handlers = new Set<(event: StoredEvent) => void>();
  private readonly signalHandlers = new Set<(frame: Signal) => void>();
  private readonly whiteboardHandlers = new Set<(frame: WhiteboardFrame) => void>();
  /** Boards watched, by how many open handles: sent again on every (re)connection. */
  private readonly watched = new Map<string, number>();
  private readonly resetHandlers = new Set<() => void>();
  private readonly stateHandlers = new Set<(state: StreamState) => void>();
  private readonly rotationErrors = new Set<(error: unknown, roomId: string) => void>();
  private readonly admissionErrors = new Set<(error: unknown, roomId: string | undefined) => void>();

  constructor(
    private readonly ctx: SessionContext,
    private readonly options: EventsOptions,
  ) {}

  /** Every event of this person's stream (KMS replies excepted), in order, once. Answers an unsubscribe. */
  on(handler: (event: StoredEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /**
   * Each new message (`message.created`), opened: in plaintext, or with `decryptError` saying why
   * not. Messages are handed over in the order they arrived. Answers an unsubscribe.
   */
  onMessage(handler: (message: SecureMessage) => void): () => void {
    let queue = Promise.resolve();
    return this.on((event) => {
      if (event.type !== 'message.created') return;
      const opening = openMessage(this.ctx, event.data as Message);
      queue = queue.then(async () => handler(await opening)).catch(() => undefined);
    });
  }

  /** Live-only frames: typing, presence. */
  onSignal(handler: (frame: Signal) => void): () => void {
    this.signalHandlers.add(handler);
    return () => this.signalHandlers.delete(handler);
  }

  /** Live sealed whiteboard updates of the watched boards (whiteboards.ts opens them). */
  onWhiteboardUpdate(handler: (frame: WhiteboardFrame) => void): () => void {
    this.whiteboardHandlers.add(handler);
    return () => this.whiteboardHandlers.delete(handler);
  }

  /** Asks for a board's live updates until the answer is called. */
  watchWhiteboard(boardId: string): () => void {
    this.watched.set(boardId, (this.watched.get(boardId) ?? 0) + 1);
    this.sendWatched();
    return () => {
      const n = (this.watched.get(boardId) ?? 1) - 1;
      if (n <= 0) this.watched.delete(boardId);
      else this.watched.set(boardId, n);
      this.sendWatched();
    };
  }

  private sendWatched(): void {
    try {
      this.stream?.send({ type: 'whiteboard.watch', boardIds: [...this.watched.keys()] });
    } catch {
      // The socket is still connecting: the set is sent when it opens.
    }
  }

  /** The server could not replay a gap: refetch state. */
  onReset(handler: () => void): () => void {
    this.resetHandlers.add(handler);
    return () => this.resetHandlers.delete(handler);
  }

  onState(handler: (state: StreamState) => void): () => void {
    this.stateHandlers.add(handler);
    return () => this.stateHandlers.delete(handler);
  }

  /** A rotation this session owed after someone left failed (it is tried again on the next leave). */
  onRotationError(handler: (error: unknown, roomId: string) => void): () => void {
    this.rotationErrors.add(handler);
    return () => this.rotationErrors.delete(handler);
  }

  /** Admitting an accepted invitee failed (it is tried again when the stream next opens). */
  onAdmissionError(handler: (error: unknown, roomId: string | undefined) => void): () => void {
    this.admissionErrors.add(handler);
    return () => this.admissionErrors.delete(handler);
  }

  /** Connects (if not yet connected); resolves once the server has said `ready`. */
  async start(options: StartOptions = {}): Promise<void> {
    if (this.stream !== undefined) {
      if (options.lastEventId !== undefined && options.lastEventId !== this.stream.lastEventId) {
        // Already open (the KMS needed it): replay from the id asked for.
        this.stream.lastEventId = options.lastEventId;
        this.stream.drop();
      }
      return this.stream.ready();
    }
    const stored = this.options.storage?.getItem(this.storageKey());
    const lastEventId = options.lastEventId ?? (stored !== null && stored !== undefined && /^\d+$/.test(stored) ? Number(stored) : undefined);
    const stream = new EventStream({
      baseUrl: this.ctx.api.transport.baseUrl,
      token: () => (this.options.cookie ? undefined : this.ctx.api.transport.accessToken),
      deviceId: this.ctx.deviceId,
      ...(this.options.WebSocket !== undefined ? { WebSocket: this.options.WebSocket } : {}),
      ...(lastEventId !== undefined ? { lastEventId } : {}),
      ...(this.options.heartbeatMs !== undefined ? { heartbeatMs: this.options.heartbeatMs } : {}),
      ...(this.options.maxBackoffMs !== undefined ? { maxBackoffMs: this.options.maxBackoffMs } : {}),
      onEvent: (event) => this.dispatch(event),
      onSignal: (frame) => this.signalHandlers.forEach((h) => h(frame)),
      onWhiteboard: (frame) => this.whiteboardHandlers.forEach((h) => h(frame)),
      onReset: () => this.resetHandlers.forEach((h) => h()),
      onStateChange: (state) => {
        // A new connection watches nothing yet: say again which boards this session has open.
        if (state === 'open' && this.watched.size > 0) this.sendWatched();
        this.stateHandlers.forEach((h) => h(state));
        // Admissions owed while this device was away (accepted invitations it should admit).
        if (state === 'open') admitAwaiting(this.ctx).catch((error: unknown) => this.admissionErrors.forEach((h) => h(error, undefined)));
        if (state === 'open') admitAwaitingExperts(this.ctx).catch((error: unknown) => this.admissionErrors.forEach((h) => h(error, undefined)));
      },
    });
    this.stream = stream;
    await stream.start();
  }

  /** The last event id received (what a reconnect resumes after). */
  get lastEventId(): number | undefined {
    return this.stream?.lastEventId;
  }

  /** Asks for presence updates of these people. */
  subscribePresence(personIds: string[]): void {
    this.stream?.send({ type: 'presence.subscribe', personIds });
  }

  /** Gives up the connection at once and reconnects after the back-off (the browser's `offline`). */
  drop(): void {
    this.stream?.drop();
  }

  /** Reconnects at once, without back-off (the browser's `online`). */
  reconnectNow(): void {
    this.stream?.reconnectNow();
  }

  stop(): void {
    this.stream?.stop();
    this.stream = undefined;
  }

  /** The KMS relay's replies come on this stream: opened now if it is not, so none is missed. */
  async attachRelay(relay: KmsRelay): Promise<void> {
    this.relay = relay;
    await this.start();
  }

  private storageKey(): string {
    return `flint.lastEventId.${this.ctx.deviceId}`;
  }

  private dispatch(event: StoredEvent): void {
    if (event.type === 'encryption.kms_message') {
      this.relay?.handleEvent(event);
      return;
    }
    if (this.options.storage !== undefined && typeof event.id === 'number') {
      try {
        this.options.storage.setItem(this.storageKey(), String(event.id));
      } catch {
        // Storage full or gone: resuming after a restart starts at "now" instead.
      }
    }
    if (event.type === 'membership.deleted') void this.afterLeave(event);
    if (event.type === 'space_invitation.accepted') void this.afterAccept(event);
    if (event.type === 'care_request.updated') void this.afterRouting(event.data as CareRequest);
    if (event.type === 'personal_room.knock') void this.afterKnock(event.data as PersonalRoomKnock);
    for (const handler of this.handlers) handler(event);
  }

  /**
   * An invitee accepted: the inviter admits them; if the inviter has left the space (the event then
   * goes to every member), the member whose id sorts first does.
   */
  private async afterAccept(event: StoredEvent): Promise<void> {
    const invitation = event.data as SpaceInvitation;
    try {
      const me = await this.ctx.personId();
      if (invitation.invitedBy !== me) {
        const members = (await this.ctx.api.memberships.list({ roomId: invitation.roomId, max: 1000 })).items.map((x) => x.personId);
        if (members.includes(invitation.invitedBy) || [...members].sort()[0] !== me) return;
      }
      await admit(this.ctx, invitation);
    } catch (error) {
      this.admissionErrors.forEach((h) => h(error, invitation.roomId));
    }
  }

  /** A care request was routed or taken (SP-7): the asker's session admits the expert (`care.ts`). */
  private async afterRouting(request: CareRequest): Promise<void> {
    try {
      if (shouldAdmit(request, await this.ctx.personId())) await admitExpert(this.ctx, request);
    } catch (error) {
      this.admissionErrors.forEach((h) => h(error, request.roomId));
    }
  }

  /** Someone knocked on this person's personal room (MT-3): this session adds them (`scheduling.ts`). */
  private async afterKnock(knock: PersonalRoomKnock): Promise<void> {
    try {
      await admitKnock(this.ctx, knock);
    } catch (error) {
      this.admissionErrors.forEach((h) => h(error, knock.roomId));
    }
  }

  /** Someone left on their own: the remaining member whose id sorts first rotates the key. */
  private async afterLeave(event: StoredEvent): Promise<void> {
    const m = event.data as Membership;
    if (event.actorId !== m.personId) return; // a removal: the remover rotated
    try {
      const me = await this.ctx.personId();
      if (m.personId === me) return;
      const remaining = (await this.ctx.api.memberships.list({ roomId: m.roomId, max: 1000 })).items.map((x) => x.personId);
      const first = remaining.filter((id) => id !== m.personId).sort()[0];
      if (first === me) await rotateSpaceKey(this.ctx, m.roomId);
    } catch (error) {
      this.rotationErrors.forEach((h) => h(error, m.roomId));
    }
  }
}
