/**
 * Stream positions: the ids of events, global and growing, and the *horizon* — a position below
 * which every event that will ever exist has committed. Readers never look at or past the horizon,
 * so they never step over an event still in flight (the "gap" problem of sequence-numbered logs)
 * and a device that has seen everything below N has seen everything below N forever.
 *
 * PostgreSQL, with no lock at all: a transaction's events take positions
 * `base + xid × STRIDE + k` (its own transaction id, the k-th event of the transaction). Transaction
 * ids are handed out in increasing order, and the snapshot's xmin is the oldest transaction still
 * running, so every transaction below xmin has finished: the horizon is `base + xmin × STRIDE`.
 * Concurrent writers never wait for each other; a reader waits only for transactions older than
 * the event it wants (a long-running writing transaction anywhere in the cluster delays delivery
 * until it ends, and loses nothing).
 *
 * SQLite has one writer at a time: a counter row bumped inside the writing transaction hands out
 * positions in commit order, and the horizon is the counter.
 * @module
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Positions per PostgreSQL transaction: at most STRIDE − 1 events (and membership changes after them) in one. */
export const STRIDE = 65_536;

export class StreamPositions {
  /** PostgreSQL's base: set by the migration, never changed after. */
  private base: number | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    readonly engine: 'sqlite' | 'postgres',
  ) {}

  private async baseOf(): Promise<number> {
    if (this.base === undefined) {
      const row = await this.db.selectFrom('event_stream').select('base').where('id', '=', 1).executeTakeFirstOrThrow();
      this.base = Number(row.base);
    }
    return this.base;
  }

  /**
   * The first of `count + 1` positions for a transaction's events (`count` of them) and the
   * membership bounds between and after them; call inside the writing transaction.
   */
  async reserve(trx: Kysely<Database>, count: number): Promise<number> {
    if (count >= STRIDE) throw new Error(`one transaction may append at most ${STRIDE - 1} events`);
    if (this.engine === 'postgres') {
      const base = await this.baseOf();
      const { rows } = await sql<{ xid: string }>`select pg_current_xact_id()::text as xid`.execute(trx);
      return base + Number(rows[0]!.xid) * STRIDE;
    }
    const row = await trx
      .updateTable('event_stream')
      .set((eb) => ({ next_pos: eb('next_pos', '+', count + 1) }))
      .where('id', '=', 1)
      .returning('next_pos')
      .executeTakeFirstOrThrow();
    return Number(row.next_pos) - (count + 1);
  }

  /** Every event below this position has committed (or never will exist); read outside a transaction. */
  async horizon(): Promise<number> {
    if (this.engine === 'postgres') {
      const base = await this.baseOf();
      const { rows } = await sql<{ xmin: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`.execute(this.db);
      return base + Number(rows[0]!.xmin) * STRIDE;
    }
    const row = await this.db.selectFrom('event_stream').select('next_pos').where('id', '=', 1).executeTakeFirstOrThrow();
    return Number(row.next_pos);
  }
}
