/**
 * SPEC PL-2: bots that listen. The official Webex JS SDK's `messages.listen()`, `rooms.listen()`
 * and `memberships.listen()` work against Flint: the SDK discovers Flint's service catalog (U2C),
 * registers a device (WDM), opens the Mercury WebSocket, and turns the activities the gateway
 * pushes into Webex-shaped events — fetching a new message's text through `/v1` with its own
 * token. A bot whose socket drops mid-stream reconnects and gets what it missed: the gateway
 * resumes the native stream after the last event the device acknowledged. Runs on SQLite, and on
 * PostgreSQL + Redis when the test variables are set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { raw, startFlint, startTcpProxy, type TestFlint } from '@flint/testkit';
import type { FlintClient } from '@flint/sdk';
import { webexFor, type Webex } from './webex.ts';

type SdkEvent = Record<string, unknown> & { data: Record<string, unknown> & { id: string }; event: string; resource: string; actorId: string };

/** Collects a plugin's events and waits for one that matches. */
function recorder(webex: Webex, resource: 'messages' | 'rooms' | 'memberships' | 'attachmentActions', kinds: string[]) {
  const seen: SdkEvent[] = [];
  const waiters = new Set<() => void>();
  for (const kind of kinds) {
    webex[resource].on(kind, (e) => {
      seen.push(e);
      for (const w of waiters) w();
    });
  }
  return {
    seen,
    waitFor(match: (e: SdkEvent) => boolean, ms = 20_000): Promise<SdkEvent> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = seen.find(match);
          if (found === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${resource} event matched within ${ms} ms; saw ${JSON.stringify(seen.map((e) => [e.event, e.data.id]))}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
  };
}

describe('listen() with the Webex JS SDK (PL-2)', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let adaWebex: Webex;
  let bobWebex: Webex;

  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@listen.example', displayName: 'Ada Listen' });
    bob = await flint.signup({ email: 'bob@listen.example', displayName: 'Bob Listen' });
    adaWebex = await webexFor(flint.url, ada.session!.accessToken);
    bobWebex = await webexFor(flint.url, bob.session!.accessToken);
  });

  after(async () => {
    for (const webex of [bobWebex, adaWebex]) {
      for (const r of ['messages', 'rooms', 'memberships', 'attachmentActions'] as const) webex[r].stopListening();
      await webex.internal.mercury.disconnect().catch(() => undefined);
      await webex.internal.device.unregister().catch(() => undefined);
    }
    await flint.stop();
  });

  it('serves the U2C catalog in hostmap format, WDM registration and client metrics', async () => {
    const limited = await raw(flint.url, 'GET', '/u2c/api/v1/limited/catalog?orgId=x&format=hostmap');
    assert.equal(limited.status, 200);
    const body = limited.json as { serviceLinks: Record<string, string>; hostCatalog: Record<string, { host: string; priority: number; id: string }[]>; format: string };
    assert.equal(body.format, 'hostmap');
    assert.equal(body.serviceLinks['hydra'], `${flint.url}/v1`);
    const [entry] = Object.values(body.hostCatalog)[0]!;
    assert.equal(entry!.host, '127.0.0.1', 'a bare host name: the SDK adds the port');
    assert.ok(entry!.priority > 0);
    assert.match(entry!.id, /^urn:TEAM:us-east-2_a/);
    assert.equal((await raw(flint.url, 'GET', '/u2c/api/v1/catalog?format=hostmap')).status, 401, 'the full catalog needs a token');
    assert.equal((await raw(body.serviceLinks['metrics']!, 'POST', '/clientmetrics', { body: { metrics: [] } })).status, 204);
    const token = ada.session!.accessToken;
    const device = await raw(flint.url, 'POST', '/wdm/api/v1/devices?includeUpstreamServices=all', { token, body: { name: 'x', deviceType: 'WEB', model: 'web-js-sdk', ttl: 1800 } });
    assert.equal(device.status, 200);
    const { url, webSocketUrl } = device.json as { url: string; webSocketUrl: string };
    assert.ok(url.startsWith(`${flint.url}/wdm/api/v1/devices/`));
    assert.ok(webSocketUrl.startsWith(flint.url.replace('http', 'ws')));
    assert.equal((await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status, 204);
  });

  it('messages.listen(), rooms.listen(), memberships.listen() and attachmentActions.listen() deliver Webex events', async () => {
    const messages = recorder(bobWebex, 'messages', ['created', 'deleted']);
    const rooms = recorder(bobWebex, 'rooms', ['created', 'updated']);
    const memberships = recorder(bobWebex, 'memberships', ['created', 'updated', 'deleted']);
    await bobWebex.messages.listen();
    await bobWebex.rooms.listen();
    await bobWebex.memberships.listen();
    assert.ok(bobWebex.internal.mercury.connected, 'the Mercury socket is up');

    const room = await adaWebex.rooms.create({ title: `Listened ${randomBytes(4).toString('hex')}` });
    const membership = await adaWebex.memberships.create({ roomId: room.id, personEmail: 'bob@listen.example' });
    const added = await memberships.waitFor((e) => e.event === 'created' && e.data.id === membership.id);
    assert.equal(added.resource, 'memberships');
    assert.equal(added.data['roomId'], room.id);
    assert.equal(added.data['personEmail'], 'bob@listen.example');

    const text = `Hello listener ${randomBytes(4).toString('hex')}`;
    const sent = await adaWebex.messages.create({ roomId: room.id, text });
    const created = await messages.waitFor((e) => e.event === 'created' && e.data.id === sent.id);
    assert.equal(created.resource, 'messages');
    assert.equal(created.data['text'], text, 'the SDK fetched the message through /v1 with Bob’s token');
    assert.equal(created.data['roomId'], room.id);
    assert.equal(created.actorId, sent['personId']);
    assert.equal(created['createdBy'], (await bobWebex.people.get('me')).id, 'the envelope is the listener’s');

    await adaWebex.rooms.update({ ...room, title: 'Renamed while listened' });
    const updated = await rooms.waitFor((e) => e.event === 'updated' && e.data.id === room.id);
    assert.equal(updated.data['type'], 'group');

    await adaWebex.messages.remove(sent.id);
    const deleted = await messages.waitFor((e) => e.event === 'deleted' && e.data.id === sent.id);
    assert.equal(deleted.data['roomId'], room.id);

    // A direct message: the roomType comes from the activity's tags.
    const direct = await adaWebex.messages.create({ toPersonEmail: 'bob@listen.example', text: 'psst' });
    const dm = await messages.waitFor((e) => e.event === 'created' && e.data.id === direct.id);
    assert.equal(dm.data['roomType'], 'direct');

    // Ada listens for submissions of her cards: she gets Bob's, with the inputs.
    const actions = recorder(adaWebex, 'attachmentActions', ['created']);
    await adaWebex.attachmentActions.listen();
    const card = await adaWebex.messages.create({ roomId: room.id, text: 'Rate this', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.3', body: [{ type: 'Input.Number', id: 'rating' }] } }] });
    const submitted = await bobWebex.attachmentActions.create({ type: 'submit', messageId: card.id, inputs: { rating: '4' } });
    const heard = await actions.waitFor((e) => e.data.id === submitted.id);
    assert.equal(heard.data['messageId'], card.id);
    assert.deepEqual(heard.data['inputs'], { rating: '4' });
    assert.equal(heard.data['personId'], submitted['personId']);

    // Bob's own new space shows up too.
    const own = await bobWebex.rooms.create({ title: 'Bob’s own' });
    const createdRoom = await rooms.waitFor((e) => e.event === 'created' && e.data.id === own.id);
    assert.equal(createdRoom.data['type'], 'group');
  });

  it('a socket dropped mid-stream reconnects and gets every message sent while it was cut off, once', { timeout: 120_000 }, async () => {
    // Cy's bot reaches Flint through a proxy that can cut its network.
    const cy = await flint.signup({ email: 'cy@listen.example', displayName: 'Cy Listen' });
    const address = new URL(flint.url);
    const proxy = await startTcpProxy({ host: address.hostname, port: Number(address.port) });
    const cyWebex = await webexFor(proxy.url, cy.session!.accessToken);
    try {
      const messages = recorder(cyWebex, 'messages', ['created']);
      // The order the gateway pushes activities in, as the socket carries them: the messages
      // plugin then fetches each message through /v1 and fires when its GET answers, so its
      // events may come out of order (Webex's own service behaves the same) — order is checked here.
      const pushed: string[] = [];
      cyWebex.internal.mercury.on('event:conversation.activity', (e) => {
        if (e.data.activity !== undefined) pushed.push(e.data.activity.id);
      });
      await cyWebex.messages.listen();
      const room = await adaWebex.rooms.create({ title: `Dropped ${randomBytes(4).toString('hex')}` });
      await adaWebex.memberships.create({ roomId: room.id, personEmail: 'cy@listen.example' });
      const first = await adaWebex.messages.create({ roomId: room.id, text: 'before the drop' });
      await messages.waitFor((e) => e.data.id === first.id);

      // The network goes: every socket dies, and reconnections wait unanswered.
      proxy.hold();
      proxy.drop();
      const missed = [];
      for (let i = 0; i < 3; i++) missed.push(await adaWebex.messages.create({ roomId: room.id, text: `while cut off ${i}` }));
      // The network comes back: the SDK's reconnection goes through, and the gateway resumes.
      proxy.release();
      for (const m of missed) {
        const heard = await messages.waitFor((e) => e.data.id === m.id, 60_000);
        assert.equal(heard.data['text'], m['text'], 'fetched through /v1 after the reconnect');
      }
      const after = await adaWebex.messages.create({ roomId: room.id, text: 'after the reconnect' });
      await messages.waitFor((e) => e.data.id === after.id);
      const expected = [first.id, ...missed.map((m) => m.id), after.id];
      const ids = messages.seen.map((e) => e.data.id);
      assert.deepEqual([...ids].sort(), [...expected].sort(), 'each message event once');
      const uuidOf = (hydraId: string) => Buffer.from(hydraId, 'base64url').toString('utf8').split('/').pop();
      const posts = pushed.filter((id) => expected.some((m) => uuidOf(m) === id));
      assert.deepEqual(posts, expected.map(uuidOf), 'each activity pushed once, in order');
    } finally {
      cyWebex.messages.stopListening();
      await cyWebex.internal.mercury.disconnect().catch(() => undefined);
      await proxy.stop();
    }
  });
});
