/**
 * SPEC SEC-2 — the KMS relay as Webex clients use it: discovery through the core, then the
 * handshake and KMS requests sent as `POST /encryption/api/v1/kms/messages` (202) with the replies
 * coming back as `encryption.kms_message` events, to the asking device only. Runs on SQLite, or on
 * PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredEvent } from '@flint/protocol';
import { FlintError, type FlintClient } from '@flint/sdk';
import { KmsClient, KmsRelay, newDeviceSecret } from '@flint/sdk/testing/kms';
import { collect, NodeWebSocket, raw, startFlint, type TestFlint } from '@flint/testkit';

const isKmsEvent = (e: StoredEvent) => e.type === 'encryption.kms_message';

describe('KMS relay through the core', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let adaId: string;
  /** Ada's one KMS device (the relay tests use it from two transports). */
  const adaDevice = { device: newDeviceSecret() };

  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@relay.example' });
    adaId = ada.session!.personId;
  });
  after(() => flint.stop());

  it('discovery answers the static key as a JSON string, without alg or use', async () => {
    const res = await raw(flint.url, 'GET', `/encryption/api/v1/kms/${adaId}`, { token: ada.transport.accessToken! });
    assert.equal(res.status, 200);
    const body = res.json as { kmsCluster: string; rsaPublicKey: unknown; caroots?: string[] };
    assert.equal(body.kmsCluster, 'kms://127.0.0.1');
    assert.equal(typeof body.rsaPublicKey, 'string', 'the key is a JSON string, as Webex sends it');
    const jwk = JSON.parse(body.rsaPublicKey as string) as Record<string, unknown>;
    assert.equal(jwk['kty'], 'RSA');
    assert.equal(jwk['kid'], 'kms://127.0.0.1');
    assert.ok(!('alg' in jwk) && !('use' in jwk), 'node-jose rejects an RSA-OAEP key that says alg/use otherwise');
    assert.ok(!('d' in jwk), 'never the private part');
    assert.ok(Array.isArray(body.caroots) && body.caroots.length > 0);
    // Unauthenticated discovery is refused.
    assert.equal((await raw(flint.url, 'GET', `/encryption/api/v1/kms/${adaId}`)).status, 401);
  });

  it('carries a handshake and a key creation through the relay, to the asking device only', async () => {
    // A second device of the same person watches its own stream: it must see none of the replies.
    const otherDevice = await collect(ada, { deviceId: 'ada-phone' });
    const sameDevice = await collect(ada, { deviceId: 'ada-laptop' });
    // A session of Ada's on this device: its KMS client talks through the relay (the default).
    const session = flint.session(ada, { deviceId: 'ada-laptop', kmsCredential: adaDevice });
    try {
      const kms = await session.kmsClient();
      const [key] = await kms.createKeys(1);
      assert.ok(key !== undefined && key.uri.startsWith('kms://127.0.0.1/keys/'));
      assert.equal(key.key.length, 32);
      assert.equal(key.userId, adaId, 'the KMS identified the caller from the relayed bearer');
      assert.equal(key.clientId, 'ada-laptop');
      // Two exchanges (the handshake, the key request), each answered by one event to this device.
      const delivered = await sameDevice.waitForCount(isKmsEvent, 2);
      for (const e of delivered) {
        const messages = (e as StoredEvent<'encryption.kms_message'>).data.encryption.kmsMessages;
        assert.ok(messages.length >= 1 && messages.every((m) => typeof m === 'string' && !m.includes(key.uri)), 'replies are sealed JOSE, opaque to the core');
      }
      // A marker event after the replies, so "nothing arrived on the phone" is not just "not yet".
      await ada.rooms.create({ title: 'ciphertext:marker' });
      await otherDevice.waitFor((e) => e.type === 'room.created');
      assert.equal(otherDevice.events.filter(isKmsEvent).length, 0, 'another device of the same person gets no KMS reply');
    } finally {
      session.close();
      otherDevice.stop();
      sameDevice.stop();
    }
  });

  it('matches replies that come back batched, split up and in any order', async () => {
    // A relay fed by hand: every reply event is split into one event per reply, delivered in
    // reverse order, as a core that regroups and reorders replies would.
    const info = await KmsRelay.discover(ada, adaId);
    // Requests gather for 50 ms into one POST, as the Webex SDK batches (batcherWait).
    const relay = new KmsRelay({ client: ada, deviceId: 'ada-shuffle', destination: info.kmsCluster, batchWaitMs: 50 });
    const batchSizes: number[] = [];
    const stream = ada.events({
      deviceId: 'ada-shuffle',
      WebSocket: NodeWebSocket,
      onEvent: (e) => {
        if (!isKmsEvent(e)) return;
        const replies = (e as StoredEvent<'encryption.kms_message'>).data.encryption.kmsMessages;
        batchSizes.push(replies.length);
        for (const reply of [...replies].reverse()) relay.handleEvent({ ...e, data: { encryption: { kmsMessages: [reply] } } });
      },
    });
    await stream.start();
    try {
      const kms = new KmsClient({ transport: relay.transport, kmsCluster: info.kmsCluster, rsaPublicKey: info.rsaPublicKey, bearer: () => ada.auth.kmsToken(), clientId: 'ada-shuffle', credential: adaDevice });
      await kms.connect();
      // Ten concurrent requests share POSTs, and come back grouped in reply events.
      const created = await Promise.all(Array.from({ length: 10 }, () => kms.createKeys(1)));
      const uris = created.map((keys) => keys[0]!.uri);
      assert.equal(new Set(uris).size, 10);
      assert.ok(Math.max(...batchSizes) > 1, `concurrent requests travel in batches (sizes ${batchSizes.join(',')})`);
      const resource = await kms.createResource({ userIds: [adaId], keyUris: uris });
      const fetched = await Promise.all(uris.map((uri) => kms.retrieveKey(uri, { fresh: true })));
      assert.deepEqual(
        fetched.map((k) => k.uri),
        uris,
        'each caller got its own reply although they arrived reversed',
      );
      assert.ok(fetched.every((k) => k.resourceUri === resource.uri));
      for (const [i, keys] of created.entries()) assert.deepEqual(fetched[i]!.key, keys[0]!.key);
    } finally {
      stream.stop();
      relay.close();
    }
  });

  it('fails a request cleanly when no reply comes', async () => {
    // A relay whose events are never fed to it: the request times out with a network error.
    const relay = new KmsRelay({ client: ada, deviceId: 'ada-deaf', destination: 'kms://127.0.0.1', timeoutMs: 300 });
    await assert.rejects(relay.transport(['not-a-jwe']), (e: unknown) => e instanceof FlintError && e.kind === 'network');
    relay.close();
  });
});
