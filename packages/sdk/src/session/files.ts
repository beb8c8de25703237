/**
 * Encrypted files (SPEC FL-1, FL-2, SEC-1): references opened with the key of the message that
 * carries them, downloads decrypted and verified as they stream, a space's file list. Sending a
 * file is `messages.send({ files })`: one path for everything a message carries.
 * @module
 */
import { files as fileMethods, type Message } from '@flint/protocol';
import { downloadFile, downloadPreview, type Download, type DownloadOptions } from '../files/download.ts';
import { openReference, type FileReference } from '../files/reference.ts';
import type { FetchLike } from '../transport.ts';
import type { SessionContext } from './context.ts';

/** A file of a space's list, its reference opened (or `error` saying why it did not open). */
export interface FileEntry {
  entry: fileMethods.FileEntry;
  reference?: FileReference;
  error?: Error;
}

export class Files {
  constructor(private readonly ctx: SessionContext) {}

  /** Opens one sealed reference with the key `keyUrl` names. */
  async open(keyUrl: string, sealedReference: string): Promise<FileReference> {
    return openReference(await this.ctx.keys.key(keyUrl), sealedReference);
  }

  /** The references of a message's files, in order (each an Error when it does not open). */
  async references(message: Pick<Message, 'files' | 'encryptionKeyUrl'>): Promise<(FileReference | Error)[]> {
    const files = message.files ?? [];
    if (files.length === 0) return [];
    const keyUrl = message.encryptionKeyUrl;
    if (keyUrl === undefined) return files.map(() => new Error('The message names no key.'));
    return Promise.all(files.map((f) => this.open(keyUrl, f.reference).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))));
  }

  /** A space's files, newest first, their references opened. */
  async list(roomId: string, max = 1000): Promise<FileEntry[]> {
    const answer = await this.ctx.api.transport.call(fileMethods.listFiles, { query: { roomId, max } });
    return Promise.all(
      answer.items.map(async (entry): Promise<FileEntry> => {
        try {
          if (entry.encryptionKeyUrl === undefined) throw new Error('The file names no key.');
          return { entry, reference: await this.open(entry.encryptionKeyUrl, entry.reference) };
        } catch (error) {
          return { entry, error: error instanceof Error ? error : new Error(String(error)) };
        }
      }),
    );
  }

  /**
   * The plaintext as a stream, decrypted chunk by chunk as it is read (nothing is read ahead);
   * `verified` settles when it has been checked whole. A dropped connection is resumed from the
   * byte it stopped at (`options.attempts`).
   */
  download(reference: FileReference, options: DownloadOptions = {}): Promise<Download> {
    return downloadFile(this.ctx.api, reference, options);
  }

  /** The file's preview image (SPEC FL-2), decrypted and verified; undefined when it has none. */
  preview(reference: FileReference, options: { fetch?: FetchLike } = {}): ReturnType<typeof downloadPreview> {
    return downloadPreview(this.ctx.api, reference, options);
  }
}
