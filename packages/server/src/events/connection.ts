/**
 * One device's event-stream connection. The database is the source of truth. On connecting, the
 * device reads its stream from the database up to the horizon (positions.ts) until it has caught
 * up with its instance's hub; from then on the hub hands it each of its events in position order,
 * as one frame encoded once for every recipient. An event the hub offers while the device is still
 * reading from the database only makes it read once more, so nothing is skipped or sent twice.
 * @module
 */
import type { WebSocket } from 'ws';
import { MESSAGING_LIMITS } from '@flint/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { readStream, type StoredEventRow } from './event-log.ts';
import type { StreamPositions } from './positions.ts';

/** A device that has this much unsent data is too slow: close it; it will resume from its last id. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export class EventConnection {
  /** Every event of this person below this position has been given to this device (or skipped as another device's). */
  seen: number;
  private catchingUp = true;
  private started = false;
  private pending = false;
  closed = false;
  readonly presenceSubscriptions = new Set<string>();
  /** The whiteboards whose live updates this device wants (whiteboards/; delivered to members only). */
  watchedBoards = new Set<string>();

  constructor(
    readonly id: string,
    readonly personId: string,
    readonly sessionId: string,
    readonly deviceId: string | null,
    private readonly socket: WebSocket,
    private readonly db: Kysely<Database>,
    private readonly positions: StreamPositions,
    /** The last event id the device holds. */
    startAfter: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.seen = startAfter + 1;
  }

  /** Caught up: the hub's events go straight to the socket. */
  get live(): boolean {
    return this.started && !this.catchingUp;
  }

  /** Replays what the device missed; events the hub offers meanwhile are folded in after. */
  start(): void {
    this.started = true;
    this.catchingUp = false;
    this.catchUp();
  }

  /** The hub's next event for this person, in position order. */
  offer(eventId: number, deviceId: string | null, frame: Buffer): void {
    if (this.closed || eventId < this.seen) return;
    if (this.catchingUp || !this.started) {
      this.pending = true;
      return;
    }
    this.seen = eventId + 1;
    if (deviceId === null || deviceId === this.deviceId) this.send(frame);
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
    this.pending = false;
    const horizon = await this.positions.horizon();
    while (this.seen < horizon && !this.closed) {
      const page = await readStream(this.db, this.personId, this.seen, horizon, MESSAGING_LIMITS.replayBatch);
      for (const row of page.rows) {
        if (this.closed) return;
        if (row.id < this.seen) continue;
        if (row.device_id === null || row.device_id === this.deviceId) this.send(frameOfRow(row));
      }
      this.seen = Math.max(this.seen, page.complete);
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

/** A stored event as the UTF-8 bytes of its frame, encoded once for all the devices it goes to. */
export function frameBytes(row: StoredEventRow): Buffer {
  return Buffer.from(frameOfRow(row), 'utf8');
}
