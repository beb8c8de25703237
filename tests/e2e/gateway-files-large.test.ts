/**
 * SPEC FL-1, PL-2 — a large file through the Webex-compatible gateway: `POST /v1/messages` with a
 * multipart `files` part goes up, `GET /v1/contents/{id}` brings it back byte-identical, and the
 * gateway's memory stays flat both ways (the part streams through the SDK's chunked encryption to
 * the core, the download streams back through decryption). The gateway is `flint gateway serve` in
 * its own process in front of `flint serve`, so its peak RSS (Linux VmHWM, reset just before) is
 * its own; the file is generated on the fly (AES-CTR keystream) and hashed as it goes, never stored.
 * A bound, not a timing: the MB/s are reported, never asserted.
 *
 * Runs once in CI, on the SQLite pass, like files-large.test.ts: skipped when FLINT_TEST_DATABASE_URL
 * is set or FLINT_TEST_SKIP_LARGE_FILE=1. FLINT_TEST_GATEWAY_FILE_BYTES sets the size (default 512 MiB).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession } from '@flint/sdk';
import { freePort, processMemory, resetPeakMemory, spawnFlint, spawnGateway, TEST_PASSWORD, type FlintProcess } from '@flint/testkit';

const BYTES = Number(process.env['FLINT_TEST_GATEWAY_FILE_BYTES'] ?? 512 * 1024 ** 2);
/** Well below the file: a few chunks in flight per direction, plus the runtime's own slack. */
const BOUND_MIB = 128;
const MiB = 1024 * 1024;
const skip = process.env['FLINT_TEST_DATABASE_URL'] !== undefined || process.env['FLINT_TEST_SKIP_LARGE_FILE'] === '1';

async function json(res: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return JSON.parse(text) as Record<string, unknown>;
}

describe('FL-1, PL-2: a large file through the /v1 gateway, in its own process', { skip }, () => {
  let dir: string;
  let core: FlintProcess;
  let gateway: FlintProcess;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-gw-large-'));
    core = await spawnFlint(await freePort(), { FLINT_LOG_LEVEL: 'warn' }, ['--data', dir]);
    gateway = await spawnGateway(await freePort(), core.url);
  });
  after(async () => {
    await gateway?.stop();
    await core?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(`FL-1: ${(BYTES / MiB).toFixed(0)} MiB up by multipart and back by GET /v1/contents byte-identical; the gateway's RSS grows by less than ${BOUND_MIB} MiB`, { timeout: 10 * 60_000 }, async (t) => {
    const ada = createSession({ baseUrl: core.url }).api;
    await ada.auth.signup({ email: 'ada@gw-large.example', password: TEST_PASSWORD, displayName: 'Ada' });
    const token = ada.transport.accessToken!;
    const auth = { authorization: `Bearer ${token}` };
    const roomRes = await fetch(`${gateway.url}/v1/rooms`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Large files' }) });
    assert.equal(roomRes.status, 200);
    const roomId = ((await roomRes.json()) as { id: string }).id;

    const boundary = `flint-${randomBytes(12).toString('hex')}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="roomId"\r\n\r\n${roomId}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="text"\r\nContent-Type: text/plain\r\n\r\nThe large one\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="large.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);

    const pid = gateway.child.pid!;
    const before = { gateway: await processMemory(pid), core: await processMemory(core.child.pid!) };
    await resetPeakMemory(pid);
    await resetPeakMemory(core.child.pid!);

    // Up: the file is an AES-CTR keystream (incompressible), made and hashed as it is sent.
    const sent = createHash('sha256');
    const keystream = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
    const zeros = Buffer.alloc(MiB);
    const upStart = performance.now();
    const post = request(`${gateway.url}/v1/messages`, { method: 'POST', headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + BYTES + tail.length) } });
    const answered = once(post, 'response') as Promise<[IncomingMessage]>;
    post.write(head);
    for (let left = BYTES; left > 0; left -= MiB) {
      const chunk = keystream.update(left >= MiB ? zeros : zeros.subarray(0, left));
      sent.update(chunk);
      if (!post.write(chunk)) await Promise.race([once(post, 'drain'), answered]);
    }
    post.end(tail);
    const [res] = await answered;
    const message = await json(res);
    const upMs = performance.now() - upStart;
    assert.equal(res.statusCode, 200, JSON.stringify(message));
    assert.equal(message['text'], 'The large one');
    const [contentUrl] = message['files'] as string[];
    assert.ok(contentUrl !== undefined && contentUrl.startsWith(`${gateway.url}/v1/contents/`), contentUrl);

    // Down: decrypted by the gateway as it streams; hashed here as it arrives.
    const downStart = performance.now();
    const got = await new Promise<IncomingMessage>((resolve, reject) => request(contentUrl, { headers: auth }, resolve).on('error', reject).end());
    assert.equal(got.statusCode, 200);
    assert.equal(got.headers['content-length'], String(BYTES));
    assert.match(String(got.headers['content-disposition']), /filename="large\.bin"/);
    const received = createHash('sha256');
    let receivedBytes = 0;
    for await (const chunk of got as AsyncIterable<Buffer>) {
      received.update(chunk);
      receivedBytes += chunk.length;
    }
    const downMs = performance.now() - downStart;

    const afterMem = { gateway: await processMemory(pid), core: await processMemory(core.child.pid!) };
    const gatewayGrowth = (afterMem.gateway.hwm - before.gateway.rss) / MiB;
    const coreGrowth = (afterMem.core.hwm - before.core.rss) / MiB;
    t.diagnostic(
      `${(BYTES / MiB).toFixed(0)} MiB via /v1: upload ${(BYTES / 1e6 / (upMs / 1000)).toFixed(1)} MB/s, download ${(BYTES / 1e6 / (downMs / 1000)).toFixed(1)} MB/s; ` +
        `peak RSS growth: gateway ${gatewayGrowth.toFixed(1)} MiB (from ${(before.gateway.rss / MiB).toFixed(0)} to peak ${(afterMem.gateway.hwm / MiB).toFixed(0)} MiB), ` +
        `core ${coreGrowth.toFixed(1)} MiB (peak ${(afterMem.core.hwm / MiB).toFixed(0)} MiB)`,
    );
    assert.equal(receivedBytes, BYTES);
    assert.equal(received.digest('hex'), sent.digest('hex'), 'the file came back byte-identical');
    assert.ok(gatewayGrowth < BOUND_MIB, `the gateway's RSS grew by ${gatewayGrowth.toFixed(1)} MiB for a ${(BYTES / MiB).toFixed(0)} MiB file`);
  });
});
