/**
 * Retention as a durable job (DESIGN §5): the hourly timer of every instance enqueues the sweep
 * under one fixed job id, so however many instances ask, at most one sweep job is waiting; the job
 * runner claims it with a lease, and if its instance dies the lease runs out and another instance
 * runs it again (the sweep is idempotent). A run does a bounded share of the work (well inside the
 * lease) and, when more is left, enqueues its continuation before it finishes.
 * @module
 */
import type { Core } from '../core.ts';
import { enqueueJobs } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/job-runner.ts';
import { runRetention } from './sweep.ts';

export const RETENTION_QUEUE = 'retention.sweep';
/** The one waiting sweep's id: enqueueing it again while it waits does nothing. */
export const RETENTION_JOB_ID = '00000000-0000-7000-8000-00000000ce40';
/** Batches per run: 20 × 500 rows, seconds of work, far inside the job lease. */
const BATCHES_PER_RUN = 20;
const ATTEMPTS = 5;

/** Enqueues the sweep unless one is waiting or running already. */
export async function scheduleRetention(core: Core): Promise<void> {
  const now = core.now();
  await core.db
    .insertInto('jobs')
    .values({
      id: RETENTION_JOB_ID,
      queue: RETENTION_QUEUE,
      payload: '{}',
      status: 'pending',
      attempts: 0,
      max_attempts: ATTEMPTS,
      run_at: now,
      locked_by: null,
      last_error: null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  core.jobs.nudge();
}

export function retentionJobHandler(core: Core): JobHandler {
  return {
    backoff: { baseMs: 60_000, maxMs: 3_600_000 },
    async run(_job, signal) {
      const result = await runRetention(core, { now: core.now(), maxBatches: BATCHES_PER_RUN, signal });
      if (result.messages + result.voicemails + result.files + result.events > 0) core.log.info({ ...result }, 'retention sweep');
      // The rest in a fresh job (this one's row is deleted when it settles as done).
      if (!result.done) {
        await enqueueJobs(core.db, [{ queue: RETENTION_QUEUE, payload: {}, maxAttempts: ATTEMPTS }], core.now());
        core.jobs.nudge();
      }
    },
  };
}
