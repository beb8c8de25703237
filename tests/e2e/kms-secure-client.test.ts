/**
 * SPEC SEC-1, SEC-3 — the SDK's Session against a whole Flint (core + KMS, the KMS reached
 * through the core's relay): people work in plaintext while the core stores ciphertext; members
 * added later read the whole history; a message whose key is refused is marked, not fatal.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlintError, type FlintClient, type Session } from '@flint/sdk';
import { startFlint, type TestFlint } from '@flint/testkit';

const JWE_DIR = /^eyJ[A-Za-z0-9_-]*\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

describe('Session: end-to-end encrypted spaces', () => {
  let flint: TestFlint;
  const clients: Record<string, FlintClient> = {};
  const secure: Record<string, Session> = {};

  before(async () => {
    flint = await startFlint();
    for (const name of ['ada', 'bob', 'cy', 'dee']) {
      clients[name] = await flint.signup({ email: `${name}@secure.example` });
      secure[name] = await flint.connect(clients[name], { deviceId: `${name}-device` });
    }
  });
  after(async () => {
    for (const s of Object.values(secure)) s.close();
    await flint.stop();
  });

  it('two people in two spaces exchange messages; the core holds only ciphertext', async () => {
    const { ada, bob } = secure as Record<'ada' | 'bob', Session>;
    const design = await ada.spaces.create({ title: 'Design' });
    const ops = await bob.spaces.create({ title: 'Ops' });
    assert.equal(design.title, 'Design');
    await ada.members.add(design.id, { personEmail: 'bob@secure.example' });
    await bob.members.add(ops.id, { personId: (await ada.personId()) });

    await ada.messages.send({ roomId: design.id, text: 'hi Bob, design here', markdown: '**hi** Bob' });
    await bob.messages.send({ roomId: design.id, text: 'hi Ada' });
    await bob.messages.send({ roomId: ops.id, text: 'ops is on fire' });
    await ada.messages.send({ roomId: ops.id, text: 'on my way', html: '<p>on my way</p>' });

    const designSeenByBob = await bob.messages.list({ roomId: design.id });
    assert.deepEqual(
      designSeenByBob.items.map((m) => m.text),
      ['hi Ada', 'hi Bob, design here'],
    );
    assert.equal(designSeenByBob.items[1]!.markdown, '**hi** Bob');
    const opsSeenByAda = await ada.messages.list({ roomId: ops.id });
    assert.deepEqual(
      opsSeenByAda.items.map((m) => [m.text, m.html]),
      [
        ['on my way', '<p>on my way</p>'],
        ['ops is on fire', undefined],
      ],
    );
    assert.ok(opsSeenByAda.items.every((m) => m.decryptError === undefined));

    // The spaces list opens every title.
    const titles = (await bob.spaces.list()).items.map((r) => r.title).sort();
    assert.deepEqual(titles, ['Design', 'Ops']);

    // What the core answers on the plain API: JWE compact under the space key, never the text.
    const rawDesign = await clients['bob']!.messages.list({ roomId: design.id });
    for (const m of rawDesign.items) {
      assert.match(m.text!, JWE_DIR);
      assert.equal(JSON.parse(Buffer.from(m.text!.split('.')[0]!, 'base64url').toString()).alg, 'dir');
      assert.equal(m.encryptionKeyUrl, design.encryptionKeyUrl);
    }
    const rawRoom = await clients['ada']!.rooms.get(design.id);
    assert.match(rawRoom.title!, JWE_DIR);
    assert.ok(rawRoom.kroUri?.startsWith('kms://127.0.0.1/resources/'));
  });

  it('a late joiner reads the whole history, across a key rotation', async () => {
    const { ada, bob, cy } = secure as Record<'ada' | 'bob' | 'cy', Session>;
    const space = await ada.spaces.create({ title: 'History' });
    const bobMembership = await ada.members.add(space.id, { personId: (await bob.personId()) });
    await ada.messages.send({ roomId: space.id, text: 'one' });
    await bob.messages.send({ roomId: space.id, text: 'two' });
    const first = await ada.messages.send({ roomId: space.id, text: 'thread root' });
    await bob.messages.send({ roomId: space.id, parentId: first.id, text: 'a reply in the thread' });
    await ada.messages.edit(first.id, { text: 'thread root (edited)' });
    // Bob leaves through removal: the key rotates, so the history now spans two keys.
    await ada.members.remove(bobMembership.id);
    const rotated = await ada.spaces.get(space.id);
    assert.notEqual(rotated.encryptionKeyUrl, space.encryptionKeyUrl);
    assert.equal(rotated.title, 'History', 'the title was resealed with the new key');
    await ada.messages.send({ roomId: space.id, text: 'three, after the rotation' });

    await ada.members.add(space.id, { personId: (await cy.personId()) });
    const seen = await cy.messages.list({ roomId: space.id });
    assert.deepEqual(
      seen.items.map((m) => m.text),
      ['three, after the rotation', 'a reply in the thread', 'thread root (edited)', 'two', 'one'],
    );
    assert.ok(seen.items.every((m) => m.decryptError === undefined));
    const keys = new Set(seen.items.map((m) => m.encryptionKeyUrl));
    assert.equal(keys.size, 2, 'messages under the old key and the new one');
    const thread = await cy.messages.list({ roomId: space.id, parentId: first.id });
    assert.deepEqual(
      thread.items.map((m) => m.text),
      ['a reply in the thread'],
    );
    assert.equal((await cy.spaces.get(space.id)).title, 'History');
  });

  it('direct spaces: one KRO for the two people; renaming and sending follow the current key', async () => {
    const { ada, dee } = secure as Record<'ada' | 'dee', Session>;
    const direct = await ada.spaces.direct({ personEmail: 'dee@secure.example' });
    assert.equal(direct.type, 'direct');
    assert.ok(direct.kroUri !== undefined && direct.encryptionKeyUrl !== undefined);
    await ada.messages.send({ roomId: direct.id, text: 'psst, Dee' });
    await dee.messages.send({ roomId: direct.id, text: 'yes?' });
    const seen = await dee.messages.list({ roomId: direct.id });
    assert.deepEqual(
      seen.items.map((m) => m.text),
      ['yes?', 'psst, Dee'],
    );
    // Opening it again answers the same space, whose key both can still read.
    const again = await dee.spaces.direct({ personId: (await ada.personId()) });
    assert.equal(again.id, direct.id);
    assert.equal(again.encryptionKeyUrl, direct.encryptionKeyUrl);

    const group = await ada.spaces.create({ title: 'Old name' });
    const renamed = await ada.spaces.rename(group.id, 'New name');
    assert.equal(renamed.title, 'New name');
    assert.equal((await ada.spaces.get(group.id)).title, 'New name');
  });

  it('an unreadable message is marked, and the rest of the page still opens', async () => {
    const { ada, bob } = secure as Record<'ada' | 'bob', Session>;
    const space = await ada.spaces.create({ title: 'Mixed' });
    await ada.members.add(space.id, { personId: (await bob.personId()) });
    await ada.messages.send({ roomId: space.id, text: 'readable' });
    // A message sealed with a key of another space, which Bob is not authorized for.
    const elsewhere = await ada.spaces.create({ title: 'Private' });
    const foreign = await ada.messages.send({ roomId: elsewhere.id, text: 'not for Bob' });
    const rawForeign = await clients['ada']!.messages.get(foreign.id);
    await clients['ada']!.messages.create({ roomId: space.id, text: rawForeign.text!, encryptionKeyUrl: rawForeign.encryptionKeyUrl! });
    // And one whose ciphertext is not a JWE at all.
    await clients['ada']!.messages.create({ roomId: space.id, text: 'not-a-jwe', encryptionKeyUrl: space.encryptionKeyUrl! });

    const page = await bob.messages.list({ roomId: space.id });
    assert.equal(page.items.length, 3);
    const [garbled, refused, readable] = page.items;
    assert.equal(readable!.text, 'readable');
    assert.equal(refused!.text, undefined, 'no ciphertext passed off as text');
    assert.ok(refused!.decryptError instanceof FlintError && refused!.decryptError.status === 403);
    assert.equal(garbled!.text, undefined);
    assert.ok(garbled!.decryptError instanceof FlintError && garbled!.decryptError.code === 'bad_request');
  });

  it('refuses to send into a space that has no key, rather than send plaintext', async () => {
    const plain = await clients['ada']!.rooms.create({ title: 'ciphertext:legacy' });
    await assert.rejects(secure['ada']!.messages.send({ roomId: plain.id, text: 'must not leave in clear' }), (e: unknown) => e instanceof FlintError && e.code === 'bad_request');
    const messages = await clients['ada']!.messages.list({ roomId: plain.id });
    assert.equal(messages.items.length, 0);
  });
});
