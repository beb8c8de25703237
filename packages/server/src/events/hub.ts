/**
 * The connections of this instance, and delivery to them of what the bus carries: stored events
 * (through each connection's ordering rule), typing signals, and presence.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../infra/logger.ts';
import type { BusMessage, EventBus } from './event-bus.ts';
import { BatchFrame, type EventConnection } from './connection.ts';

/** Instances announce who is connected to them this often; an instance silent for 3 periods is presumed gone. */
const PRESENCE_ANNOUNCE_MS = 15_000;

interface PresenceRecord {
  instances: Map<string, number>;
  lastActive: number;
}

export class EventHub {
  readonly instanceId = randomUUID();
  private readonly byPerson = new Map<string, Set<EventConnection>>();
  private readonly presence = new Map<string, PresenceRecord>();
  private readonly announcer: NodeJS.Timeout;

  constructor(
    private readonly bus: EventBus,
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

  add(conn: EventConnection): void {
    let set = this.byPerson.get(conn.personId);
    if (set === undefined) {
      set = new Set();
      this.byPerson.set(conn.personId, set);
    }
    set.add(conn);
    if (set.size === 1) void this.signalPresence(conn.personId, 'active');
  }

  remove(conn: EventConnection): void {
    conn.closed = true;
    const set = this.byPerson.get(conn.personId);
    if (set === undefined) return;
    set.delete(conn);
    if (set.size === 0) {
      this.byPerson.delete(conn.personId);
      void this.signalPresence(conn.personId, 'inactive');
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
      const frame = new BatchFrame(message);
      for (const [personId, eventId, prevId] of message.recipients) {
        const set = this.byPerson.get(personId);
        if (set === undefined) continue;
        for (const conn of set) conn.offer(message, frame, eventId, prevId);
      }
      return;
    }
    if (message.kind === 'typing') {
      const frame = JSON.stringify({ type: 'typing', ...message.payload });
      for (const personId of message.personIds) for (const conn of this.byPerson.get(personId) ?? []) conn.sendRaw(frame);
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
    clearInterval(this.announcer);
  }
}
