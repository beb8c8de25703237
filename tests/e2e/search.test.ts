/**
 * SPEC SR-1, SR-2 — search on end-to-end encrypted content through the SDK against a whole Flint
 * (core + KMS through the relay). Search keys come from the KMS, one per key epoch of a space; a
 * member removed from a space cannot blind a query matching anything sent after the removal, even
 * with the core's help; members find by whole word, prefix, Japanese and Cyrillic, with each filter
 * (space, sender, date range, has-file, mentions-me), files by name, people, spaces and teams; the
 * core's database holds no word of the indexed text. Runs on SQLite, or on PostgreSQL when
 * FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blindTerm, packQuery, queryTerms } from '@flint/crypto';
import { search as searchMethods } from '@flint/protocol';
import type { FlintClient, Search, Session } from '@flint/sdk';
import { scanForPlaintext, startFlint, type TestFlint } from '@flint/testkit';

type Name = 'ada' | 'bob' | 'cy' | 'dee';

describe('search on end-to-end encrypted content', () => {
  let flint: TestFlint;
  const clients = {} as Record<Name, FlintClient>;
  const secure = {} as Record<Name, Session>;
  const search = {} as Record<Name, Search>;
  const ids = {} as Record<Name, string>;
  /** Every word the tests index: none may reach the core's database. */
  const WORDS = ['Zephyrine', 'quarterly', 'Kaleidoscope', 'Встреча', 'завтра', '東京都', '住んでいます', 'Xylophone', 'Marmalade', 'Obsidian', 'Budgetplan'];

  before(async () => {
    // Open sign-up: Dee's domain founds a second org.
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    for (const name of ['ada', 'bob', 'cy', 'dee'] as const) {
      clients[name] = await flint.signup({ email: `${name}@${name === 'dee' ? 'elsewhere' : 'find'}.example`, displayName: `${name[0]!.toUpperCase()}${name.slice(1)} Searcher` });
      secure[name] = await flint.connect(clients[name], { deviceId: `${name}-device`, searchRoomsTtlMs: 0 });
      search[name] = secure[name].search;
      ids[name] = clients[name].session!.personId;
    }
  });
  after(async () => {
    for (const s of Object.values(secure)) s.close();
    await flint.stop();
  });

  const found = async (who: Name, query: string, options: Parameters<Search['messages']>[1] = {}) => (await search[who].messages(query, options)).messages.map((m) => m.id);

  it('SR-1, SR-2: members find by word, prefix, Japanese and Cyrillic, with each filter; files by name', async () => {
    const space = await secure.ada.spaces.create({ title: 'Zephyrine planning' });
    const other = await secure.ada.spaces.create({ title: 'Kaleidoscope' });
    await secure.ada.members.add(space.id, { personId: ids.bob });
    await secure.ada.members.add(space.id, { personId: ids.cy });

    const en = await secure.ada.messages.send({ roomId: space.id, text: 'The Zephyrine quarterly review', markdown: '**Zephyrine** quarterly review' });
    const ru = await secure.bob.messages.send({ roomId: space.id, text: 'Встреча завтра в 10' });
    const ja = await secure.cy.messages.send({ roomId: space.id, text: '東京都に住んでいます' });
    const mention = await secure.bob.messages.send({ roomId: space.id, text: 'Marmalade for Ada', mentionedPeople: [ids.ada] });
    const elsewhere = await secure.ada.messages.send({ roomId: other.id, text: 'Kaleidoscope quarterly numbers' });
    const withFile = await secure.ada.messages.send({ roomId: space.id, text: 'Marmalade numbers attached', files: [{ source: new TextEncoder().encode('a,b\n1,2\n'), name: 'Budgetplan-Obsidian.csv', type: 'text/csv' }] });

    // Whole word, prefix, case, other scripts.
    assert.deepEqual(await found('bob', 'zephyrine'), [en.id]);
    assert.deepEqual(await found('bob', 'zeph'), [en.id]);
    assert.deepEqual(await found('bob', 'ZEPHYRINE quarterly'), [en.id]);
    assert.deepEqual(await found('cy', 'ВСТРЕЧА'), [ru.id]);
    assert.deepEqual(await found('cy', 'встр'), [ru.id]);
    assert.deepEqual(await found('ada', '東京'), [ja.id]);
    assert.deepEqual(await found('ada', '京都'), [ja.id], 'a CJK query across the segmenter’s cut');
    assert.deepEqual(await found('ada', 'zephyrines'), []);
    const opened = await search.bob.messages('zephyrine quarterly');
    assert.equal(opened.messages[0]!.text, 'The Zephyrine quarterly review', 'the hit is opened');

    // Filters: space, sender, date range, has-file, mentions-me.
    assert.deepEqual(await found('ada', 'quarterly'), [elsewhere.id, en.id]);
    assert.deepEqual(await found('ada', 'quarterly', { roomIds: [space.id] }), [en.id]);
    assert.deepEqual(await found('ada', 'marmalade'), [withFile.id, mention.id]);
    assert.deepEqual(await found('ada', 'marmalade', { personId: ids.bob }), [mention.id]);
    assert.deepEqual(await found('ada', 'marmalade', { personId: ids.ada }), [withFile.id]);
    assert.deepEqual(await found('ada', 'marmalade', { hasFile: true }), [withFile.id]);
    assert.deepEqual(await found('ada', 'marmalade', { hasFile: false }), [mention.id]);
    assert.deepEqual(await found('ada', 'marmalade', { mentionsMe: true }), [mention.id]);
    assert.deepEqual(await found('bob', 'marmalade', { mentionsMe: true }), []);
    const t = (m: { created: string }, deltaMs = 0) => new Date(Date.parse(m.created) + deltaMs);
    assert.deepEqual(await found('ada', 'marmalade', { from: t(withFile) }), [withFile.id]);
    assert.deepEqual(await found('ada', 'marmalade', { to: t(withFile) }), [mention.id]);
    assert.deepEqual(await found('ada', 'marmalade', { from: t(mention), to: t(mention, 1) }), [mention.id]);
    assert.deepEqual(await found('ada', 'marmalade', { from: new Date(Date.now() + 60_000) }), []);

    // File names are indexed apart from text: a files search finds the name, a message search does not.
    assert.deepEqual(await found('ada', 'budgetplan'), []);
    const files = await search.bob.files('budget');
    assert.deepEqual(
      files.map((f) => f.message.id),
      [withFile.id],
    );
    assert.deepEqual((await search.bob.files('obsid')).map((f) => f.message.id), [withFile.id], 'any word of a name, by prefix');
    assert.deepEqual(await search.bob.files('marmalade'), [], 'the message’s text is not a file name');
    assert.deepEqual(
      files[0]!.files.map((f) => [f.name, f.type, f.size]),
      [['Budgetplan-Obsidian.csv', 'text/csv', 8]],
      'the file’s sealed reference is opened on the client',
    );
  });

  it('SR-2: a removed member finds nothing new, even blinding with every key they held; the others find old and new', async () => {
    const space = await secure.ada.spaces.create({ title: 'Obsidian council' });
    await secure.ada.members.add(space.id, { personId: ids.bob });
    const cyMembership = await secure.ada.members.add(space.id, { personId: ids.cy });
    const before = await secure.ada.messages.send({ roomId: space.id, text: 'Xylophone before' });
    assert.deepEqual(await found('cy', 'xylophone'), [before.id]);
    // What Cy's device holds: the space's search key(s) before the removal.
    const held = await search.cy.epochs(await clients.cy.rooms.get(space.id));
    assert.equal(held.length, 1);

    await secure.ada.members.remove(cyMembership.id);
    const rotated = await clients.ada.rooms.get(space.id);
    assert.notEqual(rotated.encryptionKeyUrl, before.encryptionKeyUrl, 'the removal rotated the key: a new search epoch');
    const afterRemoval = await secure.bob.messages.send({ roomId: space.id, text: 'Xylophone after' });

    // Remaining members search both epochs with one query.
    assert.deepEqual(await found('ada', 'xylophone'), [afterRemoval.id, before.id]);
    assert.deepEqual(await found('bob', 'xylo'), [afterRemoval.id, before.id]);
    // Cy's device cannot get the new epoch's key: the KMS refuses.
    await assert.rejects(search.cy.epochs(rotated));
    assert.deepEqual(await found('cy', 'xylophone'), []);
    // Cy blinds with every key Cy held and asks the core directly: nothing (no longer a member).
    const terms = packQuery(await Promise.all(queryTerms('xylophone', { prefixLast: false }).map((term) => Promise.all(held.map((e) => blindTerm(e.key, term))))));
    assert.deepEqual((await clients.cy.transport.call(searchMethods.searchMessages, { body: { terms } })).items, []);
    // Even a core colluding with Cy learns nothing new: Cy's tokens are in the message from before
    // the removal, and in none sent after it (those are blinded under the new epoch's key).
    const db = flint.server.core.db;
    const cyTokens = (await Promise.all(held.map((e) => blindTerm(e.key, queryTerms('xylophone', { prefixLast: false })[0]!)))).map((b) => Buffer.from(b));
    const matching = await db.selectFrom('search_postings as p').innerJoin('search_docs as d', 'd.seq', 'p.seq').select('d.message_id').where('p.token', 'in', cyTokens).execute();
    assert.deepEqual(
      matching.map((r) => r.message_id),
      [before.id],
    );
    // A non-member (of another org) with the same tokens gets nothing either, and no error.
    assert.deepEqual((await clients.dee.transport.call(searchMethods.searchMessages, { body: { terms } })).items, []);
    assert.deepEqual(await found('dee', 'xylophone'), []);
  });

  it('SR-1: edits and deletes show', async () => {
    const space = await secure.bob.spaces.create({ title: 'Edits' });
    const m = await secure.bob.messages.send({ roomId: space.id, text: 'Kaleidoscope draft' });
    assert.deepEqual(await found('bob', 'kaleidoscope draft'), [m.id]);
    await secure.bob.messages.edit(m.id, { text: 'Obsidian final' });
    assert.deepEqual(await found('bob', 'kaleidoscope draft'), []);
    assert.deepEqual(await found('bob', 'obsidian final'), [m.id]);
    await clients.bob.messages.delete(m.id);
    assert.deepEqual(await found('bob', 'obsidian final'), []);
  });

  it('SR-1: people by name and e-mail in one’s org directory; spaces and teams by title on the client; one entry point', async () => {
    assert.deepEqual((await search.ada.people('bo')).map((p) => p.id), [ids.bob]);
    assert.deepEqual((await search.ada.people('searcher bob')).map((p) => p.id), [ids.bob]);
    assert.deepEqual((await search.ada.people('cy@find')).map((p) => p.id), [ids.cy]);
    assert.deepEqual((await search.ada.people('searcher')).map((p) => p.id).sort(), [ids.ada, ids.bob, ids.cy].sort());
    assert.deepEqual(await search.ada.people('dee'), [], 'another org’s people are not in the directory');
    assert.deepEqual(await search.dee.people('ada'), []);

    // A team whose name is sealed with a KMS key, as spaces' titles are.
    const team = await secure.ada.teams.create({ name: 'Zephyrine rocketry' });
    const hits = await search.ada.spaces('zeph');
    assert.ok(hits.some((h) => h.kind === 'space' && h.title === 'Zephyrine planning'));
    assert.ok(hits.some((h) => h.kind === 'team' && h.id === team.id && h.title === 'Zephyrine rocketry'));
    assert.ok(!(await search.bob.spaces('rocketry')).some((h) => h.id === team.id), 'a team one is not in');

    const all = await search.ada.search('zephyrine');
    assert.ok(all.messages.messages.some((m) => m.text === 'The Zephyrine quarterly review'));
    assert.ok(all.spaces.some((h) => h.kind === 'team'));
    assert.deepEqual(all.files, []);
    const people = await search.ada.search('bob');
    assert.deepEqual(
      people.people.map((p) => p.id),
      [ids.bob],
    );
    const files = await search.ada.search('budgetplan');
    assert.equal(files.files.length, 1);
  });

  it('the core’s database holds no word of the indexed text, only blinded tokens', async () => {
    const db = flint.server.core.db;
    const postings = await db.selectFrom('search_postings').select('token').execute();
    assert.ok(postings.length > 100, 'tokens were stored');
    assert.ok(postings.every((p) => p.token.length === 16));
    const secrets = [...new Set(WORDS.flatMap((w) => [w, w.normalize('NFKC').toLowerCase()]))];
    const scan = await scanForPlaintext(flint, secrets, 'Ada Searcher');
    assert.ok(scan.controlInDatabase, 'the scan reads the database');
    assert.deepEqual(scan.inDatabase, [], 'no indexed word in the core’s database');
    assert.deepEqual(scan.inFiles, [], 'nor in its files');
    assert.deepEqual(scan.inLogs, [], 'nor in its log');
  });
});
