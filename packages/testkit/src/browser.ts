/**
 * A real Chromium for the web app's tests and benchmarks: Debian's `chromium` driven by
 * playwright-core (which never downloads a browser), headless, with the flags this machine needs
 * (no sandbox as root, no GPU, and no background networking: the network is closed here).
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env['FLINT_CHROMIUM'] ?? '/usr/bin/chromium';

/** The built web app (`npm run build:web`, run by `npm ci` through the root `prepare` script). */
export function webDist(): string {
  const dist = fileURLToPath(new URL('../../web/dist/', import.meta.url));
  if (!existsSync(`${dist}index.html`)) throw new Error(`the web app is not built: run "npm run build:web" (looked in ${dist})`);
  return dist;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set FLINT_CHROMIUM)`);
  // launch() gives every run a fresh, temporary profile (user-data-dir).
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}
