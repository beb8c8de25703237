/**
 * The durable job queue (DESIGN §5; SPEC PL-2 builds webhook deliveries on it), on SQLite or
 * PostgreSQL (FLINT_TEST_DATABASE_URL): transactional enqueue, exclusive claims across instances,
 * back-off, final failure, lease recovery after a dead worker, and a graceful hand-back on close.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase, until } from '@flint/testkit';
import type { DatabaseConfig, OpenedDatabase } from '@flint/db';
import { migrate, openDatabase } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { createLogger } from '../infra/logger.ts';
import { backoffCeiling, retryDelay } from './backoff.ts';
import { claimJobs, enqueueJobs, finishJob, pruneFailedJobs, retryJob } from './job-queue.ts';
import { JobRunner, PermanentJobError } from './job-runner.ts';

function configOf(url: string): DatabaseConfig {
  return url.startsWith('sqlite:') ? { kind: 'sqlite', file: url.slice('sqlite:'.length) } : { kind: 'postgres', url, poolSize: 4 };
}



describe('retry back-off', () => {
  it('PL-2: delays grow strictly until the cap, with jitter inside [ceiling/2, ceiling]', () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffCeiling(n, policy)), [100, 200, 400, 800, 1000, 1000]);
    for (let n = 1; n <= 6; n++) {
      assert.equal(retryDelay(n, policy, () => 0), backoffCeiling(n, policy) / 2);
      assert.equal(retryDelay(n, policy, () => 0.999999), backoffCeiling(n, policy));
    }
    // The smallest delay of one retry is at least the largest of the one before (until the cap).
    for (let n = 1; n < 4; n++) assert.ok(retryDelay(n + 1, policy, () => 0) >= retryDelay(n, policy, () => 0.999999));
  });
});

describe('durable job queue', () => {
  let dir: string;
  let database: TestDatabase;
  let a: OpenedDatabase<Database>;
  let b: OpenedDatabase<Database>;
  const log = createLogger('silent');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-jobs-'));
    database = await createTestDatabase(dir);
    // Two handles on one database: two instances.
    a = openDatabase(configOf(database.url));
    await migrate(a.db);
    b = openDatabase(configOf(database.url));
  });
  after(async () => {
    await a.close();
    await b.close();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const jobsOf = (queue: string) => a.db.selectFrom('jobs').selectAll().where('queue', '=', queue).execute();

  it('PL-2: a job enqueued in a transaction exists exactly when the change commits', async () => {
    await assert.rejects(
      a.db.transaction().execute(async (trx) => {
        await enqueueJobs(trx, [{ queue: 'tx', payload: { n: 1 }, maxAttempts: 3 }], Date.now());
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal((await jobsOf('tx')).length, 0);
    await a.db.transaction().execute((trx) => enqueueJobs(trx, [{ queue: 'tx', payload: { n: 2 }, maxAttempts: 3 }], Date.now()));
    const rows = await jobsOf('tx');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, 'pending');
    assert.deepEqual(JSON.parse(rows[0]!.payload), { n: 2 });
  });

  it('PL-2: instances claiming at the same time never get the same job', async () => {
    const now = Date.now();
    const ids = await enqueueJobs(a.db, Array.from({ length: 60 }, (_, n) => ({ queue: 'race', payload: { n }, maxAttempts: 3 })), now);
    const claimed: string[][] = [[], []];
    await Promise.all(
      [a, b].map(async (handle, i) => {
        for (let round = 0; round < 20; round++) {
          const jobs = await claimJobs(handle.db, handle.engine, ['race'], { limit: 4, leaseMs: 60_000, lockedBy: `w${i}:${round}`, now: Date.now() });
          claimed[i]!.push(...jobs.map((j) => j.id));
        }
      }),
    );
    const all = [...claimed[0]!, ...claimed[1]!];
    assert.equal(new Set(all).size, all.length, 'no job claimed twice');
    assert.deepEqual([...all].sort(), [...ids].sort(), 'every job claimed');
    // A claimed job is not due again while its lease holds.
    assert.deepEqual(await claimJobs(a.db, a.engine, ['race'], { limit: 100, leaseMs: 60_000, lockedBy: 'late', now: Date.now() }), []);
  });

  it('PL-2: a dead worker’s job is taken over when its lease ends, and its late settlement changes nothing', async () => {
    await enqueueJobs(a.db, [{ queue: 'lease', payload: {}, maxAttempts: 5 }], Date.now());
    const [first] = await claimJobs(a.db, a.engine, ['lease'], { limit: 1, leaseMs: 300, lockedBy: 'dead:1', now: Date.now() });
    assert.ok(first);
    assert.equal(first.attempts, 1);
    // Worker "dead" never settles. Nobody else gets the job until the lease ends…
    assert.deepEqual(await claimJobs(b.db, b.engine, ['lease'], { limit: 1, leaseMs: 60_000, lockedBy: 'alive:1', now: Date.now() }), []);
    const second = await until('the lease to end', async () => (await claimJobs(b.db, b.engine, ['lease'], { limit: 1, leaseMs: 60_000, lockedBy: 'alive:2', now: Date.now() }))[0]);
    assert.equal(second.id, first.id);
    assert.equal(second.attempts, 2);
    // …and when the dead worker comes back, it cannot settle what is no longer its own.
    assert.equal(await finishJob(a.db, first), false);
    assert.equal(await retryJob(a.db, first, Date.now(), 'late', Date.now()), false);
    assert.equal(await finishJob(b.db, second), true);
    assert.equal((await jobsOf('lease')).length, 0);
  });

  it('PL-2: the runner retries a failing job with growing delays, then fails it for good', async () => {
    const runner = new JobRunner(a.db, a.engine, log, { pollMs: 25, leaseMs: 10_000, concurrency: 2 }, Date.now);
    const runs: number[] = [];
    const backoff = { baseMs: 60, maxMs: 10_000 };
    runner.register('flaky', {
      backoff,
      run: () => {
        runs.push(Date.now());
        return Promise.reject(new Error('HTTP 500'));
      },
    });
    await enqueueJobs(a.db, [{ queue: 'flaky', payload: {}, maxAttempts: 4 }], Date.now());
    runner.start();
    const failed = await until('the job to fail', async () => (await jobsOf('flaky')).find((j) => j.status === 'failed'));
    await runner.close();
    assert.equal(runs.length, 4);
    assert.equal(failed.attempts, 4);
    assert.equal(failed.last_error, 'HTTP 500');
    // A retry never runs before its delay: each gap is at least the smallest delay of its retry.
    for (let n = 1; n < runs.length; n++) assert.ok(runs[n]! - runs[n - 1]! >= backoffCeiling(n, backoff) / 2, `gap ${n}`);
    // Failed jobs stay for inspection until pruned.
    assert.equal(await pruneFailedJobs(a.db, Date.now() + 1), 1);
    assert.equal((await jobsOf('flaky')).length, 0);
  });

  it('PL-2: the runner finishes jobs (deleting them), and a permanent error fails a job at once', async () => {
    const runner = new JobRunner(a.db, a.engine, log, { pollMs: 25, leaseMs: 10_000, concurrency: 4 }, Date.now);
    const seen: unknown[] = [];
    runner.register('work', {
      backoff: { baseMs: 10, maxMs: 10 },
      run: (job) => {
        seen.push(job.payload);
        return (job.payload as { n: number }).n === 3 ? Promise.reject(new PermanentJobError('bad target')) : Promise.resolve();
      },
    });
    runner.start();
    await enqueueJobs(a.db, [1, 2, 3, 4, 5].map((n) => ({ queue: 'work', payload: { n }, maxAttempts: 5 })), Date.now());
    runner.nudge();
    const left = await until('the jobs to settle', async () => {
      const rows = await jobsOf('work');
      return rows.length === 1 && rows[0]!.status === 'failed' ? rows : undefined;
    });
    await runner.close();
    assert.equal(left[0]!.attempts, 1);
    assert.deepEqual(seen.map((p) => (p as { n: number }).n).sort(), [1, 2, 3, 4, 5]);
    await pruneFailedJobs(a.db, Date.now() + 1);
  });

  it('PL-2: closing gives running jobs back untried, and another instance runs them', async () => {
    const first = new JobRunner(a.db, a.engine, log, { pollMs: 25, leaseMs: 60_000, concurrency: 2 }, Date.now);
    let started = false;
    first.register('slow', {
      backoff: { baseMs: 10, maxMs: 10 },
      run: (_job, signal) =>
        new Promise((_resolve, reject) => {
          started = true;
          signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    });
    first.start();
    await enqueueJobs(a.db, [{ queue: 'slow', payload: {}, maxAttempts: 3 }], Date.now());
    first.nudge();
    await until('the job to start', () => Promise.resolve(started ? true : undefined));
    await first.close();
    const [row] = await jobsOf('slow');
    assert.equal(row?.status, 'pending');
    assert.equal(row.attempts, 0);
    const second = new JobRunner(b.db, b.engine, log, { pollMs: 25, leaseMs: 60_000, concurrency: 2 }, Date.now);
    let ran = 0;
    second.register('slow', { backoff: { baseMs: 10, maxMs: 10 }, run: () => Promise.resolve(void ran++) });
    second.start();
    await until('the other instance to run it', async () => ((await jobsOf('slow')).length === 0 ? true : undefined));
    await second.close();
    assert.equal(ran, 1);
  });
});
