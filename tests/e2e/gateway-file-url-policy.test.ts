/**
 * `POST /v1/messages {files: [url]}` makes the gateway fetch a URL on the server (SPEC FL-3): it
 * follows the same address policy as webhooks (issue 14, finding 5). By default no internal
 * address in any spelling is fetched, and the refusal comes before any connection; an address the
 * operator lists in FLINT_WEBHOOK_ALLOW is fetched. All traffic stays on loopback.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { raw, startFlint, type TestFlint } from '@flint/testkit';

describe('gateway files: [url] address policy', () => {
  let source: Server;
  let port = 0;
  let requests = 0;
  let connections = 0;
  const flints: TestFlint[] = [];
  before(async () => {
    source = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' }).end('hello');
    });
    source.on('connection', () => connections++);
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    port = (source.address() as AddressInfo).port;
  });
  after(async () => {
    for (const f of flints) await f.stop();
    await new Promise<void>((resolve) => source.close(() => resolve()));
  });

  async function roomOf(flint: TestFlint, email: string): Promise<{ token: string; roomId: string }> {
    const client = await flint.signup({ email });
    const token = client.session!.accessToken;
    const room = await raw(flint.url, 'POST', '/v1/rooms', { token, body: { title: 'files' } });
    assert.equal(room.status, 200, room.text);
    return { token, roomId: (room.json as { id: string }).id };
  }

  it('FL-3: refuses loopback in every spelling before connecting, by default', async () => {
    const flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    flints.push(flint);
    const { token, roomId } = await roomOf(flint, 'ada@example.com');
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '[::127.0.0.1]', '[64:ff9b::7f00:1]', 'localhost']) {
      const r = await raw(flint.url, 'POST', '/v1/messages', { token, body: { roomId, text: 'see file', files: [`http://${host}:${port}/file.txt`] } });
      assert.equal(r.status, 400, `${host}: ${r.text}`);
      assert.match(r.text, /not on a public address/, host);
    }
    assert.equal(connections, 0, 'no connection reached the source');
  });

  it('FL-3: fetches from an address the operator lists in FLINT_WEBHOOK_ALLOW', async () => {
    const flint = await startFlint({ env: { FLINT_SIGNUP: 'open', FLINT_WEBHOOK_ALLOW: '127.0.0.1/32' } });
    flints.push(flint);
    const { token, roomId } = await roomOf(flint, 'bob@example.com');
    const r = await raw(flint.url, 'POST', '/v1/messages', { token, body: { roomId, text: 'see file', files: [`http://127.0.0.1:${port}/file.txt`] } });
    assert.equal(r.status, 200, r.text);
    assert.equal(requests, 1);
    const refused = await raw(flint.url, 'POST', '/v1/messages', { token, body: { roomId, text: 'see file', files: [`http://127.0.0.2:${port}/file.txt`] } });
    assert.equal(refused.status, 400, 'an unlisted loopback address stays refused');
    assert.match(refused.text, /not on a public address/);
  });
});
