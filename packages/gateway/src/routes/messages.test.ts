/**
 * What bots post through `/v1/messages` is a first-class Flint message:
 * - SR-1, SR-2: it carries blinded search tokens under the sealing key's epoch, as native clients
 *   send them, so a native member's search finds a bot's message by a word and its file by its name
 *   (multipart and by URL), and an edit re-indexes it;
 * - PL-2: cards (`attachments`) are sealed with the space key (the core never sees the card JSON),
 *   answered as Webex answers them, need a text or markdown fallback, one per message within the
 *   limit, cannot be edited, drive the `hasAttachments` webhook filter, and are what attachment
 *   actions submit.
 * Runs on SQLite, and on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CARD_CONTENT_TYPE, fromHydraId } from '@flint/protocol';
import type { FlintClient, Search, Session } from '@flint/sdk';
import { errorOf, raw, scanForPlaintext, startFlint, startWebhookReceiver, type TestFlint, type WebhookReceiver } from '@flint/testkit';
import { GATEWAY_LIMITS } from '../limits.ts';

const unique = (label: string) => `${label}${randomBytes(6).toString('hex')}`;

describe('/v1/messages: search tokens and cards (SR-1, PL-2)', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let adaSecure: Session;
  let adaSearch: Search;
  let botToken: string;
  let roomId: string;
  let web: Server;
  let webUrl: string;
  let receiver: WebhookReceiver;
  /** What the core must never hold in clear. */
  const secrets: string[] = [];

  before(async () => {
    flint = await startFlint({ gateway: { allowPrivateFileUrls: true }, env: { FLINT_WEBHOOK_TARGETS: 'any' } });
    receiver = await startWebhookReceiver();
    ada = await flint.signup({ email: 'ada@bots.example', displayName: 'Ada Native' });
    adaSecure = await flint.connect(ada, { deviceId: 'ada-laptop', searchRoomsTtlMs: 0 });
    // Ada also calls /v1 with her token: her laptop approves that token's KMS device.
    await adaSecure.approveToken(ada.session!.accessToken);
    adaSearch = adaSecure.search;
    botToken = (await flint.signup({ email: 'robot@bots.example', displayName: 'Robot' })).session!.accessToken;
    roomId = ((await raw(flint.url, 'POST', '/v1/rooms', { token: botToken, body: { title: 'Bot room' } })).json as { id: string }).id;
    assert.equal((await raw(flint.url, 'POST', '/v1/memberships', { token: botToken, body: { roomId, personEmail: 'ada@bots.example' } })).status, 200);
    web = createServer((req, res) => res.end(req.url === '/exports/Numbat-ledger.csv' ? 'a,b\n1,2\n' : ''));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  });
  after(async () => {
    adaSecure.close();
    await new Promise((resolve) => web.close(resolve));
    await receiver.stop();
    await flint.stop();
  });

  const post = async (body: unknown) => raw(flint.url, 'POST', '/v1/messages', { token: botToken, body });
  const native = (hydraId: string) => fromHydraId('MESSAGE', hydraId)!;
  const found = async (query: string) => (await adaSearch.messages(query)).messages.map((m) => m.id);
  const count = async () => ((await raw(flint.url, 'GET', `/v1/messages?roomId=${roomId}&max=1000`, { token: botToken })).json as { items: unknown[] }).items.length;

  it('SR-1, SR-2: a native member finds a bot’s message by a word, its files by name, and an edit by its new words', async () => {
    const word = unique('Quokka');
    const text = `${word} inventory report`;
    secrets.push(word);
    const sent = (await post({ roomId, text })).json as { id: string };
    const md = (await post({ roomId, markdown: `**${unique('Bilby')}** and _wallaby_` })).json as { id: string; markdown: string };

    assert.deepEqual(await found(word), [native(sent.id)], 'found by the whole word');
    assert.deepEqual(await found(word.slice(0, 6)), [native(sent.id)], 'and by a prefix');
    assert.equal((await adaSearch.messages(word)).messages[0]!.text, text, 'the hit opens with Ada’s own key');
    assert.deepEqual(await found('wallaby'), [native(md.id)], 'markdown is indexed too');

    // A multipart upload with a file name, and a file by URL: found by their names.
    const form = new FormData();
    form.append('roomId', roomId);
    form.append('text', 'the budget');
    form.append('files', new Blob(['x,y\n3,4\n'], { type: 'text/csv' }), 'Wombat-budget.csv');
    const uploaded = await fetch(`${flint.url}/v1/messages`, { method: 'POST', headers: { authorization: `Bearer ${botToken}` }, body: form });
    assert.equal(uploaded.status, 200);
    const upload = (await uploaded.json()) as { id: string };
    const linked = (await post({ roomId, files: [`${webUrl}/exports/Numbat-ledger.csv`] })).json as { id: string };

    const wombat = await adaSearch.files('wombat');
    assert.deepEqual(wombat.map((h) => h.message.id), [native(upload.id)]);
    assert.deepEqual(wombat[0]!.files.map((f) => f.name), ['Wombat-budget.csv']);
    assert.deepEqual((await adaSearch.files('numbat')).map((h) => h.message.id), [native(linked.id)]);
    assert.deepEqual(await found('wombat'), [], 'a file name is not message text');
    assert.deepEqual(await found('budget'), [native(upload.id)], 'the caption is');

    // An edit replaces the tokens: the old word no longer finds it, the new one does.
    const edited = unique('Platypus');
    assert.equal((await raw(flint.url, 'PUT', `/v1/messages/${sent.id}`, { token: botToken, body: { roomId, text: `${edited} now` } })).status, 200);
    assert.deepEqual(await found(word), []);
    assert.deepEqual(await found(edited), [native(sent.id)]);
  });

  it('PL-2: a card is sealed, answered and opened as Webex shows it, and sent only with a fallback, one per message', async () => {
    const marker = unique('CardSecret');
    secrets.push(marker);
    const card = { type: 'AdaptiveCard', version: '1.3', body: [{ type: 'TextBlock', text: marker }, { type: 'Input.Text', id: 'answer' }], actions: [{ type: 'Action.Submit', title: 'Send' }] };
    const attachments = [{ contentType: CARD_CONTENT_TYPE, content: card }];

    const before = await count();
    const bad: [string, unknown][] = [
      ['no fallback', { roomId, attachments }],
      ['html is no fallback', { roomId, html: '<b>x</b>', attachments }],
      ['two cards', { roomId, text: 'x', attachments: [...attachments, ...attachments] }],
      ['an empty list', { roomId, text: 'x', attachments: [] }],
      ['not a list', { roomId, text: 'x', attachments: attachments[0] }],
      ['another content type', { roomId, text: 'x', attachments: [{ contentType: 'text/html', content: card }] }],
      ['content not an object', { roomId, text: 'x', attachments: [{ contentType: CARD_CONTENT_TYPE, content: 'card' }] }],
      ['too large', { roomId, text: 'x', attachments: [{ contentType: CARD_CONTENT_TYPE, content: { ...card, padding: 'x'.repeat(GATEWAY_LIMITS.cardBytes) } }] }],
    ];
    for (const [why, body] of bad) {
      const res = await post(body);
      assert.equal(res.status, 400, why);
      assert.equal(errorOf(res).code, 'validation_failed', why);
    }
    assert.match(errorOf(await post({ roomId, attachments })).errors[0]!.description, /text or markdown/);
    assert.equal(await count(), before, 'nothing was posted');

    const fallback = unique('Fallback');
    const sent = (await post({ roomId, markdown: `**${fallback}**`, attachments })).json as { id: string; attachments: unknown; markdown: string };
    assert.deepEqual(sent.attachments, attachments);
    assert.deepEqual(((await raw(flint.url, 'GET', `/v1/messages/${sent.id}`, { token: botToken })).json as { attachments: unknown }).attachments, attachments);
    const listed = ((await raw(flint.url, 'GET', `/v1/messages?roomId=${roomId}&max=1`, { token: botToken })).json as { items: { id: string; attachments: unknown }[] }).items[0]!;
    assert.equal(listed.id, sent.id);
    assert.deepEqual(listed.attachments, attachments);
    // The native member opens the card with her own KMS access; the core stores it sealed.
    const opened = await adaSecure.messages.get(native(sent.id));
    assert.deepEqual(opened.cards, attachments);
    const stored = await ada.messages.get(native(sent.id));
    assert.equal(stored.attachments?.[0]?.contentType, CARD_CONTENT_TYPE);
    assert.match(stored.attachments[0].content, /^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWE (dir, A256GCM)');
    // The fallback is what search finds.
    assert.deepEqual(await found(fallback), [native(sent.id)]);

    // As Webex: a message with a card cannot be edited.
    const edit = await raw(flint.url, 'PUT', `/v1/messages/${sent.id}`, { token: botToken, body: { roomId, text: 'changed' } });
    assert.equal(edit.status, 400);

    // Ada posts a card natively; the bot reads it through /v1.
    const nativeCard = await adaSecure.messages.send({ roomId: fromHydraId('ROOM', roomId)!, text: 'native fallback', cards: [{ contentType: CARD_CONTENT_TYPE, content: { type: 'AdaptiveCard', version: '1.3', body: [] } }] });
    const viaV1 = (await raw(flint.url, 'GET', `/v1/messages/${Buffer.from(`ciscospark://us/MESSAGE/${nativeCard.id}`).toString('base64').replace(/=+$/, '')}`, { token: botToken })).json as { attachments: unknown };
    assert.deepEqual(viaV1.attachments, [{ contentType: CARD_CONTENT_TYPE, content: { type: 'AdaptiveCard', version: '1.3', body: [] } }]);
  });

  it('PL-2: hasAttachments filters webhooks by the card flag, and attachment actions submit cards only', async () => {
    const hook = async (path: string, filter: string) =>
      raw(flint.url, 'POST', '/v1/webhooks', { token: botToken, body: { name: path, targetUrl: `${receiver.url}/${path}`, resource: 'messages', event: 'created', filter } });
    assert.equal((await hook('cards', `roomId=${roomId}&hasAttachments=true`)).status, 200);
    assert.equal((await hook('plain', `roomId=${roomId}&hasAttachments=false`)).status, 200);
    const card = (await post({ roomId, text: 'pick one', attachments: [{ contentType: CARD_CONTENT_TYPE, content: { type: 'AdaptiveCard', version: '1.3', body: [{ type: 'Input.Toggle', id: 'ok' }] } }] })).json as { id: string };
    const plain = (await post({ roomId, text: 'just words' })).json as { id: string };
    await receiver.waitFor((d) => d.some((x) => x.path === '/cards') && d.some((x) => x.path === '/plain'), 20_000);
    // Every delivery enqueued has been settled before concluding that a wrong one did not come.
    for (let open = 1; open > 0; await new Promise((r) => setTimeout(r, 25))) {
      open = (await flint.server.core.db.selectFrom('jobs').select('id').where('queue', '=', 'webhooks.deliver').where('status', 'in', ['pending', 'running']).execute()).length;
    }
    const ids = (path: string) => receiver.deliveries.filter((d) => d.path === path).map((d) => d.body.data.id);
    assert.deepEqual(ids('/cards'), [card.id]);
    assert.deepEqual(ids('/plain'), [plain.id]);

    const adaToken = ada.session!.accessToken;
    const onPlain = await raw(flint.url, 'POST', '/v1/attachment/actions', { token: adaToken, body: { type: 'submit', messageId: plain.id, inputs: { ok: 'true' } } });
    assert.equal(onPlain.status, 400);
    assert.match(errorOf(onPlain).errors[0]!.description, /no card/);
    const action = await raw(flint.url, 'POST', '/v1/attachment/actions', { token: adaToken, body: { type: 'submit', messageId: card.id, inputs: { ok: 'true' } } });
    assert.equal(action.status, 200);
    assert.equal((action.json as { messageId: string }).messageId, card.id);
  });

  it('SEC-1: the core holds no word of what the bot indexed, nor the card', async () => {
    const scan = await scanForPlaintext(flint, secrets, 'Ada Native');
    assert.ok(scan.controlInDatabase);
    assert.deepEqual(scan.inDatabase, []);
    assert.deepEqual(scan.inFiles, []);
    assert.deepEqual(scan.inLogs, []);
  });
});
