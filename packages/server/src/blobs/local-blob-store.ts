/**
 * Blobs as files under the data folder. Writes go to a temporary file and are renamed into place,
 * so a crash never leaves half a blob under a real key.
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { assertSafeKey, BlobTooLargeError, type BlobStore, type BlobStream } from './blob-store.ts';

export class LocalBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  async put(key: string, data: Uint8Array, contentType: string): Promise<void> {
    assertSafeKey(key);
    const path = join(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, data);
    await writeFile(`${tmp}.type`, contentType);
    await rename(`${tmp}.type`, `${path}.type`);
    await rename(tmp, path);
  }

  async get(key: string): Promise<{ data: Uint8Array; contentType: string } | undefined> {
    assertSafeKey(key);
    const path = join(this.root, key);
    try {
      const [data, contentType] = await Promise.all([readFile(path), readFile(`${path}.type`, 'utf8')]);
      return { data, contentType };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    const path = join(this.root, key);
    await rm(path, { force: true });
    await rm(`${path}.type`, { force: true });
  }

  async putStream(key: string, source: AsyncIterable<Uint8Array>, contentType: string, options: { maxBytes: number }): Promise<number> {
    assertSafeKey(key);
    const path = join(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    // Each attempt writes its own temporary file, so a restarted upload never mixes with a dead one.
    const tmp = `${path}.${randomUUID()}.tmp`;
    let written = 0;
    try {
      await pipeline(
        source,
        async function* limit(chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            written += chunk.length;
            if (written > options.maxBytes) throw new BlobTooLargeError(`blob larger than ${options.maxBytes} bytes`);
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
      await writeFile(`${tmp}.type`, contentType);
      await rename(`${tmp}.type`, `${path}.type`);
      await rename(tmp, path);
      return written;
    } catch (error) {
      await rm(tmp, { force: true });
      await rm(`${tmp}.type`, { force: true });
      throw error;
    }
  }

  async getStream(key: string, range?: { start: number; end: number }): Promise<BlobStream | undefined> {
    const info = await this.stat(key);
    if (info === undefined) return undefined;
    const body = createReadStream(join(this.root, key), { highWaterMark: 256 * 1024, ...(range ?? {}) });
    return { body, size: info.size, contentType: info.contentType };
  }

  async stat(key: string): Promise<{ size: number; contentType: string } | undefined> {
    assertSafeKey(key);
    const path = join(this.root, key);
    try {
      const [info, contentType] = await Promise.all([stat(path), readFile(`${path}.type`, 'utf8')]);
      return { size: info.size, contentType };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
