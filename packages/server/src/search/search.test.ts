/**
 * SPEC SR-1, SR-2 — the core's side of search on encrypted content, over HTTP: messages carry
 * blinded tokens; a query carries each term blinded under every key the client holds and is
 * matched only in spaces the caller belongs to, with filters, ranking (full matches first, then
 * newest) and paging; edits replace tokens and deletes remove them. The test stands in for the
 * client: it blinds with the crypto package under a test key per space. Runs on SQLite, or on
 * PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blindTerm, importSearchKey, messageTokens, packQuery, queryTerms, randomToken } from '@flint/crypto';
import { search, type MethodBody } from '@flint/protocol';
import type { FlintClient } from '@flint/sdk';
import { raw, startFlint, type TestFlint } from '@flint/testkit';
import { indexMessage } from './index-writes.ts';

const sealed = () => `ciphertext:${randomToken('x')}`;

describe('search on blinded tokens', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let cy: FlintClient;
  let ids: { ada: string; bob: string; cy: string };
  let roomA: string;
  let roomB: string;
  const keys = new Map<string, CryptoKey>();

  const keyOf = async (roomId: string): Promise<CryptoKey> => {
    let key = keys.get(roomId);
    if (key === undefined) {
      key = await importSearchKey(crypto.getRandomValues(new Uint8Array(32)));
      keys.set(roomId, key);
    }
    return key;
  };
  const post = async (who: FlintClient, roomId: string, text: string, extra: { mentionedPeople?: string[] } = {}) =>
    who.messages.create({ roomId, text: sealed(), searchTokens: await messageTokens(await keyOf(roomId), text), ...extra });
  type Filters = Omit<MethodBody<typeof search.searchMessages>, 'terms'>;
  /** What a client sends: each term blinded under the key of every space it searches, packed. */
  const blinded = async (text: string, roomIds: string[]) => {
    const keys = await Promise.all(roomIds.map(keyOf));
    return packQuery(await Promise.all(queryTerms(text).map((term) => Promise.all(keys.map((key) => blindTerm(key, term))))));
  };
  const find = async (who: FlintClient, text: string, roomIds: string[], filters: Filters = {}) =>
    who.transport.call(search.searchMessages, { body: { terms: await blinded(text, roomIds), ...filters } });
  const ids_ = (r: { items: { messageId: string }[] }) => r.items.map((h) => h.messageId);

  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@search.example', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@search.example', displayName: 'Bob' });
    cy = await flint.signup({ email: 'cy@search.example', displayName: 'Cy' });
    ids = { ada: ada.session!.personId, bob: bob.session!.personId, cy: cy.session!.personId };
    roomA = (await ada.rooms.create({ title: sealed() })).id;
    roomB = (await ada.rooms.create({ title: sealed() })).id;
    await ada.memberships.create({ roomId: roomA, personId: ids.bob });
  });
  after(() => flint.stop());

  it('finds by whole word, by prefix, in Japanese and in Cyrillic (SR-1, SR-2)', async () => {
    const en = await post(ada, roomA, 'The quarterly Report is ready');
    const ja = await post(bob, roomA, '東京都に住んでいます');
    const ru = await post(ada, roomB, 'Встреча завтра в Москве');
    assert.deepEqual(ids_(await find(ada, 'report', [roomA, roomB], {})), [en.id]);
    assert.deepEqual(ids_(await find(ada, 'quart', [roomA, roomB])), [en.id]);
    assert.deepEqual(ids_(await find(bob, 'REPORT ready', [roomA])), [en.id]);
    assert.deepEqual(ids_(await find(ada, '東京', [roomA, roomB])), [ja.id]);
    assert.deepEqual(ids_(await find(ada, '京都', [roomA, roomB])), [ja.id]);
    assert.deepEqual(ids_(await find(ada, 'ВСТРЕЧА', [roomA, roomB])), [ru.id]);
    assert.deepEqual(ids_(await find(ada, 'моск', [roomA, roomB])), [ru.id]);
    assert.deepEqual(ids_(await find(ada, 'quarterlies', [roomA, roomB])), []);
  });

  it('filters by sender, date range, mentions-me and files', async () => {
    const room = (await ada.rooms.create({ title: sealed() })).id;
    await ada.memberships.create({ roomId: room, personId: ids.bob });
    // Apart by a few milliseconds, so the date range has distinct edges.
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
    const a1 = await post(ada, room, 'budget draft one');
    await pause();
    const b1 = await post(bob, room, 'budget draft two', { mentionedPeople: [ids.ada] });
    await pause();
    const a2 = await post(ada, room, 'budget final');
    assert.deepEqual(ids_(await find(ada, 'budget', [room])), [a2.id, b1.id, a1.id]);
    assert.deepEqual(ids_(await find(ada, 'budget', [room], { personId: ids.ada })), [a2.id, a1.id]);
    assert.deepEqual(ids_(await find(ada, 'budget', [room], { personId: ids.bob })), [b1.id]);
    assert.deepEqual(ids_(await find(ada, 'budget', [room], { mentionsMe: true })), [b1.id]);
    assert.deepEqual(ids_(await find(bob, 'budget', [room], { mentionsMe: true })), []);
    assert.deepEqual(ids_(await find(ada, 'budget', [room], { from: b1.created, to: a2.created })), [b1.id]);
    assert.deepEqual(ids_(await find(ada, 'budget', [room], { from: b1.created })), [a2.id, b1.id]);
    assert.deepEqual(ids_(await find(ada, 'budget', [room], { from: new Date(Date.now() + 60_000).toISOString() })), []);
    assert.deepEqual(ids_(await find(ada, 'budget', [room], { hasFile: true })), []);
    assert.deepEqual(ids_(await find(ada, 'budget', [room], { hasFile: false })).length, 3);
  });

  it('ranks full matches first, then newest, and pages', async () => {
    const room = (await ada.rooms.create({ title: sealed() })).id;
    const full = await post(ada, room, 'alpha beta gamma');
    const partialNew = await post(ada, room, 'alpha only');
    const none = await post(ada, room, 'delta');
    const all = await find(ada, 'alpha gamma', [room], { match: 'any' });
    assert.deepEqual(ids_(all), [full.id, partialNew.id]);
    assert.deepEqual(all.items.map((h) => [h.matched, h.complete]), [[2, true], [1, false]]);
    assert.deepEqual(ids_(await find(ada, 'alpha gamma', [room])), [full.id]);
    assert.ok(!ids_(all).includes(none.id));
    const first = await find(ada, 'alpha gamma', [room], { match: 'any', max: 1 });
    assert.deepEqual(ids_(first), [full.id]);
    assert.ok(first.next);
    const second = await find(ada, 'alpha gamma', [room], { match: 'any', max: 1, cursor: first.next });
    assert.deepEqual(ids_(second), [partialNew.id]);
    assert.equal(second.next, undefined);
  });

  it('pages newest first across months of history, and bounds dates by the index key', async () => {
    const room = (await ada.rooms.create({ title: sealed() })).id;
    const db = flint.server.core.db;
    const day = 86_400_000;
    const old: string[] = [];
    // Written straight into the database with past times (the API stamps messages with the
    // present), then indexed by the same function the API's create uses.
    for (const age of [400 * day, 40 * day, 2 * day]) {
      const at = Date.now() - age;
      const h = at.toString(16).padStart(12, '0');
      const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-7000-8000-${String(age).padStart(12, '0').slice(-12)}`;
      await db.insertInto('messages').values({ id, space_id: room, person_id: ids.ada, parent_id: null, text: sealed(), markdown: null, html: null, encryption_key_url: null, mentioned_people: null, mentioned_groups: null, edit_count: 0, created_at: at, updated_at: null }).execute();
      await indexMessage(db, { spaceId: room, messageId: id, personId: ids.ada, createdAt: at, hasFile: false }, await messageTokens(await keyOf(room), 'ancient scrolls'));
      old.unshift(id);
    }
    const recent = await post(ada, room, 'ancient scrolls today');
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await find(ada, 'ancient scrolls', [room], { max: 1, ...(cursor !== undefined ? { cursor } : {}) });
      seen.push(...ids_(page));
      cursor = page.next;
    } while (cursor !== undefined);
    assert.deepEqual(seen, [recent.id, ...old]);
    assert.deepEqual(ids_(await find(ada, 'scrolls', [room], { from: new Date(Date.now() - 100 * day).toISOString(), max: 1 })), [recent.id]);
    assert.deepEqual(ids_(await find(ada, 'scrolls', [room], { to: new Date(Date.now() - 100 * day).toISOString() })), [old[2]!]);
    const hit = (await find(ada, 'scrolls', [room], { to: new Date(Date.now() - 100 * day).toISOString() })).items[0]!;
    assert.equal(Math.round((Date.now() - Date.parse(hit.created)) / day), 400, 'the hit carries its creation time');
  });

  it('gives nothing to non-members and removed members, with no 403 or 404', async () => {
    const room = (await ada.rooms.create({ title: sealed() })).id;
    const membership = await ada.memberships.create({ roomId: room, personId: ids.cy });
    const m = await post(ada, room, 'secret launch codename falcon');
    assert.deepEqual(ids_(await find(cy, 'falcon', [room])), [m.id]);
    assert.deepEqual(ids_(await find(bob, 'falcon', [room])), []);
    await ada.memberships.delete(membership.id);
    assert.deepEqual(ids_(await find(cy, 'falcon', [room])), []);
    // A space that does not exist answers exactly like one that does.
    const res = await raw(flint.url, 'POST', '/api/search/messages', {
      token: cy.session!.accessToken,
      body: { terms: await blinded('falcon', [room]), roomIds: ['01900000-0000-7000-8000-000000000000'] },
    });
    assert.equal(res.status, 200);
    assert.deepEqual((res.json as { items: unknown[] }).items, []);
  });

  it('edits replace a message’s tokens and deletes remove them', async () => {
    const room = (await ada.rooms.create({ title: sealed() })).id;
    const m = await post(ada, room, 'original wording');
    await ada.messages.update(m.id, { text: sealed(), searchTokens: await messageTokens(await keyOf(room), 'revised wording') });
    assert.deepEqual(ids_(await find(ada, 'original', [room])), []);
    assert.deepEqual(ids_(await find(ada, 'revised', [room])), [m.id]);
    // An edit without tokens leaves the message unsearchable rather than matching stale words.
    await ada.messages.update(m.id, { text: sealed() });
    assert.deepEqual(ids_(await find(ada, 'wording', [room])), []);
    await ada.messages.update(m.id, { text: sealed(), searchTokens: await messageTokens(await keyOf(room), 'third wording') });
    await ada.messages.delete(m.id);
    assert.deepEqual(ids_(await find(ada, 'third', [room])), []);
    const db = flint.server.core.db;
    assert.equal((await db.selectFrom('search_docs').select('seq').where('message_id', '=', m.id).execute()).length, 0);
    // Every posting belongs to a doc: the delete took its postings along (the trigger).
    const orphans = await db.selectFrom('search_postings as p').leftJoin('search_docs as d', 'd.seq', 'p.seq').select('p.seq').where('d.seq', 'is', null).execute();
    assert.deepEqual(orphans, []);
  });

  it('bounds tokens and queries (docs/limits.md)', async () => {
    const bad = await raw(flint.url, 'POST', '/api/messages', { token: ada.session!.accessToken, body: { roomId: roomA, text: sealed(), searchTokens: ['hello world'] } });
    assert.equal(bad.status, 400);
    const many = Array.from({ length: search.SEARCH_LIMITS.tokensPerMessage + 1 }, (_, i) => `${String(i).padStart(22, 'A')}`);
    assert.equal((await raw(flint.url, 'POST', '/api/messages', { token: ada.session!.accessToken, body: { roomId: roomA, text: sealed(), searchTokens: many } })).status, 400);
    const ask = (body: unknown) => raw(flint.url, 'POST', '/api/search/messages', { token: ada.session!.accessToken, body });
    const [one] = await blinded('x1', [roomA]);
    const [two] = await blinded('x1', [roomA, roomB]);
    // Terms carrying tokens for different numbers of keys.
    assert.equal((await ask({ terms: [one, two] })).status, 400);
    // Not whole 16-byte tokens.
    assert.equal((await ask({ terms: [one!.slice(0, -2)] })).status, 400);
    assert.equal((await ask({ terms: [`${one!}A`] })).status, 400);
    assert.equal((await ask({ terms: [one, one] })).status, 400);
    const tooManyTerms = await blinded(Array.from({ length: search.SEARCH_LIMITS.termsPerQuery + 1 }, (_, i) => `w${i}`).join(' '), [roomA]);
    assert.equal((await ask({ terms: tooManyTerms })).status, 400);
    const tooManyKeys = packQuery([Array.from({ length: search.SEARCH_LIMITS.keysPerQuery + 1 }, () => crypto.getRandomValues(new Uint8Array(16)))]);
    assert.equal((await ask({ terms: tooManyKeys })).status, 400);
    assert.equal((await ask({ terms: [one], roomIds: ['not-an-id'] })).status, 400);
    const fine = await ask({ terms: [one], max: 10_000 });
    assert.equal(fine.status, 200, 'a large max is clamped, not refused');
  });
});
