/**
 * SPEC MS-5 — the service worker's push handler (`packages/web/src/sw/push-handler.ts`) under Node,
 * with real content encryption (the SDK's JWE `dir`/A256GCM) and a decrypt-only WebCrypto key as
 * the worker gets from IndexedDB: it shows the decrypted text, falls back to a neutral text naming
 * the space (never the content) when it cannot open the message, stays quiet when a window is
 * visible, and ignores payloads that are not Flint's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decryptContentWithCryptoKey, encryptContent } from '@flint/crypto';
import { handlePush, parsePush, type PushDeps, type ShownNotification } from '../../packages/web/src/sw/push-handler.ts';

const ROOM = '0190a1b2-0000-7000-8000-000000000001';
const MESSAGE = '0190a1b2-0000-7000-8000-000000000002';
const PERSON = '0190a1b2-0000-7000-8000-000000000003';
const KEY_URI = 'kms://kms.example.test/keys/1';

async function setup(options: { haveKey?: boolean; visible?: boolean; language?: 'en' | 'fr'; failMessage?: boolean } = {}) {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const key = await crypto.subtle.importKey('raw', raw, { name: 'AES-GCM', length: 256 }, false, ['decrypt']);
  const api: Record<string, unknown> = {
    [`api/rooms/${ROOM}`]: { type: 'group', title: await encryptContent(raw, 'Lighthouse plans'), encryptionKeyUrl: KEY_URI },
    [`api/messages/${MESSAGE}`]: { personId: PERSON, text: await encryptContent(raw, 'meet at **dawn**'), encryptionKeyUrl: KEY_URI },
    [`api/people/${PERSON}`]: { displayName: 'Ada Lovelace' },
  };
  const shown: ShownNotification[] = [];
  const deps: PushDeps = {
    async getJson(path) {
      if (options.failMessage === true && path.startsWith('api/messages/')) throw new Error('HTTP 401');
      if (!(path in api)) throw new Error('HTTP 404');
      return api[path];
    },
    key: async (uri) => (options.haveKey === false || uri !== KEY_URI ? undefined : key),
    decrypt: decryptContentWithCryptoKey,
    language: async () => options.language ?? 'en',
    visibleWindow: async () => options.visible === true,
    show: async (n) => void shown.push(n),
  };
  return { deps, shown };
}

describe('web: the service worker\'s push handler', () => {
  it('opens the message with the IndexedDB key and shows the text', async () => {
    const { deps, shown } = await setup();
    await handlePush(deps, { v: 1, kind: 'message', spaceId: ROOM, messageId: MESSAGE });
    assert.equal(shown.length, 1);
    assert.equal(shown[0]!.title, 'Lighthouse plans');
    assert.equal(shown[0]!.options.body, 'Ada Lovelace: meet at dawn');
    assert.equal(shown[0]!.options.tag, `flint:${MESSAGE}`);
    assert.deepEqual(shown[0]!.options.data, { spaceId: ROOM, messageId: MESSAGE });
  });

  it('says "mentioned you" for a mention, in French too', async () => {
    const { deps, shown } = await setup({ language: 'fr' });
    await handlePush(deps, { v: 1, kind: 'mention', spaceId: ROOM, messageId: MESSAGE });
    assert.equal(shown[0]!.title, 'Ada Lovelace vous a mentionné · Lighthouse plans');
    assert.equal(shown[0]!.options.body, 'meet at dawn');
  });

  it('without the key, or signed out: a neutral text, never the content', async () => {
    for (const options of [{ haveKey: false }, { failMessage: true }]) {
      const { deps, shown } = await setup(options);
      await handlePush(deps, { v: 1, kind: 'message', spaceId: ROOM, messageId: MESSAGE });
      assert.equal(shown.length, 1);
      assert.ok(!JSON.stringify(shown[0]).includes('dawn'));
      assert.equal(shown[0]!.title, 'Flint');
      assert.equal(shown[0]!.options.body, options.haveKey === false ? 'New message in a space' : 'New message in Lighthouse plans');
    }
  });

  it('"added to a space" names the space', async () => {
    const { deps, shown } = await setup();
    await handlePush(deps, { v: 1, kind: 'added', spaceId: ROOM });
    assert.equal(shown[0]!.options.body, 'You were added to Lighthouse plans');
    assert.equal(shown[0]!.options.tag, `flint:added:${ROOM}`);
  });

  it('stays quiet when a window of the app is visible (that window notifies)', async () => {
    const { deps, shown } = await setup({ visible: true });
    assert.equal(await handlePush(deps, { v: 1, kind: 'message', spaceId: ROOM, messageId: MESSAGE }), undefined);
    assert.equal(shown.length, 0);
  });

  it('ignores what is not a Flint push', async () => {
    for (const bad of [undefined, null, 'text', { v: 2, kind: 'message', spaceId: ROOM }, { v: 1, kind: 'call', spaceId: ROOM }, { v: 1, kind: 'message', spaceId: '../admin' }, { v: 1, kind: 'message', spaceId: ROOM, messageId: '1/../../x' }]) {
      assert.equal(parsePush(bad), undefined, JSON.stringify(bad));
      const { deps, shown } = await setup();
      await handlePush(deps, bad);
      assert.equal(shown.length, 0);
    }
  });
  it('CL-1: an incoming call shows who calls, stays until acted on, and says "missed" once it stopped ringing', async () => {
    const CALL = '0190a1b2-0000-7000-8000-000000000009';
    const { deps, shown } = await setup();
    let state = 'ringing';
    const withCall: PushDeps = { ...deps, getJson: async (path) => (path === `api/calls/${CALL}` ? { state, media: 'audio', caller: { displayName: 'Ada Lovelace' } } : deps.getJson(path)) };
    await handlePush(withCall, { v: 1, kind: 'call', callId: CALL, spaceId: ROOM });
    assert.deepEqual(shown[0], { title: 'Ada Lovelace', options: { body: 'Incoming call', tag: `flint:call:${CALL}`, data: { callId: CALL, spaceId: ROOM }, icon: './icon-192.png', lang: 'en', requireInteraction: true } });
    state = 'ended';
    await handlePush(withCall, { v: 1, kind: 'call', callId: CALL });
    assert.equal(shown[1]!.options.body, 'Missed call');
    assert.equal(shown[1]!.options.requireInteraction, undefined);
    // The API unreachable: a neutral ring, no name.
    await handlePush(deps, { v: 1, kind: 'call', callId: CALL });
    assert.deepEqual({ title: shown[2]!.title, body: shown[2]!.options.body }, { title: 'Flint', body: 'Incoming call' });
    // Not ours: ignored.
    assert.equal(parsePush({ v: 1, kind: 'call', callId: 'not-an-id' }), undefined);
    assert.equal(parsePush({ v: 1, kind: 'call', callId: CALL, spaceId: 7 }), undefined);
  });
  it('CL-3: a new voicemail names who left it and its length, says nothing once heard, and stays neutral when the API is out of reach', async () => {
    const VM = '0190a1b2-0000-7000-8000-00000000000a';
    const { deps, shown } = await setup({ language: 'fr' });
    let read = false;
    const withMailbox: PushDeps = { ...deps, getJson: async (path) => (path === 'api/voicemails' ? { items: [{ id: VM, callerName: 'Ada Lovelace', durationMs: 7_400, read }] } : deps.getJson(path)) };
    await handlePush(withMailbox, { v: 1, kind: 'voicemail', voicemailId: VM });
    assert.deepEqual(shown[0], { title: 'Nouveau message vocal', options: { body: 'Message vocal de Ada Lovelace (7 s)', tag: `flint:voicemail:${VM}`, data: { voicemailId: VM }, icon: './icon-192.png', lang: 'fr' } });
    // Heard on another device before the push arrived: nothing to show.
    read = true;
    assert.equal(await handlePush(withMailbox, { v: 1, kind: 'voicemail', voicemailId: VM }), undefined);
    assert.equal(shown.length, 1);
    // The API unreachable (signed out, offline): a neutral text.
    await handlePush(deps, { v: 1, kind: 'voicemail', voicemailId: VM });
    assert.deepEqual({ title: shown[1]!.title, body: shown[1]!.options.body }, { title: 'Flint', body: 'Nouveau message vocal' });
    assert.equal(parsePush({ v: 1, kind: 'voicemail', voicemailId: '../x' }), undefined);
    assert.equal(parsePush({ v: 1, kind: 'voicemail' }), undefined);
  });
});
