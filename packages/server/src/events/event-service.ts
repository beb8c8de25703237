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
import { appendEvents, type PendingEvent } from './event-log.ts';
import type { EventHub } from './hub.ts';

export type Emit = (event: PendingEvent) => void;

/**
 * Runs inside every transaction that emitted events, after the domain function and before the
 * events are appended, so its writes (e.g. webhook delivery jobs) commit or roll back with the
 * change. It may answer work to do after the commit.
 */
export type TransactHook = (trx: Kysely<Database>, events: readonly PendingEvent[]) => Promise<(() => void) | undefined>;

export class EventService {
  constructor(
    readonly db: Kysely<Database>,
    readonly engine: 'sqlite' | 'postgres',
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
    const pending: PendingEvent[] = [];
    const afterCommit: (() => void)[] = [];
    const { result, batches } = await this.db.transaction().execute(async (trx) => {
      const value = await fn(trx, (event) => pending.push(event));
      if (pending.length > 0) {
        for (const hook of this.hooks) {
          const after = await hook(trx, pending);
          if (after !== undefined) afterCommit.push(after);
        }
      }
      const appended = await appendEvents(trx, this.engine, pending, this.now());
      return { result: value, batches: appended };
    });
    for (const after of afterCommit) after();
    for (const batch of batches) {
      // The events are durable already; a failed publish only delays delivery until the next
      // event or reconnect makes the device catch up from the database.
      await this.bus.publish(batch).catch((error: unknown) => this.log.warn({ err: error, type: batch.type }, 'event batch not published'));
    }
    return result;
  }
}
