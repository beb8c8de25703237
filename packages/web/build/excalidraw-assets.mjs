// Excalidraw's fonts, served from this origin: the web app's CSP allows fonts and connections from
// 'self' only, and Excalidraw would otherwise fetch them from a CDN. This Vite plugin copies the
// installed package's `fonts/` folder into dist/excalidraw/fonts/ (about 14 MB, mostly the CJK
// fallback, fetched only when a character needs it); src/ui/whiteboard/ExcalidrawCanvas.tsx points
// `window.EXCALIDRAW_ASSET_PATH` there. The service worker does not pre-cache them.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

async function filesUnder(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

/** @returns {import('vite').Plugin} */
export function excalidrawAssets() {
  return {
    name: 'flint-excalidraw-assets',
    apply: 'build',
    async generateBundle() {
      const require = createRequire(import.meta.url);
      const fonts = join(dirname(require.resolve('@excalidraw/excalidraw')), 'fonts');
      for (const file of await filesUnder(fonts)) {
        if (!file.endsWith('.woff2')) continue;
        this.emitFile({ type: 'asset', fileName: `excalidraw/fonts/${relative(fonts, file).split('\\').join('/')}`, source: await readFile(file) });
      }
    },
  };
}
