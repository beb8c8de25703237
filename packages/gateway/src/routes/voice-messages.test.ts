/**
 * `/v1/telephony/voiceMessages` (SPEC CL-3, PL-2): Webex's voicemail list, summary, mark as read
 * and unread (one, or all without an id) and delete, over a message left through the SDK; bad ids
 * answer 400 (body) or 404 (path) and change nothing; another person's message is not found.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { raw, startFlint, type TestFlint } from '@flint/testkit';
import { toHydraId } from '@flint/protocol';

describe('/v1/telephony/voiceMessages', () => {
  let flint: TestFlint;
  before(async () => {
    flint = await startFlint();
  });
  after(() => flint.stop());

  it('lists, summarizes, marks and deletes one’s voice messages in the Webex shape', async () => {
    const ada = await flint.signup({ email: 'ada@vmgw.example', displayName: 'Ada' });
    const bob = await flint.signup({ email: 'bob@vmgw.example', displayName: 'Bob' });
    const adaS = await flint.connect(ada);
    const audio = crypto.getRandomValues(new Uint8Array(2000));
    const first = await adaS.voicemail.leave({ personId: bob.session!.personId }, { data: audio, type: 'audio/ogg', durationMs: 2_400 });
    const second = await adaS.voicemail.leave({ personId: bob.session!.personId }, { data: audio, type: 'audio/ogg', durationMs: 900 });
    const token = bob.session!.accessToken;
    const list = await raw(flint.url, 'GET', '/v1/telephony/voiceMessages', { token });
    assert.equal(list.status, 200);
    const items = (list.json as { items: Record<string, unknown>[] }).items;
    assert.deepEqual(items.map((i) => i.id), [second.id, first.id]);
    assert.deepEqual(items[1], {
      id: first.id,
      duration: 2,
      callingParty: { name: 'Ada', personId: toHydraId('PEOPLE', ada.session!.personId), privacyEnabled: false },
      urgent: false,
      confidential: false,
      read: false,
      created: first.created,
    });
    const summary = async () => (await raw(flint.url, 'GET', '/v1/telephony/voiceMessages/summary', { token })).json;
    assert.deepEqual(await summary(), { newMessages: 2, oldMessages: 0, newUrgentMessages: 0, oldUrgentMessages: 0 });
    assert.equal((await raw(flint.url, 'POST', '/v1/telephony/voiceMessages/markAsRead', { token, body: { messageId: first.id } })).status, 204);
    assert.deepEqual(await summary(), { newMessages: 1, oldMessages: 1, newUrgentMessages: 0, oldUrgentMessages: 0 });
    assert.equal((await raw(flint.url, 'POST', '/v1/telephony/voiceMessages/markAsRead', { token, body: {} })).status, 204, 'all of them');
    assert.deepEqual(await summary(), { newMessages: 0, oldMessages: 2, newUrgentMessages: 0, oldUrgentMessages: 0 });
    assert.equal((await raw(flint.url, 'POST', '/v1/telephony/voiceMessages/markAsUnread', { token, body: { messageId: second.id } })).status, 204);
    assert.deepEqual(await summary(), { newMessages: 1, oldMessages: 1, newUrgentMessages: 0, oldUrgentMessages: 0 });

    // Bad input: 400 in a body, 404 in a path, nothing changed; Ada does not reach Bob's mailbox.
    assert.equal((await raw(flint.url, 'POST', '/v1/telephony/voiceMessages/markAsUnread', { token, body: {} })).status, 400);
    assert.equal((await raw(flint.url, 'POST', '/v1/telephony/voiceMessages/markAsRead', { token, body: { messageId: 'nope' } })).status, 400);
    assert.equal((await raw(flint.url, 'POST', '/v1/telephony/voiceMessages/markAsRead', { token, body: { messageId: 7 } })).status, 400);
    assert.equal((await raw(flint.url, 'DELETE', '/v1/telephony/voiceMessages/nope', { token })).status, 404);
    assert.equal((await raw(flint.url, 'DELETE', `/v1/telephony/voiceMessages/${first.id}`, { token: ada.session!.accessToken })).status, 404);
    assert.deepEqual(await summary(), { newMessages: 1, oldMessages: 1, newUrgentMessages: 0, oldUrgentMessages: 0 });

    assert.equal((await raw(flint.url, 'DELETE', `/v1/telephony/voiceMessages/${first.id}`, { token })).status, 204);
    assert.deepEqual(((await raw(flint.url, 'GET', '/v1/telephony/voiceMessages', { token })).json as { items: { id: string }[] }).items.map((i) => i.id), [second.id]);
    assert.equal((await raw(flint.url, 'GET', '/v1/telephony/voiceMessages')).status, 401);
  });
});
