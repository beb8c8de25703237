import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createPasswordHasher } from './passwords.ts';

it('hashes with argon2id at the configured production cost (SEC-4)', async () => {
  const hasher = createPasswordHasher({ memoryKiB: 19456, iterations: 2, parallelism: 1 });
  const stored = await hasher.hash('correct horse battery staple');
  assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await hasher.verify(stored, 'correct horse battery staple'), true);
  assert.equal(await hasher.verify(stored, 'Correct horse battery staple'), false);
  assert.equal(await hasher.verify('not a hash', 'x'), false);
  assert.notEqual(await hasher.hash('same'), await hasher.hash('same'), 'salted');
});
