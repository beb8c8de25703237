/**
 * Group commit of the audit log (issue 15, the KMS hot path). A key access is answered only once
 * its audit record is committed (DESIGN §2 invariant 4); committing one record per request cost
 * most of a key retrieval (one SQLite transaction, ~160 µs, against ~25 µs for a read). So the
 * records of requests that arrive together are committed together: every `append` joins the next
 * batch, a batch is written in one transaction, and each `append` resolves only after the commit
 * that holds its records — a crash before that commit loses the batch's records, but none of its
 * answers has gone out. A failed batch is retried record set by record set, so one bad request
 * fails alone and the others are still answered.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Insertable } from 'kysely';
import type { KmsAuditTable, KmsDatabase } from './storage/schema.ts';

export type AuditRow = Insertable<KmsAuditTable>;

/** Writes rows in one transaction (all or none). */
export type AuditRowWriter = (rows: readonly AuditRow[]) => Promise<void>;

/**
 * Rows per INSERT statement: 13 columns each, under SQLite's 32,766 and PostgreSQL's 65,535 bound
 * parameters, and a batch larger than this is several statements in one transaction.
 */
const ROWS_PER_STATEMENT = 200;

/** The real writer: a multi-row INSERT (one statement, so atomic on its own), or a transaction of several. */
export function auditRowWriter(db: Kysely<KmsDatabase>): AuditRowWriter {
  return async (rows) => {
    if (rows.length === 0) return;
    if (rows.length <= ROWS_PER_STATEMENT) {
      await db.insertInto('kms_audit').values(rows).execute();
      return;
    }
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) await trx.insertInto('kms_audit').values(rows.slice(i, i + ROWS_PER_STATEMENT)).execute();
    });
  };
}

interface Pending {
  rows: readonly AuditRow[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class AuditCommitter {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  /** How many transactions were committed (tests: batching happened). */
  commits = 0;

  constructor(private readonly write: AuditRowWriter) {}

  /** Resolves once `rows` are committed; rejects if they could not be. */
  append(rows: readonly AuditRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      // The first append of a batch waits one turn of the event loop (setImmediate: after the I/O
      // callbacks of this turn), so requests read from the sockets in the same turn share the commit.
      this.running ??= new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
    });
  }

  /** Waits for every append made so far (before closing the database). */
  async flush(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      // While one batch commits (PostgreSQL: a round trip), the next one gathers.
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        await this.commit(batch);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    try {
      await this.write(batch.flatMap((p) => p.rows));
      this.commits++;
      for (const p of batch) p.resolve();
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
    }
    // Nothing of the batch was committed (one transaction): each request's records alone.
    for (const p of batch) {
      try {
        await this.write(p.rows);
        this.commits++;
        p.resolve();
      } catch (error) {
        p.reject(error);
      }
    }
  }
}
