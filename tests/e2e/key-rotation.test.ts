/**
 * SPEC SEC-2, PL-2 (DESIGN §2, invariant 3) — the space key rotates inside the SDK for every
 * client, not only in the web app:
 * - a bot removes a member through the gateway's `DELETE /v1/memberships/{id}`: the removed person
 *   cannot decrypt anything sent afterwards (the KMS refuses the new key, even with the ciphertext
 *   in hand);
 * - someone leaves on their own: a remaining member's SDK session rotates on the
 *   `membership.deleted` event, and the leaver cannot decrypt what follows.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHydraId, type Message, type Room } from '@flint/protocol';
import { FlintError, type FlintClient, type Session } from '@flint/sdk';
import { raw, startFlint, type TestFlint } from '@flint/testkit';

describe('key rotation on removal and on leaving, for every client', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let botToken: string;
  const sessions: Session[] = [];

  const v1 = async (method: string, path: string, body?: unknown) => {
    const answer = await raw(flint.url, method, path, { token: botToken, ...(body !== undefined ? { body } : {}) });
    assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.json)}`);
    return answer.json as Record<string, string>;
  };
  const native = async <T>(path: string): Promise<T> => (await raw(flint.url, 'GET', path, { token: botToken })).json as T;
  const until = async (check: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail(`timed out waiting for ${what}`);
  };

  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@rotate.example' });
    botToken = (await ada.organizations.createBot('Rotation Bot')).token;
  });
  after(async () => {
    for (const s of sessions) s.close();
    await flint.stop();
  });

  it('a bot removing a member through /v1/memberships leaves them unable to decrypt what follows', async () => {
    const bob = flint.session(await flint.signup({ email: 'bob@rotate.example' }), { deviceId: 'bob-laptop' });
    sessions.push(bob);
    const room = await v1('POST', '/v1/rooms', { title: 'Bot-run space' });
    const roomId = fromHydraId('ROOM', room['id']!)!;
    const membership = await v1('POST', '/v1/memberships', { roomId: room['id'], personEmail: 'bob@rotate.example' });
    const before = await v1('POST', '/v1/messages', { roomId: room['id'], text: 'before the removal' });
    const beforeId = fromHydraId('MESSAGE', before['id']!)!;
    assert.equal((await bob.messages.get(beforeId)).text, 'before the removal', 'a member reads');
    const keyBefore = (await native<Room>(`/api/rooms/${roomId}`)).encryptionKeyUrl;

    await v1('DELETE', `/v1/memberships/${membership['id']}`);
    const after = await v1('POST', '/v1/messages', { roomId: room['id'], text: 'after the removal' });

    // The gateway's session rotated: the space names a new key, and what follows is sealed with it.
    const keyAfter = (await native<Room>(`/api/rooms/${roomId}`)).encryptionKeyUrl;
    assert.ok(keyAfter !== undefined && keyAfter !== keyBefore, 'the removal rotated the space key');
    const sealed = await native<Message>(`/api/messages/${fromHydraId('MESSAGE', after['id']!)!}`);
    assert.equal(sealed.encryptionKeyUrl, keyAfter);
    // Bob, with the ciphertext in hand (as a colluding core could give it), gets no key for it.
    const opened = await bob.messages.open(sealed);
    assert.equal(opened.text, undefined);
    assert.ok(opened.decryptError instanceof FlintError && opened.decryptError.kind === 'refused' && opened.decryptError.status === 403, 'the KMS refuses the new key');
    await assert.rejects((await bob.kmsClient()).retrieveKey(keyAfter, { fresh: true }), (e: unknown) => e instanceof FlintError && e.status === 403);
    // Nor can he list the space any more.
    await assert.rejects(bob.messages.list({ roomId }), (e: unknown) => e instanceof FlintError && e.status === 404);
  });

  it('someone leaving on their own: a remaining member’s session rotates, and the leaver cannot decrypt what follows', async () => {
    const owner = flint.session(ada, { deviceId: 'ada-laptop' });
    const cy = flint.session(await flint.signup({ email: 'cy@rotate.example' }), { deviceId: 'cy-laptop' });
    const dee = flint.session(await flint.signup({ email: 'dee@rotate.example' }), { deviceId: 'dee-laptop' });
    sessions.push(owner, cy, dee);
    // The remaining members' sessions are running (as any client's would be), listening to events.
    await owner.events.start();
    await dee.events.start();
    const space = await owner.spaces.create({ title: 'Leavers welcome' });
    await owner.members.add(space.id, { personId: await cy.personId() });
    await owner.members.add(space.id, { personId: await dee.personId() });
    await owner.messages.send({ roomId: space.id, text: 'before Cy leaves' });
    const keyBefore = (await ada.rooms.get(space.id)).encryptionKeyUrl;

    await cy.members.leave(space.id);
    // One of the two remaining sessions (the one whose person id sorts first) rotates by itself.
    await until(async () => (await ada.rooms.get(space.id)).encryptionKeyUrl !== keyBefore, 'the rotation after Cy left');
    const keyAfter = (await ada.rooms.get(space.id)).encryptionKeyUrl!;
    const later = await dee.messages.send({ roomId: space.id, text: 'after Cy left' });
    assert.equal(later.encryptionKeyUrl, keyAfter);
    assert.equal((await owner.messages.get(later.id)).text, 'after Cy left', 'the others read on');
    const opened = await cy.messages.open(await ada.messages.get(later.id));
    assert.equal(opened.text, undefined);
    assert.equal(opened.decryptError?.status, 403, 'the leaver gets no key for what follows');
  });
});
