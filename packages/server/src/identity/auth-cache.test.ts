import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Actor } from '../core.ts';
import { AuthCache } from './auth-cache.ts';

const actor = (personId: string): Actor => ({ personId, orgId: 'o', sessionId: 's', type: 'person', isAdmin: false, isGuest: false, via: 'bearer' });

describe('AuthCache (ID-5: verified bearer tokens, short-lived)', () => {
  it('returns an entry until its TTL or the token expiry, whichever is first, and only for its scope', () => {
    let t = 1000;
    const cache = new AuthCache(5000, () => t);
    cache.set('h1', 'api', actor('p1'), null);
    cache.set('h2', 'api', actor('p2'), 3000);
    assert.equal(cache.get('h1', 'api')?.personId, 'p1');
    assert.equal(cache.get('h1', 'spark:kms'), undefined);
    t = 2999;
    assert.equal(cache.get('h2', 'api')?.personId, 'p2');
    t = 3000;
    assert.equal(cache.get('h2', 'api'), undefined, 'past the token expiry');
    t = 5999;
    assert.equal(cache.get('h1', 'api')?.personId, 'p1');
    t = 6000;
    assert.equal(cache.get('h1', 'api'), undefined, 'past the TTL');
  });

  it('is bounded (oldest dropped first), can be cleared, and is off with a TTL of 0', () => {
    const cache = new AuthCache(5000, () => 0, 2);
    cache.set('a', 'api', actor('a'), null);
    cache.set('b', 'api', actor('b'), null);
    cache.set('c', 'api', actor('c'), null);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a', 'api'), undefined);
    assert.equal(cache.get('c', 'api')?.personId, 'c');
    cache.clear();
    assert.equal(cache.get('c', 'api'), undefined);
    const off = new AuthCache(0, () => 0);
    off.set('a', 'api', actor('a'), null);
    assert.equal(off.get('a', 'api'), undefined);
  });

  it('keeps a KMS principal only with a live spark:kms entry, for its lifetime, and forgets it on clear', () => {
    let t = 0;
    const cache = new AuthCache(5000, () => t);
    const principal = { userId: 'p1', orgId: 'o', email: 'ada@example.com' };
    cache.setKmsPrincipal('k', principal);
    assert.equal(cache.kmsPrincipal('k'), undefined, 'no entry: nothing kept');
    cache.set('api-token', 'api', actor('p1'), null);
    cache.setKmsPrincipal('api-token', principal);
    assert.equal(cache.kmsPrincipal('api-token'), undefined, 'an API token is no KMS token');
    cache.set('k', 'spark:kms', actor('p1'), 4000);
    cache.setKmsPrincipal('k', principal);
    assert.deepEqual(cache.kmsPrincipal('k'), principal);
    t = 4000;
    assert.equal(cache.kmsPrincipal('k'), undefined, 'not past the token expiry');
    t = 0;
    cache.set('k', 'spark:kms', actor('p1'), null);
    assert.equal(cache.kmsPrincipal('k'), undefined, 'a new entry starts without one');
    cache.setKmsPrincipal('k', principal);
    cache.clear();
    assert.equal(cache.kmsPrincipal('k'), undefined);
  });
});
