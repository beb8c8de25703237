/**
 * A person's status over HTTP (issue 16): set, read by others through presence, bad input refused,
 * and a timed status ending by itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient } from '@flint/sdk';
import { raw, startFlint, type TestFlint } from '@flint/testkit';

describe('status', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob' });
  });
  after(() => flint.stop());

  it('sets do not disturb with a text and an end, which others read and which ends by itself', async () => {
    const adaId = ada.session!.personId;
    const until = new Date(Date.now() + 1500).toISOString();
    const set = await ada.presence.setStatus({ status: 'dnd', text: '  Deep work ', until });
    assert.deepEqual(set.availability, { status: 'dnd', text: 'Deep work', until });
    const [seen] = await bob.presence.get([adaId]);
    assert.deepEqual(seen?.availability, { status: 'dnd', text: 'Deep work', until });
    await new Promise((r) => setTimeout(r, 1700));
    const [later] = await bob.presence.get([adaId]);
    assert.equal(later?.availability, undefined, 'ended by itself');
    await ada.presence.setStatus({ status: 'away' });
    assert.equal((await bob.presence.get([adaId]))[0]?.availability?.status, 'away');
    await ada.presence.setStatus({ status: 'available' });
    assert.equal((await bob.presence.get([adaId]))[0]?.availability, undefined);
  });

  it('refuses bad input with a 400 and changes nothing', async () => {
    await ada.presence.setStatus({ status: 'away', text: 'kept' });
    const token = ada.session!.accessToken;
    const bad = [
      { status: 'busy' },
      { status: 'dnd', until: new Date(Date.now() - 1000).toISOString() },
      { status: 'dnd', until: new Date(Date.now() + 8 * 24 * 3600 * 1000).toISOString() },
      { status: 'dnd', until: 'tomorrow' },
      { status: 'away', text: 'x'.repeat(101) },
      { status: 'away', text: 'bad\u0000text' },
    ];
    for (const body of bad) assert.equal((await raw(flint.url, 'PUT', '/api/presence/me', { token, body })).status, 400, JSON.stringify(body));
    assert.deepEqual((await bob.presence.get([ada.session!.personId]))[0]?.availability, { status: 'away', text: 'kept' });
  });
});
