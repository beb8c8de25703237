/**
 * A person deletes their own account (SPEC ID-10): the confirmation and the last-administrator rule
 * change nothing when they refuse; then memberships end, sessions and tokens die, the person becomes
 * "Deleted person" with their address freed, the admin audit log has it, and their messages are
 * kept or deleted as the org's `policy.deletedAccountMessages` says.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '@flint/protocol';
import { raw, startFlint, TEST_PASSWORD } from '@flint/testkit';

const c = (s: string) => `ciphertext:${s}`;

describe('deleting one’s own account', () => {
  it('refuses a wrong address and the last administrator without changing anything', async () => {
    await using flint = await startFlint();
    const ada = await flint.signup({ email: 'ada@example.com' });
    const token = ada.session!.accessToken;
    const wrong = await raw(flint.url, 'POST', '/api/people/me/delete', { token, body: { email: 'someone@example.com' } });
    assert.equal(wrong.status, 400);
    const bad = await raw(flint.url, 'POST', '/api/people/me/delete', { token, body: { email: 'ada@example.com', extra: 1 } });
    assert.equal(bad.status, 400);
    const last = await raw(flint.url, 'POST', '/api/people/me/delete', { token, body: { email: 'ADA@example.com' } });
    assert.equal(last.status, 409);
    assert.match(JSON.stringify(last.json), /last administrator/);
    assert.equal((await ada.people.me()).displayName !== 'Deleted person', true);
    // A dry run answers the policy and changes nothing.
    const bob = await flint.signup({ email: 'bob@example.com' });
    assert.deepEqual(await bob.people.deleteAccount({ email: 'bob@example.com', dryRun: true }), { messages: 'keep' });
    assert.equal((await bob.people.me()).emails[0], 'bob@example.com');
  });

  it('policy keep: the messages stay under “Deleted person”; memberships, sessions and tokens end; the address is free again; audited', async () => {
    await using flint = await startFlint();
    const ada = await flint.signup({ email: 'ada@example.com' });
    const bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    const bobId = bob.session!.personId;
    const room = await ada.rooms.create({ title: c('plans') });
    await ada.memberships.create({ roomId: room.id, personId: bobId });
    const said = await bob.messages.create({ roomId: room.id, text: c('from bob') });
    assert.deepEqual(await bob.people.deleteAccount({ email: 'bob@example.com' }), { messages: 'keep' });

    await assert.rejects(bob.people.me(), { status: 401 });
    const login = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } });
    assert.equal(login.status, 401);
    const kept = await ada.messages.list({ roomId: room.id });
    assert.deepEqual(kept.items.map((m) => m.id), [said.id]);
    const members = await ada.memberships.list({ roomId: room.id });
    assert.deepEqual(members.items.map((m) => m.personId), [ada.session!.personId]);
    const person = await ada.people.get(bobId);
    assert.equal(person.displayName, 'Deleted person');
    assert.ok(!JSON.stringify(person).includes('bob@example.com'), 'the address is gone');
    assert.equal(person.avatar, undefined);
    // The address is free: a new account can take it.
    const again = await flint.signup({ email: 'bob@example.com' });
    assert.notEqual(again.session!.personId, bobId);

    const audit = (await raw(flint.url, 'GET', '/api/admin/audit/events?eventCategories=USERS', { token: ada.session!.accessToken })).json as { items: AuditEvent[] };
    const entry = audit.items.find((e) => e.action === 'person.deleteAccount');
    assert.ok(entry !== undefined, 'audited');
    assert.equal(entry.targetId, bobId);
  });

  it('policy delete: the person’s messages are deleted; others’ replies stay', async () => {
    await using flint = await startFlint();
    const ada = await flint.signup({ email: 'ada@example.com' });
    const [org] = await ada.organizations.list();
    await ada.organizations.update(org!.id, { policy: { deletedAccountMessages: 'delete' } });
    const bob = await flint.signup({ email: 'bob@example.com' });
    const bobId = bob.session!.personId;
    const room = await ada.rooms.create({ title: c('plans') });
    await ada.memberships.create({ roomId: room.id, personId: bobId });
    const root = await bob.messages.create({ roomId: room.id, text: c('bob root') });
    const reply = await ada.messages.create({ roomId: room.id, parentId: root.id, text: c('ada reply') });
    await bob.messages.create({ roomId: room.id, text: c('bob again') });
    const mine = await ada.messages.create({ roomId: room.id, text: c('ada alone') });
    assert.deepEqual(await bob.people.deleteAccount({ email: 'bob@example.com' }), { messages: 'delete' });
    const left = await ada.messages.list({ roomId: room.id });
    assert.deepEqual(left.items.map((m) => m.id).sort(), [reply.id, mine.id].sort());
    assert.equal((await ada.people.get(bobId)).displayName, 'Deleted person');
    const login = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } });
    assert.equal(login.status, 401);
  });

  it('CL-3: one’s voicemail box goes with the account (rows, blobs, PIN hash); what one left for others follows the policy', async () => {
    await using flint = await startFlint();
    const ada = await flint.signup({ email: 'ada@example.com' });
    const bob = await flint.signup({ email: 'bob@example.com' });
    const adaS = await flint.connect(ada);
    const bobS = await flint.connect(bob);
    try {
      const audio = (s: string) => ({ data: new TextEncoder().encode(`OggS ${s}`), type: 'audio/ogg', durationMs: 1_500 });
      const forBob = await adaS.voicemail.leave({ personId: bob.session!.personId }, audio('for bob'));
      const forAda = await bobS.voicemail.leave({ personId: ada.session!.personId }, audio('for ada'));
      await bobS.voicemail.setPin('482915');
      const { db, blobs } = flint.server.core;
      const key = async (id: string) => (await db.selectFrom('voicemails').select('blob_key').where('id', '=', id).executeTakeFirstOrThrow()).blob_key;
      const bobBlob = await key(forBob.id);
      const adaBlob = await key(forAda.id);
      assert.deepEqual(await bob.people.deleteAccount({ email: 'bob@example.com' }), { messages: 'keep' });
      assert.equal(await db.selectFrom('voicemails').select('id').where('id', '=', forBob.id).executeTakeFirst(), undefined, 'the mailbox row is gone');
      assert.equal(await blobs.stat(bobBlob), undefined, 'its ciphertext is gone from the blob store');
      assert.equal(await db.selectFrom('voicemail_settings').select('person_id').where('person_id', '=', bob.session!.personId).executeTakeFirst(), undefined, 'the PIN hash is gone');
      // Policy keep: what Bob left for Ada stays, as his messages do.
      assert.deepEqual((await adaS.voicemail.list()).map((v) => v.id), [forAda.id]);
      assert.ok(await blobs.stat(adaBlob));
    } finally {
      adaS.close();
      bobS.close();
    }
  });
});
