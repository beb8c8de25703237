/**
 * SPEC FL-1, FL-3, SEC-1 (files) — encrypted files through a whole Flint: a large file streams up
 * and back byte-identical with memory flat; tampering with the stored blob is detected; only
 * members reach a space's files (others get 404); the file list; deletion removes blobs; uploads
 * are restartable and bounded; no plaintext of a file or its name reaches the blob store or the
 * database. Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 *
 * FLINT_FILE_TEST_BYTES sets the large file's size (default 64 MiB; the benchmark runs 1 GiB).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { FILE_HEADER_BYTES, FILE_TAG_BYTES, FILE_CHUNK_BYTES, encryptedFileSize } from '@flint/crypto';
import { downloadFile, openReference, sendFile, uploadFile, type FetchLike, type FileReference, type FlintClient, type FlintError, type SpaceKey } from '@flint/sdk';
import { raw, startFlint, type TestFlint } from '@flint/testkit';

const LARGE = Number(process.env['FLINT_FILE_TEST_BYTES'] ?? 64 * 1024 * 1024);
const SECRET_NAME = 'quarterly-secret-plan-7f3a.pdf';
const SECRET_TEXT = 'FLINT-PLAINTEXT-MARKER-91c2e';

/**
 * A FetchLike on node:http that honours back-pressure on a streamed request body. Node 20's fetch
 * (undici) queues a streamed upload body in memory faster than the socket drains it (measured:
 * RSS grows with the file), so the memory test uploads through this; browsers stream natively.
 */
const nodeHttpFetch: FetchLike = (url, init) =>
  new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers as Record<string, string> }, (res) => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
      resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status: res.statusCode ?? 500, headers }));
    });
    req.on('error', reject);
    const body = init.body as ReadableStream<Uint8Array> | null | undefined;
    if (body) Readable.fromWeb(body as NodeReadableStream<Uint8Array>).on('error', (e) => req.destroy(e)).pipe(req);
    else req.end();
  });

/** Deterministic pseudo-random bytes, generated 1 MiB at a time on demand (never held whole). */
function generated(size: number, hash: ReturnType<typeof createHash>): ReadableStream<Uint8Array> {
  let sent = 0;
  let x = 0x9e3779b9;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(1024 * 1024, size - sent);
      const words = new Uint32Array(Math.ceil(n / 4));
      for (let i = 0; i < words.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        words[i] = x >>> 0;
      }
      const chunk = new Uint8Array(words.buffer, 0, n);
      hash.update(chunk);
      sent += n;
      controller.enqueue(chunk);
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

describe('encrypted files', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let eve: FlintClient;
  let roomId: string;
  const spaceKey: SpaceKey = { uri: 'kms://kms.example/keys/files-1', key: new Uint8Array(randomBytes(32)) };

  const blobPath = (blobId: string) => join(flint.config.blobsDir, 'files', roomId, blobId);
  const entries = async (who: FlintClient, query = '') => {
    const r = await raw(flint.url, 'GET', `/api/files?roomId=${roomId}${query}`, { token: who.transport.accessToken });
    return r;
  };

  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@files.example' });
    bob = await flint.signup({ email: 'bob@files.example' });
    eve = await flint.signup({ email: 'eve@files.example' });
    roomId = (await ada.rooms.create({ title: 'ciphertext:files', encryptionKeyUrl: spaceKey.uri })).id;
    await ada.memberships.create({ roomId, personEmail: 'bob@files.example' });
  });
  after(() => flint.stop());

  it(`a ${LARGE / 1024 / 1024} MiB file goes up and comes back byte-identical with memory flat`, async (t) => {
    const sourceHash = createHash('sha256');
    // Warm up the path (JIT, sockets, WebCrypto, stream buffers) so the baseline holds its fixed costs.
    const warm = await sendFile(ada, spaceKey, roomId, generated(4 * 1024 * 1024, createHash('sha256')), { name: 'warm.bin', type: 'application/octet-stream', size: 4 * 1024 * 1024, fetch: nodeHttpFetch });
    await (await downloadFile(bob, warm.file.reference)).stream.pipeTo(new WritableStream());
    global.gc?.();
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
    try {
      const t0 = performance.now();
      const { file } = await sendFile(ada, spaceKey, roomId, generated(LARGE, sourceHash), { name: 'big.bin', type: 'application/octet-stream', size: LARGE, fetch: nodeHttpFetch });
      const t1 = performance.now();
      const download = await downloadFile(bob, file.reference);
      const backHash = createHash('sha256');
      let bytes = 0;
      const reader = download.stream.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        backHash.update(r.value);
        bytes += r.value.length;
      }
      await download.verified;
      const t2 = performance.now();
      peak = Math.max(peak, process.memoryUsage.rss());
      assert.equal(bytes, LARGE);
      const expected = sourceHash.digest('hex');
      assert.equal(backHash.digest('hex'), expected);
      assert.equal(Buffer.from(file.reference.sha256).toString('hex'), expected);
      assert.equal((await stat(blobPath(file.reference.blobId))).size, encryptedFileSize(LARGE));
      const mb = LARGE / 1e6;
      const growth = (peak - baseline) / 1024 / 1024;
      t.diagnostic(`upload ${(mb / ((t1 - t0) / 1000)).toFixed(1)} MB/s, download+decrypt ${(mb / ((t2 - t1) / 1000)).toFixed(1)} MB/s, peak RSS growth ${growth.toFixed(1)} MiB (client and server in one process), file ${LARGE / 1024 / 1024} MiB`);
      // Flat: a bound that does not grow with the file. V8 lets up to ~64 MiB of garbage external
      // buffers (the per-chunk ArrayBuffers) pile up before it collects, so the bound is a constant,
      // not a fraction of the file. Measured (after warm-up): 64 MiB → ~16 MiB, 256 MiB → ~56 MiB,
      // 1 GiB → ~100 MiB. The slow rise past 256 MiB is not yet explained (heap slack?): watch it.
      assert.ok(peak - baseline < 128 * 1024 * 1024, `RSS grew by ${growth.toFixed(1)} MiB`);
    } finally {
      clearInterval(sampler);
    }
  });

  it('a flipped byte, a dropped chunk or a truncated blob is detected on download', async () => {
    const plain = randomBytes(FILE_CHUNK_BYTES * 3 + 1000); // 4 chunks
    const { reference } = await uploadFile(ada, spaceKey, roomId, plain, { name: 'x.bin', type: 'application/octet-stream' });
    const path = blobPath(reference.blobId);
    const original = await readFile(path);
    const sealed = FILE_CHUNK_BYTES + FILE_TAG_BYTES;
    const attempt = async (bytes: Uint8Array) => {
      await writeFile(path, bytes);
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
    await writeFile(path, original);
    const good = await downloadFile(ada, reference);
    assert.ok((await readAll(good.stream)).equals(plain));
  });

  it('only members reach a space’s files: non-members get 404 everywhere', async () => {
    const { file } = await sendFile(ada, spaceKey, roomId, new TextEncoder().encode('members only'), { name: 'm.txt', type: 'text/plain' });
    const id = file.reference.blobId;
    const token = eve.transport.accessToken;
    assert.equal((await raw(flint.url, 'GET', `/api/files/${id}/content`, { token })).status, 404);
    assert.equal((await raw(flint.url, 'DELETE', `/api/files/${id}`, { token })).status, 404);
    assert.equal((await raw(flint.url, 'GET', `/api/files?roomId=${roomId}`, { token })).status, 404);
    assert.equal((await raw(flint.url, 'POST', '/api/files', { token, body: { roomId, size: 10 } })).status, 404);
    assert.equal((await raw(flint.url, 'GET', `/api/files/${id}/content`)).status, 401);
    // A member opens it from the list.
    const list = (await entries(bob)).json as { items: { id: string; reference: string }[] };
    const entry = list.items.find((i) => i.id === id)!;
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

  it('lists a space’s files newest first, paged', async () => {
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
    const opened = await Promise.all([...page1, ...page2].map((i) => openReference(spaceKey, i.reference)));
    assert.deepEqual(opened.map((r) => r.name), ['three.txt', 'two.txt', 'one.txt']);
  });

  it('deletion: by the sender or a moderator; the blob goes, as do the blobs of a deleted message', async () => {
    const { file } = await sendFile(ada, spaceKey, roomId, new TextEncoder().encode('to delete'), { name: 'd.txt', type: 'text/plain' });
    const id = file.reference.blobId;
    await assert.doesNotReject(stat(blobPath(id)));
    assert.equal((await raw(flint.url, 'DELETE', `/api/files/${id}`, { token: bob.transport.accessToken })).status, 403);
    assert.equal((await raw(flint.url, 'DELETE', `/api/files/${id}`, { token: ada.transport.accessToken })).status, 204);
    await assert.rejects(stat(blobPath(id)), { code: 'ENOENT' });
    assert.equal((await raw(flint.url, 'GET', `/api/files/${id}/content`, { token: ada.transport.accessToken })).status, 404);

    const sent = await sendFile(ada, spaceKey, roomId, new TextEncoder().encode('message goes'), { name: 'g.txt', type: 'text/plain' });
    await ada.messages.delete(sent.messageId);
    await assert.rejects(stat(blobPath(sent.file.reference.blobId)), { code: 'ENOENT' });
    const list = (await entries(ada)).json as { items: { id: string }[] };
    assert.ok(!list.items.some((i) => i.id === sent.file.reference.blobId));
  });

  it('uploads are bounded and restartable; a failed attempt leaves no partial blob', async () => {
    const token = ada.transport.accessToken;
    const tooBig = await raw(flint.url, 'POST', '/api/files', { token, body: { roomId, size: 9 * 1024 ** 3 } });
    assert.equal(tooBig.status, 413);
    const upload = (await raw(flint.url, 'POST', '/api/files', { token, body: { roomId, size: 1000 } })).json as { id: string };
    const put = (body: Uint8Array) => raw(flint.url, 'PUT', `/api/files/${upload.id}/content`, { token, body, contentType: 'application/octet-stream' });
    assert.equal((await put(new Uint8Array(1001))).status, 413);
    assert.equal((await put(new Uint8Array(999))).status, 400);
    assert.equal((await raw(flint.url, 'PUT', `/api/files/${upload.id}/content`, { token, body: 'x', contentType: 'text/plain' })).status, 415);
    // An attempt that dies mid-stream.
    let sent = 0;
    const dying = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 600) return controller.error(new Error('connection lost'));
        sent += 300;
        controller.enqueue(new Uint8Array(300));
      },
    });
    await assert.rejects(
      fetch(`${flint.url}/api/files/${upload.id}/content`, { method: 'PUT', headers: { authorization: `Bearer ${token!}`, 'content-type': 'application/octet-stream' }, body: dying, duplex: 'half' } as RequestInit),
    );
    // Not attachable before it is complete.
    await assert.rejects(ada.messages.create({ roomId, files: [{ blobId: upload.id, reference: 'x' }] }), (e: FlintError) => e.status === 400);
    assert.equal((await put(new Uint8Array(1000))).status, 200);
    // No temporary or partial files remain once the server has noticed the dead attempt.
    for (let i = 0; i < 50; i++) {
      const leftovers = (await walk(flint.config.blobsDir)).filter((p) => p.endsWith('.tmp') || p.includes('.tmp.'));
      if (leftovers.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
      if (i === 49) assert.deepEqual(leftovers, []);
    }
    // Someone else cannot attach it, nor can it go into another space.
    await assert.rejects(bob.messages.create({ roomId, files: [{ blobId: upload.id, reference: 'x' }] }), (e: FlintError) => e.status === 400);
    const other = (await ada.rooms.create({ title: 'ciphertext:other' })).id;
    await assert.rejects(ada.messages.create({ roomId: other, files: [{ blobId: upload.id, reference: 'x' }] }), (e: FlintError) => e.status === 400);
    await ada.messages.create({ roomId, files: [{ blobId: upload.id, reference: 'x' }] });
    // Once attached the content is fixed.
    assert.equal((await put(new Uint8Array(1000))).status, 409);
  });

  it('no plaintext of a file or its name reaches the blob store or the database', async () => {
    const plain = new TextEncoder().encode(SECRET_TEXT.repeat(5000));
    const { file } = await sendFile(ada, spaceKey, roomId, plain, { name: SECRET_NAME, type: 'application/pdf' });
    const ref: FileReference = file.reference;
    assert.equal(ref.name, SECRET_NAME);
    const needles = [SECRET_TEXT, SECRET_NAME, 'application/pdf'].map((s) => Buffer.from(s));
    // The blob folder, and on SQLite the database files (WAL included), all live under the data folder.
    for (const path of await walk(flint.dataDir)) {
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
  });
});
