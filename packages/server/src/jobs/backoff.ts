/**
 * Retry delays: exponential back-off with "equal jitter". The delay before retry n lies between half
 * and all of min(max, base·2^(n-1)), so delays still grow strictly until the cap (the lower bound of
 * one retry is the upper bound of the one before) while instances that failed together do not retry
 * in lockstep against a receiver that is coming back up.
 * @module
 */

export interface Backoff {
  /** The ceiling of the first retry's delay. */
  baseMs: number;
  /** No delay exceeds this. */
  maxMs: number;
}

/** The ceiling of the delay before retry `attempt` (1 for the first retry). */
export function backoffCeiling(attempt: number, backoff: Backoff): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
}

/** The delay before retry `attempt`, in [ceiling/2, ceiling]. */
export function retryDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = backoffCeiling(attempt, backoff);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
