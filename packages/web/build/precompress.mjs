// A Vite plugin that writes, beside each text file of the build, its brotli (`.br`, quality 11)
// and gzip (`.gz`, level 9) forms, so the server sends compressed bytes without compressing on
// every request (`flint serve` picks the form by Accept-Encoding: see
// packages/server/src/http/web-app.ts). Compressing once at build time affords the slowest, best
// settings. A form is kept only when it is smaller than the file by at least 5 %; images
// (already compressed) are left alone. node:zlib does it all: no dependency needed.
import { brotliCompress, constants, gzip } from 'node:zlib';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** What is worth compressing: text (scripts, styles, the document, the manifest, SVG). */
export const COMPRESSIBLE = /\.(m?js|css|html|svg|webmanifest|json|txt)$/;
const MIN_BYTES = 256;

/** @returns {import('vite').Plugin} */
export function precompress() {
  let outDir = 'dist';
  return {
    name: 'flint-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    // After every file (the public folder's too) is on disk.
    async closeBundle() {
      await compressFolder(outDir);
    },
  };
}

export async function compressFolder(dir) {
  const jobs = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) jobs.push(compressFolder(path));
    else if (COMPRESSIBLE.test(name)) jobs.push(compressFile(path));
  }
  await Promise.all(jobs);
}

async function compressFile(path) {
  const data = await readFile(path);
  if (data.length < MIN_BYTES) return;
  const [br, gzipped] = await Promise.all([
    brotli(data, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
    gz(data, { level: 9 }),
  ]);
  const worth = (packed) => packed.length <= data.length * 0.95;
  await Promise.all([worth(br) ? writeFile(`${path}.br`, br) : undefined, worth(gzipped) ? writeFile(`${path}.gz`, gzipped) : undefined]);
}
