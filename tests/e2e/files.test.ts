/**
 * SPEC FL-1, SEC-1 (files), SEC-3, PL-3 — encrypted files through a whole Flint, on the local
 * folder AND on S3-compatible storage (s3rver on loopback): a multi-part file streams up and back
 * byte-identical; tampering with the stored blob is detected; only members reach a space's files
 * (others get 404); messages carry their files in answers and events; the file list is newest
 * first and paged; deletion by the sender or a moderator removes the blobs (of a file, a message,
 * a space); uploads are bounded and resume after a dropped connection; no plaintext of a file or
 * its name reaches the blob store or the database. Runs on SQLite, or on PostgreSQL when
 * FLINT_TEST_DATABASE_URL is set. The 1 GB memory test is files-large.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { decryptContent, encryptContent, FILE_CHUNK_BYTES, FILE_HEADER_BYTES, FILE_TAG_BYTES, encryptedFileSize } from '@flint/crypto';
import type { Message, StoredEvent } from '@flint/protocol';
import type { FetchLike, FlintClient, FlintError } from '@flint/sdk';
import { downloadFile, openReference, uploadFile, type FileReference, type SpaceKey, type UploadOptions, type UploadSource } from '@flint/sdk/testing/files';
import { collect, filesUnder, raw, seededBytes, startFlint, startS3, type TestFlint, type TestS3 } from '@flint/testkit';

const SECRET_NAME = 'quarterly-secret-plan-7f3a.pdf';
const SECRET_TEXT = 'FLINT-PLAINTEXT-MARKER-91c2e';
const MiB = 1024 * 1024;

/** Uploads a file under the test's own space key and posts it (with optional sealed text) as a message. */
async function sendFile(client: FlintClient, spaceKey: SpaceKey, roomId: string, source: UploadSource, options: UploadOptions & { text?: string }) {
  const file = await uploadFile(client, spaceKey, roomId, source, options);
  const text = options.text !== undefined ? { text: await encryptContent(spaceKey.key, options.text) } : {};
  const message = await client.messages.create({ roomId, encryptionKeyUrl: spaceKey.uri, files: [file.attachment], ...text });
  return { messageId: message.id, file };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

/**
 * A fetch whose first upload request dies after `cutAfter` bytes of body, like a dropped
 * connection, and records every upload's Content-Range. Before it reports the failure it waits
 * until the server has stored something (`stored` > 0), so the resume offset the test sees does not
 * depend on how fast the server noticed the broken connection.
 */
function flakyFetch(cutAfter: number, stored: (uploadId: string) => Promise<number>): { fetch: FetchLike; ranges: string[] } {
  const ranges: string[] = [];
  let cut = false;
  const fetchLike: FetchLike = async (url, init) => {
    if (init.method === 'PUT') ranges.push(new Headers(init.headers).get('content-range') ?? '');
    if (init.method !== 'PUT' || cut || !(init.body instanceof ReadableStream)) return fetch(url, init);
    cut = true;
    let sent = 0;
    const body = (init.body as ReadableStream<Uint8Array>).pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          if (sent + chunk.length > cutAfter) {
            controller.enqueue(chunk.subarray(0, cutAfter - sent));
            sent = cutAfter;
            controller.error(new Error('connection reset'));
            return;
          }
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    );
    try {
      return await fetch(url, { ...init, body });
    } catch (error) {
      const uploadId = /\/api\/files\/([^/]+)\/content/.exec(url)![1]!;
      for (let i = 0; i < 200 && (await stored(uploadId)) === 0; i++) await new Promise((r) => setTimeout(r, 50));
      throw error;
    }
  };
  return { fetch: fetchLike, ranges };
}

for (const storage of ['local', 's3'] as const) {
  describe(`encrypted files (${storage === 'local' ? 'local folder' : 'S3 (s3rver)'})`, () => {
    let s3: TestS3 | undefined;
    let flint: TestFlint;
    let ada: FlintClient;
    let bob: FlintClient;
    let carol: FlintClient;
    let eve: FlintClient;
    let roomId: string;
    const spaceKey: SpaceKey = { uri: 'kms://kms.example/keys/files-1', key: new Uint8Array(randomBytes(32)) };

    const blobKey = (blobId: string, room = roomId) => `files/${room}/${blobId}`;
    const blobs = () => flint.server.core.blobs;
    const list = async (who: FlintClient, room = roomId, query = '') => (await raw(flint.url, 'GET', `/api/files?roomId=${room}${query}`, { token: who.transport.accessToken })).json as { items: { id: string; reference: string }[] };

    before(async () => {
      if (storage === 's3') s3 = await startS3();
      flint = await startFlint(s3 !== undefined ? { env: s3.env } : {});
      assert.equal(flint.server.core.blobs.kind, storage);
      ada = await flint.signup({ email: 'ada@files.example' });
      bob = await flint.signup({ email: 'bob@files.example' });
      carol = await flint.signup({ email: 'carol@files.example' });
      eve = await flint.signup({ email: 'eve@files.example' });
      // Locked, so moderators act on others' content (SP-4); ada, its creator, is one.
      roomId = (await ada.rooms.create({ title: 'ciphertext:files', encryptionKeyUrl: spaceKey.uri, isLocked: true })).id;
      await ada.memberships.create({ roomId, personEmail: 'bob@files.example' });
      await ada.memberships.create({ roomId, personEmail: 'carol@files.example', isModerator: true });
    });
    after(async () => {
      await flint.stop();
      await s3?.stop();
    });

    it('FL-1: a 20 MiB file (three S3 parts) goes up and comes back byte-identical', async () => {
      const size = 20 * MiB + 12345;
      const sourceHash = createHash('sha256');
      const { file } = await sendFile(ada, spaceKey, roomId, seededBytes(size, sourceHash), { name: 'big.bin', type: 'application/octet-stream', size });
      const download = await downloadFile(bob, file.reference);
      const backHash = createHash('sha256');
      let bytes = 0;
      const reader = download.stream.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        backHash.update(r.value);
        bytes += r.value.length;
      }
      await download.verified;
      assert.equal(bytes, size);
      const expected = sourceHash.digest('hex');
      assert.equal(backHash.digest('hex'), expected);
      assert.equal(Buffer.from(file.reference.sha256).toString('hex'), expected);
      assert.equal((await blobs().stat(blobKey(file.reference.blobId)))?.size, encryptedFileSize(size));
    });

    it('FL-1: a flipped byte, a dropped chunk or a truncated blob is detected on download', async () => {
      const plain = randomBytes(FILE_CHUNK_BYTES * 3 + 1000); // 4 chunks
      const { reference } = await uploadFile(ada, spaceKey, roomId, plain, { name: 'x.bin', type: 'application/octet-stream' });
      const key = blobKey(reference.blobId);
      const original = Buffer.from((await blobs().get(key))!.data);
      const sealed = FILE_CHUNK_BYTES + FILE_TAG_BYTES;
      const attempt = async (bytes: Uint8Array) => {
        await blobs().put(key, bytes, 'application/octet-stream');
        const d = await downloadFile(ada, reference);
        await assert.rejects(readAll(d.stream));
        await assert.rejects(d.verified);
      };
      const flipped = Buffer.from(original);
      flipped[FILE_HEADER_BYTES + sealed + 7]! ^= 0x80;
      await attempt(flipped);
      await attempt(Buffer.concat([original.subarray(0, FILE_HEADER_BYTES + sealed), original.subarray(FILE_HEADER_BYTES + 2 * sealed)]));
      await attempt(original.subarray(0, FILE_HEADER_BYTES + 3 * sealed));
      await attempt(original.subarray(0, original.length - 1));
      await blobs().put(key, original, 'application/octet-stream');
      const good = await downloadFile(ada, reference);
      assert.ok((await readAll(good.stream)).equals(plain));
    });

    it('SEC-3: only members reach a space’s files: non-members get 404 everywhere', async () => {
      const { file } = await sendFile(ada, spaceKey, roomId, new TextEncoder().encode('members only'), { name: 'm.txt', type: 'text/plain' });
      const id = file.reference.blobId;
      const token = eve.transport.accessToken;
      assert.equal((await raw(flint.url, 'GET', `/api/files/${id}/content`, { token })).status, 404);
      assert.equal((await raw(flint.url, 'GET', `/api/files/${id}`, { token })).status, 404);
      assert.equal((await raw(flint.url, 'DELETE', `/api/files/${id}`, { token })).status, 404);
      assert.equal((await raw(flint.url, 'GET', `/api/files?roomId=${roomId}`, { token })).status, 404);
      assert.equal((await raw(flint.url, 'POST', '/api/files', { token, body: { roomId, size: 100 } })).status, 404);
      assert.equal((await raw(flint.url, 'GET', `/api/files/${id}/content`)).status, 401);
      // A member opens it from the list.
      const entry = (await list(bob)).items.find((i) => i.id === id)!;
      const ref = await openReference(spaceKey, entry.reference);
      assert.equal(ref.name, 'm.txt');
      assert.equal((await readAll((await downloadFile(bob, ref)).stream)).toString(), 'members only');
      // A range read of the ciphertext.
      const part = await raw(flint.url, 'GET', `/api/files/${id}/content`, { token: bob.transport.accessToken, headers: { range: 'bytes=0-15' } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 0-15/${encryptedFileSize(12)}`);
      const unsat = await raw(flint.url, 'GET', `/api/files/${id}/content`, { token: bob.transport.accessToken, headers: { range: 'bytes=9999-' } });
      assert.equal(unsat.status, 416);
    });

    it('FL-1: messages carry their files in answers and in message.created events', async () => {
      const events = await collect(bob);
      try {
        const { messageId, file } = await sendFile(ada, spaceKey, roomId, new TextEncoder().encode('see attached'), { name: 'notes.txt', type: 'text/plain', text: 'the notes' });
        const event = await events.waitFor((e: StoredEvent) => e.type === 'message.created' && (e.data as Message).id === messageId);
        const carried = (event.data as Message).files;
        const expected = [{ ...file.attachment, size: encryptedFileSize('see attached'.length) }];
        assert.deepEqual(carried, expected);
        const opened = await openReference(spaceKey, carried[0]!.reference);
        assert.equal(opened.name, 'notes.txt');
        assert.equal((await readAll((await downloadFile(bob, opened)).stream)).toString(), 'see attached');
        assert.deepEqual((await bob.messages.get(messageId)).files, expected);
        const page = await bob.messages.list({ roomId, max: 5 });
        assert.deepEqual(page.items.find((m) => m.id === messageId)?.files, expected);
        // The text beside the file is sealed too.
        assert.notEqual((await bob.messages.get(messageId)).text, 'the notes');
      } finally {
        events.stop();
      }
    });

    it('FL-1: lists a space’s files newest first, paged', async () => {
      const room = (await ada.rooms.create({ title: 'ciphertext:list' })).id;
      const names = ['one.txt', 'two.txt', 'three.txt'];
      for (const name of names) await sendFile(ada, spaceKey, room, new TextEncoder().encode(name), { name, type: 'text/plain' });
      const first = await raw(flint.url, 'GET', `/api/files?roomId=${room}&max=2`, { token: ada.transport.accessToken });
      const page1 = (first.json as { items: { reference: string; messageId: string }[] }).items;
      assert.equal(page1.length, 2);
      const link = /<([^>]+)>;\s*rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
      assert.ok(link);
      const second = await fetch(link, { headers: { authorization: `Bearer ${ada.transport.accessToken!}` } });
      const page2 = ((await second.json()) as { items: { reference: string }[] }).items;
      assert.equal(page2.length, 1);
      const opened = await Promise.all([...page1, ...page2].map((i) => openReference(spaceKey, i.reference)));
      assert.deepEqual(opened.map((r) => r.name), ['three.txt', 'two.txt', 'one.txt']);
      assert.equal((await raw(flint.url, 'GET', `/api/files?roomId=${room}&beforeFile=${roomId}`, { token: ada.transport.accessToken })).status, 400);
    });

    it('SP-4, FL-1: deletion by the sender or a moderator; the blobs go, also those of a deleted message or space', async () => {
      const { file } = await sendFile(ada, spaceKey, roomId, new TextEncoder().encode('to delete'), { name: 'd.txt', type: 'text/plain' });
      const id = file.reference.blobId;
      assert.ok(await blobs().stat(blobKey(id)));
      assert.equal((await raw(flint.url, 'DELETE', `/api/files/${id}`, { token: bob.transport.accessToken })).status, 403, 'a plain member may not');
      assert.equal((await raw(flint.url, 'DELETE', `/api/files/${id}`, { token: ada.transport.accessToken })).status, 204, 'the sender may');
      assert.equal(await blobs().stat(blobKey(id)), undefined);
      assert.equal((await raw(flint.url, 'GET', `/api/files/${id}/content`, { token: ada.transport.accessToken })).status, 404);

      const other = await sendFile(ada, spaceKey, roomId, new TextEncoder().encode('moderated'), { name: 'm.txt', type: 'text/plain' });
      assert.equal((await raw(flint.url, 'DELETE', `/api/files/${other.file.reference.blobId}`, { token: carol.transport.accessToken })).status, 204, 'a moderator may');
      assert.equal(await blobs().stat(blobKey(other.file.reference.blobId)), undefined);

      const sent = await sendFile(ada, spaceKey, roomId, new TextEncoder().encode('message goes'), { name: 'g.txt', type: 'text/plain' });
      await ada.messages.delete(sent.messageId);
      assert.equal(await blobs().stat(blobKey(sent.file.reference.blobId)), undefined);
      assert.ok(!(await list(ada)).items.some((i) => i.id === sent.file.reference.blobId));

      const doomed = (await ada.rooms.create({ title: 'ciphertext:doomed' })).id;
      const inDoomed = await sendFile(ada, spaceKey, doomed, new TextEncoder().encode('space goes'), { name: 's.txt', type: 'text/plain' });
      await ada.rooms.delete(doomed);
      assert.equal(await blobs().stat(blobKey(inDoomed.file.reference.blobId, doomed)), undefined);
    });

    it('FL-1: uploads are bounded; a dropped upload resumes from what the server reports', async () => {
      const token = ada.transport.accessToken;
      assert.equal((await raw(flint.url, 'POST', '/api/files', { token, body: { roomId, size: 9 * 1024 ** 3 } })).status, 413);
      assert.equal((await raw(flint.url, 'POST', '/api/files', { token, body: { roomId, size: 0 } })).status, 400);
      const upload = (await raw(flint.url, 'POST', '/api/files', { token, body: { roomId, size: 1000 } })).json as { id: string; received: number; status: string };
      assert.equal(upload.received, 0);
      assert.equal(upload.status, 'pending');
      const put = (body: Uint8Array, headers: Record<string, string> = {}) => raw(flint.url, 'PUT', `/api/files/${upload.id}/content`, { token, body, contentType: 'application/octet-stream', headers });
      const state = async () => (await raw(flint.url, 'GET', `/api/files/${upload.id}`, { token })).json as { received: number; status: string };
      const bytes = randomBytes(1000);
      assert.equal((await put(new Uint8Array(1001))).status, 413);
      assert.equal((await put(new Uint8Array(999))).status, 400);
      assert.equal((await raw(flint.url, 'PUT', `/api/files/${upload.id}/content`, { token, body: 'x', contentType: 'text/plain' })).status, 415);
      for (const bad of ['bytes 0-999/2000', 'bytes 10-5/1000', 'bytes 0-1000/1000', 'pages 1-2/3', 'bytes=0-999/1000']) {
        assert.equal((await put(bytes, { 'content-range': bad })).status, 400, bad);
      }
      // An attempt that dies mid-stream: what arrived is kept, as far as the store can resume from it.
      let sent = 0;
      const dying = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 600) return controller.error(new Error('connection lost'));
          controller.enqueue(bytes.subarray(sent, sent + 300));
          sent += 300;
        },
      });
      await assert.rejects(
        fetch(`${flint.url}/api/files/${upload.id}/content`, { method: 'PUT', headers: { authorization: `Bearer ${token!}`, 'content-type': 'application/octet-stream' }, body: dying, duplex: 'half' } as RequestInit),
      );
      // The local folder keeps what arrived (bytes still in flight when the connection was reset
      // may be lost); S3 keeps whole parts (8 MiB) or a final one, so nothing here.
      await new Promise((r) => setTimeout(r, 200));
      const received = (await state()).received;
      assert.ok(storage === 'local' ? received <= 600 : received === 0, `received ${received}`);
      assert.equal((await state()).status, 'pending');
      // Not attachable before it is complete.
      await assert.rejects(ada.messages.create({ roomId, files: [{ blobId: upload.id, reference: 'x' }] }), (e: FlintError) => e.status === 400);
      // Resuming beyond what is stored is refused with the place to resume from.
      const beyond = await put(bytes.subarray(received + 1), { 'content-range': `bytes ${received + 1}-999/1000` });
      assert.equal(beyond.status, 409);
      assert.match((beyond.json as { message: string }).message, new RegExp(`byte ${received}`));
      const resumed = await put(bytes.subarray(received), { 'content-range': `bytes ${received}-999/1000` });
      assert.equal(resumed.status, 200);
      assert.deepEqual({ ...(resumed.json as object), created: undefined }, { id: upload.id, roomId, size: 1000, received: 1000, status: 'complete', created: undefined });
      assert.ok(Buffer.from((await blobs().get(blobKey(upload.id)))!.data).equals(bytes));
      assert.equal((await put(bytes)).status, 409, 'complete: no more content');
      // No temporary or partial files remain.
      if (storage === 'local') assert.deepEqual((await filesUnder(flint.config.blobsDir)).filter((p) => /\.(tmp|part)$/.test(p)), []);
      // Someone else cannot attach it, nor can it go into another space.
      await assert.rejects(bob.messages.create({ roomId, files: [{ blobId: upload.id, reference: 'x' }] }), (e: FlintError) => e.status === 400);
      const other = (await ada.rooms.create({ title: 'ciphertext:other' })).id;
      await assert.rejects(ada.messages.create({ roomId: other, files: [{ blobId: upload.id, reference: 'x' }] }), (e: FlintError) => e.status === 400);
      await ada.messages.create({ roomId, files: [{ blobId: upload.id, reference: 'x' }] });
      // Once attached the content is fixed.
      assert.equal((await put(bytes)).status, 409);
    });

    it('FL-1: the SDK resumes a dropped upload from the server’s offset and the file opens whole', async () => {
      const plain = randomBytes(12 * MiB + 777);
      const cutAfter = 10 * MiB + 5;
      const flaky = flakyFetch(cutAfter, async (id) => ((await raw(flint.url, 'GET', `/api/files/${id}`, { token: ada.transport.accessToken })).json as { received: number }).received);
      const { reference } = await uploadFile(ada, spaceKey, roomId, plain, { name: 'resumed.bin', type: 'application/octet-stream', fetch: flaky.fetch });
      const total = encryptedFileSize(plain.length);
      assert.equal(flaky.ranges.length, 2, flaky.ranges.join(' | '));
      assert.equal(flaky.ranges[0], `bytes 0-${total - 1}/${total}`);
      const resumedAt = Number(/^bytes (\d+)-/.exec(flaky.ranges[1]!)?.[1]);
      // Local: from where the bytes stopped arriving; S3: from the end of the first 8 MiB part.
      if (storage === 's3') assert.equal(resumedAt, 8 * MiB);
      else assert.ok(resumedAt > 8 * MiB && resumedAt <= cutAfter, `resumed at ${resumedAt}`);
      const back = await downloadFile(ada, reference);
      assert.ok((await readAll(back.stream)).equals(plain));
      await back.verified;
    });

    it('SEC-1: no plaintext of a file, its name or the text beside it reaches the blob store or the database', async () => {
      const plain = new TextEncoder().encode(SECRET_TEXT.repeat(5000));
      const { file, messageId } = await sendFile(ada, spaceKey, roomId, plain, { name: SECRET_NAME, type: 'application/pdf', text: `about ${SECRET_NAME}` });
      const ref: FileReference = file.reference;
      assert.equal(ref.name, SECRET_NAME);
      const needles = [SECRET_TEXT, SECRET_NAME, 'application/pdf'].map((s) => Buffer.from(s));
      // The blob folder (or s3rver's) and on SQLite the database files (WAL included).
      const scanned = [...(await filesUnder(flint.dataDir)), ...((await s3?.files()) ?? [])];
      assert.ok(scanned.length > 0);
      for (const path of scanned) {
        const bytes = await readFile(path);
        for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `${needle.toString()} found in ${path}`);
      }
      if (flint.engine === 'postgres') {
        const db = flint.server.core.db;
        for (const table of ['files', 'messages', 'event_payloads']) {
          const text = JSON.stringify(await db.selectFrom(table as 'files').selectAll().execute());
          for (const needle of needles) assert.ok(!text.includes(needle.toString()), `${needle.toString()} found in ${table}`);
        }
      }
      assert.ok(flint.logText().length > 0);
      for (const needle of needles) assert.ok(!flint.logText().includes(needle.toString()));
      // The text beside the file was sealed with the space key, and opens with it.
      assert.equal(await decryptContent(spaceKey.key, (await bob.messages.get(messageId)).text!), `about ${SECRET_NAME}`);
    });
  });
}
