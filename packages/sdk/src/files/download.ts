/**
 * Downloading a file (SPEC FL-1, SEC-1): the ciphertext streams down and is decrypted chunk by
 * chunk; the stream errors if any chunk was altered, dropped, reordered or cut off, or if the file
 * is not the one its reference names (size and SHA-256). A dropped connection is resumed with a
 * ranged request for the rest of the ciphertext (the core serves `Range`).
 * @module
 */
import { createFileDecryptor, decryptFile, encryptedFileSize, type FileDigest } from '@flint/crypto';
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

export interface DownloadOptions {
  fetch?: FetchLike;
  /** Cancels the download: the stream errors. */
  signal?: AbortSignal;
  /**
   * Attempts to go on after the connection drops (default 5): each asks for the rest of the
   * ciphertext from the byte it stopped at (`Range`), so the decryptor sees one unbroken stream.
   * Counted since the last byte arrived.
   */
  attempts?: number;
  /** Called as ciphertext arrives: bytes received so far of the total. */
  onProgress?: (receivedBytes: number, totalBytes: number) => void;
}

const errorOf = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** A failure another request may get past: the connection, or the server (restarting, overloaded). */
function retriable(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted === true) return false;
  return !(error instanceof FlintError) || error.kind === 'network' || error.status >= 500;
}

export async function downloadFile(client: FlintClient, reference: FileReference, options: DownloadOptions = {}): Promise<Download> {
  const path = `/api/files/${reference.blobId}/content`;
  const first = await fileFetch(client, 'GET', path, { fetch: options.fetch, signal: options.signal });
  if (first.body === null) throw FlintError.network('empty file response');
  const total = Number(first.headers.get('content-length') ?? encryptedFileSize(reference.size));
  const attempts = Math.max(1, options.attempts ?? 5);
  let reader = first.body.getReader();
  let received = 0;
  // The decryptor's `result` settles only through the ciphertext it is given; a ciphertext stream
  // that fails (cancelled, or out of attempts) must fail `verified` too.
  let broke!: (error: Error) => void;
  const broken = new Promise<never>((_resolve, reject) => (broke = reject));
  const fail = (error: unknown): Error => {
    const e = errorOf(error);
    broke(e);
    return e;
  };
  // The ciphertext as one stream, pulled on demand (so nothing is read ahead of the consumer); a
  // broken connection is replaced by a ranged request for the rest.
  const ciphertext = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (let failures = 0; ; ) {
          try {
            const r = await reader.read();
            if (r.done) {
              if (received < total) throw FlintError.network(`the download ended at byte ${received} of ${total}`);
              controller.close();
            } else {
              received += r.value.length;
              options.onProgress?.(received, total);
              controller.enqueue(r.value);
            }
            return;
          } catch (error) {
            if (!retriable(error, options.signal) || ++failures >= attempts) throw fail(error);
            void reader.cancel().catch(() => undefined);
            for (;;) {
              await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * failures)));
              try {
                const rest = await fileFetch(client, 'GET', path, { headers: { range: `bytes=${received}-` }, fetch: options.fetch, signal: options.signal });
                if (rest.status !== 206 || rest.body === null || !(rest.headers.get('content-range') ?? '').startsWith(`bytes ${received}-`)) {
                  void rest.body?.cancel().catch(() => undefined);
                  throw FlintError.invalid('the server did not answer the byte range asked for');
                }
                reader = rest.body.getReader();
                break;
              } catch (retryError) {
                if (!retriable(retryError, options.signal) || ++failures >= attempts) throw fail(retryError);
              }
            }
          }
        }
      },
      cancel(reason) {
        fail(reason ?? new Error('The download was cancelled.'));
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  const decryptor = createFileDecryptor(reference.key, { expectedSha256: reference.sha256, expectedSize: reference.size });
  const verified = Promise.race([decryptor.result, broken]);
  verified.catch(() => undefined);
  return { stream: ciphertext.pipeThrough(decryptor.stream), verified };
}

/** A file's preview image (SPEC FL-2), downloaded, decrypted and checked against its reference; undefined when it has none. */
export async function downloadPreview(client: FlintClient, reference: FileReference, options: { fetch?: FetchLike } = {}): Promise<{ data: Uint8Array; type: string; width: number; height: number } | undefined> {
  const p = reference.preview;
  if (p === undefined) return undefined;
  const response = await fileFetch(client, 'GET', `/api/files/${p.blobId}/content`, { fetch: options.fetch });
  const data = await decryptFile(p.key, new Uint8Array(await response.arrayBuffer()), { expectedSha256: p.sha256, expectedSize: p.size });
  return { data, type: p.type, width: p.width, height: p.height };
}
