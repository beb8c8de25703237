/**
 * Blobs as files under the data folder. Whole writes go to a temporary file renamed into place, so
 * a crash never leaves half a blob under a real key. A resumable upload writes into its own
 * `<key>.<upload id>.part` file, positionally: what is on disk is what has arrived (the resume
 * offset is the file's size), and the file is renamed to the key when complete.
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { assertSafeKey, limitBytes, UploadOffsetError, type BlobStore, type BlobStream, type UploadWriteOptions } from './blob-store.ts';

const UPLOAD_ID = /^[0-9a-f-]{36}$/;

interface LocalUploadState {
  id: string;
  type: string;
}

export class LocalBlobStore implements BlobStore {
  readonly kind = 'local';

  constructor(private readonly root: string) {}

  private path(key: string): string {
    assertSafeKey(key);
    return join(this.root, key);
  }

  private partPath(key: string, state: string): { path: string; upload: LocalUploadState } {
    const upload = JSON.parse(state) as LocalUploadState;
    if (!UPLOAD_ID.test(upload.id)) throw new Error('bad upload state');
    return { path: `${this.path(key)}.${upload.id}.part`, upload };
  }

  async put(key: string, data: Uint8Array, contentType: string): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, data);
    await writeFile(`${tmp}.type`, contentType);
    await rename(`${tmp}.type`, `${path}.type`);
    await rename(tmp, path);
  }

  async get(key: string): Promise<{ data: Uint8Array; contentType: string } | undefined> {
    const path = this.path(key);
    try {
      const [data, contentType] = await Promise.all([readFile(path), readFile(`${path}.type`, 'utf8')]);
      return { data, contentType };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key);
    await rm(path, { force: true });
    await rm(`${path}.type`, { force: true });
  }

  async getStream(key: string, range?: { start: number; end: number }): Promise<BlobStream | undefined> {
    const info = await this.stat(key);
    if (info === undefined) return undefined;
    const body = createReadStream(this.path(key), { highWaterMark: 256 * 1024, ...(range ?? {}) });
    return { body, size: info.size, contentType: info.contentType };
  }

  async stat(key: string): Promise<{ size: number; contentType: string } | undefined> {
    const path = this.path(key);
    try {
      const [info, contentType] = await Promise.all([stat(path), readFile(`${path}.type`, 'utf8')]);
      return { size: info.size, contentType };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async startUpload(key: string, contentType: string): Promise<string> {
    const state = JSON.stringify({ id: randomUUID(), type: contentType } satisfies LocalUploadState);
    const { path } = this.partPath(key, state);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, new Uint8Array(0));
    return state;
  }

  async uploadedBytes(key: string, state: string): Promise<number> {
    try {
      return (await stat(this.partPath(key, state).path)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  }

  async writeUpload(key: string, state: string, offset: number, source: AsyncIterable<Uint8Array>, options: UploadWriteOptions): Promise<string> {
    const { path } = this.partPath(key, state);
    const received = await this.uploadedBytes(key, state);
    if (offset > received) throw new UploadOffsetError(received);
    // Positional writes: a second writer at an earlier offset (a client resuming while the server
    // has not yet noticed its dead connection) rewrites the same ciphertext, never a gap.
    await pipeline(limitBytes(source, options.end - offset), createWriteStream(path, { flags: 'r+', start: offset }));
    return state;
  }

  async completeUpload(key: string, state: string): Promise<void> {
    const { path: part, upload } = this.partPath(key, state);
    const path = this.path(key);
    await writeFile(`${path}.type`, upload.type);
    await rename(part, path);
  }

  async abortUpload(key: string, state: string): Promise<void> {
    await rm(this.partPath(key, state).path, { force: true });
  }
}
