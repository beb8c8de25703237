import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromBase64Url, toBase64Url, toHex } from './encoding.ts';
import { randomToken, sha256Hex } from './random.ts';

test('base64url round-trips every byte value without padding', () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const text = toBase64Url(bytes);
  assert.doesNotMatch(text, /[+/=]/);
  assert.deepEqual(fromBase64Url(text), bytes);
});

test('sha256 matches the FIPS 180-2 known answer for "abc"', async () => {
  assert.equal(await sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('random tokens carry their prefix and 256 bits', () => {
  const token = randomToken('fla');
  assert.match(token, /^fla_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(token, randomToken('fla'));
  assert.equal(toHex(new Uint8Array([0, 255])), '00ff');
});
