/**
 * Uploading a file (SPEC FL-1, SEC-1): encrypted on the fly in chunks under a fresh key and streamed
 * up, so neither side ever holds the whole file; the answer is what a message needs to carry it.
 *
 * Resumable: when the connection drops, the client asks the core how much it stored
 * (`files.getUpload` → `received`) and sends the rest from there. The ciphertext of a resumed
 * attempt is the same bytes (same key and nonce prefix; encryption restarts at the chunk holding
 * `received`), so the stored prefix and the new part join up. That needs a source that can be read
 * again from an offset (a Blob or a Uint8Array); a ReadableStream gets one attempt.
 * @module
 */
import { createFileEncryptor, digestStream, encryptedFileSize, generateFileKey, resumePoint, type FileDigest } from '@flint/crypto';
import { files } from '@flint/protocol';
import type { FlintClient } from '../client.ts';
import { FlintError } from '../errors.ts';
import type { FetchLike } from '../transport.ts';
import { fileFetch } from './http.ts';
import { sealReference, type FileReference, type Preview, type SpaceKey } from './reference.ts';
import type { PreviewMaker } from '../previews/preview.ts';

export type UploadSource = ReadableStream<Uint8Array> | Blob | Uint8Array;

export interface UploadOptions {
  name: string;
  type: string;
  /** Plaintext bytes; required for a ReadableStream (the core reserves quota for the exact size up front). */
  size?: number;
  /**
   * Attempts for re-readable sources (Blob, Uint8Array), each resuming where the last one stopped
   * (default 5); a stream gets one. Counted since the core last acknowledged new bytes, so a long
   * upload may get past any number of drops as long as each attempt makes progress.
   */
  attempts?: number;
  /**
   * Sends the ciphertext in requests of this many bytes each (a multiple of 8 MiB keeps S3's
   * multipart parts whole; at least 5 MiB), each buffered whole, instead of one streamed request.
   * For clients whose fetch cannot stream a request body — a browser over HTTP/1.1 — so that the
   * upload still holds one segment at a time, not the file. Each answer says what the core stored,
   * and the next request goes on from there.
   */
  segmentBytes?: number;
  fetch?: FetchLike;
  /** Cancels the upload. */
  signal?: AbortSignal;
  /** Called as ciphertext goes out: bytes the core has (at the start of an attempt) or that were sent since. */
  onProgress?: (sentBytes: number, totalBytes: number) => void;
  /** An encrypted preview to attach (from `uploadPreview`); its key travels in the file's reference. */
  preview?: UploadedPreview;
  /**
   * Makes the preview here, on the client (SPEC FL-2), for a Blob or Uint8Array source of a type it
   * knows (`@flint/sdk/previews/browser` or `/node`). A preview that fails is left out: the file is
   * sent anyway, and `previewError` says why.
   */
  previewMaker?: PreviewMaker;
}

export interface UploadedFile {
  /** What `messages.create` takes in `files`. */
  attachment: files.MessageFile;
  /** The key the reference is sealed with (the message's `encryptionKeyUrl`). */
  encryptionKeyUrl: string;
  /** The opened reference, for the uploader's own use. */
  reference: FileReference;
  /** Why `previewMaker` made no preview, when it failed. */
  previewError?: Error;
}

/** A preview uploaded as its own encrypted blob: its id and what opens it (kept in the file's reference). */
export interface UploadedPreview {
  blobId: string;
  preview: Preview;
}

function sizeOf(source: UploadSource, declared: number | undefined): number {
  if (source instanceof Uint8Array) return source.length;
  if (source instanceof Blob) return source.size;
  if (declared === undefined) throw new TypeError('uploadFile: give options.size for a stream');
  return declared;
}

/** The source from plaintext byte `from` (only re-readable sources can start later than 0). */
function streamFrom(source: UploadSource, from: number): ReadableStream<Uint8Array> {
  if (source instanceof Uint8Array) return new Blob([source.subarray(from) as Uint8Array<ArrayBuffer>]).stream();
  if (source instanceof Blob) return source.slice(from).stream();
  return source;
}

/** Drops the first `n` bytes of a stream, counting what passes for progress. */
function skipAndCount(n: number, onBytes: (bytes: number) => void): TransformStream<Uint8Array, Uint8Array> {
  let left = n;
  return new TransformStream({
    transform(chunk, controller) {
      if (left >= chunk.length) {
        left -= chunk.length;
        return;
      }
      const out = left > 0 ? chunk.subarray(left) : chunk;
      left = 0;
      onBytes(out.length);
      controller.enqueue(out);
    },
  });
}

/** A failure another attempt may get past: the connection, the server, or a resume offset gone stale. */
function retriable(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted === true) return false;
  return error instanceof FlintError && (error.kind === 'network' || error.status >= 500 || error.status === 409 || (error.status === 400 && /resume/i.test(error.message)));
}

/** Takes exactly `n` bytes off the front of a list of arrays, as a Blob of them (no copy here). */
function takeBlob(parts: Uint8Array[], n: number): Blob {
  const out: Uint8Array[] = [];
  let filled = 0;
  while (filled < n) {
    const head = parts[0]!;
    const use = Math.min(head.length, n - filled);
    out.push(head.subarray(0, use));
    filled += use;
    if (use === head.length) parts.shift();
    else parts[0] = head.subarray(use);
  }
  return new Blob(out as Uint8Array<ArrayBuffer>[]);
}

/** Why an attempt stopped early without an error: the core kept less than was sent (it asks to go on from `received`). */
class StoredLess extends Error {
  constructor(readonly received: number) {
    super(`the core stored up to byte ${received}`);
  }
}

/**
 * Sends one attempt's ciphertext (starting at `offset`) in segments of `segmentBytes`, one request
 * each, holding one segment at a time. Resolves when the core has it all.
 */
async function sendSegments(client: FlintClient, uploadId: string, cipher: ReadableStream<Uint8Array>, offset: number, total: number, segmentBytes: number, options: UploadOptions): Promise<void> {
  const reader = cipher.getReader();
  const parts: Uint8Array[] = [];
  let buffered = 0;
  let at = offset;
  let ended = false;
  try {
    while (at < total) {
      while (!ended && buffered < segmentBytes) {
        const r = await reader.read();
        if (r.done) ended = true;
        else {
          parts.push(r.value);
          buffered += r.value.length;
        }
      }
      const n = Math.min(segmentBytes, buffered);
      if (n === 0) throw FlintError.invalid(`the source ended at ciphertext byte ${at} of ${total}`);
      const segment = takeBlob(parts, n);
      buffered -= n;
      const response = await fileFetch(client, 'PUT', `/api/files/${uploadId}/content`, {
        body: segment,
        headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${at}-${at + n - 1}/${total}` },
        fetch: options.fetch,
        signal: options.signal,
      });
      const state = (await response.json()) as files.Upload;
      if (state.status === 'complete') {
        options.onProgress?.(total, total);
        return;
      }
      if (state.received !== at + n) throw new StoredLess(state.received);
      at += n;
      options.onProgress?.(at, total);
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
}

/** Uploads a source's ciphertext into an upload the core has reserved; answers the plaintext digest. */
async function sendCiphertext(client: FlintClient, uploadId: string, source: UploadSource, size: number, key: Uint8Array, options: UploadOptions): Promise<FileDigest> {
  const total = encryptedFileSize(size);
  const noncePrefix = crypto.getRandomValues(new Uint8Array(7));
  const attempts = source instanceof ReadableStream ? 1 : Math.max(1, options.attempts ?? 5);
  const segmentBytes = options.segmentBytes;
  if (segmentBytes !== undefined && !(Number.isInteger(segmentBytes) && segmentBytes >= 5 * 1024 * 1024)) throw new TypeError('uploadFile: segmentBytes is a whole number of at least 5 MiB');
  let offset = 0;
  let fullDigest: FileDigest | undefined;
  // Failures since the core last acknowledged new bytes.
  let failures = 0;
  let acknowledged = 0;
  for (;;) {
    const point = resumePoint(offset);
    const encryptor = createFileEncryptor(key, { noncePrefix, startChunk: point.chunk });
    let sent = offset;
    options.onProgress?.(sent, total);
    try {
      const cipher = streamFrom(source, point.plainOffset)
        .pipeThrough(encryptor.stream)
        .pipeThrough(skipAndCount(offset - point.cipherOffset, (n) => (segmentBytes === undefined ? options.onProgress?.((sent += n), total) : undefined)));
      if (segmentBytes !== undefined) {
        await sendSegments(client, uploadId, cipher, offset, total, segmentBytes, options);
      } else {
        await fileFetch(client, 'PUT', `/api/files/${uploadId}/content`, {
          body: cipher,
          headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${offset}-${total - 1}/${total}` },
          fetch: options.fetch,
          signal: options.signal,
        });
      }
      // A first attempt hashed the whole plaintext on the way; a resumed one hashed only the rest.
      // (Segments end the attempt as soon as the core has the last byte, before the encryptor's
      // result is in, so that result is awaited only when the stream was read to its end.)
      const digest = await encryptor.result;
      if (point.chunk === 0) fullDigest = digest;
      break;
    } catch (error) {
      if (error instanceof StoredLess && error.received > offset) {
        offset = error.received;
        continue;
      }
      if (!retriable(error, options.signal) && !(error instanceof StoredLess)) throw error;
      failures++;
      if (failures >= attempts) throw error;
      // Back off a little: the server may still be taking in what the broken connection carried,
      // or be restarting; asking for the upload's state may fail too while it is away.
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * failures)));
      let state: files.Upload;
      try {
        state = await client.transport.call(files.getUpload, { params: { id: uploadId } });
      } catch (stateError) {
        if (!retriable(stateError, options.signal)) throw stateError;
        continue;
      }
      if (state.status === 'complete') break;
      offset = state.received;
      if (offset > acknowledged) {
        acknowledged = offset;
        failures = 0;
      }
    }
  }
  fullDigest ??= await digestStream(streamFrom(source, 0));
  if (fullDigest.size !== size) throw FlintError.invalid(`the source gave ${fullDigest.size} bytes, not ${size}`);
  return fullDigest;
}

export async function uploadFile(client: FlintClient, spaceKey: SpaceKey, roomId: string, source: UploadSource, options: UploadOptions): Promise<UploadedFile> {
  const size = sizeOf(source, options.size);
  let preview = options.preview;
  let previewError: Error | undefined;
  if (preview === undefined && options.previewMaker !== undefined && !(source instanceof ReadableStream)) {
    try {
      const image = await options.previewMaker.make({ data: source, type: options.type });
      if (image !== undefined) preview = await uploadPreview(client, roomId, image, { ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      previewError = error instanceof Error ? error : new Error(String(error));
    }
  }
  const upload = await client.transport.call(files.createUpload, { body: { roomId, size: encryptedFileSize(size) } });
  const key = generateFileKey();
  const digest = await sendCiphertext(client, upload.id, source, size, key, options);
  const reference: FileReference = { v: 1, blobId: upload.id, key, sha256: digest.sha256, size, type: options.type, name: options.name };
  if (preview !== undefined) reference.preview = preview.preview;
  const attachment: files.MessageFile = { blobId: upload.id, reference: await sealReference(spaceKey, reference) };
  if (preview !== undefined) attachment.previewBlobId = preview.blobId;
  return { attachment, encryptionKeyUrl: spaceKey.uri, reference, ...(previewError !== undefined ? { previewError } : {}) };
}

/**
 * Uploads a preview image (SPEC FL-2) as its own encrypted blob under a fresh key. Pass the answer
 * as `options.preview` with the file it previews.
 */
export async function uploadPreview(client: FlintClient, roomId: string, image: { data: Uint8Array; type: string; width: number; height: number }, options: { fetch?: FetchLike; signal?: AbortSignal } = {}): Promise<UploadedPreview> {
  const upload = await client.transport.call(files.createUpload, { body: { roomId, size: encryptedFileSize(image.data.length) } });
  const key = generateFileKey();
  const digest = await sendCiphertext(client, upload.id, image.data, image.data.length, key, { name: '', type: image.type, ...options });
  return { blobId: upload.id, preview: { blobId: upload.id, key, sha256: digest.sha256, size: image.data.length, type: image.type, width: image.width, height: image.height } };
}
