/**
 * SPEC SR-1, SR-2 — search on end-to-end encrypted messages through the SDK against a whole Flint
 * (core + KMS through the relay): search keys come from the KMS, follow the space's authorization
 * list and survive key rotation; the core's database holds blinded tokens and ciphertext, never a
 * word of the indexed text. Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SearchClient, SecureClient, TitleIndex, type FlintClient } from '@flint/sdk';
import { NodeWebSocket, startFlint, type TestFlint } from '@flint/testkit';
import { queryTokens } from '@flint/crypto';
import { search as searchMethods } from '@flint/protocol';

describe('search on end-to-end encrypted messages', () => {
  let flint: TestFlint;
  const clients: Record<string, FlintClient> = {};
  const secure: Record<string, SecureClient> = {};
  const search: Record<string, SearchClient> = {};
  const who = (name: 'ada' | 'bob' | 'cy') => ({ secure: secure[name]!, search: search[name]! });

  before(async () => {
    flint = await startFlint();
    for (const name of ['ada', 'bob', 'cy']) {
      clients[name] = await flint.signup({ email: `${name}@find.example` });
      secure[name] = await SecureClient.connect(clients[name], { deviceId: `${name}-device`, WebSocket: NodeWebSocket });
      search[name] = new SearchClient(secure[name]);
    }
  });
  after(async () => {
    for (const s of Object.values(secure)) s.close();
    await flint.stop();
  });

  const WORDS = ['Zephyrine', 'quarterly', 'Kaleidoscope', 'Встреча', 'завтра', '東京都', '住んでいます'];

  it('members find by word, prefix, Japanese and Cyrillic; the removed member and outsiders find nothing; rotation keeps history searchable', async () => {
    const ada = who('ada');
    const bob = who('bob');
    const cy = who('cy');
    const space = await ada.secure.createSpace({ title: 'Zephyrine planning' });
    const other = await ada.secure.createSpace({ title: 'Kaleidoscope' });
    await ada.secure.addMember(space.id, { personId: bob.secure.personId });
    await ada.secure.addMember(space.id, { personId: cy.secure.personId });

    const en = await ada.search.send({ roomId: space.id, text: 'The Zephyrine quarterly review', markdown: '**Zephyrine** quarterly review' });
    const ru = await bob.search.send({ roomId: space.id, text: 'Встреча завтра в 10' });
    const ja = await cy.search.send({ roomId: space.id, text: '東京都に住んでいます' });
    const elsewhere = await ada.search.send({ roomId: other.id, text: 'Kaleidoscope quarterly numbers' });

    const found = async (s: SearchClient, q: string, opts = {}) => (await s.messages(q, opts)).messages.map((m) => m.id);
    assert.deepEqual(await found(bob.search, 'zephyrine'), [en.id]);
    assert.deepEqual(await found(bob.search, 'zeph'), [en.id]);
    assert.deepEqual(await found(ada.search, 'quarterly'), [elsewhere.id, en.id]);
    assert.deepEqual(await found(ada.search, 'quarterly', { roomIds: [space.id] }), [en.id]);
    assert.deepEqual(await found(cy.search, 'ВСТРЕЧА'), [ru.id]);
    assert.deepEqual(await found(ada.search, '東京'), [ja.id]);
    const result = await bob.search.messages('zephyrine quarterly');
    assert.equal(result.messages[0]!.text, 'The Zephyrine quarterly review', 'the hit is opened');

    // Cy is removed (authorization, membership, rotation); history and new messages stay searchable for members.
    const cyMembership = (await clients['ada']!.memberships.list({ roomId: space.id })).items.find((m) => m.personId === cy.secure.personId)!;
    await ada.secure.removeMember(cyMembership.id);
    const after = await bob.search.send({ roomId: space.id, text: 'Zephyrine after rotation' });
    assert.deepEqual(await found(ada.search, 'zephyrine'), [after.id, en.id]);
    // Cy still holds the search key (cached) and can blind a query, but the core matches only for members.
    const cachedKey = await cy.search.keys.forRoom({ kroUri: space.kroUri });
    const terms = await queryTokens(cachedKey, 'zephyrine');
    const direct = await clients['cy']!.transport.call(searchMethods.searchMessages, { body: { queries: [{ roomId: space.id, terms }] } });
    assert.deepEqual(direct.items, []);
    // A fresh device of Cy's is refused the key by the KMS, so cannot even blind a query.
    const cyAgain = new SearchClient(cy.secure);
    assert.deepEqual((await cyAgain.messages('zephyrine')).hits, []);
    // Edits and deletes show.
    await ada.search.edit(en.id, { text: 'The Xylophone review' });
    assert.deepEqual(await found(bob.search, 'zephyrine'), [after.id]);
    assert.deepEqual(await found(bob.search, 'xylo'), [en.id]);
    await bob.secure.client.messages.delete(after.id);
    assert.deepEqual(await found(ada.search, 'zephyrine'), []);
  });

  it('the core’s database holds no word of the indexed text, only blinded tokens', async () => {
    const db = flint.server.core.db;
    const tokens = await db.selectFrom('search_tokens').select('token').execute();
    assert.ok(tokens.length > 50, 'tokens were stored');
    assert.ok(tokens.every((t) => /^[A-Za-z0-9_-]{22}$/.test(t.token)));
    let dump = '';
    for (const table of await db.introspection.getTables()) {
      const rows = await db.selectFrom(table.name as 'messages').selectAll().execute();
      dump += JSON.stringify(rows);
    }
    const lower = dump.toLowerCase();
    for (const word of [...WORDS, 'Xylophone']) {
      for (const fragment of [word.toLowerCase(), word.normalize('NFKC').toLowerCase().slice(0, 4)]) assert.ok(!lower.includes(fragment), `found "${fragment}" in the core's database`);
    }
  });

  it('finds spaces by title on the client (titles are sealed for the core)', async () => {
    const index = new TitleIndex();
    index.set('a', 'Zephyrine planning');
    index.set('b', 'Équipe Réunion');
    index.set('c', '東京オフィス');
    assert.deepEqual(index.search('zeph'), ['a']);
    assert.deepEqual(index.search('REUNION'), []);
    assert.deepEqual(index.search('réu équipe'), ['b']);
    assert.deepEqual(index.search('東京'), ['c']);
    index.delete('a');
    assert.deepEqual(index.search('plan'), []);
  });
});
