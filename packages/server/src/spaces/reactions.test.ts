/**
 * Emoji reactions over HTTP (issue 16): the core stores the sealed emoji with who reacted to which
 * message, tells every member live, bounds the reactions per person per message, refuses
 * non-members and other people's reactions, and drops a message's reactions with it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REACTION_LIMITS } from '@flint/protocol';
import type { FlintClient } from '@flint/sdk';
import { collect, raw, startFlint, type TestFlint } from '@flint/testkit';

const c = (s: string) => `ciphertext:${s}`;
const KEY = 'kms://kms.example/keys/1';

describe('reactions', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let eve: FlintClient;
  let ids: { ada: string; bob: string; eve: string };
  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob' });
    eve = await flint.signup({ email: 'eve@example.com', displayName: 'Eve' });
    ids = { ada: ada.session!.personId, bob: bob.session!.personId, eve: eve.session!.personId };
  });
  after(() => flint.stop());

  async function space(): Promise<{ roomId: string; messageId: string }> {
    const room = await ada.rooms.create({ title: c('reactions') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const message = await ada.messages.create({ roomId: room.id, text: c('react to me') });
    return { roomId: room.id, messageId: message.id };
  }

  it('stores the sealed emoji, lists it for members and tells every member live', async () => {
    const { roomId, messageId } = await space();
    const adaEvents = await collect(ada);
    const reaction = await bob.reactions.create({ messageId, emoji: c('👍'), encryptionKeyUrl: KEY });
    assert.equal(reaction.personId, ids.bob);
    assert.equal(reaction.roomId, roomId);
    assert.equal(reaction.emoji, c('👍'));
    const seen = await adaEvents.waitFor((e) => e.type === 'reaction.created');
    assert.deepEqual(seen.data, reaction);
    const listed = await ada.reactions.list(roomId, [messageId]);
    assert.deepEqual(listed, [reaction]);
    await bob.reactions.delete(reaction.id);
    const gone = await adaEvents.waitFor((e) => e.type === 'reaction.deleted');
    assert.deepEqual(gone.data, { id: reaction.id, messageId, roomId, personId: ids.bob });
    assert.deepEqual(await ada.reactions.list(roomId, [messageId]), []);
    adaEvents.stop();
  });

  it(`allows ${REACTION_LIMITS.perPersonPerMessage} reactions per person per message, no more`, async () => {
    const { roomId, messageId } = await space();
    for (let i = 0; i < REACTION_LIMITS.perPersonPerMessage; i++) await bob.reactions.create({ messageId, emoji: c(`e${i}`), encryptionKeyUrl: KEY });
    await assert.rejects(bob.reactions.create({ messageId, emoji: c('one more'), encryptionKeyUrl: KEY }), { status: 400 });
    // Someone else still may.
    await ada.reactions.create({ messageId, emoji: c('e0'), encryptionKeyUrl: KEY });
    assert.equal((await ada.reactions.list(roomId, [messageId])).length, REACTION_LIMITS.perPersonPerMessage + 1);
  });

  it('refuses non-members (404), removing another’s reaction (403), and bad input (400) — changing nothing', async () => {
    const { roomId, messageId } = await space();
    const mine = await bob.reactions.create({ messageId, emoji: c('🎉'), encryptionKeyUrl: KEY });
    await assert.rejects(eve.reactions.create({ messageId, emoji: c('👀'), encryptionKeyUrl: KEY }), { status: 404 });
    await assert.rejects(eve.reactions.delete(mine.id), { status: 404 });
    await assert.rejects(eve.reactions.list(roomId, [messageId]), (e: { status: number }) => e.status === 404 || e.status === 403);
    await assert.rejects(ada.reactions.delete(mine.id), { status: 403 });
    const token = ada.session!.accessToken;
    for (const body of [{ messageId, emoji: '', encryptionKeyUrl: KEY }, { messageId, emoji: 'x'.repeat(REACTION_LIMITS.emojiChars + 1), encryptionKeyUrl: KEY }, { messageId, emoji: c('x') }, { messageId: 'nope', emoji: c('x'), encryptionKeyUrl: KEY }]) {
      const res = await raw(flint.url, 'POST', '/api/reactions', { token, body });
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    for (const q of ['', 'nope', `${messageId},x`, Array.from({ length: REACTION_LIMITS.messagesPerList + 1 }, () => messageId.replace(/^.{8}/, () => crypto.randomUUID().slice(0, 8))).join(',')]) {
      const res = await raw(flint.url, 'GET', `/api/reactions?roomId=${roomId}&messageId=${encodeURIComponent(q)}`, { token });
      assert.equal(res.status, 400, q.slice(0, 80));
    }
    assert.deepEqual((await ada.reactions.list(roomId, [messageId])).map((r) => r.id), [mine.id]);
  });

  it('keeps a removed member’s reactions but lets them add or remove none; a deleted message takes its reactions along', async () => {
    const { roomId, messageId } = await space();
    const bobs = await bob.reactions.create({ messageId, emoji: c('👋'), encryptionKeyUrl: KEY });
    const membership = (await ada.memberships.list({ roomId })).items.find((m) => m.personId === ids.bob)!;
    await ada.memberships.delete(membership.id);
    assert.deepEqual((await ada.reactions.list(roomId, [messageId])).map((r) => r.personId), [ids.bob]);
    await assert.rejects(bob.reactions.delete(bobs.id), { status: 404 });
    await assert.rejects(bob.reactions.create({ messageId, emoji: c('x'), encryptionKeyUrl: KEY }), { status: 404 });

    await ada.reactions.create({ messageId, emoji: c('x'), encryptionKeyUrl: KEY });
    await ada.messages.delete(messageId);
    assert.deepEqual(await ada.reactions.list(roomId, [messageId]), []);
    await assert.rejects(ada.reactions.create({ messageId, emoji: c('x'), encryptionKeyUrl: KEY }), { status: 404 });
    await assert.rejects(ada.reactions.delete(bobs.id), { status: 404 });
  });
});
