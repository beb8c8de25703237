import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inRanges, normalizeRanges, parseCidr } from './network-ranges.ts';

test('CIDR ranges, IPv4 and IPv6, and IPv4-mapped addresses (ID-5)', () => {
  const ranges = ['10.0.0.0/8', '192.168.1.0/24', '2001:db8::/32', '203.0.113.7'];
  assert.equal(inRanges('10.200.3.4', ranges), true);
  assert.equal(inRanges('11.0.0.1', ranges), false);
  assert.equal(inRanges('192.168.1.255', ranges), true);
  assert.equal(inRanges('192.168.2.1', ranges), false);
  assert.equal(inRanges('::ffff:10.1.1.1', ranges), true, 'a dual-stack listener reports IPv4 clients mapped');
  assert.equal(inRanges('2001:db8:1::5', ranges), true);
  assert.equal(inRanges('2001:db9::1', ranges), false);
  assert.equal(inRanges('203.0.113.7', ranges), true, 'a bare address is one host');
  assert.equal(inRanges('203.0.113.8', ranges), false);
  assert.equal(inRanges(undefined, ranges), false);
  assert.equal(inRanges('10.0.0.1', []), false);
  assert.deepEqual(normalizeRanges([' 10.0.0.0/8 ', '::1']), ['10.0.0.0/8', '::1/128']);
  for (const bad of ['10.0.0.0/33', '10.0.0/8', 'fe80::/129', 'example.com/8', '10.0.0.0/8/1', '10.0.0.0/x', '']) {
    assert.throws(() => parseCidr(bad), { code: 'validation_failed' }, bad);
  }
});
