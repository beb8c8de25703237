/**
 * Blobs as files under the data folder. Writes go to a temporary file and are renamed into place,
 * so a crash never leaves half a blob under a real key.
 * @module
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { assertSafeKey, type BlobStore } from './blob-store.ts';

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
}
