import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './rate-limiter.ts';

async function exercise(limiter: RateLimiter, key: string): Promise<void> {
  assert.equal((await limiter.peek(key)).count, 0);
  assert.equal((await limiter.hit(key, 60)).count, 1);
  const second = await limiter.hit(key, 60);
  assert.equal(second.count, 2);
  assert.ok(second.resetInSec > 0 && second.resetInSec <= 60);
  assert.equal((await limiter.peek(key)).count, 2);
  await limiter.reset(key);
  assert.equal((await limiter.peek(key)).count, 0);
}

describe('rate limiter', () => {
  it('counts, peeks and resets in memory, and the window expires', async () => {
    let now = 1_000_000;
    const limiter = new MemoryRateLimiter(() => now);
    await exercise(limiter, 'k');
    await limiter.hit('w', 10);
    now += 10_001;
    assert.equal((await limiter.peek('w')).count, 0);
    assert.equal((await limiter.hit('w', 10)).count, 1);
    await limiter.close();
  });

  const redisUrl = process.env['FLINT_TEST_REDIS_URL'];
  it('counts, peeks and resets in Redis, shared between instances (PL-3)', { skip: redisUrl === undefined ? 'FLINT_TEST_REDIS_URL not set' : false }, async () => {
    const a = new RedisRateLimiter(new Redis(redisUrl!));
    const b = new RedisRateLimiter(new Redis(redisUrl!));
    const key = `test:${Math.random()}`;
    await exercise(a, key);
    await a.hit(key, 60);
    assert.equal((await b.hit(key, 60)).count, 2, 'a second instance sees the first one’s hits');
    await a.reset(key);
    await a.close();
    await b.close();
  });
});
