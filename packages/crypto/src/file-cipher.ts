/**
 * File encryption for attachments (SPEC FL-1, SEC-1): a random 256-bit key per file and the file
 * encrypted in fixed-size chunks with AES-256-GCM, as a Web Streams `TransformStream`, so a
 * multi-gigabyte file never sits whole in memory on either side.
 *
 * Format (all integers big-endian):
 *
 *     header   = "FLF" 0x01 | chunkSize u32 | noncePrefix 7 bytes | 0x00        (16 bytes)
 *     chunk i  = AES-256-GCM(key, nonce = noncePrefix | i u32 | last u8, aad = header, plaintext_i)
 *
 * Every chunk but the last holds exactly `chunkSize` plaintext bytes; the last holds 0…chunkSize
 * and is the only one sealed with the last flag set (the STREAM construction of Hoang, Reyhanitabar,
 * Rogaway and Vizár). Binding the index and the flag into the nonce means a dropped, reordered,
 * duplicated or truncated chunk fails to decrypt, and binding the header as AAD means the chunk
 * size and prefix cannot be changed. An empty file is one empty, final chunk, so even "nothing"
 * is authenticated. The key is used for one file only; the random prefix is defence in depth.
 *
 * A decrypted chunk is released only after its tag verifies, but a stream cut at a chunk boundary
 * is detected at the end: treat the plaintext as untrusted until the stream closes without error.
 * @module
 */
import { createSha256 } from './sha256.ts';
import { nodeBuiltin } from './node-builtin.ts';

export const FILE_CHUNK_BYTES = 64 * 1024;
export const FILE_KEY_BYTES = 32;
export const FILE_HEADER_BYTES = 16;
export const FILE_TAG_BYTES = 16;
/** Bounds on a header's chunk size, so a hostile header cannot make a reader buffer gigabytes. */
const MIN_CHUNK = 16;
const MAX_CHUNK = 16 * 1024 * 1024;
const MAGIC = [0x46, 0x4c, 0x46, 0x01]; // "FLF" v1
const MAX_CHUNKS = 0xffffffff;

/** Any failure to open a file: tampered, truncated, reordered, wrong key, or not the expected file. */
export class FileCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileCipherError';
  }
}

export interface FileDigest {
  /** SHA-256 of the plaintext. */
  sha256: Uint8Array;
  /** Plaintext bytes. */
  size: number;
}

export interface FileCipher<R> {
  stream: TransformStream<Uint8Array, Uint8Array>;
  /** Settles when the stream ends: the plaintext's digest, or the error that broke the stream. */
  result: Promise<R>;
}

export function generateFileKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(FILE_KEY_BYTES));
}

/** The ciphertext's exact length for a plaintext of `size` bytes (used to reserve quota up front). */
export function encryptedFileSize(size: number, chunkSize = FILE_CHUNK_BYTES): number {
  const chunks = Math.max(1, Math.ceil(size / chunkSize));
  return FILE_HEADER_BYTES + size + chunks * FILE_TAG_BYTES;
}

/** A FIFO of byte arrays that hands out exact-length pieces, copying only when a piece spans inputs. */
class ByteQueue {
  private parts: Uint8Array[] = [];
  length = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  take(n: number): Uint8Array {
    if (n > this.length) throw new RangeError('ByteQueue: not enough bytes');
    const first = this.parts[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
      this.length -= n;
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const part = this.parts[0]!;
      const use = Math.min(part.length, n - filled);
      out.set(part.subarray(0, use), filled);
      filled += use;
      if (use === part.length) this.parts.shift();
      else this.parts[0] = part.subarray(use);
    }
    this.length -= n;
    return out;
  }
}

function makeHeader(chunkSize: number, noncePrefix: Uint8Array): Uint8Array {
  const header = new Uint8Array(FILE_HEADER_BYTES);
  header.set(MAGIC, 0);
  new DataView(header.buffer).setUint32(4, chunkSize);
  header.set(noncePrefix, 8);
  return header;
}

function nonceFor(header: Uint8Array, index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(12);
  nonce.set(header.subarray(8, 15), 0);
  new DataView(nonce.buffer).setUint32(7, index);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

function checkFileKey(key: Uint8Array): void {
  if (key.length !== FILE_KEY_BYTES) throw new FileCipherError('A file key is 32 bytes.');
}

async function importFileKey(key: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  checkFileKey(key);
  return crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, [usage]);
}

/**
 * node:crypto's AES-GCM, in Node: the same chunks as WebCrypto's (same nonce, additional data and
 * tag), sealed inline rather than as an asynchronous job per chunk, with one copy fewer (WebCrypto
 * copies the input and the output).
 */
interface NodeGcm {
  createCipheriv(algorithm: 'aes-256-gcm', key: Uint8Array, iv: Uint8Array, options: { authTagLength: 16 }): { setAAD(aad: Uint8Array): unknown; update(data: Uint8Array): Uint8Array; final(): Uint8Array; getAuthTag(): Uint8Array };
  createDecipheriv(algorithm: 'aes-256-gcm', key: Uint8Array, iv: Uint8Array, options: { authTagLength: 16 }): { setAAD(aad: Uint8Array): unknown; setAuthTag(tag: Uint8Array): unknown; update(data: Uint8Array): Uint8Array; final(): Uint8Array };
}
const nodeGcm = nodeBuiltin<NodeGcm>('node:crypto');

/** The chunk's ciphertext and tag in one array (one copy: a separate 16-byte tag would be a write of its own downstream). */
function nodeSeal(node: NodeGcm, key: Uint8Array, header: Uint8Array, index: number, last: boolean, plain: Uint8Array): Uint8Array {
  const cipher = node.createCipheriv('aes-256-gcm', key, nonceFor(header, index, last), { authTagLength: 16 });
  cipher.setAAD(header);
  const out = new Uint8Array(plain.length + FILE_TAG_BYTES);
  const body = cipher.update(plain);
  out.set(body);
  // GCM is a stream mode: final() adds no bytes, only the tag.
  const rest = cipher.final();
  out.set(rest, body.length);
  out.set(cipher.getAuthTag(), body.length + rest.length);
  return out;
}

/** Throws unless the tag verifies; nothing of the chunk is released before that. */
function nodeOpen(node: NodeGcm, key: Uint8Array, header: Uint8Array, index: number, last: boolean, sealed: Uint8Array): Uint8Array {
  if (sealed.length < FILE_TAG_BYTES) throw new FileCipherError('chunk shorter than its tag');
  const decipher = node.createDecipheriv('aes-256-gcm', key, nonceFor(header, index, last), { authTagLength: 16 });
  decipher.setAAD(header);
  decipher.setAuthTag(sealed.subarray(sealed.length - FILE_TAG_BYTES));
  const body = decipher.update(sealed.subarray(0, sealed.length - FILE_TAG_BYTES));
  const rest = decipher.final();
  if (rest.length === 0) return body;
  const out = new Uint8Array(body.length + rest.length);
  out.set(body);
  out.set(rest, body.length);
  return out;
}

function gcm(header: Uint8Array, index: number, last: boolean): AesGcmParams {
  return { name: 'AES-GCM', iv: nonceFor(header, index, last) as Uint8Array<ArrayBuffer>, additionalData: header as Uint8Array<ArrayBuffer>, tagLength: 128 };
}

/** Settles a promise from outside, for the `result` beside a stream. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The stream's reader sees the error too; an unobserved `result` must not crash the process.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export interface EncryptOptions {
  chunkSize?: number;
  /**
   * Random by default. A resumed upload passes the first attempt's prefix (with the same key), so
   * the ciphertext is byte for byte the same and can continue where the stored part ends.
   */
  noncePrefix?: Uint8Array;
  /**
   * Resume: the plaintext fed starts at chunk `startChunk` (byte `startChunk × chunkSize`); the
   * output starts at that chunk's ciphertext, without the header. The digest covers only what is fed.
   */
  startChunk?: number;
}

/** Where a resumed encryption starts for a ciphertext `offset`: the chunk, its plaintext and ciphertext offsets. */
export function resumePoint(offset: number, chunkSize = FILE_CHUNK_BYTES): { chunk: number; plainOffset: number; cipherOffset: number } {
  if (offset < FILE_HEADER_BYTES) return { chunk: 0, plainOffset: 0, cipherOffset: 0 };
  const chunk = Math.floor((offset - FILE_HEADER_BYTES) / (chunkSize + FILE_TAG_BYTES));
  return { chunk, plainOffset: chunk * chunkSize, cipherOffset: chunk === 0 ? 0 : FILE_HEADER_BYTES + chunk * (chunkSize + FILE_TAG_BYTES) };
}

/** The SHA-256 and size of a plaintext stream (a resumed upload hashes its whole source this way). */
export async function digestStream(stream: ReadableStream<Uint8Array>): Promise<FileDigest> {
  const hash = createSha256();
  let size = 0;
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    hash.update(r.value);
    size += r.value.length;
  }
  return { sha256: hash.digest(), size };
}

/** Plaintext in, ciphertext (header + chunks) out; `result` gives the plaintext's SHA-256 and size. */
export function createFileEncryptor(key: Uint8Array, options: EncryptOptions = {}): FileCipher<FileDigest> {
  const chunkSize = options.chunkSize ?? FILE_CHUNK_BYTES;
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) throw new FileCipherError('chunk size out of range');
  const prefix = options.noncePrefix ?? crypto.getRandomValues(new Uint8Array(7));
  if (prefix.length !== 7) throw new FileCipherError('The nonce prefix is 7 bytes.');
  const header = makeHeader(chunkSize, prefix);
  const startChunk = options.startChunk ?? 0;
  if (!Number.isInteger(startChunk) || startChunk < 0 || startChunk >= MAX_CHUNKS) throw new FileCipherError('start chunk out of range');
  const queue = new ByteQueue();
  const hash = createSha256();
  const done = deferred<FileDigest>();
  let cryptoKey: CryptoKey | undefined;
  let index = startChunk;
  let size = 0;

  const seal = async (plain: Uint8Array, last: boolean): Promise<Uint8Array> => {
    if (index >= MAX_CHUNKS) throw new FileCipherError('file too large for its chunk size');
    const sealed = nodeGcm !== undefined ? nodeSeal(nodeGcm, key, header, index, last, plain) : new Uint8Array(await crypto.subtle.encrypt(gcm(header, index, last), cryptoKey!, plain as Uint8Array<ArrayBuffer>));
    index++;
    return sealed;
  };

  const stream = new TransformStream<Uint8Array, Uint8Array>({
    async start(controller) {
      if (nodeGcm === undefined) cryptoKey = await importFileKey(key, 'encrypt');
      else checkFileKey(key);
      if (startChunk === 0) controller.enqueue(header.slice());
    },
    async transform(chunk, controller) {
      try {
        hash.update(chunk);
        size += chunk.length;
        queue.push(chunk);
        // Hold back a full chunk until more follows: only the end of input tells which chunk is last.
        while (queue.length > chunkSize) controller.enqueue(await seal(queue.take(chunkSize), false));
      } catch (error) {
        done.reject(error);
        throw error;
      }
    },
    async flush(controller) {
      try {
        controller.enqueue(await seal(queue.take(queue.length), true));
        done.resolve({ sha256: hash.digest(), size });
      } catch (error) {
        done.reject(error);
        throw error;
      }
    },
  });
  return { stream, result: done.promise };
}

export interface DecryptOptions {
  /** When given, a plaintext of another size or hash fails the stream at its end. */
  expectedSha256?: Uint8Array;
  expectedSize?: number;
}

/** Ciphertext in, plaintext out; any tampering, truncation or reordering errors the stream. */
export function createFileDecryptor(key: Uint8Array, options: DecryptOptions = {}): FileCipher<FileDigest> {
  const queue = new ByteQueue();
  const hash = createSha256();
  const done = deferred<FileDigest>();
  let cryptoKey: CryptoKey | undefined;
  let header: Uint8Array | undefined;
  let chunkSize = 0;
  let index = 0;
  let size = 0;

  const readHeader = (): void => {
    const h = queue.take(FILE_HEADER_BYTES).slice();
    if (h[0] !== MAGIC[0] || h[1] !== MAGIC[1] || h[2] !== MAGIC[2] || h[3] !== MAGIC[3] || h[15] !== 0) throw new FileCipherError('not a Flint encrypted file (bad header)');
    chunkSize = new DataView(h.buffer).getUint32(4);
    if (chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) throw new FileCipherError('bad chunk size in header');
    header = h;
  };

  const open = async (sealed: Uint8Array, last: boolean): Promise<Uint8Array> => {
    if (header === undefined) throw new FileCipherError('truncated file (no header)');
    let plain: Uint8Array;
    try {
      plain = nodeGcm !== undefined ? nodeOpen(nodeGcm, key, header, index, last, sealed) : new Uint8Array(await crypto.subtle.decrypt(gcm(header, index, last), cryptoKey!, sealed as Uint8Array<ArrayBuffer>));
    } catch {
      throw new FileCipherError(`chunk ${index} does not authenticate (tampered, reordered, truncated, or the wrong key)`);
    }
    index++;
    hash.update(plain);
    size += plain.length;
    return plain;
  };

  const stream = new TransformStream<Uint8Array, Uint8Array>({
    async start() {
      if (nodeGcm === undefined) cryptoKey = await importFileKey(key, 'decrypt');
      else checkFileKey(key);
    },
    async transform(chunk, controller) {
      try {
        queue.push(chunk);
        if (header === undefined && queue.length >= FILE_HEADER_BYTES) readHeader();
        if (header === undefined) return;
        while (queue.length > chunkSize + FILE_TAG_BYTES) controller.enqueue(await open(queue.take(chunkSize + FILE_TAG_BYTES), false));
      } catch (error) {
        done.reject(error);
        throw error;
      }
    },
    async flush(controller) {
      try {
        if (header === undefined) throw new FileCipherError('truncated file (no header)');
        if (queue.length < FILE_TAG_BYTES) throw new FileCipherError('truncated file (no final chunk)');
        controller.enqueue(await open(queue.take(queue.length), true));
        const sha256 = hash.digest();
        if (options.expectedSize !== undefined && size !== options.expectedSize) throw new FileCipherError('the file is not the size its reference says');
        if (options.expectedSha256 !== undefined && !equalBytes(sha256, options.expectedSha256)) throw new FileCipherError('the file does not match its reference’s SHA-256');
        done.resolve({ sha256, size });
      } catch (error) {
        done.reject(error);
        throw error;
      }
    },
  });
  return { stream, result: done.promise };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

async function runThrough(cipher: FileCipher<FileDigest>, data: Uint8Array): Promise<Uint8Array> {
  const out = new Response(new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(cipher.stream)).arrayBuffer();
  const [bytes] = await Promise.all([out, cipher.result]);
  return new Uint8Array(bytes);
}

/** Whole-buffer convenience for small files (thumbnails, tests); large files use the streams. */
export async function encryptFile(key: Uint8Array, data: Uint8Array, options: EncryptOptions = {}): Promise<Uint8Array> {
  return runThrough(createFileEncryptor(key, options), data);
}

export async function decryptFile(key: Uint8Array, data: Uint8Array, options: DecryptOptions = {}): Promise<Uint8Array> {
  return runThrough(createFileDecryptor(key, options), data);
}
