/**
 * The event log's cost and order (issue 15; DESIGN §2 invariant 5, §5): a message writes the same
 * rows whatever the size of its space, positions need no lock on PostgreSQL, and no reader steps
 * over an event still in flight. Runs on SQLite, or on PostgreSQL with FLINT_TEST_DATABASE_URL.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { FlintClient } from '@flint/sdk';
import { collect, startFlint, type TestFlint } from '@flint/testkit';
import type { WebSocket } from 'ws';
import { newId } from '../infra/ids.ts';
import { insertMembership } from '../spaces/rooms.ts';
import { EventConnection } from './connection.ts';
import { appendEvents, readStream } from './event-log.ts';

const c = (s: string) => `ciphertext:${s}`;

describe('event log and delivery', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let adaId: string;
  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@example.com' });
    adaId = ada.session!.personId;
  });
  after(() => flint.stop());

  /** A space of `size` members (ada and size − 1 people made for it), through the real membership path. */
  async function spaceOf(size: number): Promise<{ roomId: string; members: string[] }> {
    const { core } = flint.server;
    const room = await ada.rooms.create({ title: c(`space of ${size}`) });
    const me = await core.db.selectFrom('people').selectAll().where('id', '=', adaId).executeTakeFirstOrThrow();
    const members: string[] = [];
    const now = Date.now();
    const people = Array.from({ length: size - 1 }, (_, i) => ({ ...me, id: newId(), email: `m${size}-${i}@example.com`, display_name: `m${i}`, password_hash: null, created_at: now, updated_at: now }));
    for (let i = 0; i < people.length; i += 500) await core.db.insertInto('people').values(people.slice(i, i + 500)).execute();
    members.push(...people.map((p) => p.id));
    await core.events.transact(async (trx, emit) => {
      for (const id of members) await insertMembership(trx, emit, now, room.id, id, false);
    });
    return { roomId: room.id, members };
  }

  async function rowCounts(): Promise<Map<string, number>> {
    const { db } = flint.server.core;
    const tables = (await db.introspection.getTables()).map((t) => t.name).filter((name) => !name.startsWith('flint_migrations'));
    const counts = new Map<string, number>();
    for (const name of tables) {
      const { rows } = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(name)}`.execute(db);
      counts.set(name, Number(rows[0]!.n));
    }
    return counts;
  }

  /** Rows added or removed per table, and (SQLite) every row changed, by one message. */
  async function costOfMessage(roomId: string): Promise<{ delta: Record<string, number>; changes: number | undefined }> {
    const { db } = flint.server.core;
    const sqlite = flint.engine === 'sqlite';
    const totalChanges = async () => Number((await sql<{ n: number }>`select total_changes() as n`.execute(db)).rows[0]!.n);
    const before = await rowCounts();
    const changesBefore = sqlite ? await totalChanges() : 0;
    await ada.messages.create({ roomId, text: c('how many rows?') });
    const changes = sqlite ? (await totalChanges()) - changesBefore : undefined;
    const after = await rowCounts();
    const delta: Record<string, number> = {};
    for (const [name, n] of after) if (n !== before.get(name)) delta[name] = n - (before.get(name) ?? 0);
    return { delta, changes };
  }

  it('writes the same rows for a message to 10 members as to 1,000: one event row, nothing per member', async () => {
    const small = await spaceOf(10);
    const large = await spaceOf(1000);
    await ada.messages.create({ roomId: small.roomId, text: c('warm up') });
    await ada.messages.create({ roomId: large.roomId, text: c('warm up') });
    const ten = await costOfMessage(small.roomId);
    const thousand = await costOfMessage(large.roomId);
    assert.deepEqual(ten.delta, { events: 1, messages: 1 });
    assert.deepEqual(thousand.delta, ten.delta);
    if (flint.engine === 'sqlite') {
      // Inserts, updates and deletes alike (read marker, space activity, stream counter, …).
      assert.ok(ten.changes !== undefined && ten.changes < 10, `${ten.changes} rows changed`);
      assert.equal(thousand.changes, ten.changes);
    }
    // …and every member has it in their stream, read from their membership interval.
    const { core } = flint.server;
    // On PostgreSQL the horizon is the cluster's oldest open transaction: another test's transaction
    // on the same cluster may hold it back for a moment (the hub retries the same way), so wait for it.
    let horizon = await core.events.positions.horizon();
    const count = async (person: string) => (await readStream(core.db, person, 0, horizon, 100)).rows.filter((r) => r.type === 'message.created').length;
    for (const deadline = Date.now() + 10_000; (await count(large.members[998]!)) < 2 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      horizon = await core.events.positions.horizon();
    }
    for (const person of [large.members[0]!, large.members[998]!]) assert.equal(await count(person), 2);
    const { rows: outsider } = await readStream(core.db, small.members[0]!, 0, horizon, 100);
    assert.ok(!outsider.some((r) => r.space_id === large.roomId), 'a member of another space gets none of it');
  });

  it('takes no lock on PostgreSQL, and never lets a reader step over an event still in flight', { skip: process.env['FLINT_TEST_DATABASE_URL']?.startsWith('postgres') !== true && 'PostgreSQL only (SQLite has one writer)' }, async () => {
    const { core } = flint.server;
    const bob = await flint.signup({ email: 'bob@example.com' });
    const bobId = bob.session!.personId;
    const device = await collect(bob);
    const start = await core.events.positions.horizon();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let afterFirst: number | undefined;
    let appended!: () => void;
    const appendedOnce = new Promise<void>((resolve) => (appended = resolve));
    // A: appends an event, then stays open.
    const slow = core.db.transaction().execute(async (trx) => {
      afterFirst = await appendEvents(trx, core.events.positions, [{ recipients: [bobId], type: 'room.favorite', data: { roomId: 'first', isFavorite: true }, actorId: bobId }], Date.now());
      appended();
      await gate;
    });
    await appendedOnce;
    // B: starts later, commits while A is open, without waiting for it.
    const quick = core.events.transact(async (_trx, emit) => {
      emit({ recipients: [bobId], type: 'room.favorite', data: { roomId: 'second', isFavorite: true }, actorId: bobId });
    });
    const outcome = await Promise.race([quick.then(() => 'committed'), new Promise((r) => setTimeout(() => r('blocked'), 3000))]);
    assert.equal(outcome, 'committed', 'a second writer does not wait for the first');
    // B is committed, but below it A is still in flight: no reader may see B yet.
    const horizon = await core.events.positions.horizon();
    assert.ok(afterFirst !== undefined && horizon < afterFirst, 'the horizon stays below the open transaction');
    assert.deepEqual((await readStream(core.db, bobId, start, horizon, 10)).rows, []);
    await new Promise((r) => setTimeout(r, 150));
    assert.ok(!device.events.some((e) => e.type === 'room.favorite'), 'nothing delivered past the open transaction');
    release();
    await slow;
    const got = await device.waitForCount((e) => e.type === 'room.favorite', 2);
    assert.deepEqual(
      got.map((e) => (e.data as { roomId: string }).roomId),
      ['first', 'second'],
      'both, in position order',
    );
    const replay = await readStream(core.db, bobId, start, await core.events.positions.horizon(), 10);
    assert.deepEqual(
      replay.rows.map((r) => r.id),
      got.map((e) => e.id),
    );
    device.stop();
  });

  it('fans a large space out with one encoded frame for every socket, without holding the event loop', async () => {
    const { core } = flint.server;
    const { roomId, members } = await spaceOf(2000);
    const frames: Buffer[] = [];
    const writes: number[] = [];
    const sockets = members.map(() => ({
      bufferedAmount: 0,
      send(frame: Buffer) {
        // A real socket write costs some microseconds: 2,000 of them hold the loop for tens of ms unless the hub yields.
        const until = performance.now() + 0.02;
        while (performance.now() < until);
        frames.push(frame);
        writes.push(performance.now());
      },
      close() {},
    }));
    const conns = members.map((person, i) => new EventConnection(`c${i}`, person, 'session', null, sockets[i] as unknown as WebSocket, core.db, core.events.positions, 0, (error) => assert.fail(String(error))));
    const head = (await core.events.positions.horizon()) - 1;
    for (const conn of conns) conn.seen = head + 1;
    await Promise.all(conns.map((conn) => core.events.hub.add(conn)));
    while (conns.some((conn) => !conn.live)) await new Promise((r) => setTimeout(r, 20));
    frames.length = 0;
    writes.length = 0;
    // A timer that ticks while the hub writes: it can only run if the hub yields.
    const ticks: number[] = [];
    const ticker = setInterval(() => ticks.push(performance.now()), 0);
    await ada.messages.create({ roomId, text: c('to two thousand') });
    const deadline = Date.now() + 20_000;
    while (frames.length < members.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    clearInterval(ticker);
    for (const conn of conns) core.events.hub.remove(conn);
    assert.equal(frames.length, members.length, 'every member’s socket got the event once');
    assert.equal(new Set(frames).size, 1, 'one encoded frame, the same bytes written to every socket');
    const event = (JSON.parse(frames[0]!.toString('utf8')) as { event: { type: string; data: { text: string } } }).event;
    assert.equal(event.type, 'message.created');
    assert.equal(event.data.text, c('to two thousand'));
    const [first, last] = [writes[0]!, writes[writes.length - 1]!];
    assert.ok(ticks.some((t) => t > first && t < last), 'timers ran between the first and the last write');
  });
});
