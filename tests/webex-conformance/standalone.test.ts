/**
 * SPEC PL-2: the gateway as its own process in front of a core (`flint gateway serve --core-url`),
 * here its own listener in the test's process: it reaches the core over HTTP with each caller's
 * token and the KMS only through the core's relay (as a device of the caller). The official Webex
 * SDK, pointed at the gateway alone, sends and reads encrypted messages and files and listens.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createGatewayServer, type GatewayServer } from '@flint/gateway';
import { startFlint, type TestFlint } from '@flint/testkit';
import type { FlintClient } from '@flint/sdk';
import { webexFor, type Webex } from './webex.ts';

describe('the gateway on its own listener, in front of a core (PL-2)', () => {
  let flint: TestFlint;
  let gateway: GatewayServer;
  let gatewayUrl: string;
  let ada: FlintClient;
  let bob: FlintClient;
  let adaWebex: Webex;
  let bobWebex: Webex;

  before(async () => {
    flint = await startFlint();
    gateway = await createGatewayServer({ coreUrl: flint.url, port: 0 });
    gatewayUrl = await gateway.listen();
    ada = await flint.signup({ email: 'ada@standalone.example', displayName: 'Ada Standalone' });
    bob = await flint.signup({ email: 'bob@standalone.example', displayName: 'Bob Standalone' });
    adaWebex = await webexFor(gatewayUrl, ada.session!.accessToken);
    bobWebex = await webexFor(gatewayUrl, bob.session!.accessToken);
  });

  after(async () => {
    bobWebex.messages.stopListening();
    await bobWebex.internal.mercury.disconnect().catch(() => undefined);
    await bobWebex.internal.device.unregister().catch(() => undefined);
    await gateway.close();
    await flint.stop();
  });

  it('sends, reads, shares a file and listens through a gateway that reaches the KMS only via the core', async () => {
    assert.notEqual(new URL(gatewayUrl).port, new URL(flint.url).port);
    const room = await adaWebex.rooms.create({ title: 'Standalone room' });
    await adaWebex.memberships.create({ roomId: room.id, personEmail: 'bob@standalone.example' });
    const heard = new Promise<Record<string, unknown>>((resolve) => bobWebex.messages.on('created', (e) => resolve(e.data)));
    await bobWebex.messages.listen();
    const sent = await adaWebex.messages.create({ roomId: room.id, text: 'through the relay', files: [Buffer.from('file through the relay')] });
    const event = await heard;
    assert.equal(event['id'], sent.id);
    assert.equal(event['text'], 'through the relay');
    assert.equal((await bobWebex.rooms.get(room.id))['title'], 'Standalone room');
    const [url] = sent['files'] as string[];
    assert.ok(url!.startsWith(`${gatewayUrl}/v1/contents/`));
    const got = await fetch(url!, { headers: { authorization: `Bearer ${bob.session!.accessToken}` } });
    assert.equal(await got.text(), 'file through the relay');
    // The core stored ciphertext: its native API shows no plaintext.
    const native = await bob.messages.get(sent['id'] === undefined ? '' : Buffer.from(sent.id, 'base64').toString('utf8').split('/').at(-1)!);
    assert.ok(native.text !== undefined && !native.text.includes('through the relay'));
  });
});
