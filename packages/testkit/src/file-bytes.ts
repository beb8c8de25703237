/**
 * Files for tests: large deterministic content made on the fly, and what a folder holds.
 * @module
 */
import type { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Deterministic pseudo-random bytes (xorshift32 from a fixed seed), 1 MiB at a time, pulled on demand and
 * hashed as they go: a gigabyte goes up without ever being held whole, and the hash says what was sent.
 */
export function seededBytes(size: number, hash: ReturnType<typeof createHash>): ReadableStream<Uint8Array> {
  let sent = 0;
  let x = 0x9e3779b9;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= size) return controller.close();
        const n = Math.min(1024 * 1024, size - sent);
        const words = new Uint32Array(Math.ceil(n / 4));
        for (let i = 0; i < words.length; i++) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          words[i] = x >>> 0;
        }
        const chunk = new Uint8Array(words.buffer, 0, n);
        hash.update(chunk);
        sent += n;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Every file below `dir`, recursively (for scans of a blob folder and for leftover-file checks). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out.push(...(entry.isDirectory() ? await filesUnder(path) : [path]));
  }
  return out;
}
