// Vite builds the web app into dist/, which `flint serve` serves with a strict CSP (no inline
// scripts: Vite emits module scripts as files). The service worker is generated here because it
// must list the hashed file names of this very build; the brotli and gzip forms of the text files
// are made here too, once, so the server never compresses on a request.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { serviceWorker } from './build/service-worker.mjs';
import { precompress } from './build/precompress.mjs';
import { citiesData } from './build/cities.mjs';
import { excalidrawAssets } from './build/excalidraw-assets.mjs';

export default defineConfig({
  plugins: [react(), serviceWorker(), precompress(), citiesData(), excalidrawAssets()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // Source maps would publish the sources to every visitor; they are no secret, but they double the download.
    sourcemap: false,
    // No inlined data: URLs for assets (the CSP allows images from 'self' and blob: only).
    assetsInlineLimit: 0,
  },
  server: {
    // `npm run dev -w @flint/web` against a running `flint serve` on 8080.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true }, '/encryption': 'http://127.0.0.1:8080' },
  },
});
