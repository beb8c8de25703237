/**
 * One device's event-stream connection. The database is the source of truth; a live batch from the
 * bus is only a hint. If the batch's `prevId` for this person equals the last id this device holds,
 * the event is the very next one and is sent at once (the fast path). Otherwise there is a gap — an
 * event published out of order by another instance, or one still being replayed — and the device
 * catches up by reading its stream from the database, which returns everything in id order.
 * @module
 */
import type { WebSocket } from 'ws';
import { MESSAGING_LIMITS } from '@flint/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EventBatch } from './event-bus.ts';
import { readEvents, type StoredEventRow } from './event-log.ts';

/** A device that has this much unsent data is too slow: close it; it will resume from its last id. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export class EventConnection {
  /** The last event id of this person's stream that this device has been given (or skipped). */
  last: number;
  private catchingUp = false;
  private pending = false;
  closed = false;
  readonly presenceSubscriptions = new Set<string>();

  constructor(
    readonly id: string,
    readonly personId: string,
    readonly sessionId: string,
    readonly deviceId: string | null,
    private readonly socket: WebSocket,
    private readonly db: Kysely<Database>,
    startAfter: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.last = startAfter;
  }

  /** Replays what the device missed; live hints that arrive meanwhile are folded in after. */
  start(): void {
    this.catchUp();
  }

  offer(batch: EventBatch, frame: BatchFrame, eventId: number, prevId: number): void {
    if (this.closed || eventId <= this.last) return;
    if (this.catchingUp || prevId !== this.last) {
      this.catchUp();
      return;
    }
    this.last = eventId;
    if (batch.deviceId === null || batch.deviceId === this.deviceId) this.send(frame.withId(eventId));
  }

  sendRaw(frame: string): void {
    this.send(frame);
  }

  /** Ends the connection because its session ended (sign-out, revocation, deactivation). */
  end(reason: string): void {
    this.closed = true;
    this.socket.close(4401, reason);
  }

  private catchUp(): void {
    if (this.catchingUp) {
      this.pending = true;
      return;
    }
    this.catchingUp = true;
    void this.readUntilCurrent().then(
      () => {
        this.catchingUp = false;
        if (this.pending && !this.closed) {
          this.pending = false;
          this.catchUp();
        }
      },
      (error: unknown) => {
        this.catchingUp = false;
        this.onError(error);
      },
    );
  }

  private async readUntilCurrent(): Promise<void> {
    for (;;) {
      this.pending = false;
      const rows = await readEvents(this.db, this.personId, this.last, MESSAGING_LIMITS.replayBatch);
      for (const row of rows) {
        if (this.closed) return;
        this.last = Number(row.id);
        if (row.device_id === null || row.device_id === this.deviceId) this.send(frameOfRow(row));
      }
      if (rows.length < MESSAGING_LIMITS.replayBatch && !this.pending) return;
    }
  }

  /** A text frame: a string, or UTF-8 bytes already encoded (sent as text, not binary). */
  private send(frame: string | Buffer): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.socket.close(4008, 'too slow; resume from your last event id');
      this.closed = true;
      return;
    }
    this.socket.send(frame, { binary: false });
  }
}

/** A stored row as a frame; its data is already JSON, so it is spliced in, not re-encoded. */
export function frameOfRow(row: StoredEventRow): string {
  const actor = row.actor_id === null ? '' : `,"actorId":${JSON.stringify(row.actor_id)}`;
  return `{"type":"event","event":{"id":${Number(row.id)},"type":${JSON.stringify(row.type)}${actor},"created":"${new Date(Number(row.created_at)).toISOString()}","data":${row.data}}}`;
}

/** A batch as a frame with a placeholder id (`"id":0,`), encoded once for all recipients. */
export function frameOfBatch(batch: EventBatch): string {
  const actor = batch.actorId === null ? '' : `,"actorId":${JSON.stringify(batch.actorId)}`;
  return `{"type":"event","event":{"id":0,"type":${JSON.stringify(batch.type)}${actor},"created":"${new Date(batch.created).toISOString()}","data":${JSON.stringify(batch.data)}}}`;
}

/**
 * A batch serialized and UTF-8 encoded once for all its recipients: only the event id differs
 * between them, so each recipient's frame is the shared bytes before the id, the id's digits and
 * the shared bytes after it (one copy, instead of a string rewrite and a UTF-8 encoding per
 * connection).
 */
export class BatchFrame {
  private readonly head: Buffer;
  private readonly tail: Buffer;

  constructor(batch: EventBatch) {
    const text = frameOfBatch(batch);
    const at = text.indexOf('"id":0,') + '"id":'.length;
    this.head = Buffer.from(text.slice(0, at), 'utf8');
    this.tail = Buffer.from(text.slice(at + 1), 'utf8');
  }

  withId(eventId: number): Buffer {
    const id = Buffer.from(String(eventId), 'latin1');
    return Buffer.concat([this.head, id, this.tail], this.head.length + id.length + this.tail.length);
  }
}
