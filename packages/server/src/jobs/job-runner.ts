/**
 * Runs durable jobs on every instance. It polls for due jobs (and at once when this instance has
 * just enqueued some), claims at most as many as it has free slots, runs each job's handler, and
 * settles it: done (deleted), retried later with exponential back-off and jitter, or failed for good
 * after its last attempt. The work is asynchronous I/O on the server's own event loop, bounded by
 * `concurrency`, so it never stands in a request's way; a request only ever inserts job rows.
 *
 * `close()` stops claiming, aborts the handlers in flight and gives their jobs back (due at once,
 * attempt not counted), so a graceful restart loses and delays nothing. After a crash the jobs'
 * leases run out and any instance takes them over: delivery is at least once.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../infra/logger.ts';
import { newId } from '../infra/ids.ts';
import { retryDelay, type Backoff } from './backoff.ts';
import { claimJobs, failJob, finishJob, releaseJob, retryJob, type ClaimedJob } from './job-queue.ts';

export interface JobHandler {
  /**
   * Does the job. Resolving means done; throwing means this attempt failed (retried after a delay,
   * unless it was the last). The error's message is stored and logged: it must hold no secret or content.
   * `signal` aborts when the instance shuts down.
   */
  run(job: ClaimedJob, signal: AbortSignal): Promise<void>;
  backoff: Backoff;
}

/** Thrown by a handler when retrying cannot help: the job fails at once. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

export type JobOutcome = 'done' | 'retry' | 'failed' | 'released';

export interface JobRunnerOptions {
  /** How often to look for due jobs enqueued elsewhere (or retries coming due). */
  pollMs: number;
  /** How long a claim holds a job; a handler must finish well within it. */
  leaseMs: number;
  /** Jobs run at once on this instance. */
  concurrency: number;
  /** Told of every settlement (metrics). */
  observe?: (queue: string, outcome: JobOutcome) => void;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export class JobRunner {
  /** Names this instance's claims (with a counter), for fencing and for logs. */
  readonly instanceId = newId();
  private readonly handlers = new Map<string, JobHandler>();
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  /** The last claim filled every free slot: more jobs may be due. */
  private backlog = false;
  private closing = false;
  private claims = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: 'sqlite' | 'postgres',
    private readonly log: Logger,
    private readonly options: JobRunnerOptions,
    private readonly now: () => number,
  ) {}

  register(queue: string, handler: JobHandler): void {
    this.handlers.set(queue, handler);
  }

  start(): void {
    if (this.timer !== undefined || this.closing) return;
    this.timer = setInterval(() => this.nudge(), this.options.pollMs);
    this.timer.unref();
    this.nudge();
  }

  /** Look for due jobs now (coalesced): call it after committing jobs this instance enqueued. */
  nudge(): void {
    if (this.closing || this.timer === undefined) return;
    if (this.polling !== undefined) {
      this.pollAgain = true;
      return;
    }
    this.polling = this.poll()
      .catch((error: unknown) => this.log.warn({ err: error }, 'job poll failed'))
      .finally(() => {
        this.polling = undefined;
        if (this.pollAgain) {
          this.pollAgain = false;
          this.nudge();
        }
      });
  }

  /** Jobs this instance is running now. */
  get busy(): number {
    return this.running.size;
  }

  private async poll(): Promise<void> {
    const free = this.options.concurrency - this.running.size;
    if (free <= 0) return;
    const lockedBy = `${this.instanceId}:${++this.claims}`;
    const jobs = await claimJobs(this.db, this.engine, [...this.handlers.keys()], { limit: free, leaseMs: this.options.leaseMs, lockedBy, now: this.now() });
    if (this.closing) {
      await Promise.allSettled(jobs.map((job) => releaseJob(this.db, job, this.now())));
      return;
    }
    this.backlog = jobs.length === free;
    for (const job of jobs) this.launch(job);
    if (this.backlog) this.pollAgain = true;
  }

  private launch(job: ClaimedJob): void {
    const controller = new AbortController();
    const done = this.execute(job, controller.signal).finally(() => {
      this.running.delete(job.id);
      if (this.backlog) this.nudge();
    });
    this.running.set(job.id, { controller, done });
  }

  private async execute(job: ClaimedJob, signal: AbortSignal): Promise<void> {
    const handler = this.handlers.get(job.queue);
    let failure: unknown;
    let ok = false;
    if (handler === undefined) {
      failure = new PermanentJobError(`no handler for queue ${job.queue}`);
    } else if (job.attempts > job.maxAttempts) {
      // Claimed more often than allowed: its workers died during every attempt (a poison job).
      failure = new PermanentJobError('attempts exhausted: the worker stopped during each');
    } else {
      try {
        await handler.run(job, signal);
        ok = true;
      } catch (error) {
        failure = error;
      }
    }
    try {
      const now = this.now();
      let outcome: JobOutcome;
      if (ok) {
        await finishJob(this.db, job);
        outcome = 'done';
      } else if (signal.aborted && this.closing) {
        await releaseJob(this.db, job, now);
        outcome = 'released';
      } else {
        const message = failure instanceof Error ? failure.message : String(failure);
        const final = failure instanceof PermanentJobError || job.attempts >= job.maxAttempts || handler === undefined;
        if (final) {
          await failJob(this.db, job, message, now);
          this.log.warn({ jobId: job.id, queue: job.queue, attempts: job.attempts, error: message }, 'job failed for good');
          outcome = 'failed';
        } else {
          await retryJob(this.db, job, now + retryDelay(job.attempts, handler.backoff), message, now);
          outcome = 'retry';
        }
      }
      this.options.observe?.(job.queue, outcome);
    } catch (error) {
      // The lease runs out and the job is claimed again: at least once, never lost.
      this.log.warn({ err: error, jobId: job.id, queue: job.queue }, 'job not settled; it runs again when its lease ends');
    }
  }

  /** Stops claiming, aborts the handlers in flight and gives their jobs back. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    await this.polling;
    for (const r of this.running.values()) r.controller.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }
}
