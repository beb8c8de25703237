/**
 * SPEC CP-1, CP-2 (issue 19): a compliance officer reads their whole org — the core's
 * `compliance_officer` role (granted by an org admin, audited) opens the org's ciphertext and
 * metadata through the compliance API, and the KMS's own grant (`flint kms officers add`) opens the
 * keys. The officer's SDK session lists every space, membership, message, edit, deletion and file
 * of the org and nothing of another; `/v1/events` serves the same activities decrypted as Webex
 * does; `/v1/rooms`, `/v1/messages`, `/v1/memberships` and `/v1/contents` reach every space of the
 * org for them; anyone else gets 403. The core still holds no plaintext.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { grantKmsOfficer } from '@flint/kms';
import type { FlintClient, OpenedComplianceEvent, Session } from '@flint/sdk';
import { raw, scanForPlaintext, startFlint, type TestFlint } from '@flint/testkit';
import { seedOrg, type Seed } from './compliance-seed.ts';

async function allPages<T>(read: (cursor?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    out.push(...page.items);
    cursor = page.next;
  } while (cursor !== undefined);
  return out;
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe('compliance officers read the whole org (CP-1, CP-2)', () => {
  let flint: TestFlint;
  let seed: Seed;
  let carol: Session;
  let carolToken = '';
  let daveToken = '';

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    seed = await seedOrg(flint);
    const carolClient: FlintClient = seed.plain['carol']!;
    carol = seed.secure['carol']!;
    carolToken = carolClient.session!.accessToken;
    // Carol also calls /v1 with her token: her own device approves that token's KMS device.
    await carol.approveToken(carolToken);
    daveToken = seed.plain['dave']!.session!.accessToken;
  });

  after(async () => {
    for (const s of Object.values(seed?.secure ?? {})) s.close();
    await flint?.stop();
  });

  const v1 = (path: string, token = carolToken) => raw(flint.url, 'GET', path, { token });

  it('refuses everyone without the role: a member, an admin, the gateway (403)', async () => {
    for (const name of ['bob', 'alice'] as const) {
      for (const path of ['/api/compliance/spaces', '/api/compliance/messages', '/api/compliance/events', '/api/compliance/files', '/api/compliance/memberships']) {
        const r = await raw(flint.url, 'GET', path, { token: seed.plain[name]!.session!.accessToken });
        assert.equal(r.status, 403, `${name} ${path}`);
      }
    }
    assert.equal((await v1('/v1/events', daveToken)).status, 403);
  });

  it('the core’s role alone (granted by the admin, audited) lists the ciphertext but opens nothing', async () => {
    const alice = seed.plain['alice']!;
    const carolId = seed.plain['carol']!.session!.personId;
    const person = await alice.people.get(carolId);
    await alice.people.update(carolId, { displayName: person.displayName, roles: ['compliance_officer'] });
    const audit = await raw(flint.url, 'GET', '/api/admin/audit/events', { token: alice.session!.accessToken });
    assert.ok((audit.json as { items: { action: string; targetId: string }[] }).items.some((e) => e.action === 'person.roles' && e.targetId === carolId));
    const page = await carol.compliance.messages({ max: 1000 });
    assert.equal(page.items.length, seed.liveMessages.length);
    assert.ok(page.items.every((m) => m.text === undefined && m.decryptError !== undefined), 'no key without the KMS’s grant');
  });

  it('with the KMS’s grant, every message of the org opens, and nothing of another org is listed', async () => {
    await grantKmsOfficer({ dataDir: flint.config.kmsDataDir }, { orgId: seed.orgId, userId: seed.plain['carol']!.session!.personId, label: 'carol@acme.test' });
    const messages = await allPages((cursor) => carol.compliance.messages({ max: 3, ...(cursor !== undefined ? { cursor } : {}) }));
    assert.deepEqual(messages.map((m) => m.text).sort(), [...seed.liveMessages].sort());
    assert.ok(messages.every((m) => m.decryptError === undefined));
    assert.ok(!messages.some((m) => m.roomId === seed.otherRoomId));
    const spaces = await allPages((cursor) => carol.compliance.spaces({ max: 2, ...(cursor !== undefined ? { cursor } : {}) }));
    assert.deepEqual(spaces.map((s) => s.id).sort(), [...seed.orgRoomIds].sort());
    assert.ok(spaces.some((s) => s.title === seed.boardTitle));
    // Filters: a person, a space, dates.
    const bobs = await carol.compliance.messages({ personEmail: 'bob@acme.test' });
    assert.ok(bobs.items.length > 0 && bobs.items.every((m) => m.personEmail === 'bob@acme.test'));
    const board = await carol.compliance.messages({ roomId: seed.boardId });
    assert.ok(board.items.every((m) => m.roomId === seed.boardId));
    const future = await carol.compliance.messages({ from: new Date(Date.now() + 60_000).toISOString() });
    assert.equal(future.items.length, 0);
    assert.equal((await carol.compliance.messages({ personEmail: 'nobody@acme.test' })).items.length, 0);
  });

  it('the events hold every version: created, edited and deleted messages, memberships over time', async () => {
    const events: OpenedComplianceEvent[] = await allPages((cursor) => carol.compliance.events({ max: 4, ...(cursor !== undefined ? { cursor } : {}) }));
    const texts = (type: string) => events.filter((e) => e.resource === 'messages' && e.type === type).map((e) => e.data['text']);
    for (const t of seed.createdTexts) assert.ok(texts('created').includes(t), `created: ${t}`);
    assert.ok(texts('updated').includes(seed.editedText), 'the edit');
    const deleted = events.filter((e) => e.resource === 'messages' && e.type === 'deleted');
    assert.deepEqual(deleted.map((e) => e.data['id']), [seed.deletedMessageId]);
    const memberships = events.filter((e) => e.resource === 'memberships' && e.data['personEmail'] === 'dave@acme.test').map((e) => e.type);
    assert.deepEqual(memberships, ['created', 'deleted']);
    assert.ok(events.some((e) => e.resource === 'rooms' && e.type === 'created' && e.data['title'] === seed.boardTitle));
    assert.ok(!events.some((e) => e.roomId === seed.otherRoomId));
    assert.ok(events.every((e, i) => i === 0 || Number(e.id) > Number(events[i - 1]!.id)), 'oldest first, no repeats');
    const bad = await raw(flint.url, 'GET', '/api/compliance/events?resource=calls', { token: carolToken });
    assert.equal(bad.status, 400);
  });

  it('files list and download byte-identical; keyword search through the blinded index', async () => {
    const files = (await carol.compliance.files()).items;
    assert.equal(files.length, 1);
    const ref = files[0]!.reference!;
    assert.equal(ref.name, seed.file.name);
    const download = await carol.compliance.download(ref);
    const bytes = await bytesOf(download.stream);
    await download.verified;
    assert.equal(createHash('sha256').update(bytes).digest('hex'), seed.file.sha256);
    const hits = await carol.compliance.search(seed.keyword);
    assert.deepEqual(hits.map((h) => h.messageId), [seed.keywordMessageId]);
    assert.deepEqual(await carol.compliance.search('hotel'), [], 'another org’s words are not found');
    const dated = await carol.compliance.search(seed.keyword, { to: new Date(Date.parse(seed.startedAt) - 1000) });
    assert.deepEqual(dated, []);
  });

  it('/v1/events serves the activities decrypted as Webex does, Link paged; /v1 reaches every space', async () => {
    const items: { id: string; resource: string; type: string; actorId?: string; orgId: string; created: string; data: Record<string, unknown> }[] = [];
    let path: string | undefined = '/v1/events?max=5';
    while (path !== undefined) {
      const r = await v1(path);
      assert.equal(r.status, 200, r.text);
      items.push(...(r.json as { items: typeof items }).items);
      const link = r.headers.get('link');
      path = link === null ? undefined : new URL(/<([^>]+)>/.exec(link)![1]!).pathname + new URL(/<([^>]+)>/.exec(link)![1]!).search;
    }
    for (const item of items) {
      assert.deepEqual(Object.keys(item).filter((k) => !['id', 'resource', 'type', 'actorId', 'orgId', 'created', 'data'].includes(k)), []);
    }
    const messageTexts = items.filter((e) => e.resource === 'messages').map((e) => e.data['text']);
    for (const t of [...seed.createdTexts, seed.editedText]) assert.ok(messageTexts.includes(t), t);
    assert.ok(!messageTexts.includes('other org hotel'));
    const updated = await v1('/v1/events?resource=messages&type=updated');
    assert.deepEqual((updated.json as { items: { data: { text: string } }[] }).items.map((e) => e.data.text), [seed.editedText]);
    const fileEvents = (await v1('/v1/events?resource=files')).json as { items: { data: { name: string; contentUrl: string } }[] };
    assert.deepEqual(fileEvents.items.map((e) => e.data.name), [seed.file.name]);
    const content = await fetch(fileEvents.items[0]!.data.contentUrl, { headers: { authorization: `Bearer ${carolToken}` } });
    assert.equal(content.status, 200);
    assert.equal(createHash('sha256').update(Buffer.from(await content.arrayBuffer())).digest('hex'), seed.file.sha256);

    // /v1/rooms lists every space of the org; /v1/messages reads a space Carol is not in.
    const rooms = (await v1('/v1/rooms?max=100')).json as { items: { id: string; title?: string }[] };
    assert.equal(rooms.items.length, seed.orgRoomIds.length);
    const board = rooms.items.find((r) => r.title === seed.boardTitle)!;
    const msgs = await v1(`/v1/messages?roomId=${board.id}&max=2`);
    assert.equal(msgs.status, 200, msgs.text);
    const firstPage = (msgs.json as { items: { text?: string }[] }).items;
    assert.equal(firstPage.length, 2);
    assert.ok(msgs.headers.get('link') !== null);
    const memberships = (await v1(`/v1/memberships?personEmail=bob@acme.test`)).json as { items: { personEmail: string }[] };
    assert.ok(memberships.items.length >= 2 && memberships.items.every((m) => m.personEmail === 'bob@acme.test'));
    const roomMembers = (await v1(`/v1/memberships?roomId=${board.id}`)).json as { items: unknown[] };
    assert.ok(roomMembers.items.length >= 2);
  });

  it('the core still holds no plaintext', async () => {
    const scan = await scanForPlaintext(flint, [...seed.createdTexts, seed.editedText, seed.boardTitle, seed.file.name], 'carol@acme.test');
    assert.ok(scan.controlInDatabase);
    assert.deepEqual(scan.inDatabase, []);
    assert.deepEqual(scan.inFiles, []);
    assert.deepEqual(scan.inLogs, []);
  });
});
