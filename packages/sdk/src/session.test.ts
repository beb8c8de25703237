/**
 * The session's own promises (SPEC PL-1, EV-1): with a `storage`, the device id and the place in the
 * event stream survive a restart, so a new session resumes with exactly what it missed; and every
 * failure is a FlintError whose `kind` says what went wrong.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Room, StoredEvent } from '@flint/protocol';
import { startFlint, type TestFlint } from '@flint/testkit';
import { createSession } from './session.ts';
import { FlintError } from './errors.ts';
import type { FlintClient } from './client.ts';
import type { SessionStorage } from './session/events.ts';

function memoryStorage(): SessionStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

describe('the SDK session', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@session.example' });
  });
  after(() => flint.stop());

  it('keeps its device and its place in the event stream across a restart, and resumes with what it missed', async () => {
    const storage = memoryStorage();
    const first = flint.session(ada, { storage });
    const seen: StoredEvent[] = [];
    first.events.on((e) => seen.push(e));
    await first.events.start();
    const one = await ada.rooms.create({ title: 'ciphertext:one' });
    for (let i = 0; i < 100 && !seen.some((e) => e.type === 'room.created'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(seen.some((e) => e.type === 'room.created' && (e.data as Room).id === one.id));
    first.close();

    const two = await ada.rooms.create({ title: 'ciphertext:two' });
    const second = flint.session(ada, { storage });
    assert.equal(second.deviceId, first.deviceId, 'the device id is kept in storage');
    const resumed: StoredEvent[] = [];
    second.events.on((e) => resumed.push(e));
    await second.events.start();
    for (let i = 0; i < 100 && !resumed.some((e) => e.type === 'room.created'); i++) await new Promise((r) => setTimeout(r, 50));
    const created = resumed.filter((e) => e.type === 'room.created').map((e) => (e.data as Room).id);
    assert.deepEqual(created, [two.id], 'only what was missed, nothing twice');
    second.close();
  });

  it('tells failures apart by kind: refused, network, invalid, decrypt', async () => {
    const session = flint.session(ada, { deviceId: 'ada-kinds' });
    try {
      const refused = await session.spaces.get('00000000-0000-7000-8000-000000000000').catch((e: unknown) => e);
      assert.ok(refused instanceof FlintError && refused.kind === 'refused' && refused.status >= 400 && refused.body !== undefined && refused.code === refused.body.code, String(refused));

      const nowhere = createSession({ baseUrl: 'http://127.0.0.1:1' });
      const network = await nowhere.people.me().catch((e: unknown) => e);
      assert.ok(network instanceof FlintError && network.kind === 'network' && network.status === 0);

      // A space without a key: nothing is sent in clear.
      const keyless = await ada.rooms.create({ title: 'ciphertext:none' });
      const invalid = await session.messages.send({ roomId: keyless.id, text: 'must not leave in clear' }).catch((e: unknown) => e);
      assert.ok(invalid instanceof FlintError && invalid.kind === 'invalid' && invalid.status === 0);
      assert.equal((await ada.messages.list({ roomId: keyless.id })).items.length, 0);

      // Content sealed under one key but naming another of one's keys does not open.
      const a = await session.spaces.create({ title: 'A' });
      const b = await session.spaces.create({ title: 'B' });
      const sent = await session.messages.send({ roomId: a.id, text: 'sealed under A' });
      const opened = await session.messages.open({ ...sent, text: (await ada.messages.get(sent.id)).text!, encryptionKeyUrl: b.encryptionKeyUrl! });
      assert.equal(opened.text, undefined);
      assert.ok(opened.decryptError instanceof FlintError && opened.decryptError.kind === 'decrypt');
    } finally {
      session.close();
    }
  });
});
