/**
 * Several `flint serve` processes on one PostgreSQL, fanning out through Redis (SPEC PL-3;
 * DESIGN §2 invariant 5). Runs when FLINT_TEST_DATABASE_URL (PostgreSQL) and FLINT_TEST_REDIS_URL
 * are set, as in CI's second pass.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, FlintError, type FlintClient } from '@flint/sdk';
import { collect, createTestDatabase, freePort, spawnFlint, type Collector, type FlintProcess, type TestDatabase } from '@flint/testkit';

const pg = process.env['FLINT_TEST_DATABASE_URL']?.startsWith('postgres') === true;
const redis = process.env['FLINT_TEST_REDIS_URL'];
const skip = pg && redis !== undefined ? false : 'needs FLINT_TEST_DATABASE_URL (PostgreSQL) and FLINT_TEST_REDIS_URL';
const c = (s: string) => `ciphertext:${s}`;
const PASSWORD = 'correct horse battery staple';

async function client(url: string, email: string, signup = false): Promise<FlintClient> {
  const flint = createSession({ baseUrl: url }).api;
  if (signup) await flint.auth.signup({ email, password: PASSWORD, displayName: email.split('@')[0]! });
  else await flint.auth.login({ email, password: PASSWORD });
  return flint;
}

const messageIds = (device: Collector) => device.events.filter((e) => e.type === 'message.created').map((e) => (e.data as { id: string }).id);

describe('scale-out: two instances on PostgreSQL + Redis', { skip }, () => {
  let dir: string;
  let db: TestDatabase;
  let a: FlintProcess;
  let b: FlintProcess;
  let env: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-scale-'));
    db = await createTestDatabase(dir);
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis!,
      FLINT_REDIS_PREFIX: `flint-scale-${Date.now()}:`,
      FLINT_LOG_LEVEL: 'warn',
      FLINT_RATE_LIMIT_PER_MINUTE: '100000',
    };
    a = await spawnFlint(await freePort(), { ...env, FLINT_DATA_DIR: join(dir, 'a') });
    b = await spawnFlint(await freePort(), { ...env, FLINT_DATA_DIR: join(dir, 'b') });
  });
  after(async () => {
    await Promise.allSettled([a.stop(), b.stop()]);
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers every event once, in order, to members connected to either instance', async () => {
    const ada = await client(a.url, 'ada@example.com', true);
    const bob = await client(b.url, 'bob@example.com', true);
    const bobOnA = await client(a.url, 'bob@example.com');
    const room = await ada.rooms.create({ title: c('across instances') });
    await ada.memberships.create({ roomId: room.id, personId: bob.session!.personId });
    const devices = [await collect(bob, { deviceId: 'b' }), await collect(bobOnA, { deviceId: 'a' }), await collect(ada)];
    const adaOnB = await client(b.url, 'ada@example.com');
    const sent: string[] = [];
    for (let i = 0; i < 60; i++) sent.push((await (i % 2 === 0 ? ada : adaOnB).messages.create({ roomId: room.id, text: c(`x${i}`) })).id);
    for (const device of devices) {
      await device.waitForCount((e) => e.type === 'message.created', 60, 20_000);
      assert.deepEqual(messageIds(device), sent, 'every message once, in send order');
      const ids = device.events.map((e) => e.id);
      assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
      device.stop();
    }
  });

  it('loses and duplicates nothing that was acknowledged when an instance is killed -9 mid-stream', async () => {
    const senders = [await client(a.url, 'sam@example.com', true), await client(a.url, 'sue@example.com', true)];
    const readers = [await client(a.url, 'rita@example.com', true), await client(b.url, 'rob@example.com', true)];
    const room = await senders[0]!.rooms.create({ title: c('crash') });
    for (const p of [...senders.slice(1), ...readers]) await senders[0]!.memberships.create({ roomId: room.id, personId: p.session!.personId });
    // Reader 0 and sender 0 listen on instance A (the one that dies), reader 1 on B.
    let devices = [await collect(readers[0]!), await collect(readers[1]!), await collect(senders[0]!)];
    const acknowledged = new Set<string>();
    let killed = false;
    const bSenders = await Promise.all(['sam@example.com', 'sue@example.com'].map((e) => client(b.url, e)));
    const send = async (who: number, n: number) => {
      for (let i = 0; i < n; i++) {
        const via = killed ? bSenders[who]! : senders[who]!;
        try {
          const m = await via.messages.create({ roomId: room.id, text: c(`s${who}-${i}`) });
          acknowledged.add(m.id);
        } catch (error) {
          if (!killed && !(error instanceof FlintError && error.kind === 'network')) throw error;
          // Not acknowledged (the instance died mid-request): it may or may not exist; the client would retry.
        }
      }
    };
    const load = Promise.all([send(0, 60), send(1, 60)]);
    const started = Date.now();
    while (acknowledged.size < 30) {
      assert.ok(Date.now() - started < 20_000, `only ${acknowledged.size} sends acknowledged`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const lastIds = devices.map((d) => d.stream.lastEventId);
    await a.kill();
    killed = true;
    await load;
    // The devices that were on A come back through B, from the last id they hold.
    const resumedReader = await client(b.url, 'rita@example.com');
    const resumedSender = await client(b.url, 'sam@example.com');
    devices[0]!.stop();
    devices[2]!.stop();
    const replacements = [await collect(resumedReader, { lastEventId: devices[0]!.stream.lastEventId ?? lastIds[0]! }), devices[1]!, await collect(resumedSender, { lastEventId: devices[2]!.stream.lastEventId ?? lastIds[2]! })];
    const before = devices;
    devices = replacements;
    for (let i = 0; i < devices.length; i++) {
      const device = devices[i]!;
      const prior = i === 1 ? [] : messageIds(before[i]!);
      const holds = () => [...prior, ...messageIds(device)];
      const deadline = Date.now() + 20_000;
      while ([...acknowledged].some((id) => !holds().includes(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const all = holds();
      const missing = [...acknowledged].filter((id) => !all.includes(id));
      assert.deepEqual(missing, [], `device ${i} lost acknowledged messages`);
      assert.equal(new Set(all).size, all.length, `device ${i} got a message twice`);
      device.stop();
    }
    assert.ok(acknowledged.size >= 100, `most sends were acknowledged (${acknowledged.size})`);
  });
});
