/**
 * Webhooks through a whole Flint (SPEC PL-2), on SQLite or PostgreSQL (FLINT_TEST_DATABASE_URL): the
 * native API, filters and firehoses, who receives what, signed deliveries in the Webex envelope
 * without content, retries with back-off, auto-disable and re-enable, and durability across a
 * restart. Receivers are node:http servers on loopback. No timing assertions: the tests wait for
 * outcomes, and check only lower bounds that the scheduler guarantees.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { CARD_CONTENT_TYPE, toHydraId, webhooks as wire, type Webhook } from '@flint/protocol';
import { verifyWebhookSignature, type FlintClient } from '@flint/sdk';
import { errorOf, freePort, raw, startFlint, startWebhookReceiver, type ReceivedDelivery, type TestFlint, type WebhookReceiver, until } from '@flint/testkit';
import { backoffCeiling } from '../jobs/backoff.ts';
import { newId } from '../infra/ids.ts';

const c = (s: string) => `ciphertext:${s}`;
const RETRY = { baseMs: 60, maxMs: 400 };

/** Settings for quick, bounded retries; auto-disable out of the way unless a test lowers it. */
const FAST = {
  FLINT_SIGNUP: 'open',
  FLINT_WEBHOOK_TARGETS: 'any',
  FLINT_JOBS_POLL_MS: '50',
  FLINT_WEBHOOK_RETRY_BASE_MS: String(RETRY.baseMs),
  FLINT_WEBHOOK_RETRY_MAX_MS: String(RETRY.maxMs),
  FLINT_WEBHOOK_ATTEMPTS: '10',
  FLINT_WEBHOOK_TIMEOUT_MS: '5000',
  FLINT_JOBS_LEASE_MS: '15000',
  FLINT_WEBHOOK_DISABLE_FAILURES: '1000',
  FLINT_RATE_LIMIT_PER_MINUTE: '100000',
};



/** Delivery jobs not yet settled (pending or running). */
async function openJobs(flint: TestFlint, webhookId?: string): Promise<{ attempts: number; last_error: string | null; status: string }[]> {
  let q = flint.server.core.db.selectFrom('jobs').select(['attempts', 'last_error', 'status', 'payload']).where('queue', '=', 'webhooks.deliver').where('status', 'in', ['pending', 'running']);
  if (webhookId !== undefined) q = q.where('payload', 'like', `%"webhookId":"${webhookId}"%`);
  return q.execute();
}

/** Every delivery enqueued so far has been settled: what was to be delivered has been. */
async function settled(flint: TestFlint): Promise<void> {
  await until('deliveries to settle', async () => ((await openJobs(flint)).length === 0 ? true : undefined));
}

const at = (receiver: WebhookReceiver, path: string): ReceivedDelivery[] => receiver.deliveries.filter((d) => d.path === path);
const dataIds = (receiver: WebhookReceiver, path: string) => at(receiver, path).map((d) => `${d.body.event}:${d.body.data.id}`);

async function uploadBlob(flint: TestFlint, client: FlintClient, roomId: string): Promise<string> {
  const token = client.session!.accessToken;
  const upload = await raw(flint.url, 'POST', '/api/files', { token, body: { roomId, size: 16 } });
  assert.equal(upload.status, 200, upload.text);
  const id = (upload.json as { id: string }).id;
  const put = await raw(flint.url, 'PUT', `/api/files/${id}/content`, { token, body: new Uint8Array(16).fill(7), contentType: 'application/octet-stream' });
  assert.equal(put.status, 200, put.text);
  return id;
}

describe('webhooks', () => {
  let flint: TestFlint;
  let receiver: WebhookReceiver;
  let ada: FlintClient; // founds example.com: its administrator
  let bob: FlintClient;
  let cat: FlintClient;
  let dan: FlintClient; // another organization (other.org)
  let ids: { ada: string; bob: string; cat: string; dan: string };
  const orgs = { ada: '' };
  const hook = (client: FlintClient, path: string, body: Partial<Parameters<FlintClient['webhooks']['create']>[0]> = {}) =>
    client.webhooks.create({ name: path, targetUrl: `${receiver.url}/${path}`, resource: 'messages', event: 'created', ...body });

  before(async () => {
    flint = await startFlint({ env: FAST });
    receiver = await startWebhookReceiver();
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob' });
    cat = await flint.signup({ email: 'cat@example.com', displayName: 'Cat' });
    dan = await flint.signup({ email: 'dan@other.org', displayName: 'Dan' });
    ids = { ada: ada.session!.personId, bob: bob.session!.personId, cat: cat.session!.personId, dan: dan.session!.personId };
    orgs.ada = (await ada.people.me()).orgId ?? '';
  });
  after(async () => {
    await flint.stop();
    await receiver.stop();
  });

  it('PL-2: registers, lists (paged), gets, updates and deletes webhooks in the Webex shape', async () => {
    const created = await hook(ada, 'crud', { secret: 's3cret', filter: 'personEmail=bob%40example.com' });
    assert.equal(created.name, 'crud');
    assert.equal(created.targetUrl, `${receiver.url}/crud`);
    assert.equal(created.resource, 'messages');
    assert.equal(created.event, 'created');
    assert.equal(created.filter, 'personEmail=bob%40example.com');
    assert.equal(created.secret, 's3cret');
    assert.equal(created.status, 'active');
    assert.equal(created.ownedBy, 'creator');
    assert.equal(created.orgId, orgs.ada);
    assert.equal(created.createdBy, ids.ada);
    assert.equal(created.appId, wire.FLINT_APP_ID);
    assert.equal(created.idFormat, 'native');
    assert.match(created.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const second = await hook(ada, 'crud2', { resource: 'all', event: 'all' });
    assert.deepEqual(await ada.webhooks.get(created.id), created);
    const page = await ada.webhooks.list({ max: 1 });
    assert.equal(page.items.length, 1);
    assert.ok(page.next);
    const rest = await ada.nextPage(page);
    assert.deepEqual([...page.items, ...(rest?.items ?? [])].map((w) => w.id), [created.id, second.id]);
    const renamed = await ada.webhooks.update(created.id, { name: 'renamed', targetUrl: `${receiver.url}/crud-renamed`, secret: 'other' });
    assert.equal(renamed.name, 'renamed');
    assert.equal(renamed.targetUrl, `${receiver.url}/crud-renamed`);
    assert.equal(renamed.secret, 'other');
    assert.equal(renamed.filter, created.filter);
    // Only the creator sees a creator-owned webhook; anyone else gets 404, as for a missing one.
    await assert.rejects(bob.webhooks.get(created.id), { status: 404 });
    await assert.rejects(bob.webhooks.update(created.id, { name: 'x' }), { status: 404 });
    await assert.rejects(bob.webhooks.delete(created.id), { status: 404 });
    assert.deepEqual((await bob.webhooks.list()).items, []);
    await ada.webhooks.delete(created.id);
    await ada.webhooks.delete(second.id);
    await assert.rejects(ada.webhooks.get(created.id), { status: 404 });
    assert.deepEqual((await ada.webhooks.list()).items, []);
  });

  it('PL-2: bad input is a 4xx naming the problem, and changes nothing', async () => {
    const token = ada.session!.accessToken;
    const room = await dan.rooms.create({ title: c('dan only') });
    const mine = await hook(ada, 'bad-input');
    const good = { name: 'x', targetUrl: `${receiver.url}/x`, resource: 'messages', event: 'created' };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, targetUrl: 'ftp://example.com/hook' }, /http/],
      [{ ...good, targetUrl: 'not a url' }, /targetUrl/],
      [{ ...good, targetUrl: `https://example.com/${'x'.repeat(wire.WEBHOOK_LIMITS.targetUrlChars)}` }, /targetUrl/],
      [{ ...good, name: '' }, /name/],
      [{ ...good, name: 'n'.repeat(wire.WEBHOOK_LIMITS.nameChars + 1) }, /name/],
      [{ ...good, resource: 'calls' }, /resource/],
      [{ ...good, event: 'migrated' }, /event/],
      [{ ...good, secret: '' }, /secret/],
      [{ ...good, secret: 's'.repeat(wire.WEBHOOK_LIMITS.secretChars + 1) }, /secret/],
      [{ ...good, filter: 'nope=1' }, /nope/],
      [{ ...good, filter: 'roomId=not-an-id' }, /invalid value for filter: roomId/],
      [{ ...good, filter: 'hasFiles=maybe' }, /invalid value for filter: hasFiles/],
      [{ ...good, filter: 'personId=' }, /invalid value for filter: personId/],
      [{ ...good, filter: 'roomType=group&roomType=direct' }, /twice/],
      [{ ...good, filter: `mentionedPeople=${Array.from({ length: wire.WEBHOOK_LIMITS.filterValues + 1 }, () => 'me').join(',')}` }, /mentionedPeople/],
      // A filter on a space the caller cannot see is refused, as at Webex.
      [{ ...good, filter: `roomId=${room.id}` }, /invalid value for filter: roomId/],
      [{ ...good, filter: `personId=${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}` }, /invalid value for filter: personId/],
      [{ ...good, resource: 'all', event: 'all', filter: 'roomType=group' }, /firehose/],
      [{ ...good, resource: 'rooms', filter: 'personId=' + ids.bob }, /personId/],
      [{ ...good, colour: 'red' }, /colour/],
    ];
    for (const [body, expected] of cases) {
      const response = await raw(flint.url, 'POST', '/api/webhooks', { token, body });
      assert.equal(response.status, 400, `${JSON.stringify(body).slice(0, 120)} → ${response.status}`);
      const error = errorOf(response);
      assert.equal(error.code, 'validation_failed');
      assert.match(`${error.message} ${error.errors.map((e) => e.description).join(' ')}`, expected);
    }
    for (const body of [{}, { targetUrl: 'gopher://x' }, { status: 'paused' }, { name: '' }]) {
      const response = await raw(flint.url, 'PUT', `/api/webhooks/${mine.id}`, { token, body });
      assert.equal(response.status, 400, JSON.stringify(body));
    }
    const list = await ada.webhooks.list();
    assert.deepEqual(list.items, [mine], 'nothing was created or changed');
    assert.equal((await raw(flint.url, 'GET', '/api/webhooks/not-an-id', { token })).status, 400);
    await ada.webhooks.delete(mine.id);
  });

  it('PL-2: one person has at most WEBHOOK_LIMITS.perPerson webhooks', async () => {
    const lim = await flint.signup({ email: 'lim@example.com' });
    const made: Webhook[] = [];
    for (let i = 0; i < wire.WEBHOOK_LIMITS.perPerson; i++) made.push(await hook(lim, `lim-${i}`));
    await assert.rejects(hook(lim, 'one-too-many'), (e: { status?: number; message?: string }) => e.status === 400 && /at most/.test(e.message ?? ''));
    for (const w of made) await lim.webhooks.delete(w.id);
  });

  it('PL-2: a non-admin cannot register ownedBy=org or list the org’s; an admin’s org webhook gets what anyone of the org sees', async () => {
    await assert.rejects(hook(bob, 'org-bob', { ownedBy: 'org' }), { status: 403 });
    await assert.rejects(bob.webhooks.list({ ownedBy: 'org' }), { status: 403 });
    assert.deepEqual((await bob.webhooks.list()).items, [], 'nothing was created');
    const orgHook = await hook(ada, 'org', { ownedBy: 'org' });
    assert.deepEqual((await ada.webhooks.list({ ownedBy: 'org' })).items.map((w) => w.id), [orgHook.id]);
    // Bob and Cat talk without Ada: org-wide, she gets it; creator-owned, she would not.
    const inOrg = await bob.rooms.create({ title: c('bob and cat') });
    await bob.memberships.create({ roomId: inOrg.id, personId: ids.cat });
    const m1 = await cat.messages.create({ roomId: inOrg.id, text: c('org message') });
    // Dan, of another org, alone: not Ada's org's business. With Bob in the space: it is.
    const outside = await dan.rooms.create({ title: c('other org') });
    await dan.messages.create({ roomId: outside.id, text: c('outside') });
    await dan.memberships.create({ roomId: outside.id, personId: ids.bob });
    const m3 = await dan.messages.create({ roomId: outside.id, text: c('with bob') });
    await settled(flint);
    assert.equal(dataIds(receiver, '/org').length, 2);
    assert.deepEqual(new Set(dataIds(receiver, '/org')), new Set([`created:${m1.id}`, `created:${m3.id}`]));
    assert.equal(at(receiver, '/org')[0]!.body.ownedBy, 'org');
    await ada.webhooks.delete(orgHook.id);
  });

  it('PL-2: a creator-owned webhook gets only what its creator could see when it happened', async () => {
    const seen = await hook(bob, 'visible');
    const room = await ada.rooms.create({ title: c('visibility') });
    await ada.messages.create({ roomId: room.id, text: c('before bob') });
    const membership = await ada.memberships.create({ roomId: room.id, personId: ids.bob });
    const during = await ada.messages.create({ roomId: room.id, text: c('with bob') });
    await ada.memberships.delete(membership.id);
    await ada.messages.create({ roomId: room.id, text: c('after bob') });
    await settled(flint);
    assert.deepEqual(dataIds(receiver, '/visible'), [`created:${during.id}`]);
    await bob.webhooks.delete(seen.id);
  });

  it('PL-2: deliveries are signed over the raw body, in the Webex envelope, with no content, ciphertext or title', async () => {
    const secret = 'a shared secret';
    const roomsHook = await hook(ada, 'rooms-signed', { resource: 'rooms', event: 'all', secret });
    const room = await ada.rooms.create({ title: c('TITLE-MARKER-4b1d') });
    const messagesHook = await hook(ada, 'signed', { secret, filter: `roomId=${room.id}` });
    const message = await ada.messages.create({ roomId: room.id, text: c('TEXT-MARKER-77aa'), markdown: c('MD-MARKER'), encryptionKeyUrl: 'kms://kms.example/keys/42' });
    await ada.rooms.update(room.id, { title: c('TITLE-MARKER-renamed') });
    await settled(flint);
    const [delivery] = at(receiver, '/signed');
    assert.ok(delivery);
    assert.equal(delivery.signature, createHmac('sha1', secret).update(delivery.raw).digest('hex'));
    assert.equal(await verifyWebhookSignature(secret, delivery.raw, delivery.signature), true);
    assert.equal(await verifyWebhookSignature('wrong', delivery.raw, delivery.signature), false);
    assert.match(delivery.deliveryId, /^[0-9a-f-]{36}$/);
    assert.equal(delivery.headers['content-type'], 'application/json; charset=utf-8');
    const body = delivery.body;
    assert.deepEqual(
      { ...body, created: undefined, data: undefined },
      {
        id: messagesHook.id,
        name: 'signed',
        targetUrl: `${receiver.url}/signed`,
        resource: 'messages',
        event: 'created',
        filter: `roomId=${room.id}`,
        orgId: orgs.ada,
        createdBy: ids.ada,
        appId: wire.FLINT_APP_ID,
        ownedBy: 'creator',
        status: 'active',
        actorId: ids.ada,
        created: undefined,
        data: undefined,
      },
    );
    assert.equal(body.created, messagesHook.created);
    assert.deepEqual(body.data, { id: message.id, roomId: room.id, roomType: 'group', personId: ids.ada, personEmail: 'ada@example.com', created: message.created });
    const roomDeliveries = at(receiver, '/rooms-signed');
    assert.deepEqual(roomDeliveries.map((d) => d.body.event).sort(), ['created', 'updated']);
    for (const d of [delivery, ...roomDeliveries]) {
      const text = d.raw.toString('utf8');
      assert.doesNotMatch(text, /ciphertext:|MARKER|kms:\/\//, 'no content, title or key in a delivery');
      assert.equal(d.body.data['title'], undefined);
      assert.equal(d.signature, createHmac('sha1', secret).update(d.raw).digest('hex'));
    }
    await ada.webhooks.delete(messagesHook.id);
    await ada.webhooks.delete(roomsHook.id);
  });

  it('PL-2: every filter of messages, memberships and rooms delivers exactly what it names', async () => {
    const r1 = await ada.rooms.create({ title: c('r1') });
    const r2 = await ada.rooms.create({ title: c('r2') });
    const hooks: Webhook[] = [];
    const add = async (path: string, body: Partial<Parameters<FlintClient['webhooks']['create']>[0]>) => hooks.push(await hook(ada, path, body));
    await add('f-room', { filter: `roomId=${r1.id}` });
    await add('f-direct', { filter: 'roomType=direct' });
    await add('f-person', { filter: `personId=${ids.bob}` });
    await add('f-email', { filter: 'personEmail=BOB%40Example.com' });
    await add('f-me', { filter: 'mentionedPeople=me' });
    await add('f-cat', { filter: `mentionedPeople=${ids.cat}` });
    await add('f-files', { filter: 'hasFiles=true' });
    await add('f-nofiles', { filter: `hasFiles=false&roomId=${r1.id}` });
    await add('f-attachments', { filter: 'hasAttachments=true' });
    await add('f-noattachments', { filter: `hasAttachments=false&roomId=${r1.id}` });
    await add('f-mb-room', { resource: 'memberships', event: 'all', filter: `roomId=${r2.id}` });
    await add('f-mb-email', { resource: 'memberships', event: 'created', filter: 'personEmail=cat@example.com' });
    await add('f-mb-person', { resource: 'memberships', event: 'all', filter: `personId=${ids.bob}&roomId=${r1.id}` });
    await add('f-mb-mod', { resource: 'memberships', event: 'updated', filter: 'isModerator=true' });
    await add('f-rooms-group', { resource: 'rooms', event: 'all', filter: 'type=group' });
    await add('f-rooms-locked', { resource: 'rooms', event: 'updated', filter: 'isLocked=true' });

    const r3 = await ada.rooms.create({ title: c('r3') });
    const bobInR1 = await ada.memberships.create({ roomId: r1.id, personId: ids.bob });
    await ada.memberships.create({ roomId: r2.id, personId: ids.bob });
    await ada.memberships.create({ roomId: r2.id, personEmail: 'cat@example.com' });
    const m1 = await ada.messages.create({ roomId: r1.id, text: c('plain') });
    const m2 = await bob.messages.create({ roomId: r1.id, text: c('hi ada'), mentionedPeople: [ids.ada] });
    const m3 = await bob.messages.create({ roomId: r2.id, text: c('hi cat'), mentionedPeople: [ids.cat] });
    const m4 = await ada.messages.create({ toPersonEmail: 'bob@example.com', text: c('direct') });
    const blob = await uploadBlob(flint, ada, r1.id);
    const m5 = await ada.messages.create({ roomId: r1.id, text: c('with a file'), files: [{ blobId: blob, reference: c('reference') }] });
    // A card: its JSON sealed; the core knows only that the message carries one.
    const m6 = await ada.messages.create({ roomId: r1.id, text: c('card fallback'), attachments: [{ contentType: CARD_CONTENT_TYPE, content: c('card') }] });
    await ada.rooms.update(r2.id, { isLocked: true });
    const bobInR2 = (await ada.memberships.list({ roomId: r2.id })).items.find((m) => m.personId === ids.bob)!;
    await ada.memberships.update(bobInR2.id, true);
    await settled(flint);

    const created = (...messages: { id: string }[]) => messages.map((m) => `created:${m.id}`);
    const same = (path: string, expected: string[]) => assert.deepEqual(new Set(dataIds(receiver, `/${path}`)), new Set(expected), path);
    same('f-room', created(m1, m2, m5, m6));
    same('f-direct', created(m4));
    same('f-person', created(m2, m3));
    same('f-email', created(m2, m3));
    same('f-me', created(m2));
    same('f-cat', created(m3));
    same('f-files', created(m5));
    same('f-nofiles', created(m1, m2, m6));
    same('f-attachments', created(m6));
    same('f-noattachments', created(m1, m2, m5));
    const catInR2 = (await ada.memberships.list({ roomId: r2.id })).items.find((m) => m.personId === ids.cat)!;
    same('f-mb-room', [`created:${bobInR2.id}`, `created:${catInR2.id}`, `updated:${bobInR2.id}`]);
    same('f-mb-email', [`created:${catInR2.id}`]);
    same('f-mb-person', [`created:${bobInR1.id}`]);
    same('f-mb-mod', [`updated:${bobInR2.id}`]);
    // Adding someone to a space sends them room.created on their stream: not a creation, no webhook.
    same('f-rooms-group', [`created:${r3.id}`, `updated:${r2.id}`]);
    same('f-rooms-locked', [`updated:${r2.id}`]);
    // The file-bearing message says so, with the file's id (never its reference).
    const withFile = at(receiver, '/f-files')[0]!;
    assert.deepEqual(withFile.body.data['files'], [blob]);
    assert.doesNotMatch(withFile.raw.toString('utf8'), /ciphertext:/);
    const withCard = at(receiver, '/f-attachments')[0]!;
    assert.equal(withCard.body.data['attachments'], undefined, 'never the card, not even sealed');
    assert.doesNotMatch(withCard.raw.toString('utf8'), /ciphertext:/);
    for (const w of hooks) await ada.webhooks.delete(w.id);
  });

  it('PL-2: firehoses: one resource with event=all, and resource=all with event=all', async () => {
    const messagesAll = await hook(ada, 'fh-messages', { event: 'all' });
    const everything = await hook(ada, 'fh-all', { resource: 'all', event: 'all' });
    const room = await ada.rooms.create({ title: c('firehose') });
    const membership = await ada.memberships.create({ roomId: room.id, personId: ids.cat });
    const m = await ada.messages.create({ roomId: room.id, text: c('v1') });
    await ada.messages.update(m.id, { text: c('v2') });
    await ada.messages.delete(m.id);
    await settled(flint);
    const events = (path: string) => at(receiver, path).map((d) => `${d.body.resource}/${d.body.event}:${d.body.data.id}`);
    assert.deepEqual(new Set(events('/fh-messages')), new Set([`messages/created:${m.id}`, `messages/updated:${m.id}`, `messages/deleted:${m.id}`]));
    assert.deepEqual(
      new Set(events('/fh-all')),
      new Set([`rooms/created:${room.id}`, `memberships/created:${membership.id}`, `messages/created:${m.id}`, `messages/updated:${m.id}`, `messages/deleted:${m.id}`]),
    );
    for (const d of at(receiver, '/fh-all')) assert.notEqual(d.body.resource, 'all', 'a delivery names its resource');
    await ada.webhooks.delete(messagesAll.id);
    await ada.webhooks.delete(everything.id);
  });

  it('PL-2: a webhook registered with idFormat=hydra takes Webex ids in its filter and delivers Webex ids', async () => {
    const room = await ada.rooms.create({ title: c('hydra') });
    const webhook = await hook(ada, 'hydra', { idFormat: 'hydra', filter: `roomId=${toHydraId('ROOM', room.id)}` });
    assert.equal(webhook.filter, `roomId=${toHydraId('ROOM', room.id)}`);
    const m = await ada.messages.create({ roomId: room.id, text: c('webex'), mentionedPeople: [ids.ada] });
    await ada.messages.create({ roomId: (await ada.rooms.create({ title: c('elsewhere') })).id, text: c('not this one') });
    await settled(flint);
    const [delivery] = at(receiver, '/hydra');
    assert.equal(at(receiver, '/hydra').length, 1);
    assert.equal(delivery!.body.id, toHydraId('WEBHOOK', webhook.id));
    assert.equal(delivery!.body.createdBy, toHydraId('PEOPLE', ids.ada));
    assert.equal(delivery!.body.actorId, toHydraId('PEOPLE', ids.ada));
    assert.equal(delivery!.body.orgId, toHydraId('ORGANIZATION', orgs.ada));
    assert.equal(delivery!.body.appId, toHydraId('APPLICATION', wire.FLINT_APP_ID));
    assert.deepEqual(delivery!.body.data, {
      id: toHydraId('MESSAGE', m.id),
      roomId: toHydraId('ROOM', room.id),
      roomType: 'group',
      personId: toHydraId('PEOPLE', ids.ada),
      personEmail: 'ada@example.com',
      mentionedPeople: [toHydraId('PEOPLE', ids.ada)],
      created: m.created,
    });
    await ada.webhooks.delete(webhook.id);
  });

  it('PL-2: a receiver answering 500 gets retries with growing delays, each with the same delivery id and signature', async () => {
    const room = await ada.rooms.create({ title: c('flaky') });
    let calls = 0;
    receiver.respond((d) => (d.path === '/flaky' ? (++calls <= 3 ? 500 : 200) : 200));
    const webhook = await hook(ada, 'flaky', { secret: 'flaky secret', filter: `roomId=${room.id}` });
    const m = await ada.messages.create({ roomId: room.id, text: c('retry me') });
    await receiver.waitFor(() => at(receiver, '/flaky').some((d) => d.status === 200));
    receiver.respond(200);
    const attempts = at(receiver, '/flaky');
    assert.deepEqual(attempts.map((d) => d.status), [500, 500, 500, 200]);
    assert.equal(new Set(attempts.map((d) => d.deliveryId)).size, 1, 'one delivery id across attempts');
    assert.equal(new Set(attempts.map((d) => d.raw.toString('utf8'))).size, 1, 'the same body each time');
    assert.ok(attempts.every((d) => d.body.data.id === m.id && d.signature === createHmac('sha1', 'flaky secret').update(d.raw).digest('hex')));
    // Retry n never comes before its smallest back-off (half its ceiling): the lower bounds grow.
    for (let n = 1; n < attempts.length; n++) assert.ok(attempts[n]!.at - attempts[n - 1]!.at >= backoffCeiling(n, RETRY) / 2, `retry ${n}`);
    await settled(flint);
    assert.equal(at(receiver, '/flaky').length, 4, 'delivered once it succeeded, never again');
    const metrics = (await raw(flint.url, 'GET', '/metrics')).text;
    assert.ok(Number(/flint_webhook_deliveries_total\{result="failed"\} (\d+)/.exec(metrics)?.[1]) >= 3, 'failures are counted');
    assert.match(metrics, /flint_jobs_total\{queue="webhooks.deliver",outcome="retry"\} [1-9]/);
    await ada.webhooks.delete(webhook.id);
  });

  it('PL-2: a closed port is retried, and the delivery arrives when a receiver listens there', async () => {
    const port = await freePort();
    const room = await ada.rooms.create({ title: c('closed port') });
    const webhook = await ada.webhooks.create({ name: 'closed', targetUrl: `http://127.0.0.1:${port}/late`, resource: 'messages', event: 'created', filter: `roomId=${room.id}` });
    const m = await ada.messages.create({ roomId: room.id, text: c('wait for me') });
    const [job] = await until('two failed attempts', async () => {
      const jobs = await openJobs(flint, webhook.id);
      return jobs[0] !== undefined && jobs[0].attempts >= 2 ? jobs : undefined;
    });
    assert.match(job!.last_error ?? '', /ECONNREFUSED/);
    const late = await startWebhookReceiver({ port });
    try {
      await late.waitFor((ds) => ds.length > 0);
      assert.equal(late.deliveries[0]!.body.data.id, m.id);
      await settled(flint);
      assert.equal(late.deliveries.length, 1);
    } finally {
      await late.stop();
    }
    await ada.webhooks.delete(webhook.id);
  });

  it('PL-2: no delivery is lost across a restart: pending retries and deliveries in flight are delivered after it, with the same delivery id', async () => {
    const room = await ada.rooms.create({ title: c('restart') });
    // Deliveries in flight when the server stops (the receiver never answers)…
    receiver.respond((d) => (d.path === '/restart' ? 'hang' : 200));
    const inFlight = await hook(ada, 'restart', { filter: `roomId=${room.id}` });
    // …and deliveries waiting for a retry (nobody listens on their port).
    const port = await freePort();
    const pending = await ada.webhooks.create({ name: 'down', targetUrl: `http://127.0.0.1:${port}/down`, resource: 'messages', event: 'created', filter: `roomId=${room.id}` });
    const sent: string[] = [];
    for (let i = 0; i < 4; i++) sent.push((await ada.messages.create({ roomId: room.id, text: c(`restart ${i}`) })).id);
    await receiver.waitFor(() => at(receiver, '/restart').length === 4);
    await until('the pending deliveries to fail once', async () => {
      const jobs = await openJobs(flint, pending.id);
      return jobs.length === 4 && jobs.every((j) => j.attempts >= 1) ? true : undefined;
    });
    const firstIds = new Map(at(receiver, '/restart').map((d) => [d.body.data.id, d.deliveryId]));
    receiver.respond(200);
    await flint.restart();
    const down = await startWebhookReceiver({ port });
    try {
      await receiver.waitFor(() => new Set(at(receiver, '/restart').filter((d) => d.status === 200).map((d) => d.body.data.id)).size === 4);
      await down.waitFor((ds) => new Set(ds.map((d) => d.body.data.id)).size === 4);
      await settled(flint);
      // At least once, and a repeat carries the id of the attempt that was cut off.
      for (const d of at(receiver, '/restart').filter((x) => x.status === 200)) assert.equal(d.deliveryId, firstIds.get(d.body.data.id));
      assert.deepEqual(new Set(at(receiver, '/restart').map((d) => d.body.data.id)), new Set(sent));
      assert.deepEqual(new Set(down.deliveries.map((d) => d.body.data.id)), new Set(sent));
      assert.equal(down.deliveries.length, 4, 'each pending delivery arrived once');
    } finally {
      await down.stop();
    }
    await ada.webhooks.delete(inFlight.id);
    await ada.webhooks.delete(pending.id);
  });
});

describe('webhook auto-disable', () => {
  let flint: TestFlint;
  let receiver: WebhookReceiver;
  let ada: FlintClient;

  before(async () => {
    flint = await startFlint({ env: { ...FAST, FLINT_WEBHOOK_DISABLE_FAILURES: '5', FLINT_WEBHOOK_DISABLE_WINDOW: '300', FLINT_WEBHOOK_TIMEOUT_MS: '300' } });
    receiver = await startWebhookReceiver({ respond: 503 });
    ada = await flint.signup({ email: 'ada@example.com' });
  });
  after(async () => {
    await flint.stop();
    await receiver.stop();
  });

  it('PL-2: a receiver down for long is set inactive after FLINT_WEBHOOK_DISABLE_FAILURES failures; PUT status=active re-enables it', async () => {
    const room = await ada.rooms.create({ title: c('down') });
    const webhook = await ada.webhooks.create({ name: 'down', targetUrl: `${receiver.url}/down`, resource: 'messages', event: 'created' });
    await ada.messages.create({ roomId: room.id, text: c('one') });
    await ada.messages.create({ roomId: room.id, text: c('two') });
    await until('the webhook to be disabled', async () => ((await ada.webhooks.get(webhook.id)).status === 'inactive' ? true : undefined));
    // The threshold, plus at most the attempts that were in flight when it was reached.
    assert.ok(receiver.deliveries.length >= 5 && receiver.deliveries.length <= 6, String(receiver.deliveries.length));
    // Its remaining retries are dropped, and an inactive webhook gets nothing new.
    await settled(flint);
    const failed = receiver.deliveries.length;
    await ada.messages.create({ roomId: room.id, text: c('while inactive') });
    assert.equal((await openJobs(flint, webhook.id)).length, 0);
    assert.equal(receiver.deliveries.length, failed);
    receiver.respond(200);
    assert.match((await raw(flint.url, 'GET', '/metrics')).text, /flint_webhooks_disabled_total 1\b/);
    const enabled = await ada.webhooks.update(webhook.id, { status: 'active' });
    assert.equal(enabled.status, 'active');
    const m = await ada.messages.create({ roomId: room.id, text: c('back') });
    await receiver.waitFor((ds) => ds.some((d) => d.status === 200));
    const ok = receiver.deliveries.filter((d) => d.status === 200);
    assert.equal(ok.length, 1);
    assert.equal(ok[0]!.body.data.id, m.id);
    assert.equal(ok[0]!.body.status, 'active');
    await ada.webhooks.delete(webhook.id);
  });

  it('PL-2: a receiver that does not answer within FLINT_WEBHOOK_TIMEOUT_MS fails the attempt, and the retry delivers', async () => {
    const room = await ada.rooms.create({ title: c('slow') });
    receiver.respond((d) => (d.path === '/slow' && receiver.deliveries.filter((x) => x.path === '/slow').length === 0 ? 'hang' : 200));
    const webhook = await ada.webhooks.create({ name: 'slow', targetUrl: `${receiver.url}/slow`, resource: 'messages', event: 'created', filter: `roomId=${room.id}` });
    const m = await ada.messages.create({ roomId: room.id, text: c('slow') });
    await receiver.waitFor((ds) => ds.some((d) => d.path === '/slow' && d.status === 200));
    const slow = receiver.deliveries.filter((d) => d.path === '/slow');
    assert.deepEqual(slow.map((d) => d.status), ['hang', 200]);
    assert.equal(slow[1]!.deliveryId, slow[0]!.deliveryId);
    assert.equal(slow[1]!.body.data.id, m.id);
    await ada.webhooks.delete(webhook.id);
  });
});

describe('webhook target policy (FLINT_WEBHOOK_TARGETS=public, the default; FLINT_WEBHOOK_ALLOW)', () => {
  let flint: TestFlint;
  let listener: NetServer;
  let connections = 0;
  before(async () => {
    // Counts every TCP connection to a loopback port: a refused delivery must not make one.
    listener = createNetServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    flint = await startFlint({ env: { ...FAST, FLINT_WEBHOOK_TARGETS: 'public', FLINT_WEBHOOK_ALLOW: '10.20.0.0/16,bots.corp.example', FLINT_WEBHOOK_ATTEMPTS: '1' } });
  });
  after(async () => {
    await flint.stop();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  it('PL-2: refuses internal targets in every spelling, cloud metadata services included; accepts public and listed ones', async () => {
    const ada = await flint.signup({ email: 'ada@example.com' });
    const body = { name: 'p', resource: 'messages' as const, event: 'created' as const };
    for (const targetUrl of [
      'http://127.0.0.1:9/x',
      'http://localhost/x',
      'http://[::1]/x',
      'http://[::127.0.0.1]/x',
      'http://[::ffff:127.0.0.1]/',
      'http://[64:ff9b::7f00:1]/',
      'http://169.254.169.254/latest',
      'http://[fd00:ec2::254]/latest',
      'http://[fd20:ce::254]/',
      'http://100.100.100.200/latest',
      'http://168.63.129.16/',
      'http://0.0.0.0/',
      'http://10.1.2.3/hook',
      'http://192.168.1.1/hook',
    ]) {
      await assert.rejects(ada.webhooks.create({ ...body, targetUrl }), (e: { status?: number; message?: string }) => e.status === 400 && /does not deliver to/.test(e.message ?? ''), targetUrl);
    }
    assert.deepEqual((await ada.webhooks.list()).items, []);
    // Registered and deleted at once: nothing is ever sent to these (names are judged at delivery time).
    for (const targetUrl of ['http://10.20.3.4/hook', 'http://[::ffff:10.20.3.4]/hook', 'https://bots.corp.example/hook', 'https://hooks.flint.test/hook']) {
      assert.equal((await ada.webhooks.create({ ...body, targetUrl })).targetUrl, targetUrl);
    }
    for (const w of (await ada.webhooks.list()).items) await ada.webhooks.delete(w.id);
  });

  it('PL-2: a stored target the policy now refuses (registered under an older policy) fails before any connection', async () => {
    const bob = await flint.signup({ email: 'bob@example.com' });
    const me = await bob.people.me();
    const room = await bob.rooms.create({ title: c('policy') });
    const port = (listener.address() as AddressInfo).port;
    const targets = [`http://127.0.0.1:${port}/loopback`, `http://localhost:${port}/by-name`, 'http://[fd00:ec2::254]/latest', 'http://100.100.100.200/latest', 'http://10.9.9.9/internal'];
    const now = Date.now();
    const rows = targets.map((targetUrl, i) => ({
      id: newId(),
      org_id: me.orgId!,
      created_by: me.id,
      app_id: me.id,
      name: `old ${i}`,
      target_url: targetUrl,
      resource: 'messages',
      event: 'created',
      filter: `roomId=${room.id}`,
      secret: null,
      owned_by: 'creator' as const,
      id_format: 'native' as const,
      status: 'active' as const,
      failures: 0,
      failures_since: null,
      disabled_at: null,
      created_at: now,
      updated_at: now,
    }));
    await flint.server.core.db.insertInto('webhooks').values(rows).execute();
    // A fresh start loads the registry with them, as after an upgrade that tightened the policy.
    await flint.restart();
    await bob.messages.create({ roomId: room.id, text: c('hello') });
    const failed = await until('the deliveries to fail', async () => {
      const jobs = await flint.server.core.db.selectFrom('jobs').select(['last_error', 'status', 'payload']).where('queue', '=', 'webhooks.deliver').where('status', '=', 'failed').execute();
      return jobs.length === targets.length ? jobs : undefined;
    });
    for (const job of failed) assert.match(job.last_error ?? '', /does not deliver to|outside FLINT_WEBHOOK_TARGETS/, job.last_error ?? '');
    assert.equal(connections, 0, 'no connection was made to a refused address');
  });
});
