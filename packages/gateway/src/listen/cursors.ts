/**
 * Where a `listen()` socket left off (SPEC PL-2; DESIGN §2 invariant 5). The Webex SDK reconnects
 * its Mercury socket to the same device URL after a drop, sending nothing but its token; Flint's
 * native event stream resumes after any event id. So the gateway remembers, per registered device,
 * the last native event id the device has *acknowledged* (Mercury clients ack every frame on
 * receipt) or that needed no frame, and a reconnecting socket resumes from there: a bot whose
 * websocket dropped gets what it missed, at least once (a frame pushed but not acked comes again).
 *
 * A device's cursor belongs to the person who opened it (another person's socket on the same
 * device id starts afresh) and to the socket that last claimed it (an old socket the server has not
 * yet seen die cannot move it). Kept in this gateway's memory, bounded and dropped when idle; a
 * reconnect that reaches another gateway instance, or follows a gateway restart, starts from "now".
 * @module
 */
import { GATEWAY_LIMITS } from '../limits.ts';

interface Entry {
  personId: string;
  /** The socket that owns the cursor now. */
  session: number;
  /** Native event id to resume after; undefined until the first socket knew where it started. */
  cursor: number | undefined;
  used: number;
}

export class MercuryCursors {
  private readonly entries = new Map<string, Entry>();
  private sessions = 0;

  constructor(
    private readonly limits: { max: number; idleMs: number } = { max: GATEWAY_LIMITS.mercuryCursors, idleMs: GATEWAY_LIMITS.mercuryCursorIdleMs },
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A socket of `personId` on `deviceId` takes the device's cursor over: answers its session (to
   * save with) and where to resume, if this person's earlier socket on the device left a cursor.
   */
  claim(deviceId: string, personId: string): { session: number; resumeAfter: number | undefined } {
    const now = this.now();
    const found = this.entries.get(deviceId);
    const fresh = found === undefined || found.personId !== personId || now - found.used >= this.limits.idleMs;
    const session = ++this.sessions;
    const entry: Entry = { personId, session, cursor: fresh ? undefined : found.cursor, used: now };
    // Re-inserting keeps the Map in least-recently-used order.
    this.entries.delete(deviceId);
    this.entries.set(deviceId, entry);
    while (this.entries.size > this.limits.max) this.entries.delete(this.entries.keys().next().value!);
    return { session, resumeAfter: entry.cursor };
  }

  /** Records the cursor of `session`; ignored once another socket has claimed the device. */
  save(deviceId: string, session: number, cursor: number): void {
    const entry = this.entries.get(deviceId);
    if (entry === undefined || entry.session !== session) return;
    entry.cursor = cursor;
    entry.used = this.now();
  }

  /** The device was unregistered (`DELETE` on WDM) by its person: nothing to resume any more. */
  forget(deviceId: string, personId: string): void {
    if (this.entries.get(deviceId)?.personId === personId) this.entries.delete(deviceId);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * One socket's position in its native stream, in arrival order. An event is *settled* once it
 * needed no frame, or its frame was acknowledged (an ack of a frame settles every earlier one: the
 * client acks on receipt, in order). The cursor is the id before the oldest unsettled event, so a
 * resume replays exactly what the client may not have.
 */
export class StreamPosition {
  private readonly queue: { eventId: number; prev: number; frameId?: string; settled: boolean }[] = [];
  private last: number | undefined;
  private base: number | undefined;

  constructor(resumeAfter: number | undefined) {
    this.base = resumeAfter;
    this.last = resumeAfter;
  }

  /** The stream is open at `readyId` (its `ready` frame): the cursor before any event. */
  opened(readyId: number | undefined): void {
    if (this.base !== undefined || this.queue.length > 0) return;
    this.base = readyId;
    this.last = readyId;
  }

  /** An event arrived from the native stream (call in arrival order, before any await). */
  arrived(eventId: number): void {
    const prev = this.last ?? eventId - 1;
    this.last = eventId;
    this.queue.push({ eventId, prev, settled: false });
    // A client that never acks must not grow this without bound: beyond it, the oldest count as received.
    if (this.queue.length > GATEWAY_LIMITS.mercuryUnackedFrames) {
      this.queue[0]!.settled = true;
      this.trim();
    }
  }

  /** The event needed no frame (no Webex event for it). */
  skipped(eventId: number): void {
    const item = this.queue.find((q) => q.eventId === eventId);
    if (item !== undefined) item.settled = true;
    this.trim();
  }

  /** The event went out as frame `frameId`: settled when the client acks it. */
  pushed(eventId: number, frameId: string): void {
    const item = this.queue.find((q) => q.eventId === eventId);
    if (item !== undefined) item.frameId = frameId;
  }

  /** The client acknowledged frame `frameId` (and so every frame before it). Answers whether it was ours. */
  acked(frameId: string): boolean {
    const index = this.queue.findIndex((q) => q.frameId === frameId);
    if (index < 0) return false;
    for (let i = 0; i <= index; i++) if (this.queue[i]!.frameId !== undefined) this.queue[i]!.settled = true;
    this.trim();
    return true;
  }

  /** The native stream could not replay a gap (`reset`): what was missed is gone; go on from `head`. */
  reset(head: number): void {
    this.queue.length = 0;
    this.base = head;
    this.last = head;
  }

  /** Where a new socket should resume: after this event id (undefined: not known yet). */
  get cursor(): number | undefined {
    return this.queue.length > 0 ? this.queue[0]!.prev : this.base;
  }

  private trim(): void {
    while (this.queue.length > 0 && this.queue[0]!.settled) this.base = this.queue.shift()!.eventId;
  }
}
