/**
 * SPEC FL-1, SEC-1 — the chunked file cipher. Known answers are checked against an independent
 * implementation of the format on node:crypto (and the bytes pinned by hash, so the wire format
 * cannot drift); tamper tests flip, drop, swap, duplicate and truncate chunks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import {
  createFileDecryptor,
  createFileEncryptor,
  decryptFile,
  encryptedFileSize,
  encryptFile,
  FILE_HEADER_BYTES,
  FILE_TAG_BYTES,
  FileCipherError,
  generateFileKey,
  resumePoint,
  digestStream,
} from './file-cipher.ts';
import { createSha256, Sha256 } from './sha256.ts';

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i);
const PREFIX = Uint8Array.from([1, 2, 3, 4, 5, 6, 7]);
const TEXT = new TextEncoder().encode('Flint: files are encrypted in chunks.'); // 37 bytes

/** The format written out plainly on node:crypto: an independent reference for the known answers. */
function referenceEncrypt(key: Uint8Array, prefix: Uint8Array, chunkSize: number, plain: Uint8Array): Buffer {
  const header = Buffer.alloc(16);
  header.write('FLF\x01', 0, 'latin1');
  header.writeUInt32BE(chunkSize, 4);
  Buffer.from(prefix).copy(header, 8);
  const parts: Buffer[] = [header];
  const count = Math.max(1, Math.ceil(plain.length / chunkSize));
  for (let i = 0; i < count; i++) {
    const nonce = Buffer.alloc(12);
    Buffer.from(prefix).copy(nonce, 0);
    nonce.writeUInt32BE(i, 7);
    nonce[11] = i === count - 1 ? 1 : 0;
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(header);
    parts.push(cipher.update(plain.subarray(i * chunkSize, (i + 1) * chunkSize)), cipher.final(), cipher.getAuthTag());
  }
  return Buffer.concat(parts);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('known answers: the bytes equal an independent node:crypto implementation of the format, and are pinned', async () => {
  for (const [plain, chunkSize] of [
    [TEXT, 16],
    [TEXT.subarray(0, 32), 16], // a multiple of the chunk size: the last full chunk is the final one
    [new Uint8Array(0), 16], // empty: one empty final chunk
    [TEXT, 64 * 1024],
  ] as const) {
    const ours = await encryptFile(KEY, plain, { chunkSize, noncePrefix: PREFIX });
    assert.equal(hex(ours), hex(referenceEncrypt(KEY, PREFIX, chunkSize, plain)));
    assert.equal(ours.length, encryptedFileSize(plain.length, chunkSize));
    assert.deepEqual(await decryptFile(KEY, ours), plain);
  }
  const pinned = await encryptFile(KEY, TEXT, { chunkSize: 16, noncePrefix: PREFIX });
  assert.equal(pinned.length, FILE_HEADER_BYTES + 37 + 3 * FILE_TAG_BYTES);
  assert.equal(createHash('sha256').update(pinned).digest('hex'), PINNED_SHA256);
});
const PINNED_SHA256 = '9e85902a60a5b63c70141ed14f0e32183dc60638f4ca35f41c46735c231c8d72';

test('the incremental SHA-256 agrees with node:crypto across block boundaries and odd splits', () => {
  for (const size of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
    const data = randomBytes(size);
    const h = new Sha256();
    for (let i = 0; i < size; i += 37) h.update(data.subarray(i, i + 37));
    assert.equal(hex(h.digest()), createHash('sha256').update(data).digest('hex'), `size ${size}`);
  }
});

test('the file cipher’s hash is OpenSSL’s in Node and gives the same digests as the JS one browsers use', () => {
  assert.ok(!(createSha256() instanceof Sha256), 'Node 20.16+ reaches node:crypto without importing it');
  for (const size of [0, 1, 64, 65, 100_003]) {
    const data = randomBytes(size);
    const native = createSha256();
    const js = new Sha256();
    for (let i = 0; i < size; i += 4099) {
      native.update(data.subarray(i, i + 4099));
      js.update(data.subarray(i, i + 4099));
    }
    assert.deepEqual(native.digest(), js.digest(), `size ${size}`);
  }
});

test('streaming: odd input splits give the same plaintext and the plaintext’s SHA-256', async () => {
  const key = generateFileKey();
  const plain = randomBytes(300_001);
  const enc = createFileEncryptor(key, { chunkSize: 4096 });
  const writer = enc.stream.writable.getWriter();
  const reading = new Response(enc.stream.readable).arrayBuffer();
  for (let i = 0; i < plain.length; i += 7777) await writer.write(plain.subarray(i, i + 7777));
  await writer.close();
  const cipher = new Uint8Array(await reading);
  const digest = await enc.result;
  assert.equal(digest.size, plain.length);
  assert.equal(hex(digest.sha256), createHash('sha256').update(plain).digest('hex'));
  assert.equal(cipher.length, encryptedFileSize(plain.length, 4096));
  const out = await decryptFile(key, cipher, { expectedSha256: digest.sha256, expectedSize: plain.length });
  assert.ok(Buffer.from(out).equals(plain));
});

test('tampering is detected: a flipped byte, a dropped, swapped or duplicated chunk, truncation, a wrong key or hash', async () => {
  const key = generateFileKey();
  const chunk = 1024;
  const plain = randomBytes(chunk * 4 + 100); // 5 chunks
  const cipher = Buffer.from(await encryptFile(key, plain, { chunkSize: chunk }));
  const sealed = chunk + FILE_TAG_BYTES;
  const header = cipher.subarray(0, FILE_HEADER_BYTES);
  const chunks = Array.from({ length: 5 }, (_, i) => cipher.subarray(FILE_HEADER_BYTES + i * sealed, FILE_HEADER_BYTES + (i + 1) * sealed));
  const rejects = (data: Uint8Array, why: string, k = key, options = {}) => assert.rejects(decryptFile(k, data, options), FileCipherError, why);

  for (const at of [0, 5, FILE_HEADER_BYTES, FILE_HEADER_BYTES + sealed + 10, cipher.length - 1]) {
    const flipped = Buffer.from(cipher);
    flipped[at]! ^= 0x01;
    await rejects(flipped, `flip at ${at}`);
  }
  await rejects(Buffer.concat([header, chunks[0]!, chunks[2]!, chunks[3]!, chunks[4]!]), 'dropped chunk');
  await rejects(Buffer.concat([header, chunks[1]!, chunks[0]!, chunks[2]!, chunks[3]!, chunks[4]!]), 'swapped chunks');
  await rejects(Buffer.concat([header, chunks[0]!, chunks[0]!, chunks[1]!, chunks[2]!, chunks[3]!, chunks[4]!]), 'duplicated chunk');
  await rejects(Buffer.concat([header, ...chunks.slice(0, 4)]), 'truncated at a chunk boundary (final chunk dropped)');
  await rejects(cipher.subarray(0, cipher.length - 5), 'truncated mid-chunk');
  await rejects(cipher.subarray(0, FILE_HEADER_BYTES + 3), 'header only');
  await rejects(cipher.subarray(0, 10), 'partial header');
  await rejects(cipher, 'wrong key', generateFileKey());
  await rejects(cipher, 'another file’s hash', key, { expectedSha256: new Uint8Array(32) });
  await rejects(cipher, 'another size', key, { expectedSize: plain.length - 1 });
  // The untouched file still opens.
  assert.ok(Buffer.from(await decryptFile(key, cipher)).equals(plain));
});

test('a failed stream also rejects its result, and a reader sees the error', async () => {
  const dec = createFileDecryptor(generateFileKey());
  const out = new Response(new Blob([new Uint8Array(40)]).stream().pipeThrough(dec.stream)).arrayBuffer();
  await assert.rejects(out);
  await assert.rejects(dec.result, FileCipherError);
});

test('FL-1: a resumed encryption (same key and prefix, from any ciphertext offset) continues the exact same bytes', async () => {
  const chunkSize = 64;
  const plain = new Uint8Array(randomBytes(64 * 5 + 17));
  const whole = await encryptFile(KEY, plain, { chunkSize, noncePrefix: PREFIX });
  for (const offset of [0, 5, 16, 17, 16 + 80, 16 + 80 * 2 + 3, whole.length - 1]) {
    const point = resumePoint(offset, chunkSize);
    assert.ok(point.cipherOffset <= offset && point.plainOffset % chunkSize === 0);
    const rest = await new Response(
      new Blob([plain.subarray(point.plainOffset)]).stream().pipeThrough(createFileEncryptor(KEY, { chunkSize, noncePrefix: PREFIX, startChunk: point.chunk }).stream),
    ).arrayBuffer();
    assert.ok(Buffer.from(rest).subarray(offset - point.cipherOffset).equals(Buffer.from(whole).subarray(offset)), `offset ${offset}`);
  }
  const digest = await digestStream(new Blob([plain]).stream());
  assert.equal(digest.size, plain.length);
  assert.equal(Buffer.from(digest.sha256).toString('hex'), createHash('sha256').update(plain).digest('hex'));
  assert.throws(() => createFileEncryptor(KEY, { startChunk: -1 }), FileCipherError);
});
