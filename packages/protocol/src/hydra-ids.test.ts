import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHydraId, parseHydraId, toHydraId } from './hydra-ids.ts';

const uuid = '0190f3a2-7b1c-7d4e-8f00-123456789abc';

test('PL-2: hydra ids are unpadded base64 of ciscospark://us/TYPE/uuid', () => {
  const id = toHydraId('ROOM', uuid);
  assert.doesNotMatch(id, /=/);
  assert.equal(atob(id + '='.repeat((4 - (id.length % 4)) % 4)), `ciscospark://us/ROOM/${uuid}`);
  assert.equal(fromHydraId('ROOM', id), uuid);
});

test('PL-2: a documented Webex id decodes (padding removed, 79 characters)', () => {
  // The person id of developer.webex.com's examples.
  const id = 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY';
  assert.equal(id.length, 79);
  assert.deepEqual(parseHydraId(id), { type: 'PEOPLE', cluster: 'us', localId: 'f5b36187-c8dd-4727-8b2f-f9c447f29046' });
});

test('PL-2: decoding accepts padding, the URL-safe alphabet and raw UUIDs; rejects the wrong type and junk', () => {
  const id = toHydraId('MESSAGE', uuid);
  const padded = id + '='.repeat((4 - (id.length % 4)) % 4);
  assert.equal(fromHydraId('MESSAGE', padded), uuid);
  assert.equal(fromHydraId('MESSAGE', id.replace(/\+/g, '-').replace(/\//g, '_')), uuid);
  assert.equal(fromHydraId('MESSAGE', uuid.toUpperCase()), uuid);
  assert.equal(fromHydraId('ROOM', id), undefined);
  assert.equal(fromHydraId('ROOM', 'nope'), undefined);
  assert.equal(fromHydraId('ROOM', ''), undefined);
  assert.equal(fromHydraId('ROOM', btoa('https://example.com/x')), undefined);
});

test('PL-2: composite local ids (memberships, contents) survive the round trip', () => {
  const membership = toHydraId('MEMBERSHIP', `${uuid}:${uuid}`);
  assert.deepEqual(parseHydraId(membership), { type: 'MEMBERSHIP', cluster: 'us', localId: `${uuid}:${uuid}` });
  assert.equal(fromHydraId('MEMBERSHIP', membership), undefined, 'not a single UUID');
  const content = toHydraId('CONTENT', `${uuid}/0`);
  assert.equal(parseHydraId(content)?.localId, `${uuid}/0`);
});
