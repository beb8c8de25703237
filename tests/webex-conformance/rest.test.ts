/**
 * SPEC PL-2 (and ID-9, SEC-1): the official Webex JavaScript SDK (webex-core and the public
 * plugins, pinned) drives Flint's `/v1` gateway through people, rooms with paging, memberships,
 * messages (text, markdown with mentions, a file upload, a file by URL, a thread, a direct message
 * by e-mail, an edit, a delete), file downloads, teams and team memberships — every call succeeds
 * with a Webex-shaped answer. Afterwards the core's database, files and log hold none of the
 * plaintexts the SDK sent (DESIGN §2 invariant 1). Runs on SQLite, and on PostgreSQL when
 * FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { raw, scanForPlaintext, startFlint, startWebhookReceiver, type TestFlint, type WebhookReceiver } from '@flint/testkit';
import type { FlintClient } from '@flint/sdk';
import { webexFor, type Webex } from './webex.ts';

const HYDRA = /^[A-Za-z0-9_-]+$/;
const decode = (id: string) => Buffer.from(id, 'base64').toString('utf8');
const unique = (label: string) => `${label}-${randomBytes(8).toString('hex')}`;

/** Everything the suite sends that the core must never hold in clear. */
const secrets: string[] = [];
const secret = (label: string) => {
  const s = unique(label);
  secrets.push(s);
  return s;
};

function assertHydra(id: unknown, type: string): void {
  assert.equal(typeof id, 'string');
  assert.match(id as string, HYDRA, 'base64 without padding');
  assert.ok(!(id as string).endsWith('='));
  assert.match(decode(id as string), new RegExp(`^ciscospark://us/${type}/`));
}

describe('the Webex JS SDK against Flint’s /v1 (PL-2)', () => {
  let flint: TestFlint;
  let files: Server;
  let filesUrl: string;
  const fileBytes = Buffer.from(`${secret('FileFromUrlBody')}\n`.repeat(3000));
  const uploadBytes = Buffer.from(`${secret('UploadedFileBody')}\n`.repeat(5000));
  let ada: FlintClient;
  let bob: FlintClient;
  let receiver: WebhookReceiver;
  let adaWebex: Webex;
  let bobWebex: Webex;

  before(async () => {
    // Loopback everywhere: the file server for `files: [url]` and the webhook receiver.
    flint = await startFlint({ gateway: { allowPrivateFileUrls: true }, env: { FLINT_WEBHOOK_TARGETS: 'any' } });
    receiver = await startWebhookReceiver();
    ada = await flint.signup({ email: 'ada@conformance.example', displayName: 'Ada Conformance' });
    bob = await flint.signup({ email: 'bob@conformance.example', displayName: 'Bob Conformance' });
    await flint.signup({ email: 'cy@conformance.example', displayName: 'Cy Conformance' });
    adaWebex = await webexFor(flint.url, ada.session!.accessToken);
    bobWebex = await webexFor(flint.url, bob.session!.accessToken);
    // A loopback web server for `files: [url]`, as a bot would link a file on the web.
    files = createServer((req, res) => {
      if (req.url === '/report.txt') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(fileBytes.length) });
        res.end(fileBytes);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => files.close(resolve));
    await receiver.stop();
    await flint.stop();
  });

  it('people: me, by id (raw UUID too, answered in hydra form), by e-mail and name, 404', async () => {
    const me = await adaWebex.people.get('me');
    assertHydra(me.id, 'PEOPLE');
    assertHydra(me['orgId'], 'ORGANIZATION');
    assert.deepEqual(me['emails'], ['ada@conformance.example']);
    assert.equal(me['displayName'], 'Ada Conformance');
    // The SDK's batcher asks GET /v1/people/?id=… and matches the answers by hydra id.
    const bobMe = await bobWebex.people.get('me');
    const [byHydra, byRaw] = await Promise.all([adaWebex.people.get(bobMe.id), adaWebex.people.get(bob.session!.personId)]);
    assert.equal(byHydra.id, bobMe.id);
    assert.equal(byRaw.id, bobMe.id, 'a raw UUID is answered with the hydra id');
    const byEmail = await adaWebex.people.list({ email: 'cy@conformance.example' });
    assert.equal(byEmail.items.length, 1);
    assert.equal(byEmail.items[0]!['displayName'], 'Cy Conformance');
    const byName = await adaWebex.people.list({ displayName: 'Bob' });
    assert.deepEqual(byName.items.map((p) => p['displayName']), ['Bob Conformance']);
    // Unknown ids come back in notFoundIds, in hydra form even when asked for raw (the SDK's batcher needs that).
    const unknown = '00000000-0000-4000-8000-000000000000';
    const batch = await raw(flint.url, 'GET', `/v1/people/?id=${unknown},${bob.session!.personId}&showAllTypes=false`, { token: ada.session!.accessToken });
    assert.equal(batch.status, 200);
    const answer = batch.json as { items: { id: string }[]; notFoundIds: string[] };
    assert.deepEqual(answer.items.map((p) => p.id), [bobMe.id]);
    assert.deepEqual(answer.notFoundIds.map(decode), [`ciscospark://us/PEOPLE/${unknown}`]);
    const nobody = await raw(flint.url, 'GET', `/v1/people/${Buffer.from(`ciscospark://us/PEOPLE/${unknown}`).toString('base64').replace(/=+$/, '')}`, { token: ada.session!.accessToken });
    assert.equal(nobody.status, 404);
  });

  it('rooms: create, list with paging by Link (page.next()), get, update, remove; 404 with the Webex error body', async () => {
    const titles = [secret('RoomTitleA'), secret('RoomTitleB'), secret('RoomTitleC')];
    const created = [];
    for (const title of titles) created.push(await adaWebex.rooms.create({ title }));
    for (const [i, room] of created.entries()) {
      assertHydra(room.id, 'ROOM');
      assert.equal(room['title'], titles[i]);
      assert.equal(room['type'], 'group');
      assertHydra(room['creatorId'], 'PEOPLE');
    }
    const seen: string[] = [];
    let page = await adaWebex.rooms.list({ max: 2 });
    assert.equal(page.items.length, 2);
    seen.push(...page.items.map((r) => r.id));
    assert.ok(page.hasNext(), 'a Link rel="next" the SDK follows (same origin, one header)');
    while (page.hasNext()) {
      page = await page.next();
      seen.push(...page.items.map((r) => r.id));
    }
    for (const room of created) assert.ok(seen.includes(room.id));
    assert.equal(new Set(seen).size, seen.length, 'no room twice across pages');

    const got = await adaWebex.rooms.get(created[0]!.id);
    assert.equal(got['title'], titles[0]);
    const renamed = secret('RenamedRoomTitle');
    // The SDK sends the whole room object, id included: the gateway ignores what it does not need.
    const updated = await adaWebex.rooms.update({ ...got, title: renamed });
    assert.equal(updated['title'], renamed);
    assert.equal((await adaWebex.rooms.get(created[0]!.id))['title'], renamed);
    assert.equal(await adaWebex.rooms.remove(created[2]!.id), undefined);
    await assert.rejects(adaWebex.rooms.get(created[2]!.id), (e: { statusCode?: number }) => e.statusCode === 404);

    const missing = await raw(flint.url, 'GET', '/v1/rooms/nope', { token: ada.session!.accessToken });
    assert.equal(missing.status, 404);
    const body = missing.json as { message: string; errors: { description: string }[]; trackingId: string };
    assert.equal(typeof body.message, 'string');
    assert.ok(Array.isArray(body.errors) && body.errors.length > 0);
    assert.equal(missing.headers.get('trackingid'), body.trackingId);
  });

  it('memberships: add by e-mail, list, get, update, remove — ids name the person and the room', async () => {
    const room = await adaWebex.rooms.create({ title: secret('MembershipRoom') });
    const membership = await adaWebex.memberships.create({ roomId: room.id, personEmail: 'bob@conformance.example' });
    assertHydra(membership.id, 'MEMBERSHIP');
    assert.equal(membership['roomId'], room.id);
    assert.equal(membership['personEmail'], 'bob@conformance.example');
    assert.equal(membership['isModerator'], false);
    const listed = await adaWebex.memberships.list({ roomId: room.id });
    assert.equal(listed.items.length, 2);
    assert.deepEqual(await adaWebex.memberships.get(membership.id), membership);
    // Bob, now a member, reads the title with his own KMS access.
    assert.equal((await bobWebex.rooms.get(room.id))['title'], room['title']);
    // Bob's own memberships, without a room.
    const mine = await bobWebex.memberships.list({});
    assert.ok(mine.items.some((m) => m.id === membership.id));
    const lock = await adaWebex.memberships.update({ ...(await adaWebex.memberships.list({ roomId: room.id, personEmail: 'ada@conformance.example' })).items[0]!, isModerator: true });
    assert.equal(lock['isModerator'], true);
    assert.equal(await adaWebex.memberships.remove(membership.id), undefined);
    await assert.rejects(bobWebex.rooms.get(room.id), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it('messages: text, markdown with mentions, a thread, a direct message by e-mail, edit, list, get, delete', async () => {
    const room = await adaWebex.rooms.create({ title: secret('MessagesRoom') });
    await adaWebex.memberships.create({ roomId: room.id, personEmail: 'bob@conformance.example' });
    const bobId = (await bobWebex.people.get('me')).id;
    const text = secret('PlainTextMessage');
    const first = await adaWebex.messages.create({ roomId: room.id, text });
    assertHydra(first.id, 'MESSAGE');
    assert.equal(first['text'], text);
    assert.equal(first['roomId'], room.id);
    assert.equal(first['roomType'], 'group');
    assert.equal(first['personEmail'], 'ada@conformance.example');

    const bold = secret('MarkdownBold');
    const md = await adaWebex.messages.create({ roomId: room.id, markdown: `**${bold}** <@personEmail:bob@conformance.example|Bob> <@all>` });
    assert.equal(md['markdown'], `**${bold}** <@personEmail:bob@conformance.example|Bob> <@all>`);
    assert.equal(md['text'], `${bold} Bob All`);
    assert.deepEqual(md['mentionedPeople'], [bobId]);
    assert.deepEqual(md['mentionedGroups'], ['all']);

    const replyText = secret('ThreadReply');
    const reply = await bobWebex.messages.create({ roomId: room.id, parentId: first.id, text: replyText });
    assert.equal(reply['parentId'], first.id);
    const thread = await adaWebex.messages.list({ roomId: room.id, parentId: first.id });
    assert.deepEqual(thread.items.map((m) => m['text']), [replyText]);

    const mentions = await bobWebex.messages.list({ roomId: room.id, mentionedPeople: ['me'] });
    assert.deepEqual(mentions.items.map((m) => m.id), [md.id], 'mentionedPeople=me (the array form)');

    const edited = secret('EditedText');
    const updated = await adaWebex.messages.update(first, { text: edited });
    assert.equal(updated['text'], edited);
    assert.ok(typeof updated['updated'] === 'string');
    assert.equal((await bobWebex.messages.get(first.id))['text'], edited, 'Bob opens the edit with his own KMS access');

    const listed = await bobWebex.messages.list({ roomId: room.id, max: 2 });
    assert.equal(listed.items.length, 2);
    assert.ok(listed.hasNext());
    const rest = await listed.next();
    assert.deepEqual([...listed.items, ...rest.items].map((m) => m.id), [reply.id, md.id, first.id], 'newest first, across pages');

    const directText = secret('DirectByEmail');
    const direct = await adaWebex.messages.create({ toPersonEmail: 'cy@conformance.example', text: directText });
    assert.equal(direct['roomType'], 'direct');
    assert.equal(direct['toPersonEmail'], 'cy@conformance.example');
    const again = await adaWebex.messages.create({ toPersonEmail: 'cy@conformance.example', text: secret('DirectAgain') });
    assert.equal(again['roomId'], direct['roomId'], 'one direct space per pair');
    const directRoom = await adaWebex.rooms.get(direct['roomId'] as string);
    assert.equal(directRoom['type'], 'direct');
    assert.equal(directRoom['title'], 'Cy Conformance', 'a direct space is titled with the other person’s name');

    assert.equal(await adaWebex.messages.remove(md.id), undefined);
    await assert.rejects(adaWebex.messages.get(md.id), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it('files: a multipart upload without a filename and a file by URL, downloaded (GET) and described (HEAD) through /v1/contents', async () => {
    const room = await adaWebex.rooms.create({ title: secret('FilesRoom') });
    await adaWebex.memberships.create({ roomId: room.id, personEmail: 'bob@conformance.example' });
    const caption = secret('FileCaption');
    const uploaded = await adaWebex.messages.create({ roomId: room.id, text: caption, files: [uploadBytes] });
    assert.equal(uploaded['text'], caption);
    const [uploadUrl] = uploaded['files'] as string[];
    assert.ok(uploadUrl!.startsWith(`${flint.url}/v1/contents/`), 'content URLs on the request’s origin');
    assertHydra(uploadUrl!.split('/').at(-1), 'CONTENT');

    const byUrl = await adaWebex.messages.create({ roomId: room.id, files: [`${filesUrl}/report.txt`] });
    const [linkedUrl] = byUrl['files'] as string[];

    const token = bob.session!.accessToken;
    const head = await fetch(linkedUrl!, { method: 'HEAD', headers: { authorization: `Bearer ${token}` } });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'text/plain');
    assert.equal(head.headers.get('content-length'), String(fileBytes.length));
    assert.match(head.headers.get('content-disposition') ?? '', /^attachment; filename="report.txt"/);
    const got = await fetch(linkedUrl!, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(fileBytes), 'Bob downloads the URL’s bytes, decrypted');
    const up = await fetch(uploadUrl!, { headers: { authorization: `Bearer ${token}` } });
    assert.ok(Buffer.from(await up.arrayBuffer()).equals(uploadBytes));
    assert.equal(up.headers.get('content-type'), 'application/octet-stream');

    // Messages with files cannot be edited (as Webex).
    await assert.rejects(adaWebex.messages.update(uploaded, { text: 'nope' }), (e: { statusCode?: number }) => e.statusCode === 400);
    // A file on the server's own network is refused unless the install allows it (here it does):
    const missing = await raw(flint.url, 'POST', '/v1/messages', { token: ada.session!.accessToken, body: { roomId: room.id, files: [`${filesUrl}/missing.txt`] } });
    assert.equal(missing.status, 400);
  });

  it('teams and team memberships: create, list, get, rename, members added, promoted and removed', async () => {
    const name = secret('TeamName');
    const team = await adaWebex.teams.create({ name });
    assertHydra(team.id, 'TEAM');
    assert.equal(team['name'], name);
    assert.ok((await adaWebex.teams.list({ max: 10 })).items.some((t) => t.id === team.id));
    const renamed = secret('RenamedTeam');
    assert.equal((await adaWebex.teams.update({ ...team, name: renamed }))['name'], renamed);
    assert.equal((await adaWebex.teams.get(team.id))['name'], renamed);

    const tm = await adaWebex.teamMemberships.create({ teamId: team.id, personEmail: 'bob@conformance.example' });
    assertHydra(tm.id, 'TEAM_MEMBERSHIP');
    assert.equal(tm['teamId'], team.id);
    assert.equal(tm['isModerator'], false);
    // Bob, now in the team, reads its name with his own KMS access.
    assert.equal((await bobWebex.teams.get(team.id))['name'], renamed);
    const members = await adaWebex.teamMemberships.list({ teamId: team.id });
    assert.equal(members.items.length, 2);
    assert.deepEqual(await adaWebex.teamMemberships.get(tm.id), tm);
    assert.equal((await adaWebex.teamMemberships.update({ ...tm, isModerator: true }))['isModerator'], true);
    assert.equal(await adaWebex.teamMemberships.remove(tm.id), undefined);
    await assert.rejects(bobWebex.teams.get(team.id), (e: { statusCode?: number }) => e.statusCode === 404);
    // The room list filters by team.
    const teamRooms = await adaWebex.rooms.list({ teamId: team.id });
    assert.equal(teamRooms.items.length, 1, 'the general space');
  });

  it('webhooks: create, list, get, update, remove; signed deliveries with Webex ids that the SDK resolves', async () => {
    const room = await adaWebex.rooms.create({ title: secret('WebhookRoom') });
    const hookSecret = 'conformance-webhook-secret';
    const hook = await adaWebex.webhooks.create({ name: 'Messages in one room', targetUrl: `${receiver.url}/ada`, resource: 'messages', event: 'created', filter: `roomId=${room.id}`, secret: hookSecret });
    assertHydra(hook.id, 'WEBHOOK');
    assert.equal(hook['resource'], 'messages');
    assert.equal(hook['filter'], `roomId=${room.id}`);
    assert.equal(hook['status'], 'active');
    assertHydra(hook['createdBy'], 'PEOPLE');
    const members = await adaWebex.webhooks.create({ name: 'Memberships', targetUrl: `${receiver.url}/members`, resource: 'memberships', event: 'all', filter: `roomId=${room.id}` });
    assert.ok((await adaWebex.webhooks.list()).items.some((w) => w.id === hook.id));
    assert.equal((await adaWebex.webhooks.get(hook.id))['name'], 'Messages in one room');

    const text = secret('WebhookedMessage');
    const message = await adaWebex.messages.create({ roomId: room.id, text, files: [Buffer.from(secret('WebhookedFile'))] });
    const membership = await adaWebex.memberships.create({ roomId: room.id, personEmail: 'bob@conformance.example' });
    await receiver.waitFor((d) => d.some((x) => x.path === '/ada') && d.some((x) => x.path === '/members' && x.body.event === 'created'), 20_000);

    const delivery = receiver.deliveries.find((d) => d.path === '/ada')!;
    assert.equal(delivery.signature, createHmac('sha1', hookSecret).update(delivery.raw).digest('hex'), 'X-Spark-Signature verifies');
    assert.equal(delivery.body.id, hook.id);
    assert.equal(delivery.body.resource, 'messages');
    assert.equal(delivery.body.event, 'created');
    assert.equal(delivery.body.data.id, message.id, 'the delivery names the message by the id the SDK knows');
    assert.equal(delivery.body.data['roomId'], room.id);
    assert.deepEqual(delivery.body.data['files'], message['files'], 'the same content URLs');
    assert.ok(!delivery.raw.toString('utf8').includes(text), 'no content in a delivery');
    // A bot reads the message with its own token, as Webex receivers do.
    assert.equal((await adaWebex.messages.get(delivery.body.data.id))['text'], text);
    const joined = receiver.deliveries.find((d) => d.path === '/members' && d.body.event === 'created' && d.body.data['personEmail'] === 'bob@conformance.example')!;
    assert.equal(joined.body.data.id, membership.id, 'membership ids match the gateway’s');
    assert.deepEqual(await adaWebex.memberships.get(joined.body.data.id), membership);

    const renamed = await adaWebex.webhooks.update({ ...hook, name: 'Renamed hook' });
    assert.equal(renamed['name'], 'Renamed hook');
    assert.equal(await adaWebex.webhooks.remove(hook.id), undefined);
    assert.equal(await adaWebex.webhooks.remove(members.id), undefined);
    await assert.rejects(adaWebex.webhooks.get(hook.id), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it('cards and attachment actions: Ada posts a card, Bob reads and submits it; both read the inputs, the card’s sender gets the webhook', async () => {
    const room = await adaWebex.rooms.create({ title: secret('CardRoom') });
    await adaWebex.memberships.create({ roomId: room.id, personEmail: 'bob@conformance.example' });
    const cardJson = { type: 'AdaptiveCard', version: '1.3', body: [{ type: 'TextBlock', text: secret('CardBodyText') }, { type: 'Input.Text', id: 'answer' }], actions: [{ type: 'Action.Submit', title: 'Send' }] };
    const card = await adaWebex.messages.create({ roomId: room.id, text: secret('CardFallbackText'), attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: cardJson }] });
    assert.deepEqual(card['attachments'], [{ contentType: 'application/vnd.microsoft.card.adaptive', content: cardJson }]);
    assert.deepEqual((await bobWebex.messages.get(card.id))['attachments'], card['attachments'], 'Bob opens the card with his own KMS access');
    const hook = await adaWebex.webhooks.create({ name: 'Cards', targetUrl: `${receiver.url}/cards`, resource: 'attachmentActions', event: 'created', filter: `messageId=${card.id}` });
    const answer = secret('CardAnswer');
    const action = await bobWebex.attachmentActions.create({ type: 'submit', messageId: card.id, inputs: { answer, rating: 5 } });
    assertHydra(action.id, 'ATTACHMENT_ACTION');
    assert.equal(action['messageId'], card.id);
    assert.equal(action['roomId'], room.id);
    assert.deepEqual(action['inputs'], { answer, rating: 5 });
    assert.deepEqual((await adaWebex.attachmentActions.get(action.id))['inputs'], { answer, rating: 5 }, 'the card’s sender opens the inputs');
    await receiver.waitFor((d) => d.some((x) => x.path === '/cards'), 20_000);
    const delivery = receiver.deliveries.find((d) => d.path === '/cards')!;
    assert.equal(delivery.body.resource, 'attachmentActions');
    assert.equal(delivery.body.data.id, action.id);
    assert.equal(delivery.body.data['messageId'], card.id);
    assert.ok(!delivery.raw.toString('utf8').includes(answer), 'no inputs in a delivery');
    await adaWebex.webhooks.remove(hook.id);
  });

  it('after the suite, the core holds none of the plaintexts the SDK sent (SEC-1)', async () => {
    assert.ok(secrets.length >= 15);
    const scan = await scanForPlaintext(flint, secrets, 'Ada Conformance');
    assert.ok(scan.controlInDatabase, 'the scan reads the database');
    if (flint.engine === 'sqlite') assert.ok(scan.controlInFiles, 'the scan reads the SQLite file');
    assert.deepEqual(scan.inDatabase, []);
    assert.deepEqual(scan.inFiles, []);
    assert.deepEqual(scan.inLogs, []);
  });
});
