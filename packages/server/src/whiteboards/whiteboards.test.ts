/**
 * Whiteboards in the core (issue 21: MT-5): members create, list, rename and delete boards; sealed
 * updates get consecutive numbers and are read back in order; the size limits answer 400 and change
 * nothing; a snapshot compacts (the updates it covers are dropped) and cannot move the board back;
 * people who are not — or are no longer — members of the space find no board.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WHITEBOARD_LIMITS } from '@flint/protocol';
import type { FlintClient } from '@flint/sdk';
import { changedTables, raw, settledDigest, startFlint, type TestFlint } from '@flint/testkit';

const c = (s: string) => `ciphertext:${s}`;
const KEY = 'kms://kms.example/keys/1';

describe('whiteboards in the core', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let eve: FlintClient;
  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@wb.example', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@wb.example', displayName: 'Bob' });
    eve = await flint.signup({ email: 'eve@wb.example', displayName: 'Eve' });
  });
  after(() => flint.stop());

  async function space(): Promise<{ roomId: string; bobMembership: string }> {
    const room = await ada.rooms.create({ title: c('boards') });
    const m = await ada.memberships.create({ roomId: room.id, personId: bob.session!.personId });
    return { roomId: room.id, bobMembership: m.id };
  }

  it('members create, list, rename and read boards; updates are numbered in order and read back after a point', async () => {
    const { roomId } = await space();
    const board = await ada.whiteboards.create({ roomId, title: c('sketch'), encryptionKeyUrl: KEY });
    assert.equal(board.roomId, roomId);
    assert.equal(board.lastSeq, 0);
    assert.equal(board.hasThumbnail, false);
    assert.deepEqual((await bob.whiteboards.list(roomId)).map((b) => b.id), [board.id]);
    const renamed = await bob.whiteboards.update(board.id, { title: c('renamed'), encryptionKeyUrl: KEY });
    assert.equal(renamed.title, c('renamed'));
    const seqs = [];
    for (let i = 0; i < 3; i++) seqs.push((await (i % 2 === 0 ? ada : bob).whiteboards.postUpdate(board.id, { update: c(`u${i}`), encryptionKeyUrl: KEY })).seq);
    assert.deepEqual(seqs, [1, 2, 3]);
    const all = await bob.whiteboards.state(board.id, 0);
    assert.equal(all.snapshot, undefined);
    assert.deepEqual(all.updates.map((u) => [u.seq, u.update]), [[1, c('u0')], [2, c('u1')], [3, c('u2')]]);
    assert.equal(all.more, false);
    assert.deepEqual((await ada.whiteboards.state(board.id, 2)).updates.map((u) => u.seq), [3]);
    assert.equal((await ada.whiteboards.get(board.id)).lastSeq, 3);
  });

  it('refuses a too-large update, snapshot or thumbnail with 400 and stores nothing', async () => {
    const { roomId } = await space();
    const board = await ada.whiteboards.create({ roomId, title: c('big'), encryptionKeyUrl: KEY });
    const token = ada.transport.accessToken;
    const before = await settledDigest(flint);
    const tooBig = await raw(flint.url, 'POST', `/api/whiteboards/${board.id}/updates`, { token, body: { update: 'x'.repeat(WHITEBOARD_LIMITS.updateChars + 1), encryptionKeyUrl: KEY } });
    assert.equal(tooBig.status, 400);
    assert.equal((tooBig.json as { code: string }).code, 'validation_failed');
    const bigSnapshot = await raw(flint.url, 'PUT', `/api/whiteboards/${board.id}/snapshot`, { token, body: { state: 'x'.repeat(WHITEBOARD_LIMITS.snapshotChars + 1), encryptionKeyUrl: KEY, seq: 0 } });
    assert.equal(bigSnapshot.status, 400);
    const bigThumb = await raw(flint.url, 'PUT', `/api/whiteboards/${board.id}/snapshot`, { token, body: { state: c('s'), thumbnail: 'x'.repeat(WHITEBOARD_LIMITS.thumbnailChars + 1), encryptionKeyUrl: KEY, seq: 0 } });
    assert.equal(bigThumb.status, 400);
    assert.deepEqual(changedTables(before, await settledDigest(flint)), [], 'the refused requests changed nothing');
    // At the limit is accepted.
    const atLimit = await ada.whiteboards.postUpdate(board.id, { update: 'x'.repeat(WHITEBOARD_LIMITS.updateChars), encryptionKeyUrl: KEY });
    assert.equal(atLimit.seq, 1);
    assert.equal((await ada.whiteboards.state(board.id, 0)).updates.length, 1);
  });

  it('a snapshot compacts: the updates it covers go, later ones stay; an older snapshot or one past the last update is refused', async () => {
    const { roomId } = await space();
    const board = await ada.whiteboards.create({ roomId, title: c('compact'), encryptionKeyUrl: KEY });
    for (let i = 1; i <= 4; i++) await bob.whiteboards.postUpdate(board.id, { update: c(`u${i}`), encryptionKeyUrl: KEY });
    await assert.rejects(ada.whiteboards.saveSnapshot(board.id, { state: c('state'), encryptionKeyUrl: KEY, seq: 5 }), { status: 400 });
    const saved = await ada.whiteboards.saveSnapshot(board.id, { state: c('state@3'), thumbnail: c('png'), encryptionKeyUrl: KEY, seq: 3 });
    assert.equal(saved.snapshotSeq, 3);
    assert.equal(saved.hasThumbnail, true);
    const fresh = await bob.whiteboards.state(board.id, 0);
    assert.equal(fresh.snapshot?.state, c('state@3'));
    assert.equal(fresh.snapshot?.seq, 3);
    assert.deepEqual(fresh.updates.map((u) => u.seq), [4], 'only the update after the snapshot is left');
    // A device that already holds update 3 gets no snapshot, only what follows.
    const caughtUp = await bob.whiteboards.state(board.id, 3);
    assert.equal(caughtUp.snapshot, undefined);
    assert.deepEqual(caughtUp.updates.map((u) => u.seq), [4]);
    await assert.rejects(bob.whiteboards.saveSnapshot(board.id, { state: c('older'), encryptionKeyUrl: KEY, seq: 2 }), { status: 409 });
    assert.deepEqual(await bob.whiteboards.thumbnail(board.id), { thumbnail: c('png'), encryptionKeyUrl: KEY });
    // Numbering goes on after compaction.
    assert.equal((await ada.whiteboards.postUpdate(board.id, { update: c('u5'), encryptionKeyUrl: KEY })).seq, 5);
    const rows = await flint.server.core.db.selectFrom('whiteboard_updates').select('seq').where('board_id', '=', board.id).orderBy('seq').execute();
    assert.deepEqual(rows.map((r) => Number(r.seq)), [4, 5]);
  });

  it('non-members and removed members find no board; only the creator or a moderator deletes one', async () => {
    const { roomId, bobMembership } = await space();
    const board = await ada.whiteboards.create({ roomId, title: c('private'), encryptionKeyUrl: KEY });
    await bob.whiteboards.postUpdate(board.id, { update: c('u1'), encryptionKeyUrl: KEY });
    await assert.rejects(eve.whiteboards.get(board.id), { status: 404 });
    await assert.rejects(eve.whiteboards.state(board.id, 0), { status: 404 });
    await assert.rejects(eve.whiteboards.postUpdate(board.id, { update: c('intruder'), encryptionKeyUrl: KEY }), { status: 404 });
    await assert.rejects(eve.whiteboards.list(roomId), { status: 404 });
    await assert.rejects(eve.whiteboards.create({ roomId, title: c('mine'), encryptionKeyUrl: KEY }), { status: 404 });
    const bobBoard = await bob.whiteboards.create({ roomId, title: c('bob’s'), encryptionKeyUrl: KEY });
    await assert.rejects(bob.whiteboards.delete(board.id), { status: 403 }, 'a member who is neither creator nor moderator');
    await bob.whiteboards.delete(bobBoard.id);
    await ada.memberships.delete(bobMembership);
    await assert.rejects(bob.whiteboards.get(board.id), { status: 404 });
    await assert.rejects(bob.whiteboards.state(board.id, 0), { status: 404 });
    await assert.rejects(bob.whiteboards.thumbnail(board.id), { status: 404 });
    await assert.rejects(bob.whiteboards.postUpdate(board.id, { update: c('after removal'), encryptionKeyUrl: KEY }), { status: 404 });
    assert.equal((await ada.whiteboards.get(board.id)).lastSeq, 1, 'nothing was added by the removed member');
    await ada.whiteboards.delete(board.id);
    assert.deepEqual(await ada.whiteboards.list(roomId), []);
    const left = await flint.server.core.db.selectFrom('whiteboard_updates').select('seq').where('board_id', '=', board.id).execute();
    assert.equal(left.length, 0);
  });

  it(`allows ${WHITEBOARD_LIMITS.perSpace} boards in a space, no more`, async () => {
    const { roomId } = await space();
    for (let i = 0; i < WHITEBOARD_LIMITS.perSpace; i++) await ada.whiteboards.create({ roomId, title: c(`b${i}`), encryptionKeyUrl: KEY });
    await assert.rejects(ada.whiteboards.create({ roomId, title: c('one more'), encryptionKeyUrl: KEY }), { status: 400 });
    assert.equal((await ada.whiteboards.list(roomId)).length, WHITEBOARD_LIMITS.perSpace);
  });

  it('a deleted space takes its boards and their updates along', async () => {
    const { roomId } = await space();
    const board = await ada.whiteboards.create({ roomId, title: c('doomed'), encryptionKeyUrl: KEY });
    await ada.whiteboards.postUpdate(board.id, { update: c('u1'), encryptionKeyUrl: KEY });
    await ada.rooms.delete(roomId);
    assert.equal((await flint.server.core.db.selectFrom('whiteboards').select('id').where('id', '=', board.id).execute()).length, 0);
    assert.equal((await flint.server.core.db.selectFrom('whiteboard_updates').select('seq').where('board_id', '=', board.id).execute()).length, 0);
  });
});
