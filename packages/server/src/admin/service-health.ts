/**
 * Service health (SPEC AD-3): each part of the service checked live — the core itself, its link to
 * the KMS, the database, Redis (when configured), the blob store (a small probe written, read back
 * and removed), the job queue's backlog and the SIP engine (when it runs) — with its state and how long the check took. Each
 * check has a deadline, so a hung dependency shows as "down" instead of hanging the page. The
 * monitoring endpoint serves the same states (no details) from a result a few seconds old at most,
 * so polling it cannot load the dependencies.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { serviceHealth, type HealthCheck, type HealthComponent, type ServiceHealth } from '@flint/protocol';
import type { Core } from '../core.ts';
import { pingDatabase } from '../db/database.ts';
import type { KmsLink } from '../kms-link/kms-link.ts';
import { iso } from '../infra/ids.ts';

/** A check slower than this is "degraded". */
export const SLOW_CHECK_MS = 1_000;
/** A check still unanswered after this is "down". */
export const CHECK_DEADLINE_MS = 5_000;
/** How long the monitoring endpoint reuses a result. */
export const MONITORING_CACHE_MS = 5_000;

class CheckTimeout extends Error {}

async function timed(component: HealthComponent, run: () => Promise<Partial<HealthCheck> | void>): Promise<HealthCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const extra = await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeout()), CHECK_DEADLINE_MS);
      }),
    ]);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return { component, state: latencyMs > SLOW_CHECK_MS ? 'degraded' : 'ok', latencyMs, ...(extra ?? {}) };
  } catch (error) {
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    // The error's kind only: messages of drivers may carry connection strings.
    const detail = error instanceof CheckTimeout ? `no answer within ${CHECK_DEADLINE_MS} ms` : error instanceof Error ? error.name : 'failed';
    return { component, state: 'down', latencyMs, detail };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkServiceHealth(core: Core, kmsLink: KmsLink | undefined): Promise<ServiceHealth> {
  const checks = await Promise.all([
    // The core answers this request, so it is up; what it reports is how long its event loop took to get here.
    timed('core', async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return { detail: `uptime ${Math.round(process.uptime())} s` };
    }),
    kmsLink === undefined
      ? Promise.resolve<HealthCheck>({ component: 'kms', state: 'down', latencyMs: 0, detail: 'no KMS link' })
      : timed('kms', async () => {
          if (kmsLink.health !== undefined) await kmsLink.health();
          else await kmsLink.info();
        }),
    timed('database', async () => {
      await pingDatabase(core.db);
      return { detail: core.engine };
    }),
    core.limiter.ping === undefined || core.config.redisUrl === undefined
      ? Promise.resolve<HealthCheck>({ component: 'redis', state: 'not_configured', latencyMs: 0 })
      : timed('redis', () => core.limiter.ping!()),
    timed('blobs', async () => {
      const key = `health/probe-${randomBytes(8).toString('hex')}`;
      const probe = randomBytes(16);
      await core.blobs.put(key, probe, 'application/octet-stream');
      try {
        const back = await core.blobs.get(key);
        if (back === undefined || !Buffer.from(back.data).equals(probe)) throw new Error('probe read back differs');
      } finally {
        await core.blobs.delete(key);
      }
      return { detail: core.blobs.kind };
    }),
    timed('jobs', async () => {
      const row = await core.db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', 'in', ['pending', 'running'])
        .executeTakeFirstOrThrow();
      return { backlog: Number(row.n) };
    }),
    // The SIP engine (SPEC CL-6): asked over SIP itself (an OPTIONS it must answer).
    core.sip === undefined
      ? Promise.resolve<HealthCheck>({ component: 'sip', state: 'not_configured', latencyMs: 0 })
      : timed('sip', async () => {
          const h = await core.sip!.health();
          if (!h.ok) throw Object.assign(new Error(h.detail), { name: h.detail });
          return { detail: h.detail };
        }),
    // The media relay between browsers and SIP legs (rtpengine): an NG `ping` it must answer.
    core.rtpRelay === undefined
      ? Promise.resolve<HealthCheck>({ component: 'rtpengine', state: 'not_configured', latencyMs: 0 })
      : timed('rtpengine', async () => {
          const h = await core.rtpRelay!.health();
          if (!h.ok) throw Object.assign(new Error(h.detail), { name: h.detail });
          return { detail: h.detail };
        }),
  ]);
  for (const c of checks) if (c.component === 'jobs' && c.state === 'ok' && (c.backlog ?? 0) > serviceHealth.JOB_BACKLOG_DEGRADED) c.state = 'degraded';
  const states = checks.map((c) => c.state);
  const state = states.includes('down') ? 'down' : states.includes('degraded') ? 'degraded' : 'ok';
  return { state, checkedAt: iso(core.now()), checks };
}

/** The monitoring view: states only, reused for MONITORING_CACHE_MS. */
export function monitoringHealth(core: Core, kmsLink: KmsLink | undefined): () => Promise<{ status: ServiceHealth['state']; checks: Record<string, string> }> {
  let last: { at: number; value: Promise<ServiceHealth> } | undefined;
  return async () => {
    const now = Date.now();
    if (last === undefined || now - last.at > MONITORING_CACHE_MS) last = { at: now, value: checkServiceHealth(core, kmsLink) };
    const health = await last.value;
    return { status: health.state, checks: Object.fromEntries(health.checks.map((c) => [c.component, c.state])) };
  };
}
