/**
 * The ring timeout as a durable job (DESIGN §5): enqueued with the leg that rings, due when it
 * should stop ringing, so it still fires after a restart of the core (or on another instance).
 * @module
 */
import type { Core } from '../core.ts';
import { PermanentJobError, type JobHandler } from '../jobs/job-runner.ts';
import { ringTimedOut } from './calls.ts';

export function ringTimeoutHandler(core: Core): JobHandler {
  return {
    backoff: { baseMs: 1_000, maxMs: 30_000 },
    async run(job) {
      const payload = job.payload as { callId?: unknown; leg?: unknown };
      if (typeof payload.callId !== 'string' || typeof payload.leg !== 'number') throw new PermanentJobError('bad ring-timeout payload');
      await ringTimedOut(core, payload.callId, payload.leg);
    },
  };
}
