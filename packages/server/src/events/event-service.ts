/**
 * How domain code emits events: it runs its writes in `transact`, queues events with `emit`, and
 * the events are appended at the end of the same transaction (so an event exists exactly when its
 * change does) and published to the bus after the commit.
 *
 * Group commit: concurrent `transact` calls share one database transaction, so one commit — one
 * fsync with `FLINT_DB_SYNC=full` (SQLite `synchronous = FULL`, PostgreSQL's default) — serves them
 * all. Calls that arrive while a batch is running (or within the same turn of the event loop) form
 * the next batch; each call's work runs in its own SAVEPOINT, so a call that throws rolls back alone
 * and gets its error, while the others go on. Every call resolves only after the shared commit, so
 * a request is still acknowledged only once its change is durable. The batch's events are appended
 * once, at its end, in call order (positions stay one contiguous range per transaction, which the
 * PostgreSQL positions need). A call made from inside a batch's work (a nested transact) runs on its
 * own, as before.
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { sql, type Kysely } from 'kysely';
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

export interface GroupCommitOptions {
  /** Most calls in one transaction; 1 turns group commit off. */
  maxBatch: number;
  /** How long a batch waits for company before it starts; 0: only what arrived meanwhile. */
  windowMs: number;
  /** Batches running at once: 1 on SQLite (one writer); a few on PostgreSQL (a pool of connections). */
  concurrency: number;
}

interface Job {
  fn: (trx: Kysely<Database>, emit: Emit) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  pending: Pending[];
  afterCommit: (() => void)[];
  result?: unknown;
}

/** Set while a batch runs a call's work: a transact from there is nested and runs on its own. */
const inBatch = new AsyncLocalStorage<true>();

export class EventService {
  constructor(
    readonly db: Kysely<Database>,
    readonly positions: StreamPositions,
    readonly bus: EventBus,
    readonly hub: EventHub,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly group: GroupCommitOptions = { maxBatch: 64, windowMs: 0, concurrency: positions.engine === 'sqlite' ? 1 : 4 },
  ) {}

  private readonly hooks: TransactHook[] = [];
  private readonly queue: Job[] = [];
  private running = 0;
  private scheduled = false;

  /** Calls that committed, and the commits (transactions) that carried them. */
  readonly stats = { calls: 0, commits: 0, largestBatch: 0 };
  /** Called after each shared commit, before its calls are answered, with how many it carried (tests). */
  onCommit: ((calls: number) => void) | undefined;

  addHook(hook: TransactHook): void {
    this.hooks.push(hook);
  }

  transact<T>(fn: (trx: Kysely<Database>, emit: Emit) => Promise<T>): Promise<T> {
    if (this.group.maxBatch <= 1 || inBatch.getStore() === true) return this.runBatchOf(fn);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject, pending: [], afterCommit: [] });
      this.kick();
    });
  }

  /** One call in a transaction of its own (group commit off, or nested). */
  private runBatchOf<T>(fn: (trx: Kysely<Database>, emit: Emit) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      void this.runBatch([{ fn, resolve: resolve as (value: unknown) => void, reject, pending: [], afterCommit: [] }]);
    });
  }

  /** Starts the next batch when a slot is free: after the window, or once this turn's I/O is read. */
  private kick(): void {
    if (this.scheduled || this.running >= this.group.concurrency || this.queue.length === 0) return;
    this.scheduled = true;
    const start = () => {
      this.scheduled = false;
      if (this.running >= this.group.concurrency || this.queue.length === 0) return;
      const batch = this.queue.splice(0, this.group.maxBatch);
      this.running++;
      void this.runBatch(batch).finally(() => {
        this.running--;
        this.kick();
      });
      this.kick();
    };
    if (this.group.windowMs > 0) setTimeout(start, this.group.windowMs);
    else setImmediate(start);
  }

  private async runCall(trx: Kysely<Database>, job: Job): Promise<void> {
    job.result = await inBatch.run(true, () => job.fn(trx, (item) => job.pending.push(item)));
    const events = job.pending.filter(isEvent);
    if (events.length > 0) {
      for (const hook of this.hooks) {
        const after = await hook(trx, events, job.pending);
        if (after !== undefined) job.afterCommit.push(after);
      }
    }
  }

  private async runBatch(batch: Job[]): Promise<void> {
    const committed: Job[] = [];
    const answered = new Set<Job>();
    let upTo: number | undefined;
    try {
      upTo = await this.db.transaction().execute(async (trx) => {
        if (batch.length === 1) {
          // Alone: no savepoint; its error rolls the transaction back, as without group commit.
          await this.runCall(trx, batch[0]!);
          committed.push(batch[0]!);
        } else {
          for (const [i, job] of batch.entries()) {
            const name = sql.raw(`flint_call_${i}`);
            await sql`savepoint ${name}`.execute(trx);
            try {
              await this.runCall(trx, job);
              await sql`release savepoint ${name}`.execute(trx);
              committed.push(job);
            } catch (error) {
              // Its writes are undone; nothing of it will commit, so it may be answered now.
              await sql`rollback to savepoint ${name}`.execute(trx);
              await sql`release savepoint ${name}`.execute(trx);
              answered.add(job);
              job.reject(error);
            }
          }
        }
        return appendEvents(
          trx,
          this.positions,
          committed.flatMap((job) => job.pending),
          this.now(),
        );
      });
    } catch (error) {
      // Nothing committed: every call not yet answered gets the error (alone: its own error).
      for (const job of batch) if (!answered.has(job)) job.reject(error);
      return;
    }
    this.stats.calls += committed.length;
    this.stats.commits++;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, committed.length);
    this.onCommit?.(committed.length);
    for (const job of committed) for (const after of job.afterCommit) after();
    if (upTo !== undefined) {
      // The events are durable already; a failed publish only delays delivery until the next
      // nudge, or a reconnect makes the device catch up from the database.
      await this.bus.publish({ kind: 'event', upTo }).catch((error: unknown) => this.log.warn({ err: error }, 'event nudge not published'));
    }
    for (const job of committed) job.resolve(job.result);
  }
}
