/**
 * The connections of this instance, and delivery to them: stored events, typing signals, presence.
 *
 * Stored events: the bus carries only a nudge ("the log has grown to position N"). The hub reads
 * the log's tail from the database — one query for all of this instance's connections, whatever
 * instance wrote the events — up to the horizon (positions.ts), in position order, so it never
 * steps over an event still in flight and never misses one whose nudge was lost (the next nudge
 * reads it). For a space's event it finds the connected members from the membership intervals it
 * keeps for the people connected here (loaded when a person connects, kept current from the
 * membership changes in each tail); each event is encoded once and the same bytes are written to
 * every socket. Delivery yields to the event loop every SEND_SLICE writes, so a large space does
 * not stall the process; the hub's single work queue keeps every event in order meanwhile.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Availability, WhiteboardUpdate } from '@flint/protocol';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../infra/logger.ts';
import type { BusMessage, EventBus } from './event-bus.ts';
import { frameBytes, type EventConnection } from './connection.ts';
import { intervalsOf, readTail, type StoredEventRow, type StreamInterval } from './event-log.ts';
import type { StreamPositions } from './positions.ts';

/** Events read per tail query. */
const TAIL_LIMIT = 1_000;
/** Socket writes between yields to the event loop. */
const SEND_SLICE = 500;
/** While an older transaction holds the horizon back, retry the tail after this long, doubling up to the max. */
const RETRY_MIN_MS = 2;
const RETRY_MAX_MS = 100;
/** After a failed tail read (database unreachable), back off up to this. */
const ERROR_RETRY_MAX_MS = 5_000;

/** What the hub knows of one person connected here. */
interface Present {
  conns: Set<EventConnection>;
  /** space → interval start → end (null: still a member). */
  spaces: Map<string, Map<number, number | null>>;
}

/** Instances announce who is connected to them this often; an instance silent for 3 periods is presumed gone. */
const PRESENCE_ANNOUNCE_MS = 15_000;

interface PresenceRecord {
  instances: Map<string, number>;
  lastActive: number;
}

export class EventHub {
  readonly instanceId = randomUUID();
  private readonly byPerson = new Map<string, Set<EventConnection>>();
  /** The people connected here whose memberships the hub tracks. */
  private readonly present = new Map<string, Present>();
  /** space → the people connected here who have a membership interval in it. */
  private readonly bySpace = new Map<string, Set<Present>>();
  /** Every event below this position has been handed to the connections (undefined: none yet). */
  private position: number | undefined;
  /** The highest position a nudge announced. */
  private wanted = 0;
  private work: Promise<void> = Promise.resolve();
  private pumpQueued = false;
  private retryMs = RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private readonly presence = new Map<string, PresenceRecord>();
  private readonly announcer: NodeJS.Timeout;

  constructor(
    private readonly bus: EventBus,
    private readonly db: Kysely<Database>,
    readonly positions: StreamPositions,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    bus.subscribe((message) => this.onMessage(message));
    this.announcer = setInterval(() => void this.announce(), PRESENCE_ANNOUNCE_MS);
    this.announcer.unref();
  }

  get connectionCount(): number {
    let n = 0;
    for (const set of this.byPerson.values()) n += set.size;
    return n;
  }

  /**
   * Registers a connection and starts its catch-up once the hub tracks its person (in the hub's
   * work queue, so no tail is read between loading the person's memberships and registering).
   */
  add(conn: EventConnection): Promise<void> {
    let set = this.byPerson.get(conn.personId);
    if (set === undefined) {
      set = new Set();
      this.byPerson.set(conn.personId, set);
    }
    set.add(conn);
    if (set.size === 1) void this.signalPresence(conn.personId, 'active');
    return this.enqueue(async () => {
      if (conn.closed) return;
      // With nobody connected the hub reads nothing; it starts from the horizon when someone comes.
      if (this.position === undefined) this.position = await this.positions.horizon();
      let present = this.present.get(conn.personId);
      if (present === undefined) {
        present = { conns: new Set(), spaces: new Map() };
        for (const interval of await intervalsOf(this.db, conn.personId, this.position)) this.track(present, interval);
        if (conn.closed) return;
        this.present.set(conn.personId, present);
      }
      present.conns.add(conn);
      conn.start();
      if (this.wanted > this.position) this.pump();
    });
  }

  remove(conn: EventConnection): void {
    conn.closed = true;
    const set = this.byPerson.get(conn.personId);
    if (set === undefined) return;
    set.delete(conn);
    const present = this.present.get(conn.personId);
    if (present !== undefined) {
      present.conns.delete(conn);
      if (present.conns.size === 0) this.forget(conn.personId, present);
    }
    if (set.size === 0) {
      this.byPerson.delete(conn.personId);
      void this.signalPresence(conn.personId, 'inactive');
    }
  }

  private forget(personId: string, present: Present): void {
    this.present.delete(personId);
    for (const spaceId of present.spaces.keys()) {
      const people = this.bySpace.get(spaceId);
      people?.delete(present);
      if (people?.size === 0) this.bySpace.delete(spaceId);
    }
    if (this.present.size === 0) this.position = undefined;
  }

  private track(present: Present, interval: StreamInterval): void {
    let starts = present.spaces.get(interval.spaceId);
    if (starts === undefined) {
      starts = new Map();
      present.spaces.set(interval.spaceId, starts);
      let people = this.bySpace.get(interval.spaceId);
      if (people === undefined) {
        people = new Set();
        this.bySpace.set(interval.spaceId, people);
      }
      people.add(present);
    }
    starts.set(interval.from, interval.to);
  }

  /** Drops the intervals that ended before `position`: no event still to come falls in them. */
  private untrackEnded(present: Present, spaceId: string, position: number): void {
    const starts = present.spaces.get(spaceId);
    if (starts === undefined) return;
    for (const [from, to] of starts) if (to !== null && to <= position) starts.delete(from);
    if (starts.size > 0) return;
    present.spaces.delete(spaceId);
    const people = this.bySpace.get(spaceId);
    people?.delete(present);
    if (people?.size === 0) this.bySpace.delete(spaceId);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.work.then(task);
    this.work = run.catch((error: unknown) => this.log.error({ err: error }, 'event delivery failed'));
    return run;
  }

  /** Reads the tail (once per burst of nudges) and delivers it. */
  private pump(): void {
    if (this.pumpQueued || this.closing) return;
    this.pumpQueued = true;
    void this.enqueue(async () => {
      this.pumpQueued = false;
      if (this.position === undefined) return;
      let horizon: number;
      try {
        horizon = await this.positions.horizon();
        if (horizon > this.position) {
          const tail = await readTail(this.db, this.position, horizon, TAIL_LIMIT);
          await this.deliver(tail.events, tail.recipients, tail.changes, tail.end);
        }
      } catch (error) {
        // The database is unreachable for now: try again later rather than wait for the next nudge.
        this.log.warn({ err: error }, 'event tail not read; retrying');
        this.retryLater(ERROR_RETRY_MAX_MS);
        return;
      }
      if (this.position === undefined || this.position >= this.wanted) {
        this.retryMs = RETRY_MIN_MS;
        return;
      }
      if (this.position < horizon) {
        this.pump();
        return;
      }
      // An older transaction is still open: what the nudge announced is not below the horizon yet.
      this.retryLater(RETRY_MAX_MS);
    });
  }

  private retryLater(maxMs: number): void {
    if (this.closing) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.pump(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, maxMs);
  }

  private async deliver(events: readonly StoredEventRow[], recipients: Map<number, string[]>, changes: readonly StreamInterval[], end: number): Promise<void> {
    for (const change of changes) {
      const present = this.present.get(change.personId);
      if (present !== undefined) this.track(present, change);
    }
    let writes = 0;
    for (const event of events) {
      const targets: EventConnection[] = [];
      if (event.space_id !== null) {
        for (const present of this.bySpace.get(event.space_id) ?? []) {
          const starts = present.spaces.get(event.space_id);
          if (starts === undefined) continue;
          for (const [from, to] of starts) {
            if (from <= event.id && (to === null || event.id < to)) {
              for (const conn of present.conns) targets.push(conn);
              break;
            }
          }
        }
      } else {
        for (const personId of recipients.get(event.id) ?? []) {
          const present = this.present.get(personId);
          if (present !== undefined) for (const conn of present.conns) targets.push(conn);
        }
      }
      if (targets.length > 0) {
        const frame = frameBytes(event);
        for (const conn of targets) {
          conn.offer(event.id, event.device_id, frame);
          if (++writes >= SEND_SLICE) {
            writes = 0;
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
      }
      if (this.position === undefined) return;
      this.position = event.id + 1;
    }
    if (this.position === undefined) return;
    this.position = end;
    for (const change of changes) {
      const present = this.present.get(change.personId);
      if (present !== undefined && change.to !== null) this.untrackEnded(present, change.spaceId, end);
    }
  }

  /**
   * Closes this instance's connections of a person (all, or those of one session, or all but one
   * session). Other instances notice at their next session check (each heartbeat).
   */
  closeSessions(personId: string, filter: { only?: string; except?: string } = {}): void {
    for (const conn of [...(this.byPerson.get(personId) ?? [])]) {
      if (filter.only !== undefined && conn.sessionId !== filter.only) continue;
      if (filter.except !== undefined && conn.sessionId === filter.except) continue;
      conn.end('session ended');
    }
  }

  isOnline(personId: string): { status: 'active' | 'inactive'; lastActive?: number } {
    if (this.byPerson.has(personId)) return { status: 'active', lastActive: this.now() };
    const record = this.presence.get(personId);
    if (record === undefined) return { status: 'inactive' };
    const cutoff = this.now() - 3 * PRESENCE_ANNOUNCE_MS;
    for (const [instance, seen] of record.instances) if (seen < cutoff) record.instances.delete(instance);
    return record.instances.size > 0 ? { status: 'active', lastActive: this.now() } : { status: 'inactive', lastActive: record.lastActive };
  }

  async typing(personIds: string[], payload: { roomId: string; personId: string; isTyping: boolean }): Promise<void> {
    await this.bus.publish({ kind: 'typing', personIds, payload, origin: this.instanceId });
  }

  /** A whiteboard update (whiteboards/): to these members' connections that watch the board, on every instance. */
  async whiteboardUpdate(personIds: string[], payload: { roomId: string; update: WhiteboardUpdate }): Promise<void> {
    await this.bus.publish({ kind: 'whiteboard', personIds, payload, origin: this.instanceId });
  }

  /** A person's status changed (issue 16): those watching them, and their own other tabs, hear it live on every instance. */
  async announceStatus(personId: string, availability: Availability | undefined): Promise<void> {
    try {
      await this.bus.publish({ kind: 'presence', personIds: [personId], payload: { statusChange: true, ...(availability !== undefined ? { availability } : {}) }, origin: this.instanceId });
    } catch (error) {
      this.log.warn({ err: error }, 'status signal not published');
    }
  }

  private async signalPresence(personId: string, status: 'active' | 'inactive'): Promise<void> {
    try {
      await this.bus.publish({ kind: 'presence', personIds: [personId], payload: { status }, origin: this.instanceId });
    } catch (error) {
      this.log.warn({ err: error }, 'presence signal not published');
    }
  }

  private async announce(): Promise<void> {
    const online = [...this.byPerson.keys()];
    if (online.length === 0) return;
    try {
      await this.bus.publish({ kind: 'presence', personIds: online, payload: { status: 'active', announce: true }, origin: this.instanceId });
    } catch (error) {
      this.log.warn({ err: error }, 'presence announcement not published');
    }
  }

  private onMessage(message: BusMessage): void {
    if (message.kind === 'event') {
      this.wanted = Math.max(this.wanted, message.upTo);
      if (this.position !== undefined) this.pump();
      return;
    }
    if (message.kind === 'whiteboard') {
      const payload = message.payload as { roomId: string; update: WhiteboardUpdate };
      const frame = JSON.stringify({ type: 'whiteboard.update', ...payload });
      for (const personId of message.personIds) for (const conn of this.byPerson.get(personId) ?? []) if (conn.watchedBoards.has(payload.update.boardId)) conn.sendRaw(frame);
      return;
    }
    if (message.kind === 'typing') {
      const frame = JSON.stringify({ type: 'typing', ...message.payload });
      for (const personId of message.personIds) for (const conn of this.byPerson.get(personId) ?? []) conn.sendRaw(frame);
      return;
    }
    if (message.payload['statusChange'] === true) {
      const availability = message.payload['availability'] as Availability | undefined;
      for (const personId of message.personIds) {
        const online = this.isOnline(personId);
        const presence = { personId, status: online.status, ...(online.lastActive !== undefined ? { lastActive: new Date(online.lastActive).toISOString() } : {}), ...(availability !== undefined ? { availability } : {}), statusChange: true };
        const frame = JSON.stringify({ type: 'presence', presence });
        for (const set of this.byPerson.values()) for (const conn of set) if (conn.presenceSubscriptions.has(personId) || conn.personId === personId) conn.sendRaw(frame);
      }
      return;
    }
    const status = message.payload['status'] as 'active' | 'inactive';
    const t = this.now();
    for (const personId of message.personIds) {
      let record = this.presence.get(personId);
      if (record === undefined) {
        record = { instances: new Map(), lastActive: t };
        this.presence.set(personId, record);
      }
      const wasOnline = record.instances.size > 0;
      if (status === 'active') record.instances.set(message.origin, t);
      else record.instances.delete(message.origin);
      record.lastActive = t;
      const isOnline = record.instances.size > 0;
      if (message.payload['announce'] === true || wasOnline === isOnline) continue;
      const frame = JSON.stringify({ type: 'presence', presence: { personId, status: isOnline ? 'active' : 'inactive', lastActive: new Date(t).toISOString() } });
      for (const set of this.byPerson.values()) for (const conn of set) if (conn.presenceSubscriptions.has(personId)) conn.sendRaw(frame);
    }
  }

  close(): void {
    this.closing = true;
    clearInterval(this.announcer);
    clearTimeout(this.retryTimer);
  }
}
