/**
 * The durable job queue's storage (DESIGN §5: background work as durable jobs in the database, so a
 * crash loses none). Jobs are rows; everything here is one statement, so it works the same inside a
 * caller's transaction (enqueue with the change that causes the job) and outside one.
 *
 * A job is claimable while its status is `pending` or `running` and its `run_at` has passed. A claim
 * moves `run_at` to the end of the claim's lease: a job whose worker died (kill -9, a lost machine)
 * becomes claimable again when the lease runs out, and a worker that is alive finishes long before.
 * On PostgreSQL, instances claim with `FOR UPDATE SKIP LOCKED`, so two never take the same job at once
 * and neither waits for the other; on SQLite the single writer serializes claims.
 *
 * Every settlement (finish, retry, fail, release) names the claim (`locked_by`): a worker that lost
 * its lease and comes back late changes nothing, because the job is no longer locked by it.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database, JobRow } from '../db/schema.ts';
import { newId } from '../infra/ids.ts';

export interface NewJob {
  queue: string;
  /** JSON-serializable; must hold no secrets or content (it is stored in clear). */
  payload: unknown;
  maxAttempts: number;
  /** Not before this time (epoch ms); now when absent. */
  runAt?: number;
}

export interface ClaimedJob {
  id: string;
  queue: string;
  payload: unknown;
  /** Counting this claim. */
  attempts: number;
  maxAttempts: number;
  /** The claim's token; settlements must present it. */
  lockedBy: string;
  createdAt: number;
}

/** Longest error text kept on a job (the rest is cut). */
const ERROR_CHARS = 500;

/** Inserts jobs; call it with the transaction of the change that causes them. */
export async function enqueueJobs(db: Kysely<Database>, jobs: readonly NewJob[], now: number): Promise<string[]> {
  if (jobs.length === 0) return [];
  const rows = jobs.map((job) => ({
    id: newId(),
    queue: job.queue,
    payload: JSON.stringify(job.payload),
    status: 'pending' as const,
    attempts: 0,
    max_attempts: job.maxAttempts,
    run_at: job.runAt ?? now,
    locked_by: null,
    last_error: null,
    created_at: now,
    updated_at: now,
  }));
  // Bounded statements: SQLite caps bound parameters per statement.
  for (let i = 0; i < rows.length; i += 200) await db.insertInto('jobs').values(rows.slice(i, i + 200)).execute();
  return rows.map((r) => r.id);
}

/**
 * Claims up to `limit` due jobs of the given queues for `leaseMs`, oldest due first, and counts an
 * attempt on each. Answers the jobs claimed (possibly none).
 */
export async function claimJobs(
  db: Kysely<Database>,
  engine: 'sqlite' | 'postgres',
  queues: readonly string[],
  options: { limit: number; leaseMs: number; lockedBy: string; now: number },
): Promise<ClaimedJob[]> {
  if (queues.length === 0 || options.limit <= 0) return [];
  const { now } = options;
  const rows = await db
    .updateTable('jobs')
    .set((eb) => ({ status: 'running', run_at: now + options.leaseMs, locked_by: options.lockedBy, attempts: eb('attempts', '+', 1), updated_at: now }))
    // The outer conditions repeat the inner ones: PostgreSQL re-checks them on a row another
    // transaction changed meanwhile, so a job settled or re-claimed in between is left alone.
    .where('status', 'in', ['pending', 'running'])
    .where('run_at', '<=', now)
    .where('id', 'in', (eb) => {
      const due = eb
        .selectFrom('jobs')
        .select('id')
        .where('status', 'in', ['pending', 'running'])
        .where('run_at', '<=', now)
        .where('queue', 'in', [...queues])
        .orderBy('run_at')
        .limit(options.limit);
      return engine === 'postgres' ? due.forUpdate().skipLocked() : due;
    })
    .returningAll()
    .execute();
  return rows.map(toClaimed);
}

function toClaimed(row: JobRow): ClaimedJob {
  return {
    id: row.id,
    queue: row.queue,
    payload: JSON.parse(row.payload) as unknown,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    lockedBy: row.locked_by ?? '',
    createdAt: Number(row.created_at),
  };
}

/** Done: the job is deleted. False when the claim was lost (another worker owns it now). */
export async function finishJob(db: Kysely<Database>, job: Pick<ClaimedJob, 'id' | 'lockedBy'>): Promise<boolean> {
  const result = await db.deleteFrom('jobs').where('id', '=', job.id).where('locked_by', '=', job.lockedBy).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** Failed this attempt: run again at `runAt`. */
export async function retryJob(db: Kysely<Database>, job: Pick<ClaimedJob, 'id' | 'lockedBy'>, runAt: number, error: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'pending', run_at: runAt, locked_by: null, last_error: error.slice(0, ERROR_CHARS), updated_at: now })
    .where('id', '=', job.id)
    .where('locked_by', '=', job.lockedBy)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Failed for good: kept with its last error (for an operator) until pruned, never run again. */
export async function failJob(db: Kysely<Database>, job: Pick<ClaimedJob, 'id' | 'lockedBy'>, error: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'failed', locked_by: null, last_error: error.slice(0, ERROR_CHARS), updated_at: now })
    .where('id', '=', job.id)
    .where('locked_by', '=', job.lockedBy)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Gives a job back untried (this instance is shutting down): due at once, and the claim's attempt
 * is not counted, so another instance (or this one after a restart) takes it over immediately.
 */
export async function releaseJob(db: Kysely<Database>, job: Pick<ClaimedJob, 'id' | 'lockedBy'>, now: number): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set((eb) => ({ status: 'pending', run_at: now, locked_by: null, attempts: eb('attempts', '-', 1), updated_at: now }))
    .where('id', '=', job.id)
    .where('locked_by', '=', job.lockedBy)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes failed jobs last touched before `before`; answers how many. */
export async function pruneFailedJobs(db: Kysely<Database>, before: number): Promise<number> {
  const result = await db.deleteFrom('jobs').where('status', '=', 'failed').where('updated_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
