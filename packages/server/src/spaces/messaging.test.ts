/**
 * Spaces, memberships, moderation, teams, messages, threads, mentions, flags, favourites and read
 * state over HTTP (SPEC SP-1 … SP-5, MS-1 … MS-4). Content fields are opaque strings here: the core
 * must store and relay them without reading them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CARD_CONTENT_TYPE, MESSAGING_LIMITS } from '@flint/protocol';
import type { FlintClient } from '@flint/sdk';
import { raw, startFlint, type TestFlint } from '@flint/testkit';

const c = (s: string) => `ciphertext:${s}`;

describe('spaces and messages', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let cat: FlintClient;
  let ids: { ada: string; bob: string; cat: string };
  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob' });
    cat = await flint.signup({ email: 'cat@example.com', displayName: 'Cat' });
    ids = { ada: ada.session!.personId, bob: bob.session!.personId, cat: cat.session!.personId };
  });
  after(() => flint.stop());

  it('creates a group space, adds members by id and e-mail, and shows full history to late joiners (SP-1, SP-2)', async () => {
    const room = await ada.rooms.create({ title: c('Project X'), encryptionKeyUrl: 'kms://kms.example/keys/1' });
    assert.equal(room.type, 'group');
    assert.equal(room.title, c('Project X'));
    assert.equal(room.isModerator, false);
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const early = await ada.messages.create({ roomId: room.id, text: c('before cat joined') });
    await bob.memberships.create({ roomId: room.id, personEmail: 'cat@example.com' });
    const history = await cat.messages.list({ roomId: room.id });
    assert.deepEqual(history.items.map((m) => m.id), [early.id]);
    const members = await cat.memberships.list({ roomId: room.id });
    assert.deepEqual(members.items.map((m) => m.personEmail).sort(), ['ada@example.com', 'bob@example.com', 'cat@example.com']);
    await assert.rejects(ada.memberships.create({ roomId: room.id, personId: ids.bob }), { status: 409 });
  });

  it('keeps one direct space per pair, opened by messaging a person (SP-1)', async () => {
    const first = await ada.messages.create({ toPersonEmail: 'bob@example.com', text: c('hi bob') });
    const second = await bob.messages.create({ toPersonId: ids.ada, text: c('hi ada') });
    assert.equal(first.roomId, second.roomId);
    assert.equal(first.roomType, 'direct');
    const room = await bob.rooms.get(first.roomId);
    assert.equal(room.directPersonId, ids.ada);
    assert.equal(room.title, undefined);
    const direct = await ada.rooms.direct({ personId: ids.bob });
    assert.equal(direct.id, first.roomId);
    await assert.rejects(ada.memberships.create({ roomId: first.roomId, personId: ids.cat }), { status: 400 });
    assert.equal((await raw(flint.url, 'GET', `/api/rooms/${first.roomId}`, { token: cat.session!.accessToken })).status, 404);
  });

  it('threads replies under a first message, and refuses replies to replies or to other spaces (MS-1)', async () => {
    const room = await ada.rooms.create({ title: c('threads') });
    const root = await ada.messages.create({ roomId: room.id, text: c('root') });
    const reply = await ada.messages.create({ roomId: room.id, parentId: root.id, text: c('reply') });
    assert.equal(reply.parentId, root.id);
    await assert.rejects(ada.messages.create({ roomId: room.id, parentId: reply.id, text: c('nested') }), { status: 400 });
    const other = await ada.rooms.create({ title: c('other') });
    await assert.rejects(ada.messages.create({ roomId: other.id, parentId: root.id, text: c('x') }), { status: 400 });
    const thread = await ada.messages.list({ roomId: room.id, parentId: root.id });
    assert.deepEqual(thread.items.map((m) => m.id), [reply.id]);
  });

  it('edits one’s own messages (at most 10 times) and deletes them; others cannot (MS-1)', async () => {
    const room = await ada.rooms.create({ title: c('edits') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const m = await ada.messages.create({ roomId: room.id, text: c('v0') });
    const edited = await ada.messages.update(m.id, { text: c('v1') });
    assert.equal(edited.text, c('v1'));
    assert.ok(edited.updated);
    await assert.rejects(bob.messages.update(m.id, { text: c('hijack') }), { status: 403 });
    await assert.rejects(bob.messages.delete(m.id), { status: 403 });
    for (let i = 2; i <= 10; i++) await ada.messages.update(m.id, { text: c(`v${i}`) });
    await assert.rejects(ada.messages.update(m.id, { text: c('v11') }), { status: 400 });
    await ada.messages.delete(m.id);
    await assert.rejects(ada.messages.get(m.id), { status: 404 });
    assert.equal((await bob.messages.list({ roomId: room.id })).items.length, 0);
  });

  it('lists newest first with max, before, beforeMessage and Link paging (MS-1)', async () => {
    const room = await ada.rooms.create({ title: c('paging') });
    const sent: Awaited<ReturnType<typeof ada.messages.create>>[] = [];
    for (let i = 0; i < 7; i++) sent.push(await ada.messages.create({ roomId: room.id, text: c(`m${i}`) }));
    const newestFirst = sent.map((m) => m.id).reverse();
    const page1 = await ada.messages.list({ roomId: room.id, max: 3 });
    assert.deepEqual(page1.items.map((m) => m.id), newestFirst.slice(0, 3));
    assert.ok(page1.next?.startsWith(flint.url));
    const page2 = await ada.nextPage(page1);
    assert.deepEqual(page2!.items.map((m) => m.id), newestFirst.slice(3, 6));
    const page3 = await ada.nextPage(page2!);
    assert.deepEqual(page3!.items.map((m) => m.id), newestFirst.slice(6));
    assert.equal(page3!.next, undefined);
    const before = await ada.messages.list({ roomId: room.id, beforeMessage: sent[2]!.id });
    assert.deepEqual(before.items.map((m) => m.id), [sent[1]!.id, sent[0]!.id]);
    const byTime = await ada.messages.list({ roomId: room.id, before: new Date(Date.parse(sent[0]!.created) + 1).toISOString() });
    assert.ok(byTime.items.every((m) => Date.parse(m.created) <= Date.parse(sent[0]!.created)));
  });

  it('indexes mentions: "mentions of me", mention counts, and @all (MS-2)', async () => {
    const room = await ada.rooms.create({ title: c('mentions') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    await ada.messages.create({ roomId: room.id, text: c('no mention') });
    const toBob = await ada.messages.create({ roomId: room.id, text: c('hey bob'), mentionedPeople: [ids.bob] });
    const toAll = await ada.messages.create({ roomId: room.id, text: c('hey all'), mentionedGroups: ['all'] });
    const mine = await bob.messages.list({ roomId: room.id, mentionedPeople: 'me' });
    assert.deepEqual(mine.items.map((m) => m.id), [toAll.id, toBob.id]);
    const bobsView = await bob.rooms.get(room.id);
    assert.equal(bobsView.unreadCount, 3);
    assert.equal(bobsView.mentionCount, 2);
    await assert.rejects(ada.messages.create({ roomId: room.id, text: c('x'), mentionedPeople: [ids.cat] }), { status: 400 });
  });

  it('lists mentions of me across spaces, newest first, without my own, and drops a space I left (issue 16)', async () => {
    const one = await ada.rooms.create({ title: c('m-one') });
    const two = await ada.rooms.create({ title: c('m-two') });
    await ada.memberships.create({ roomId: one.id, personId: ids.cat });
    const leaving = await ada.memberships.create({ roomId: two.id, personId: ids.cat });
    const a = await ada.messages.create({ roomId: one.id, text: c('to cat'), mentionedPeople: [ids.cat] });
    await ada.messages.create({ roomId: one.id, text: c('plain') });
    const b = await ada.messages.create({ roomId: two.id, text: c('to all'), mentionedGroups: ['all'] });
    await cat.messages.create({ roomId: one.id, text: c('my own @all'), mentionedGroups: ['all'] });
    const first = await cat.messages.mentions({ max: 1 });
    assert.deepEqual(first.items.map((m) => m.id), [b.id]);
    assert.ok(first.next !== undefined, 'a next page');
    const all = await cat.messages.mentions();
    assert.ok(all.items.findIndex((m) => m.id === b.id) < all.items.findIndex((m) => m.id === a.id));
    assert.equal(all.items.find((m) => m.id === a.id)?.roomId, one.id);
    assert.ok(all.items.every((m) => m.personId !== ids.cat), 'not my own messages');
    await cat.memberships.delete(leaving.id);
    const after = await cat.messages.mentions();
    assert.ok(!after.items.some((m) => m.id === b.id), 'a space I left drops out');
    assert.equal((await raw(flint.url, 'GET', '/api/mentions?max=0', { token: cat.session!.accessToken })).status, 400);
  });

  it('keeps read state: last-read marker, unread counts, read receipts, never moving backwards (MS-4)', async () => {
    const room = await ada.rooms.create({ title: c('reading') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const m1 = await ada.messages.create({ roomId: room.id, text: c('1') });
    const m2 = await ada.messages.create({ roomId: room.id, text: c('2') });
    assert.equal((await ada.rooms.get(room.id)).unreadCount, 0, 'one’s own messages are read');
    assert.equal((await bob.rooms.get(room.id)).unreadCount, 2);
    await bob.rooms.markRead(room.id, m1.id);
    assert.equal((await bob.rooms.get(room.id)).unreadCount, 1);
    await bob.rooms.markRead(room.id, m2.id);
    await bob.rooms.markRead(room.id, m1.id);
    const state = await bob.rooms.get(room.id);
    assert.equal(state.unreadCount, 0);
    assert.equal(state.lastReadMessageId, m2.id, 'the marker does not move back');
    const receipts = await ada.memberships.list({ roomId: room.id });
    assert.equal(receipts.items.find((m) => m.personId === ids.bob)?.lastSeenId, m2.id);
  });

  it('filters and sorts the space list: unread, direct, favourites, mentions, flags (SP-5, MS-3)', async () => {
    await using f = await startFlint();
    const a = await f.signup({ email: 'a@example.com' });
    const b = await f.signup({ email: 'b@example.com' });
    const bId = b.session!.personId;
    const quiet = await a.rooms.create({ title: c('quiet') });
    const busy = await a.rooms.create({ title: c('busy') });
    const fav = await a.rooms.create({ title: c('fav') });
    for (const r of [quiet, busy, fav]) await a.memberships.create({ roomId: r.id, personId: bId });
    const flagged = await a.messages.create({ roomId: quiet.id, text: c('flag me') });
    await b.rooms.markRead(quiet.id, flagged.id);
    await a.messages.create({ roomId: busy.id, text: c('@b'), mentionedPeople: [bId] });
    const dm = await a.messages.create({ toPersonId: bId, text: c('dm') });
    await b.rooms.favorite(fav.id, true);
    await b.flags.create(flagged.id);
    const titles = async (filter?: 'unread' | 'direct' | 'favorites' | 'mentions' | 'flags') =>
      (await b.rooms.list(filter ? { filter } : {})).items.map((r) => r.title ?? 'dm');
    assert.deepEqual(await titles(), ['dm', c('busy'), c('quiet'), c('fav')], 'sorted by last activity (fav has no message)');
    assert.deepEqual(await titles('unread'), ['dm', c('busy')]);
    assert.deepEqual(await titles('direct'), ['dm']);
    assert.deepEqual(await titles('favorites'), [c('fav')]);
    assert.deepEqual(await titles('mentions'), [c('busy')]);
    assert.deepEqual(await titles('flags'), [c('quiet')]);
    const created = (await b.rooms.list({ sortBy: 'created' })).items.map((r) => r.id);
    assert.deepEqual(created, [dm.roomId, fav.id, busy.id, quiet.id]);
    const paged = await b.rooms.list({ max: 2 });
    assert.equal(paged.items.length, 2);
    const rest = await b.nextPage(paged);
    assert.deepEqual([...paged.items, ...rest!.items].map((r) => r.id), [dm.roomId, busy.id, quiet.id, fav.id]);
    const flags = await b.flags.list();
    assert.equal(flags[0]?.messageId, flagged.id);
    await b.flags.delete(flags[0].id);
    assert.deepEqual(await titles('flags'), []);
    await b.rooms.favorite(fav.id, false);
    assert.deepEqual(await titles('favorites'), []);
  });

  it('enforces moderation in locked spaces: add, remove, rename, delete others’ messages, co-moderators (SP-4)', async () => {
    const room = await ada.rooms.create({ title: c('locked'), isLocked: true });
    assert.equal(room.isModerator, true);
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    await assert.rejects(bob.memberships.create({ roomId: room.id, personId: ids.cat }), { status: 403 });
    await assert.rejects(bob.rooms.update(room.id, { title: c('renamed by bob') }), { status: 403 });
    const bobMsg = await bob.messages.create({ roomId: room.id, text: c('bob says') });
    await ada.messages.delete(bobMsg.id);
    const adaMsg = await ada.messages.create({ roomId: room.id, text: c('ada says') });
    await assert.rejects(bob.messages.delete(adaMsg.id), { status: 403 });
    const bobMembership = (await ada.memberships.list({ roomId: room.id, personId: ids.bob })).items[0]!;
    await ada.memberships.update(bobMembership.id, true);
    await bob.memberships.create({ roomId: room.id, personId: ids.cat });
    const catMembership = (await bob.memberships.list({ roomId: room.id, personId: ids.cat })).items[0]!;
    await assert.rejects(cat.memberships.delete(bobMembership.id), { status: 403 });
    await bob.memberships.delete(catMembership.id);
    await assert.rejects(cat.rooms.get(room.id), { status: 404 });
    assert.equal((await bob.rooms.update(room.id, { title: c('renamed') })).title, c('renamed'));
  });

  it('lets only moderators post in an announcement-only space (SP-4)', async () => {
    await assert.rejects(ada.rooms.create({ title: c('x'), isAnnouncementOnly: true }), { status: 400 });
    const room = await ada.rooms.create({ title: c('news'), isLocked: true, isAnnouncementOnly: true });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    await ada.messages.create({ roomId: room.id, text: c('announcement') });
    await assert.rejects(bob.messages.create({ roomId: room.id, text: c('chatter') }), { status: 403 });
  });

  it('locks an unlocked space for whoever makes themselves moderator, and keeps a moderator (SP-4)', async () => {
    const room = await ada.rooms.create({ title: c('open') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const bobM = (await bob.memberships.list({ roomId: room.id, personId: ids.bob })).items[0]!;
    const adaM = (await bob.memberships.list({ roomId: room.id, personId: ids.ada })).items[0]!;
    await assert.rejects(bob.memberships.update(adaM.id, true), { status: 403 });
    await bob.memberships.update(bobM.id, true);
    assert.equal((await ada.rooms.get(room.id)).isLocked, true);
    await assert.rejects(bob.memberships.update(bobM.id, false), { status: 409 });
  });

  it('leaves spaces, and deletes them (creator; moderators when locked)', async () => {
    const room = await ada.rooms.create({ title: c('temp') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    await assert.rejects(bob.rooms.delete(room.id), { status: 403 });
    const bobM = (await bob.memberships.list({ roomId: room.id, personId: ids.bob })).items[0]!;
    await bob.memberships.delete(bobM.id);
    await assert.rejects(bob.rooms.get(room.id), { status: 404 });
    await ada.rooms.delete(room.id);
    await assert.rejects(ada.rooms.get(room.id), { status: 404 });
  });

  it('groups spaces in teams: a general space, visible team spaces that members join (SP-3)', async () => {
    const team = await ada.teams.create({ name: c('Team A') });
    const general = await ada.rooms.get(team.generalRoomId);
    assert.equal(general.isGeneral, true);
    await ada.teams.addMember({ teamId: team.id, personId: ids.bob });
    assert.ok((await bob.rooms.list()).items.some((r) => r.id === team.generalRoomId), 'team members are in the general space');
    const side = await ada.rooms.create({ title: c('side project'), teamId: team.id });
    const visible = await bob.rooms.list({ teamId: team.id });
    assert.deepEqual(visible.items.map((r) => r.id).sort(), [team.generalRoomId, side.id].sort());
    const seen = await bob.rooms.get(side.id);
    assert.equal(seen.isModerator, undefined, 'seen through the team, not as a member');
    await assert.rejects(bob.messages.list({ roomId: side.id }), { status: 403 });
    await bob.memberships.create({ roomId: side.id, personId: ids.bob });
    assert.equal((await bob.messages.list({ roomId: side.id })).items.length, 0);
    await assert.rejects(cat.rooms.get(side.id), { status: 404 });
    await assert.rejects(cat.rooms.list({ teamId: team.id }), { status: 404 });
    await assert.rejects(bob.teams.addMember({ teamId: team.id, personId: ids.cat }), { status: 403 });
    const tms = await ada.teams.memberships(team.id);
    const bobTm = tms.find((m) => m.personId === ids.bob)!;
    await bob.teams.removeMember(bobTm.id);
    await assert.rejects(bob.rooms.get(team.generalRoomId), { status: 404 });
    assert.equal((await ada.teams.update(team.id, { name: c('Team A2') })).name, c('Team A2'));
    await ada.teams.delete(team.id);
    assert.equal((await ada.rooms.get(side.id)).teamId, undefined, 'its spaces stay');
  });

  it('adds guests from other orgs, who then see only that space (SP-2)', async () => {
    await using f = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    const host = await f.signup({ email: 'host@example.com' });
    const guest = await f.signup({ email: 'guest@partner.test' });
    const room = await host.rooms.create({ title: c('with partner') });
    // By address, another org's account is not added: it is invited, accepts, and a member admits it.
    await assert.rejects(host.memberships.create({ roomId: room.id, personEmail: 'guest@partner.test' }), { status: 404 });
    const sent = await host.spaceInvitations.create(room.id, 'guest@partner.test');
    await guest.spaceInvitations.accept(sent.id);
    await host.spaceInvitations.admit(sent.id);
    await host.messages.create({ roomId: room.id, text: c('welcome') });
    assert.equal((await guest.messages.list({ roomId: room.id })).items.length, 1);
    const members = await guest.memberships.list({ roomId: room.id });
    assert.equal(members.items.length, 2);
  });

  it('sets a space’s KMS resource once, and refuses to replace it', async () => {
    const room = await ada.rooms.create({ title: c('late kro') });
    const set = await ada.rooms.update(room.id, { kroUri: 'kms://kms.example/resources/1' });
    assert.equal(set.kroUri, 'kms://kms.example/resources/1');
    await assert.rejects(ada.rooms.update(room.id, { kroUri: 'kms://kms.example/resources/2' }), { status: 409 });
  });

  it('carries one sealed card with a fallback, cannot edit it, and takes card submissions only for messages with one (PL-2)', async () => {
    const room = await ada.rooms.create({ title: c('cards') });
    await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const card = { contentType: CARD_CONTENT_TYPE, content: c('card json') } as const;
    const token = ada.session!.accessToken;
    const count = async () => (await ada.messages.list({ roomId: room.id })).items.length;
    const refused: [string, unknown][] = [
      ['no fallback', { roomId: room.id, attachments: [card] }],
      ['html is not a fallback', { roomId: room.id, html: c('h'), attachments: [card] }],
      ['two cards', { roomId: room.id, text: c('t'), attachments: [card, card] }],
      ['no card in the list', { roomId: room.id, text: c('t'), attachments: [] }],
      ['another content type', { roomId: room.id, text: c('t'), attachments: [{ contentType: 'text/html', content: c('x') }] }],
      ['too large', { roomId: room.id, text: c('t'), attachments: [{ ...card, content: 'x'.repeat(MESSAGING_LIMITS.attachmentChars + 1) }] }],
    ];
    for (const [why, body] of refused) assert.equal((await raw(flint.url, 'POST', '/api/messages', { token, body })).status, 400, why);
    assert.equal(await count(), 0, 'nothing was posted');

    const sent = await ada.messages.create({ roomId: room.id, text: c('fallback'), attachments: [card] });
    assert.deepEqual(sent.attachments, [card]);
    assert.deepEqual((await bob.messages.get(sent.id)).attachments, [card], 'members get the sealed card');
    assert.deepEqual((await bob.messages.list({ roomId: room.id })).items[0]!.attachments, [card]);
    await assert.rejects(ada.messages.update(sent.id, { text: c('edited') }), { status: 400 });

    const plain = await ada.messages.create({ roomId: room.id, text: c('no card') });
    assert.equal(plain.attachments, undefined);
    await assert.rejects(bob.attachmentActions.create({ type: 'submit', messageId: plain.id, inputs: c('inputs'), encryptionKeyUrl: 'kms://kms.example/keys/1' }), { status: 400 });
    const action = await bob.attachmentActions.create({ type: 'submit', messageId: sent.id, inputs: c('inputs'), encryptionKeyUrl: 'kms://kms.example/keys/1' });
    assert.equal(action.messageId, sent.id);
  });

  it('enforces the documented size limits on content and titles', async () => {
    const room = await ada.rooms.create({ title: c('limits') });
    const tooLong = await raw(flint.url, 'POST', '/api/messages', { token: ada.session!.accessToken, body: { roomId: room.id, text: 'x'.repeat(16 * 1024 + 1) } });
    assert.equal(tooLong.status, 400);
    const empty = await raw(flint.url, 'POST', '/api/messages', { token: ada.session!.accessToken, body: { roomId: room.id } });
    assert.equal(empty.status, 400);
    const title = await raw(flint.url, 'POST', '/api/rooms', { token: ada.session!.accessToken, body: { title: 'x'.repeat(4 * 1024 + 1) } });
    assert.equal(title.status, 400);
    const both = await raw(flint.url, 'POST', '/api/messages', { token: ada.session!.accessToken, body: { roomId: room.id, toPersonId: ids.bob, text: 'x' } });
    assert.equal(both.status, 400);
  });
});
