/**
 * Fixed-window counters for rate limits and sign-in brute-force protection. In memory for one
 * process; in Redis when REDIS_URL is set, so several instances share the same counts.
 * @module
 */
import type { Redis } from 'ioredis';

export interface WindowCount {
  count: number;
  /** Seconds until the window resets. */
  resetInSec: number;
}

export interface RateLimiter {
  /** Adds one to the key's count and returns the new count. */
  hit(key: string, windowSec: number): Promise<WindowCount>;
  /** The key's count without changing it. */
  peek(key: string): Promise<WindowCount>;
  reset(key: string): Promise<void>;
  close(): Promise<void>;
  /** Shared store only (Redis): resolves when it answers now (the status page, SPEC AD-3). */
  ping?(): Promise<void>;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    // Expired windows are dropped once a minute so the map cannot grow without bound.
    this.sweeper = setInterval(() => {
      const t = this.now();
      for (const [key, w] of this.windows) if (w.resetAt <= t) this.windows.delete(key);
    }, 60_000);
    this.sweeper.unref();
  }

  hit(key: string, windowSec: number): Promise<WindowCount> {
    const t = this.now();
    let w = this.windows.get(key);
    if (w === undefined || w.resetAt <= t) {
      w = { count: 0, resetAt: t + windowSec * 1000 };
      this.windows.set(key, w);
    }
    w.count += 1;
    return Promise.resolve({ count: w.count, resetInSec: Math.ceil((w.resetAt - t) / 1000) });
  }

  peek(key: string): Promise<WindowCount> {
    const t = this.now();
    const w = this.windows.get(key);
    if (w === undefined || w.resetAt <= t) return Promise.resolve({ count: 0, resetInSec: 0 });
    return Promise.resolve({ count: w.count, resetInSec: Math.ceil((w.resetAt - t) / 1000) });
  }

  reset(key: string): Promise<void> {
    this.windows.delete(key);
    return Promise.resolve();
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    return Promise.resolve();
  }
}

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'flint:rl:',
  ) {}

  async hit(key: string, windowSec: number): Promise<WindowCount> {
    const k = this.prefix + key;
    // SET NX starts the window with its expiry; INCR counts within it; PTTL says when it ends.
    const result = await this.redis.multi().set(k, 0, 'EX', windowSec, 'NX').incr(k).pttl(k).exec();
    const count = Number(result?.[1]?.[1] ?? 1);
    const ttl = Number(result?.[2]?.[1] ?? windowSec * 1000);
    return { count, resetInSec: Math.max(1, Math.ceil(ttl / 1000)) };
  }

  async peek(key: string): Promise<WindowCount> {
    const k = this.prefix + key;
    const result = await this.redis.multi().get(k).pttl(k).exec();
    const count = Number(result?.[0]?.[1] ?? 0);
    const ttl = Number(result?.[1]?.[1] ?? 0);
    return { count, resetInSec: ttl > 0 ? Math.ceil(ttl / 1000) : 0 };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
