/**
 * The event stream (DESIGN §2 invariant 5, §3; SPEC MS-4, MS-7): every change a person may see
 * arrives once, in order, on every device; a reconnecting device gets exactly what it missed; no
 * event reaches someone who may not see it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { FlintClient } from '@flint/sdk';
import { TEST_PASSWORD, collect, startFlint, type TestFlint } from '@flint/testkit';

const c = (s: string) => `ciphertext:${s}`;

describe('event stream', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let eve: FlintClient;
  let ids: { ada: string; bob: string; eve: string };
  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@example.com' });
    bob = await flint.signup({ email: 'bob@example.com' });
    eve = await flint.signup({ email: 'eve@other.test' });
    ids = { ada: ada.session!.personId, bob: bob.session!.personId, eve: eve.session!.personId };
  });
  after(() => flint.stop());

  it('delivers every change to every device of every member, in id order', async () => {
    const bobPhone = await collect(bob, { deviceId: 'phone' });
    const bobLaptop = await collect(bob, { deviceId: 'laptop' });
    const room = await ada.rooms.create({ title: c('live') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const sent = [];
    for (let i = 0; i < 20; i++) sent.push(await ada.messages.create({ roomId: room.id, text: c(`m${i}`) }));
    for (const device of [bobPhone, bobLaptop]) {
      const got = await device.waitForCount((e) => e.type === 'message.created', 20);
      assert.deepEqual(got.map((e) => (e.data as { id: string }).id), sent.map((m) => m.id));
      const idsSeen = device.events.map((e) => e.id);
      assert.deepEqual(idsSeen, [...idsSeen].sort((a, b) => a - b), 'ids only grow');
      assert.equal(new Set(idsSeen).size, idsSeen.length, 'no duplicates');
      assert.ok(device.events.some((e) => e.type === 'membership.created'));
    }
    assert.equal((bobPhone.events.find((e) => e.type === 'message.created')?.data as { text: string }).text, c('m0'), 'content is relayed as sent');
    bobPhone.stop();
    bobLaptop.stop();
  });

  it('replays exactly what a device missed while it was offline, then goes on live (invariant 5)', async () => {
    const room = await ada.rooms.create({ title: c('resume') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const first = await collect(bob);
    await ada.messages.create({ roomId: room.id, text: c('while online') });
    await first.waitFor((e) => e.type === 'message.created');
    const last = first.stream.lastEventId!;
    first.stop();
    const missed = [];
    for (let i = 0; i < 30; i++) missed.push((await ada.messages.create({ roomId: room.id, text: c(`offline ${i}`) })).id);
    await ada.messages.update(missed[0]!, { text: c('edited offline') });
    await ada.messages.delete(missed[1]!);
    const again = await collect(bob, { lastEventId: last });
    const replayed = await again.waitForCount(() => true, 32);
    assert.deepEqual(replayed.slice(0, 30).map((e) => (e.data as { id: string }).id), missed);
    assert.equal(replayed[30]!.type, 'message.updated');
    assert.equal(replayed[31]!.type, 'message.deleted');
    assert.equal((replayed[31]!.data as { deleted?: string; text?: string }).text, undefined, 'a tombstone carries no content');
    assert.ok(replayed.every((e) => e.id > last));
    const live = await ada.messages.create({ roomId: room.id, text: c('live again') });
    const got = await again.waitFor((e) => (e.data as { id?: string }).id === live.id);
    assert.equal(got.type, 'message.created');
    assert.equal(again.events.length, 33, 'nothing twice');
    again.stop();
  });

  it('resumes after a dropped connection without loss or duplicates', async () => {
    const room = await ada.rooms.create({ title: c('drops') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const device = await collect(bob);
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      if (i % 10 === 5) device.stream.drop();
      sent.push((await ada.messages.create({ roomId: room.id, text: c(`n${i}`) })).id);
    }
    const got = await device.waitForCount((e) => e.type === 'message.created', 40, 15_000);
    assert.deepEqual(got.map((e) => (e.data as { id: string }).id), sent);
    device.stop();
  });

  it('sends a removed member the removal and nothing after it; other orgs and non-members get nothing', async () => {
    const room = await ada.rooms.create({ title: c('private') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const bobDevice = await collect(bob);
    const eveDevice = await collect(eve);
    await ada.messages.create({ roomId: room.id, text: c('before') });
    await bobDevice.waitFor((e) => e.type === 'message.created');
    const bobMembership = (await ada.memberships.list({ roomId: room.id, personId: ids.bob })).items[0]!;
    await ada.memberships.delete(bobMembership.id);
    await bobDevice.waitFor((e) => e.type === 'membership.deleted');
    const secret = await ada.messages.create({ roomId: room.id, text: c('after bob left') });
    await ada.rooms.update(room.id, { title: c('renamed after') });
    // A marker event for bob, sent after the secret: once it arrives, anything before it would have too.
    await ada.messages.create({ toPersonId: ids.bob, text: c('marker') });
    await bobDevice.waitFor((e) => e.type === 'message.created' && (e.data as { text: string }).text === c('marker'));
    assert.ok(!bobDevice.events.some((e) => (e.data as { id?: string }).id === secret.id));
    assert.ok(!bobDevice.events.some((e) => e.type === 'room.updated'));
    assert.ok(!JSON.stringify(eveDevice.events).includes(room.id), 'another org’s person hears nothing of the space');
    bobDevice.stop();
    eveDevice.stop();
  });

  it('tells one’s other devices of one’s own state: read marker, favourite, flag (MS-4)', async () => {
    const room = await ada.rooms.create({ title: c('state') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const m = await ada.messages.create({ roomId: room.id, text: c('read me') });
    const other = await collect(bob);
    const adaDevice = await collect(ada);
    await bob.rooms.markRead(room.id, m.id);
    await bob.rooms.favorite(room.id, true);
    await bob.flags.create(m.id);
    await other.waitFor((e) => e.type === 'room.read');
    await other.waitFor((e) => e.type === 'room.favorite');
    await other.waitFor((e) => e.type === 'flag.created');
    const receipt = await adaDevice.waitFor((e) => e.type === 'membership.seen');
    assert.deepEqual(receipt.data, { roomId: room.id, personId: ids.bob, lastSeenId: m.id });
    assert.ok(!adaDevice.events.some((e) => e.type === 'flag.created'), 'flags are private');
    other.stop();
    adaDevice.stop();
  });

  it('relays typing to the other members only, and presence to subscribers (MS-7)', async () => {
    const room = await ada.rooms.create({ title: c('typing') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const bobDevice = await collect(bob);
    const eveDevice = await collect(eve);
    await ada.rooms.typing(room.id, true);
    await bobDevice.waitForSignal((s) => s.type === 'typing' && s.personId === ids.ada && s.isTyping);
    const [presence] = await ada.presence.get([ids.bob]);
    assert.equal(presence?.status, 'active');
    bobDevice.stream.send({ type: 'presence.subscribe', personIds: [ids.ada, ids.eve] });
    await new Promise((r) => setTimeout(r, 100));
    const adaDevice = await collect(ada);
    await bobDevice.waitForSignal((s) => s.type === 'presence' && s.presence.personId === ids.ada && s.presence.status === 'active');
    adaDevice.stop();
    await bobDevice.waitForSignal((s) => s.type === 'presence' && s.presence.personId === ids.ada && s.presence.status === 'inactive');
    assert.deepEqual((await ada.presence.get([ids.eve])).map((p) => p.personId), [], 'presence only of people one may see');
    assert.ok(!eveDevice.signals.some((s) => s.type === 'typing'));
    bobDevice.stop();
    eveDevice.stop();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await ada.presence.get([ids.bob]))[0]?.status, 'inactive');
  });

  it('ends a connection when its session ends: sign-out, revocation, deactivation', async () => {
    const url = flint.url.replace('http', 'ws') + '/api/events';
    const open = async (token: string) => {
      const socket = new WebSocket(url);
      await new Promise((r) => socket.on('open', r));
      const ready = new Promise((r) => socket.once('message', r));
      socket.send(JSON.stringify({ type: 'hello', token }));
      await ready;
      return { socket, closed: new Promise<number>((resolve) => socket.on('close', (code) => resolve(code))) };
    };
    const zed = await flint.signup({ email: 'zed@example.com' });
    const first = await open(zed.session!.accessToken);
    await zed.auth.logout();
    assert.equal(await first.closed, 4401);
    const again = flint.client();
    await again.auth.login({ email: 'zed@example.com', password: 'correct horse battery staple' });
    const second = await open(again.session!.accessToken);
    await ada.people.deactivate(again.session!.personId);
    assert.equal(await second.closed, 4401);
  });

  it('tells a device that resumes from before the retention horizon to refetch (reset)', async () => {
    const { pruneEvents } = await import('./retention.ts');
    const room = await ada.rooms.create({ title: c('old') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const device = await collect(bob);
    await ada.messages.create({ roomId: room.id, text: c('soon pruned') });
    await device.waitFor((e) => e.type === 'message.created');
    const stale = device.stream.lastEventId! - 1;
    device.stop();
    const removed = await pruneEvents(flint.server.core.db, Date.now() + 1000);
    assert.ok(removed > 0);
    const frames: string[] = [];
    const socket = new WebSocket(flint.url.replace('http', 'ws') + '/api/events');
    socket.on('message', (d: Buffer) => frames.push(d.toString()));
    await new Promise((r) => socket.on('open', r));
    socket.send(JSON.stringify({ type: 'hello', token: bob.session!.accessToken, lastEventId: stale }));
    await new Promise((r) => setTimeout(r, 200));
    assert.match(frames[0] ?? '', /"type":"reset"/);
    assert.match(frames[1] ?? '', /"type":"ready"/);
    socket.close();
  });

  it('refuses a connection without a valid hello, and answers pings', async () => {
    const url = flint.url.replace('http', 'ws') + '/api/events';
    const closeOf = (socket: WebSocket) => new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    const bad = new WebSocket(url);
    await new Promise((r) => bad.on('open', r));
    const badClosed = closeOf(bad);
    bad.send(JSON.stringify({ type: 'hello', token: 'fla_' + 'x'.repeat(43) }));
    assert.equal(await badClosed, 4401);
    const junk = new WebSocket(url);
    await new Promise((r) => junk.on('open', r));
    const junkClosed = closeOf(junk);
    junk.send('not json');
    assert.equal(await junkClosed, 4400);
    const good = new WebSocket(url);
    const frames: string[] = [];
    good.on('message', (d: Buffer) => frames.push(d.toString()));
    await new Promise((r) => good.on('open', r));
    good.send(JSON.stringify({ type: 'hello', token: ada.session!.accessToken }));
    await new Promise((r) => setTimeout(r, 100));
    good.send(JSON.stringify({ type: 'ping' }));
    await new Promise((r) => setTimeout(r, 100));
    assert.match(frames[0] ?? '', /"type":"ready"/);
    assert.ok(frames.includes('{"type":"pong"}'));
    good.close();
  });

  it('SEC-5: an oversized frame closes the stream with 4400 (not 1009), before and after hello', async () => {
    const url = flint.url.replace('http', 'ws') + '/api/events';
    const closeOf = (socket: WebSocket) => new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    for (const bytes of [64 * 1024 + 1, 200 * 1024]) {
      const early = new WebSocket(url);
      await new Promise((r) => early.on('open', r));
      const closed = closeOf(early);
      early.send(JSON.stringify({ type: 'hello', pad: 'x'.repeat(bytes) }));
      assert.equal(await closed, 4400, `${bytes} bytes before hello`);
    }
    const late = new WebSocket(url);
    const frames: string[] = [];
    late.on('message', (d: Buffer) => frames.push(d.toString()));
    await new Promise((r) => late.on('open', r));
    late.send(JSON.stringify({ type: 'hello', token: ada.session!.accessToken }));
    while (!frames.some((f) => f.includes('"ready"'))) await new Promise((r) => setTimeout(r, 20));
    const closed = closeOf(late);
    late.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(100 * 1024) }));
    assert.equal(await closed, 4400);
  });

  it('SEC-5: the session cookie opens the stream only from Flint’s own origin (no cross-site WebSocket hijacking); bearer tokens need none', async () => {
    const login = await fetch(`${flint.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bob@example.com', password: TEST_PASSWORD }) });
    assert.equal(login.status, 200);
    const cookie = (login.headers.getSetCookie().find((h) => h.startsWith('flint_session=')) ?? '').split(';')[0]!;
    assert.ok(cookie.length > 'flint_session='.length);
    const url = flint.url.replace('http', 'ws') + '/api/events';
    const port = new URL(flint.url).port;
    const attempt = async (headers: Record<string, string>, hello: Record<string, unknown> = {}) => {
      const socket = new WebSocket(url, { headers });
      const frames: string[] = [];
      socket.on('message', (d: Buffer) => frames.push(d.toString()));
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      await new Promise((r) => socket.on('open', r));
      socket.send(JSON.stringify({ type: 'hello', ...hello }));
      let timer: NodeJS.Timeout | undefined;
      const ready = new Promise<string>((resolve) => {
        timer = setInterval(() => frames.some((f) => f.includes('"ready"')) && resolve('ready'), 10);
      });
      const outcome = await Promise.race([closed, ready]);
      clearInterval(timer);
      socket.close();
      return { outcome, frames };
    };
    // A page on another port of the same host, or on a sibling subdomain: refused, and told nothing.
    for (const origin of [`http://127.0.0.1:${Number(port) + 1}`, 'http://evil.127.0.0.1.nip.io', 'https://flint.example.com.evil.test', 'null']) {
      const { outcome, frames } = await attempt({ cookie, origin });
      assert.equal(outcome, 4403, origin);
      assert.ok(!frames.some((f) => f.includes('"ready"') || f.includes('"event"')), origin);
    }
    // Flint's own page (its public origin, or the origin the request was addressed to).
    assert.equal((await attempt({ cookie, origin: new URL(flint.config.publicUrl).origin })).outcome, 'ready');
    assert.equal((await attempt({ cookie, origin: `http://127.0.0.1:${port}` })).outcome, 'ready');
    // Not a browser (no Origin): the cookie is the client's own.
    assert.equal((await attempt({ cookie })).outcome, 'ready');
    // A bearer token in hello works from anywhere (the SDK in Node, bots).
    assert.equal((await attempt({ origin: 'https://elsewhere.test' }, { token: bob.session!.accessToken })).outcome, 'ready');
  });
});
