/**
 * Group commit (issue 15): concurrent sends share one durable commit (`FLINT_DB_SYNC=full`: one fsync
 * per commit on SQLite, PostgreSQL's default), each is acknowledged only once that commit is done,
 * a call that fails rolls back alone, and the stream stays exact (in order, nothing of the failed
 * call, resume from the last id). Runs on SQLite, or on PostgreSQL with FLINT_TEST_DATABASE_URL.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '@flint/db';
import type { FlintClient } from '@flint/sdk';
import { collect, startFlint, type TestFlint } from '@flint/testkit';
import type { Database } from '../db/schema.ts';

const c = (s: string) => `ciphertext:${s}`;

describe('group commit', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let adaId: string;
  let bobId: string;
  /** A second connection to the same database: it sees only what has committed. */
  let other: ReturnType<typeof openDatabase<Database>>;
  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open', FLINT_DB_SYNC: 'full' } });
    ada = await flint.signup({ email: 'ada@example.com' });
    bob = await flint.signup({ email: 'bob@example.com' });
    adaId = ada.session!.personId;
    bobId = bob.session!.personId;
    other = openDatabase<Database>(flint.config.database);
  });
  after(async () => {
    await other.close();
    await flint.stop();
  });

  it('runs with one fsync per commit when asked (FLINT_DB_SYNC=full)', () => {
    assert.equal(flint.config.database.durability, 'full');
  });

  it('lets concurrent sends share a commit, and answers each only after its commit', async () => {
    const room = await ada.rooms.create({ title: c('group commit') });
    await ada.memberships.create({ roomId: room.id, personId: bobId });
    const device = await collect(bob);
    const { events } = flint.server.core;
    const commits: number[] = [];
    events.onCommit = (calls) => commits.push(calls);
    const N = 30;
    const seen: boolean[] = [];
    const sent = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const message = await ada.messages.create({ roomId: room.id, text: c(`concurrent ${i}`) });
        // Acknowledged: another connection must see it already (it has committed).
        const row = await other.db.selectFrom('messages').select('id').where('id', '=', message.id).executeTakeFirst();
        seen[i] = row !== undefined;
        return message;
      }),
    );
    events.onCommit = undefined;
    assert.ok(
      seen.every((x) => x),
      'every send is visible to another connection when it is answered',
    );
    const carried = commits.reduce((a, b) => a + b, 0);
    assert.ok(carried >= N, `the commits carried every send (${carried})`);
    assert.ok(commits.length < N, `fewer commits (${commits.length}) than sends (${N})`);
    assert.ok(Math.max(...commits) > 1, `a commit carried several sends (largest ${Math.max(...commits)})`);
    // Exact stream: every message once, in position order, and the ids only grow.
    const got = await device.waitForCount((e) => e.type === 'message.created', N);
    assert.deepEqual(new Set(got.map((e) => (e.data as { id: string }).id)), new Set(sent.map((m) => m.id)));
    const ids = device.events.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids only grow');
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    // Resume from the middle gets exactly the rest, in the same order.
    const middle = got[Math.floor(N / 2)]!.id;
    device.stop();
    const resumed = await collect(bob, { lastEventId: middle });
    const rest = await resumed.waitForCount((e) => e.type === 'message.created', N - Math.floor(N / 2) - 1);
    assert.deepEqual(
      rest.map((e) => e.id),
      got.filter((e) => e.id > middle).map((e) => e.id),
    );
    resumed.stop();
  });

  it('rolls back a failing call alone: the others in its commit go through, its events never exist', async () => {
    const { core } = flint.server;
    const device = await collect(ada);
    const commits: number[] = [];
    core.events.onCommit = (calls) => commits.push(calls);
    const before = await core.db.selectFrom('people').select('display_name').where('id', '=', adaId).executeTakeFirstOrThrow();
    // Three calls in the same turn: they form one batch.
    const favorite = (roomId: string) => core.events.transact(async (_trx, emit) => emit({ recipients: [adaId], type: 'room.favorite', data: { roomId, isFavorite: true }, actorId: adaId }));
    const first = favorite('first');
    const failing = core.events.transact(async (trx, emit) => {
      await trx.updateTable('people').set({ display_name: 'never committed' }).where('id', '=', adaId).execute();
      emit({ recipients: [adaId], type: 'room.favorite', data: { roomId: 'failing', isFavorite: true }, actorId: adaId });
      throw new Error('this call fails');
    });
    const third = favorite('third');
    await assert.rejects(failing, /this call fails/);
    await Promise.all([first, third]);
    core.events.onCommit = undefined;
    assert.deepEqual(commits, [2], 'one commit carried the two calls that succeeded');
    const now = await other.db.selectFrom('people').select('display_name').where('id', '=', adaId).executeTakeFirstOrThrow();
    assert.equal(now.display_name, before.display_name, "the failing call's write was rolled back");
    const got = await device.waitForCount((e) => e.type === 'room.favorite', 2);
    assert.deepEqual(
      got.map((e) => (e.data as { roomId: string }).roomId),
      ['first', 'third'],
    );
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!device.events.some((e) => (e.data as { roomId?: string }).roomId === 'failing'), "the failing call's event never exists");
    device.stop();
  });
});
