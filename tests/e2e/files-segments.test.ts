/**
 * SPEC FL-1: the SDK's transfers as the web app uses them, on the local folder and on S3. Up in
 * segments (`segmentBytes`: one buffered request per 8 MiB, for browsers that cannot stream a
 * request body), one of them cut mid-way: the upload goes on from what the core stored and every
 * request stays within a segment. Down, the connection cut mid-body: the SDK asks for the rest with
 * `Range` and the plaintext comes out whole and verified.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { encryptedFileSize } from '@flint/crypto';
import type { FetchLike, FlintClient } from '@flint/sdk';
import { downloadFile, uploadFile, type SpaceKey } from '@flint/sdk/testing/files';
import { startFlint, startS3, type TestFlint, type TestS3 } from '@flint/testkit';

const MiB = 1024 * 1024;
const SEGMENT = 8 * MiB;

/** A body that gives its first `n` bytes, then fails as a dropped connection does. */
function cutAfter(body: ReadableStream<Uint8Array>, n: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (sent + chunk.length > n) {
          controller.enqueue(chunk.subarray(0, n - sent));
          sent = n;
          controller.error(new TypeError('connection reset'));
          return;
        }
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
}

for (const storage of ['local', 's3'] as const) {
  describe(`files in segments, resumed (${storage === 'local' ? 'local folder' : 'S3 (s3rver)'})`, () => {
    let s3: TestS3 | undefined;
    let flint: TestFlint;
    let ada: FlintClient;
    let roomId: string;
    const spaceKey: SpaceKey = { uri: 'kms://kms.example/keys/segments-1', key: new Uint8Array(randomBytes(32)) };

    before(async () => {
      if (storage === 's3') s3 = await startS3();
      flint = await startFlint(s3 !== undefined ? { env: s3.env } : {});
      ada = await flint.signup({ email: 'ada@segments.example' });
      roomId = (await ada.rooms.create({ title: 'ciphertext:segments', encryptionKeyUrl: spaceKey.uri })).id;
    });
    after(async () => {
      await flint.stop();
      await s3?.stop();
    });

    it('FL-1: up in 8 MiB requests with one cut mid-request, down with one cut mid-body; identical', async () => {
      const size = 20 * MiB + 12345;
      const plain = new Uint8Array(randomBytes(size));
      const ranges: string[] = [];
      let puts = 0;
      const upFetch: FetchLike = async (url, init) => {
        if (init.method !== 'PUT') return fetch(url, init);
        ranges.push(new Headers(init.headers).get('content-range') ?? '');
        // The second segment dies 3 MiB in: the core keeps what arrived (the local folder) or
        // only whole parts (S3), and says so.
        if (++puts === 2 && init.body instanceof Blob) return fetch(url, { ...init, body: cutAfter(init.body.stream(), 3 * MiB), duplex: 'half' } as RequestInit);
        return fetch(url, init);
      };
      const progress: number[] = [];
      const { reference } = await uploadFile(ada, spaceKey, roomId, plain, {
        name: 'survey.bin',
        type: 'application/octet-stream',
        segmentBytes: SEGMENT,
        fetch: upFetch,
        onProgress: (sent) => progress.push(sent),
      });
      const total = encryptedFileSize(size);
      const spans = ranges.map((r) => /^bytes (\d+)-(\d+)\/(\d+)$/.exec(r)!).map((m) => ({ start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) }));
      assert.ok(spans.every((s) => s.end - s.start + 1 <= SEGMENT && s.total === total), `ranges: ${ranges.join(', ')}`);
      assert.ok(spans.length >= 4, `a retried segment: ${ranges.join(', ')}`);
      // The request after the cut starts where the core said it had stored up to.
      const resumed = spans[2]!.start;
      assert.ok(resumed >= SEGMENT && resumed <= SEGMENT + 3 * MiB, `resumed at ${resumed}`);
      if (storage === 's3') assert.equal(resumed, SEGMENT, 'S3 keeps whole parts only');
      assert.equal(progress.at(-1), total);

      // Down: the first response dies 5 MiB in; the rest comes by Range.
      const gets: (string | null)[] = [];
      let cut = false;
      const downFetch: FetchLike = async (url, init) => {
        gets.push(new Headers(init.headers).get('range'));
        const response = await fetch(url, init);
        if (cut || response.body === null) return response;
        cut = true;
        return new Response(cutAfter(response.body, 5 * MiB), { status: response.status, headers: response.headers });
      };
      const received: number[] = [];
      const download = await downloadFile(ada, reference, { fetch: downFetch, onProgress: (n) => received.push(n) });
      const back = Buffer.from(await new Response(download.stream).arrayBuffer());
      await download.verified;
      assert.deepEqual(gets, [null, `bytes=${5 * MiB}-`]);
      assert.equal(received.at(-1), total);
      assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(plain).digest('hex'));
    });

    it('FL-1: a download that cannot reconnect gives up after its attempts with the error; a cancelled one stops', async () => {
      const plain = new Uint8Array(randomBytes(3 * MiB));
      const { reference } = await uploadFile(ada, spaceKey, roomId, plain, { name: 'small.bin', type: 'application/octet-stream', segmentBytes: SEGMENT });
      // The first answer breaks off; every later connection is refused (the server is gone).
      let calls = 0;
      const failing: FetchLike = async (url, init) => {
        if (++calls > 1) throw new TypeError('connection refused');
        const response = await fetch(url, init);
        return new Response(cutAfter(response.body!, 100_000), { status: response.status, headers: response.headers });
      };
      const download = await downloadFile(ada, reference, { fetch: failing, attempts: 3 });
      await assert.rejects(new Response(download.stream).arrayBuffer(), /connection refused/);
      assert.equal(calls, 3, 'the first request and two more tries');
      await assert.rejects(download.verified);

      const controller = new AbortController();
      const slow = await downloadFile(ada, reference, { signal: controller.signal });
      const reader = slow.stream.getReader();
      await reader.read();
      controller.abort();
      await assert.rejects(async () => {
        for (let r = await reader.read(); !r.done; r = await reader.read());
      });
    });
  });
}
