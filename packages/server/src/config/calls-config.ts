/**
 * Calls' settings (SPEC CL-1; docs/calls.md), read with the rest of the configuration: how long a
 * call rings, and the STUN/TURN servers (coturn) its endpoints are given.
 * @module
 */
import { CALL_LIMITS } from '@flint/protocol';

export interface CallsConfig {
  /** FLINT_CALL_RING_SECONDS: how long a call rings before it ends as `no_answer` (or is forwarded). */
  ringSeconds: number;
  /** FLINT_CALL_PARK_SECONDS: how long a call stays parked before it rings the one who parked it again (the recall). */
  parkSeconds: number;
  /** FLINT_TURN_URLS: `turn:`, `turns:` and `stun:` URLs handed to endpoints; empty: none (host candidates only). */
  turnUrls: string[];
  /**
   * FLINT_TURN_SECRET: coturn's `static-auth-secret` (`use-auth-secret`): each person gets a
   * short-lived username and HMAC credential (the TURN REST API scheme), so no password is shared.
   */
  turnSecret: string | undefined;
  /** FLINT_TURN_USERNAME / FLINT_TURN_PASSWORD: fixed long-term credentials instead of the secret. */
  turnUsername: string | undefined;
  turnPassword: string | undefined;
  /** FLINT_TURN_TTL: how long a secret-made credential lasts, in seconds. */
  turnTtlSec: number;
}

type Int = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => number;

export function readCallsConfig(
  env: { FLINT_CALL_RING_SECONDS?: string; FLINT_CALL_PARK_SECONDS?: string; FLINT_TURN_URLS?: string; FLINT_TURN_SECRET?: string; FLINT_TURN_USERNAME?: string; FLINT_TURN_PASSWORD?: string; FLINT_TURN_TTL?: string },
  problems: string[],
  int: Int,
): CallsConfig {
  const turnUrls = (env.FLINT_TURN_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  for (const url of turnUrls) if (!/^(turns?|stuns?):[A-Za-z0-9.:[\]_-]+(\?transport=(udp|tcp))?$/.test(url)) problems.push(`FLINT_TURN_URLS: not a turn:, turns: or stun: URL: ${JSON.stringify(url)}`);
  const turnSecret = env.FLINT_TURN_SECRET;
  if (turnSecret !== undefined && turnSecret.length < 16) problems.push('FLINT_TURN_SECRET: at least 16 characters');
  if ((env.FLINT_TURN_USERNAME === undefined) !== (env.FLINT_TURN_PASSWORD === undefined)) problems.push('FLINT_TURN_USERNAME: give FLINT_TURN_USERNAME and FLINT_TURN_PASSWORD together, or neither');
  if (turnSecret !== undefined && env.FLINT_TURN_USERNAME !== undefined) problems.push('FLINT_TURN_SECRET: give either FLINT_TURN_SECRET or FLINT_TURN_USERNAME/FLINT_TURN_PASSWORD, not both');
  const credentialed = turnSecret !== undefined || env.FLINT_TURN_USERNAME !== undefined;
  if (credentialed && !turnUrls.some((u) => u.startsWith('turn'))) problems.push('FLINT_TURN_URLS: TURN credentials are set but no turn: or turns: URL is');
  return {
    ringSeconds: int('FLINT_CALL_RING_SECONDS', env.FLINT_CALL_RING_SECONDS, 30, CALL_LIMITS.ringSecondsMin, CALL_LIMITS.ringSecondsMax),
    parkSeconds: int('FLINT_CALL_PARK_SECONDS', env.FLINT_CALL_PARK_SECONDS, 120, CALL_LIMITS.parkSecondsMin, CALL_LIMITS.parkSecondsMax),
    turnUrls,
    turnSecret,
    turnUsername: env.FLINT_TURN_USERNAME,
    turnPassword: env.FLINT_TURN_PASSWORD,
    turnTtlSec: int('FLINT_TURN_TTL', env.FLINT_TURN_TTL, 43_200, 60, 7 * 86_400),
  };
}
