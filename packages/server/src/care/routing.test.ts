/** The rotation among available experts (SPEC SP-7): fewest open requests, then longest since routed to, then id. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rankCandidates } from './routing.ts';

describe('care routing order', () => {
  it('ranks by load, then the one routed to longest ago (never first), then id', () => {
    const order = rankCandidates([
      { personId: 'c', load: 1, lastRoutedAt: 5 },
      { personId: 'b', load: 0, lastRoutedAt: 9 },
      { personId: 'a', load: 0, lastRoutedAt: null },
      { personId: 'e', load: 0, lastRoutedAt: 9 },
      { personId: 'd', load: 1, lastRoutedAt: 2 },
    ]).map((c) => c.personId);
    assert.deepEqual(order, ['a', 'b', 'e', 'd', 'c']);
  });
});
