/**
 * The gateway's edges (SPEC PL-2; DESIGN §2 invariant 6): Webex status codes and error bodies,
 * bad input answered 4xx without side effects, the explicit limits, `Link` headers on the
 * request's own origin, the query forms the SDKs send, rate limits passed on as 429 with
 * `Retry-After`, files by URL refused on internal addresses, and tokens the core stops accepting.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorOf, raw, startFlint, type TestFlint } from '@flint/testkit';
import type { FlintClient } from '@flint/sdk';
import { GATEWAY_LIMITS } from './limits.ts';
import { createGatewayServer } from './server.ts';
import { isInternalAddress } from './files/guarded-fetch.ts';

describe('the /v1 gateway’s edges (PL-2)', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let token: string;
  let roomId: string;
  let web: Server;
  let webUrl: string;

  before(async () => {
    // The default: files by URL may not reach the server's own network.
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@edges.example', displayName: 'Ada Edges' });
    await flint.signup({ email: 'bob@edges.example', displayName: 'Bob Edges' });
    token = ada.session!.accessToken;
    roomId = ((await raw(flint.url, 'POST', '/v1/rooms', { token, body: { title: 'Edges' } })).json as { id: string }).id;
    web = createServer((_req, res) => res.end('internal document'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}/doc.txt`;
  });
  after(async () => {
    await new Promise((resolve) => web.close(resolve));
    await flint.stop();
  });

  const count = async () => ((await raw(flint.url, 'GET', `/v1/messages?roomId=${roomId}&max=1000`, { token })).json as { items: unknown[] }).items.length;

  it('answers 401 in the Webex shape without a valid token, and stops accepting a revoked one', async () => {
    const none = await raw(flint.url, 'GET', '/v1/people/me');
    assert.equal(none.status, 401);
    assert.equal(errorOf(none).code, 'unauthorized');
    assert.equal(none.headers.get('trackingid'), errorOf(none).trackingId);
    const dan = (await flint.signup({ email: 'dan@edges.example' })).session!;
    assert.equal((await raw(flint.url, 'GET', '/v1/people/me', { token: dan.accessToken })).status, 200);
    await raw(flint.url, 'POST', '/api/auth/logout', { token: dan.accessToken });
    // The gateway's cache of callers never vouches for a token: the core is asked every time.
    assert.equal((await raw(flint.url, 'GET', '/v1/people/me', { token: dan.accessToken })).status, 401);
    assert.equal((await raw(flint.url, 'GET', '/v1/rooms', { token: 'fla-' + '0'.repeat(64) + '_us_00000000-0000-4000-8000-000000000000' })).status, 401);
  });

  it('answers a malformed percent-escape or an overlong id in the path in the Webex shape, on its own listener too (fuzz counterexample)', async () => {
    const alone = await createGatewayServer({ coreUrl: flint.url, logLevel: 'silent' });
    const aloneUrl = await alone.listen();
    try {
      for (const base of [flint.url, aloneUrl]) {
        for (const path of ['/v1/rooms/%E0%A4%A', '/v1/people/%', `/v1/messages/${'x'.repeat(600)}`]) {
          const r = await raw(base, 'GET', path, { token });
          assert.ok(r.status >= 400 && r.status < 500, `${base}${path.slice(0, 40)}: ${r.status}`);
          const body = errorOf(r);
          assert.ok(typeof body.message === 'string' && body.errors.length > 0 && typeof body.errors[0]?.description === 'string', r.text);
          assert.equal(r.headers.get('trackingid'), body.trackingId);
        }
      }
    } finally {
      await alone.close();
    }
  });

  it('answers bad input with a 4xx and the Webex error body, and changes nothing', async () => {
    const before = await count();
    const cases: [string, string, unknown, number][] = [
      ['POST', '/v1/messages', '{"roomId":', 400],
      ['POST', '/v1/messages', { roomId: roomId, text: 42 }, 400],
      ['POST', '/v1/messages', { roomId: 'not-an-id', text: 'x' }, 400],
      ['POST', '/v1/messages', { text: 'no target' }, 400],
      ['POST', '/v1/messages', { roomId, toPersonEmail: 'bob@edges.example', text: 'two targets' }, 400],
      ['POST', '/v1/messages', { roomId }, 400],
      ['POST', '/v1/messages', { roomId, text: 'x'.repeat(GATEWAY_LIMITS.messageContentBytes + 1) }, 400],
      ['POST', '/v1/messages', { roomId, files: ['ftp://example.com/x'] }, 400],
      ['POST', '/v1/messages', { roomId, files: ['a', 'b'] }, 400],
      ['POST', '/v1/messages', { roomId, text: 'card', attachments: [{}] }, 400],
      ['POST', '/v1/rooms', { title: '' }, 400],
      ['POST', '/v1/rooms', { title: ['x'] }, 400],
      ['POST', '/v1/memberships', { roomId, personId: 'nope' }, 400],
      ['GET', '/v1/messages', undefined, 400],
      ['GET', '/v1/messages?roomId=x', undefined, 400],
      ['GET', `/v1/messages?roomId=${roomId}&max=0`, undefined, 400],
      ['GET', `/v1/messages?roomId=${roomId}&before=yesterday`, undefined, 400],
      ['GET', `/v1/messages?roomId=${roomId}&mentionedPeople=someoneElse`, undefined, 400],
      ['GET', '/v1/rooms?type=public', undefined, 400],
      ['GET', '/v1/people', undefined, 400],
      ['GET', '/v1/rooms/Y2lzY29zcGFyazovL3VzL1JPT00vbm9wZQ', undefined, 404],
      ['GET', '/v1/memberships/Y2lzY29zcGFyazovL3VzL01FTUJFUlNISVAvbm9wZQ', undefined, 404],
      ['GET', '/v1/contents/Y2lzY29zcGFyazovL3VzL0NPTlRFTlQvbm9wZQ', undefined, 404],
    ];
    for (const [verb, path, body, status] of cases) {
      const res = await raw(flint.url, verb, path, { token, ...(body !== undefined ? { body } : {}) });
      assert.equal(res.status, status, `${verb} ${path} ${JSON.stringify(body)?.slice(0, 60)} → ${res.status} ${res.text.slice(0, 200)}`);
      const e = errorOf(res);
      assert.equal(typeof e.message, 'string');
      assert.ok(e.errors.length > 0 && typeof e.errors[0]!.description === 'string');
      assert.equal(typeof e.trackingId, 'string');
    }
    const ids = Array.from({ length: GATEWAY_LIMITS.peopleIds + 1 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    assert.equal((await raw(flint.url, 'GET', `/v1/people?id=${ids.join(',')}`, { token })).status, 400);
    assert.equal(await count(), before, 'nothing was posted');
  });

  it('refuses files by URL on the server’s own network unless the install allows it (FL-3)', async () => {
    const refused = await raw(flint.url, 'POST', '/v1/messages', { token, body: { roomId, files: [webUrl] } });
    assert.equal(refused.status, 400);
    assert.match(errorOf(refused).errors[0]!.description, /not on a public address/);
    // A name that resolves to loopback is refused on the address really dialled (no DNS rebinding).
    const byName = await raw(flint.url, 'POST', '/v1/messages', { token, body: { roomId, files: [webUrl.replace('127.0.0.1', 'localhost')] } });
    assert.equal(byName.status, 400);
    assert.match(errorOf(byName).errors[0]!.description, /not on a public address/);
    assert.equal(await count(), 0);
    for (const address of ['127.0.0.1', '10.1.2.3', '192.168.0.1', '172.20.0.1', '169.254.169.254', '::1', 'fe80::1', '::ffff:127.0.0.1', '0.0.0.0']) assert.ok(isInternalAddress(address), address);
    for (const address of ['93.184.216.34', '2606:2800:220:1::1']) assert.ok(!isInternalAddress(address), address);
  });

  it('edits at most 10 times, then 400; the SDK’s query forms (x[0]=, repeated, commas) all work', async () => {
    const msg = (await raw(flint.url, 'POST', '/v1/messages', { token, body: { roomId, markdown: 'hi <@personEmail:ada@edges.example|Ada>' } })).json as { id: string; mentionedPeople: string[] };
    assert.equal(msg.mentionedPeople.length, 1);
    for (let i = 1; i <= 10; i++) assert.equal((await raw(flint.url, 'PUT', `/v1/messages/${msg.id}`, { token, body: { roomId, text: `edit ${i}` } })).status, 200);
    const eleventh = await raw(flint.url, 'PUT', `/v1/messages/${msg.id}`, { token, body: { roomId, text: 'edit 11' } });
    assert.equal(eleventh.status, 400);
    for (const q of ['mentionedPeople%5B0%5D=me', 'mentionedPeople=me', 'mentionedPeople[]=me']) {
      const res = await raw(flint.url, 'GET', `/v1/messages?roomId=${roomId}&${q}`, { token });
      assert.equal(res.status, 200, q);
    }
    const me = (await raw(flint.url, 'GET', '/v1/people/me', { token })).json as { id: string };
    const both = await raw(flint.url, 'GET', `/v1/people?id%5B0%5D=${me.id}&id%5B1%5D=${ada.session!.personId}`, { token });
    assert.deepEqual((both.json as { items: { id: string }[] }).items.map((p) => p.id), [me.id]);
    assert.equal((await raw(flint.url, 'DELETE', `/v1/messages/${msg.id}`, { token })).status, 204);
  });

  it('attachment actions: only members submit; only the submitter and the card’s sender read them', async () => {
    const cy = await flint.signup({ email: 'cy@edges.example', displayName: 'Cy Edges' });
    const cyToken = cy.session!.accessToken;
    const bobToken = (await flint.client().auth.login({ email: 'bob@edges.example', password: 'correct horse battery staple' })).accessToken;
    const room = ((await raw(flint.url, 'POST', '/v1/rooms', { token, body: { title: 'Cards' } })).json as { id: string }).id;
    for (const email of ['bob@edges.example', 'cy@edges.example']) assert.equal((await raw(flint.url, 'POST', '/v1/memberships', { token, body: { roomId: room, personEmail: email } })).status, 200);
    const card = ((await raw(flint.url, 'POST', '/v1/messages', { token, body: { roomId: room, text: 'card', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.3', body: [] } }] } })).json as { id: string }).id;
    const plain = ((await raw(flint.url, 'POST', '/v1/messages', { token, body: { roomId: room, text: 'no card here' } })).json as { id: string }).id;
    assert.equal((await raw(flint.url, 'POST', '/v1/attachment/actions', { token: bobToken, body: { type: 'submit', messageId: plain, inputs: { a: 1 } } })).status, 400, 'a message without a card');
    const outsider = await flint.signup({ email: 'out@edges.example' });
    assert.equal((await raw(flint.url, 'POST', '/v1/attachment/actions', { token: outsider.session!.accessToken, body: { type: 'submit', messageId: card, inputs: { a: 1 } } })).status, 404);
    assert.equal((await raw(flint.url, 'POST', '/v1/attachment/actions', { token: bobToken, body: { type: 'other', messageId: card, inputs: { a: 1 } } })).status, 400);
    assert.equal((await raw(flint.url, 'POST', '/v1/attachment/actions', { token: bobToken, body: { type: 'submit', messageId: card, inputs: [1] } })).status, 400);
    const action = (await raw(flint.url, 'POST', '/v1/attachment/actions', { token: bobToken, body: { type: 'submit', messageId: card, inputs: { a: 1 } } })).json as { id: string };
    assert.equal((await raw(flint.url, 'GET', `/v1/attachment/actions/${action.id}`, { token })).status, 200, 'the card’s sender');
    assert.equal((await raw(flint.url, 'GET', `/v1/attachment/actions/${action.id}`, { token: bobToken })).status, 200, 'the submitter');
    assert.equal((await raw(flint.url, 'GET', `/v1/attachment/actions/${action.id}`, { token: cyToken })).status, 404, 'another member');
  });

  it('builds Link headers on the origin the client used, one rel="next" only', async () => {
    for (let i = 0; i < 3; i++) await raw(flint.url, 'POST', '/v1/rooms', { token, body: { title: `Paged ${i}` } });
    const viaLocalhost = flint.url.replace('127.0.0.1', 'localhost');
    const page = await raw(viaLocalhost, 'GET', '/v1/rooms?max=2', { token });
    const link = page.headers.get('link') ?? '';
    assert.match(link, /^<http:\/\/localhost:\d+\/v1\/rooms\?max=2&cursor=[^>]+>; rel="next"$/);
    const next = await fetch(/<([^>]+)>/.exec(link)![1]!, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(next.status, 200);
  });

  it('passes the core’s rate limit on as 429 with Retry-After', async () => {
    await using limited = await startFlint({ env: { FLINT_RATE_LIMIT_PER_MINUTE: '12' } });
    const someone = await limited.signup({ email: 'rl@edges.example' });
    let last: Awaited<ReturnType<typeof raw>> | undefined;
    for (let i = 0; i < 15; i++) {
      last = await raw(limited.url, 'GET', '/v1/people/me', { token: someone.session!.accessToken });
      if (last.status === 429) break;
    }
    assert.equal(last?.status, 429);
    assert.ok(Number(last.headers.get('retry-after')) >= 1);
    assert.equal(errorOf(last).code, 'rate_limited');
  });
});
