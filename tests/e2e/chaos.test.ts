/**
 * Chaos (issue 14; SPEC PL-3, SEC-2; DESIGN §2 invariant 5): two `flint serve` instances on
 * PostgreSQL and Redis, the KMS on its own, under a steady load of sealed messages from SDK clients
 * connected to both instances — while PostgreSQL, Redis and the KMS are each restarted in turn and
 * the KMS link is cut and restored. Nobody reconnects anything by hand: the instances and the
 * clients must recover by themselves, and every acknowledged message must reach every member
 * exactly once, in one order for all, each sender's in the order sent, and open with its key.
 *
 * PostgreSQL and Redis are "restarted" by TCP proxies in front of the machine's real servers (which
 * other tests share): the proxy stops listening and cuts every connection, then listens again. The
 * KMS is a real `flint kms serve` process, stopped and started again on its port and data.
 * Runs when FLINT_TEST_DATABASE_URL (PostgreSQL) and FLINT_TEST_REDIS_URL are set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, freePort, spawnFlint, spawnKms, startTcpProxy, type FlintProcess, type TcpProxy, type TestDatabase } from '@flint/testkit';
import { joinAs, type ChaosMember } from './chaos/member.ts';

const pgUrl = process.env['FLINT_TEST_DATABASE_URL'];
const redisUrl = process.env['FLINT_TEST_REDIS_URL'];
const skip =
  pgUrl?.startsWith('postgres') === true && redisUrl !== undefined
    ? false
    : 'the chaos test needs FLINT_TEST_DATABASE_URL (PostgreSQL) and FLINT_TEST_REDIS_URL: it restarts both (through proxies) under load';

const PASSWORD = 'correct horse battery staple';
/** How long each outage lasts. */
const OUTAGE_MS = 2_500;
/** Steady load: each sender sends one message, then waits this long. */
const SEND_EVERY_MS = 40;
/** After each outage, the load must be acknowledged again within this time (the recovery bound). */
const RECOVERY_MS = 20_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A URL with its host and port replaced by a proxy's. */
function through(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  const p = new URL(proxy.url);
  u.hostname = p.hostname;
  u.port = p.port;
  return u.toString();
}

describe('chaos: two instances on PostgreSQL + Redis, the KMS apart, under load', { skip }, () => {
  let dir: string;
  let db: TestDatabase;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let kmsProxy: TcpProxy;
  /** The clients reach each instance through a proxy too, so their connections can be cut. */
  let clientProxies: TcpProxy[] = [];
  let kms: FlintProcess;
  let kmsPort: number;
  let a: FlintProcess;
  let b: FlintProcess;
  const members: ChaosMember[] = [];

  const startKms = async () => {
    kms = await spawnKms(kmsPort, { dataDir: join(dir, 'kms'), coreUrl: a.url, cluster: 'kms://kms.chaos.test', env: { FLINT_LOG_LEVEL: 'warn' } });
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-chaos-'));
    db = await createTestDatabase(dir);
    const pg = new URL(db.url);
    const redis = new URL(redisUrl!);
    pgProxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
    redisProxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    kmsPort = await freePort();
    kmsProxy = await startTcpProxy({ host: '127.0.0.1', port: kmsPort });
    const [portA, portB] = [await freePort(), await freePort()];
    const env = {
      DATABASE_URL: through(db.url, pgProxy),
      REDIS_URL: through(redisUrl!, redisProxy),
      FLINT_REDIS_PREFIX: `flint-chaos-${Date.now()}:`,
      FLINT_KMS_URL: kmsProxy.url,
      FLINT_LOG_LEVEL: 'warn',
      FLINT_RATE_LIMIT_PER_MINUTE: '100000',
    };
    // The first instance migrates the database; the second and the KMS start beside it.
    a = await spawnFlint(portA, { ...env, FLINT_DATA_DIR: join(dir, 'a') });
    [b] = await Promise.all([spawnFlint(portB, { ...env, FLINT_DATA_DIR: join(dir, 'b') }), startKms()]);
    clientProxies = [await startTcpProxy({ host: '127.0.0.1', port: portA }), await startTcpProxy({ host: '127.0.0.1', port: portB })];
  });

  after(async () => {
    for (const m of members) m.stop();
    await Promise.allSettled([a?.stop(), b?.stop(), kms?.stop()]);
    await Promise.allSettled([pgProxy?.stop(), redisProxy?.stop(), kmsProxy?.stop(), ...clientProxies.map((p) => p.stop())]);
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('loses, duplicates and reorders nothing acknowledged while PostgreSQL, Redis and the KMS restart', { timeout: 240_000 }, async (t) => {
    // Two senders and two readers, half on each instance.
    const [viaA, viaB] = clientProxies.map((p) => p.url) as [string, string];
    const ada = await joinAs(viaA, 'ada@chaos.test', PASSWORD, { signup: true, deviceId: 'ada' });
    const bob = await joinAs(viaB, 'bob@chaos.test', PASSWORD, { signup: true, deviceId: 'bob' });
    const rita = await joinAs(viaA, 'rita@chaos.test', PASSWORD, { signup: true, deviceId: 'rita' });
    const rob = await joinAs(viaB, 'rob@chaos.test', PASSWORD, { signup: true, deviceId: 'rob' });
    members.push(ada, bob, rita, rob);
    const space = await ada.session.spaces.create({ title: 'Chaos' });
    for (const m of [bob, rita, rob]) await ada.session.members.add(space.id, { personId: m.personId });

    // The load: each sender sends in turn, all the time; a send that fails is not acknowledged
    // (it may or may not exist; an application would retry it, with a new text).
    const acknowledged: { id: string; sender: number; text: string }[] = [];
    let failures = 0;
    let slowest = 0;
    let running = true;
    let lastAck = Date.now();
    const senders = [ada, bob];
    const load = senders.map(async (sender, s) => {
      for (let i = 0; running; i++) {
        const text = `from ${s}: #${i}`;
        const started = Date.now();
        try {
          acknowledged.push({ id: await sender.send(space.id, text), sender: s, text });
          lastAck = Date.now();
        } catch {
          failures++;
        }
        slowest = Math.max(slowest, Date.now() - started);
        await sleep(SEND_EVERY_MS);
      }
    });

    /** Waits until both senders have been acknowledged again after `since` (the system recovered). */
    const recovered = async (what: string, since: number) => {
      const deadline = Date.now() + RECOVERY_MS;
      const ackedSince = (s: number) => acknowledged.some((m, i) => m.sender === s && i >= since);
      while (!(ackedSince(0) && ackedSince(1))) {
        assert.ok(Date.now() < deadline, `no acknowledged send from both senders within ${RECOVERY_MS} ms after ${what} (last ack ${Date.now() - lastAck} ms ago; ${failures} failures)\nA: ${a.output().slice(-2000)}\nB: ${b.output().slice(-2000)}`);
        await sleep(50);
      }
      await sleep(500);
    };
    /**
     * One outage: cut, wait, restore, and wait for the load to be acknowledged again. The clients of
     * one instance also lose their connections at the start of it (they reconnect into the outage).
     * `felt` checks that the outage was real (not a proxy that changed nothing).
     */
    const outage = async (what: string, cut: () => Promise<void>, restore: () => Promise<void>, felt: () => Promise<void>) => {
      const [failuresBefore, started] = [failures, Date.now()];
      slowest = 0;
      await cut();
      clientProxies[outages++ % 2]!.drop();
      await felt();
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - started)));
      await restore();
      await recovered(what, acknowledged.length);
      t.diagnostic(`${what}: ${failures - failuresBefore} sends failed, slowest ${slowest} ms, ${acknowledged.length} acknowledged so far`);
    };
    let outages = 0;
    /** The load noticed: a send failed or waited. */
    const loadStalls = async () => {
      const [f, deadline] = [failures, Date.now() + OUTAGE_MS];
      while (failures === f && Date.now() - lastAck < 1_000 && Date.now() < deadline) await sleep(20);
      assert.ok(failures > f || Date.now() - lastAck >= 1_000, 'the outage did not stop the load');
    };
    /** The KMS is out of reach: a new space (a new key) cannot be made now. */
    const kmsUnreachable = async () => {
      await assert.rejects(rita.session.spaces.create({ title: 'during the outage' }));
    };

    try {
      await recovered('start', 0);
      await outage('a PostgreSQL restart', () => pgProxy.down(), () => pgProxy.up(), loadStalls);
      await outage('a Redis restart', () => redisProxy.down(), () => redisProxy.up(), loadStalls);
      await outage('a KMS restart', async () => void (await kms.stop()), startKms, kmsUnreachable);
      await outage(
        'a cut KMS link',
        async () => {
          kmsProxy.hold();
          kmsProxy.drop();
        },
        async () => kmsProxy.release(),
        kmsUnreachable,
      );
      // The KMS still serves these clients after all that: a new space needs a new key and resource.
      for (const m of [bob, rita]) assert.equal((await m.session.spaces.create({ title: 'After the storm' })).title, 'After the storm');
    } finally {
      // Also when an outage fails the test: the load must not outlive it.
      running = false;
      await Promise.allSettled(load);
    }

    // Every member ends up with every acknowledged message exactly once, in the same order.
    const ackIds = new Set(acknowledged.map((m) => m.id));
    const deadline = Date.now() + 30_000;
    const missing = (m: ChaosMember) => [...ackIds].filter((id) => !m.received.some((r) => r.messageId === id));
    while (members.some((m) => missing(m).length > 0) && Date.now() < deadline) await sleep(100);
    const orders = members.map((m) => m.received.map((r) => r.messageId).filter((id) => ackIds.has(id)));
    for (const [i, m] of members.entries()) {
      assert.deepEqual(missing(m), [], `member ${i} lost acknowledged messages (connected: ${m.connected()})`);
      const ids = m.received.map((r) => r.messageId);
      assert.equal(new Set(ids).size, ids.length, `member ${i} got a message twice`);
      const eventIds = m.received.map((r) => r.eventId);
      assert.deepEqual(eventIds, [...eventIds].sort((x, y) => x - y), `member ${i}'s events arrived out of order`);
      assert.deepEqual(orders[i], orders[0], `member ${i} saw another order than member 0`);
    }
    // Each sender's messages in the order they were sent.
    for (const s of [0, 1]) {
      const sent = acknowledged.filter((m) => m.sender === s).map((m) => m.id);
      assert.deepEqual(orders[0]!.filter((id) => sent.includes(id)), sent, `sender ${s}'s messages out of order`);
    }
    // And each opens with its key to what was sent.
    const texts = new Map(acknowledged.map((m) => [m.id, m.text]));
    for (const [i, m] of members.entries()) {
      await m.openPending();
      for (const r of m.received) if (texts.has(r.messageId)) assert.equal(r.text, texts.get(r.messageId), `member ${i} could not open ${r.messageId}`);
    }
    assert.ok(acknowledged.length >= 100, `a steady load (${acknowledged.length} acknowledged, ${failures} failed)`);
  });
});
