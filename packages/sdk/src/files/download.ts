/**
 * Downloading a file (SPEC FL-1, SEC-1): the ciphertext streams down and is decrypted chunk by
 * chunk; the stream errors if any chunk was altered, dropped, reordered or cut off, or if the file
 * is not the one its reference names (size and SHA-256).
 * @module
 */
import { createFileDecryptor, decryptFile, type FileDigest } from '@flint/crypto';
import type { FlintClient } from '../client.ts';
import { FlintError } from '../errors.ts';
import type { FetchLike } from '../transport.ts';
import { fileFetch } from './http.ts';
import type { FileReference } from './reference.ts';

export interface Download {
  /** The plaintext; untrusted until it ends without an error. */
  stream: ReadableStream<Uint8Array>;
  /** Settles when the stream ends: the verified digest, or the integrity error. */
  verified: Promise<FileDigest>;
}

export async function downloadFile(client: FlintClient, reference: FileReference, options: { fetch?: FetchLike } = {}): Promise<Download> {
  const response = await fileFetch(client, 'GET', `/api/files/${reference.blobId}/content`, { fetch: options.fetch });
  if (response.body === null) throw FlintError.network('empty file response');
  const decryptor = createFileDecryptor(reference.key, { expectedSha256: reference.sha256, expectedSize: reference.size });
  return { stream: response.body.pipeThrough(decryptor.stream), verified: decryptor.result };
}

/** A file's preview image (SPEC FL-2), downloaded, decrypted and checked against its reference; undefined when it has none. */
export async function downloadPreview(client: FlintClient, reference: FileReference, options: { fetch?: FetchLike } = {}): Promise<{ data: Uint8Array; type: string; width: number; height: number } | undefined> {
  const p = reference.preview;
  if (p === undefined) return undefined;
  const response = await fileFetch(client, 'GET', `/api/files/${p.blobId}/content`, { fetch: options.fetch });
  const data = await decryptFile(p.key, new Uint8Array(await response.arrayBuffer()), { expectedSha256: p.sha256, expectedSize: p.size });
  return { data, type: p.type, width: p.width, height: p.height };
}
