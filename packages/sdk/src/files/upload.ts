/**
 * Uploading a file (SPEC FL-1, SEC-1): encrypted on the fly in chunks under a fresh key and streamed
 * up, so neither side ever holds the whole file; the answer is what a message needs to carry it.
 * @module
 */
import { createFileEncryptor, encryptedFileSize, generateFileKey } from '@flint/crypto';
import { files } from '@flint/protocol';
import type { FlintClient } from '../client.ts';
import { FlintError } from '../errors.ts';
import type { FetchLike } from '../transport.ts';
import { fileFetch } from './http.ts';
import { sealReference, type FileReference, type SpaceKey } from './reference.ts';

export type UploadSource = ReadableStream<Uint8Array> | Blob | Uint8Array;

export interface UploadOptions {
  name: string;
  type: string;
  /** Plaintext bytes; required for a ReadableStream (the core reserves quota for the exact size up front). */
  size?: number;
  /** Attempts for re-readable sources (Blob, Uint8Array) when the transfer fails; a stream gets one. */
  attempts?: number;
  fetch?: FetchLike;
  /** Cancels the upload. */
  signal?: AbortSignal;
}

export interface UploadedFile {
  /** What `messages.create` takes in `files`. */
  attachment: files.MessageFile;
  /** The key the reference is sealed with (the message's `encryptionKeyUrl`). */
  encryptionKeyUrl: string;
  /** The opened reference, for the uploader's own use. */
  reference: FileReference;
}

function sizeOf(source: UploadSource, declared: number | undefined): number {
  if (source instanceof Uint8Array) return source.length;
  if (source instanceof Blob) return source.size;
  if (declared === undefined) throw new TypeError('uploadFile: give options.size for a stream');
  return declared;
}

function streamOf(source: UploadSource): ReadableStream<Uint8Array> {
  if (source instanceof Uint8Array) return new Blob([source as Uint8Array<ArrayBuffer>]).stream();
  if (source instanceof Blob) return source.stream();
  return source;
}

export async function uploadFile(client: FlintClient, spaceKey: SpaceKey, roomId: string, source: UploadSource, options: UploadOptions): Promise<UploadedFile> {
  const size = sizeOf(source, options.size);
  const upload = await client.transport.call(files.createUpload, { body: { roomId, size: encryptedFileSize(size) } });
  const key = generateFileKey();
  const attempts = source instanceof ReadableStream ? 1 : Math.max(1, options.attempts ?? 3);
  for (let attempt = 1; ; attempt++) {
    const encryptor = createFileEncryptor(key);
    try {
      // A restart re-sends the whole content; the core keeps no partial blob from a failed attempt.
      await fileFetch(client, 'PUT', `/api/files/${upload.id}/content`, {
        body: streamOf(source).pipeThrough(encryptor.stream),
        headers: { 'content-type': 'application/octet-stream' },
        fetch: options.fetch,
        signal: options.signal,
      });
      const digest = await encryptor.result;
      if (digest.size !== size) throw new FlintError(0, 'bad_request', `the source gave ${digest.size} bytes, not ${size}`, undefined, undefined);
      const reference: FileReference = { v: 1, blobId: upload.id, key, sha256: digest.sha256, size, type: options.type, name: options.name };
      return { attachment: { blobId: upload.id, reference: await sealReference(spaceKey, reference) }, encryptionKeyUrl: spaceKey.uri, reference };
    } catch (error) {
      const retriable = error instanceof FlintError && (error.status === 0 || error.status >= 500);
      if (!retriable || attempt >= attempts) throw error;
    }
  }
}

/** Uploads a file and posts it as a message of the space (with optional sealed text). */
export async function sendFile(client: FlintClient, spaceKey: SpaceKey, roomId: string, source: UploadSource, options: UploadOptions & { text?: string }): Promise<{ messageId: string; file: UploadedFile }> {
  const file = await uploadFile(client, spaceKey, roomId, source, options);
  const message = await client.messages.create({ roomId, encryptionKeyUrl: spaceKey.uri, files: [file.attachment], ...(options.text !== undefined ? { text: options.text } : {}) });
  return { messageId: message.id, file };
}
