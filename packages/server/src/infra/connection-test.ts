/**
 * The connection test's server side (SPEC AD-3): what any signed-in person's browser measures
 * against — round trips, a WebSocket echo, a bounded download and upload. Every request of the test
 * counts against a per-person budget of its own (CONNECTION_TEST_LIMITS.requestsPerMinute), beside
 * the general request rate limit, so the test cannot be used to make the server push bulk data.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { serviceHealth } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { ApiError } from '../errors.ts';

const { CONNECTION_TEST_LIMITS } = serviceHealth;

/** Counts one request of the test against the person's budget; refuses (429) past it. */
export async function spendConnectionTest(core: Core, actor: Actor): Promise<void> {
  const { count, resetInSec } = await core.limiter.hit(`ct:${actor.personId}`, 60);
  if (count > CONNECTION_TEST_LIMITS.requestsPerMinute) throw ApiError.rateLimited(resetInSec, 'Too many connection tests; try again in a minute.');
}

// Random once: incompressible, so a compressing proxy on the way cannot flatter the figure.
let noise: Buffer | undefined;

/** `bytes` of incompressible data (at most CONNECTION_TEST_LIMITS.maxBytes). */
export function downloadPayload(bytes: number): Buffer {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > CONNECTION_TEST_LIMITS.maxBytes) throw ApiError.badRequest(`bytes: 1 to ${CONNECTION_TEST_LIMITS.maxBytes}`);
  noise ??= randomBytes(CONNECTION_TEST_LIMITS.maxBytes);
  return noise.subarray(0, bytes);
}
