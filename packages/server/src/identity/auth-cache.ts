/**
 * A short-lived, bounded cache of verified bearer tokens: token hash → the actor it authenticated.
 * Without it every API call (every message sent, every page read) pays two database lookups (the
 * token with its session, then the person with the admin role) before doing its work; the fan-out
 * profile (BENCHMARKS.md) had per-request authentication among the three largest server costs.
 *
 * The trade-off, and how it is bounded:
 * - On this instance nothing is stale: every change that can end or narrow a token's authority
 *   (a session revoked, signed out or ended by a password change, a person deactivated, roles
 *   changed) clears the whole cache, since such changes are rare and a refill is cheap.
 * - Another instance (several `flint serve` behind a load balancer) learns of such a change only
 *   when its entry expires: an entry lives at most `ttlMs` (FLINT_AUTH_CACHE_MS, 5 s by default,
 *   0 turns the cache off) and never past the token's own expiry. So a token revoked elsewhere may
 *   be honoured for up to that long; event-stream connections are ended on every instance at its
 *   next heartbeat check, as before.
 * - Only successes are cached, keyed by the token's SHA-256 (never the token itself), with the scope
 *   it was checked for; at most `max` entries, the oldest dropped first.
 * - A KMS token's entry also keeps the principal the KMS is told (`kmsPrincipal`: the person, org and
 *   e-mail address), so the KMS's bearer check per request (every key retrieval) reads nothing while
 *   the entry lives; the same lifetime and the same clearing apply, plus a change of an e-mail
 *   address (SCIM), the one field it holds beyond the actor.
 * @module
 */
import type { Actor } from './actor.ts';

/** Who a KMS token belongs to, as the KMS's `verifyBearer` answers it. */
export interface KmsPrincipal {
  userId: string;
  orgId: string;
  email: string | undefined;
}

interface Entry {
  actor: Actor;
  scope: string;
  until: number;
  kmsPrincipal?: KmsPrincipal;
}

export class AuthCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly ttlMs: number,
    private readonly now: () => number,
    private readonly max = 10_000,
  ) {}

  get(hash: string, scope: string): Actor | undefined {
    if (this.ttlMs <= 0) return undefined;
    const entry = this.entries.get(hash);
    if (entry === undefined) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.scope === scope ? entry.actor : undefined;
  }

  /** Remembers a verified token until the earlier of now + ttl and the token's expiry (ms, or null). */
  set(hash: string, scope: string, actor: Actor, tokenExpiresAt: number | null): void {
    if (this.ttlMs <= 0) return;
    const until = Math.min(this.now() + this.ttlMs, tokenExpiresAt ?? Infinity);
    this.entries.delete(hash);
    this.entries.set(hash, { actor, scope, until });
    if (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  /** The KMS principal kept with a live `spark:kms` entry, if any. */
  kmsPrincipal(hash: string): KmsPrincipal | undefined {
    if (this.get(hash, 'spark:kms') === undefined) return undefined;
    return this.entries.get(hash)?.kmsPrincipal;
  }

  /** Keeps the KMS principal with the token's live `spark:kms` entry (none: nothing is kept). */
  setKmsPrincipal(hash: string, principal: KmsPrincipal): void {
    const entry = this.entries.get(hash);
    if (entry !== undefined && entry.scope === 'spark:kms' && entry.until > this.now()) entry.kmsPrincipal = principal;
  }

  /** Forgets every entry: a session ended, or a person's status or roles changed, on this instance. */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
