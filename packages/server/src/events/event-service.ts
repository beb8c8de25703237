/**
 * How domain code emits events: it runs its writes in `transact`, queues events with `emit`, and
 * the events are appended at the end of the same transaction (so an event exists exactly when its
 * change does) and published to the bus after the commit.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../infra/logger.ts';
import type { EventBus } from './event-bus.ts';
import { appendEvents, isEvent, type Pending, type PendingEvent } from './event-log.ts';
import type { EventHub } from './hub.ts';
import type { StreamPositions } from './positions.ts';

/** Queues an event, or a change of who is in a space's stream, at this point of the transaction. */
export type Emit = (item: Pending) => void;

/**
 * Runs inside every transaction that emitted events, after the domain function and before the
 * events are appended, so its writes (e.g. webhook delivery jobs) commit or roll back with the
 * change. It may answer work to do after the commit.
 */
export type TransactHook = (trx: Kysely<Database>, events: readonly PendingEvent[], items: readonly Pending[]) => Promise<(() => void) | undefined>;

export class EventService {
  constructor(
    readonly db: Kysely<Database>,
    readonly positions: StreamPositions,
    readonly bus: EventBus,
    readonly hub: EventHub,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  private readonly hooks: TransactHook[] = [];

  addHook(hook: TransactHook): void {
    this.hooks.push(hook);
  }

  async transact<T>(fn: (trx: Kysely<Database>, emit: Emit) => Promise<T>): Promise<T> {
    const pending: Pending[] = [];
    const afterCommit: (() => void)[] = [];
    const { result, upTo } = await this.db.transaction().execute(async (trx) => {
      const value = await fn(trx, (item) => pending.push(item));
      const events = pending.filter(isEvent);
      if (events.length > 0) {
        for (const hook of this.hooks) {
          const after = await hook(trx, events, pending);
          if (after !== undefined) afterCommit.push(after);
        }
      }
      return { result: value, upTo: await appendEvents(trx, this.positions, pending, this.now()) };
    });
    for (const after of afterCommit) after();
    if (upTo !== undefined) {
      // The events are durable already; a failed publish only delays delivery until the next
      // nudge, or a reconnect makes the device catch up from the database.
      await this.bus.publish({ kind: 'event', upTo }).catch((error: unknown) => this.log.warn({ err: error }, 'event nudge not published'));
    }
    return result;
  }
}
