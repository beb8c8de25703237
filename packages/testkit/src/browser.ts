/**
 * A real Chromium for the web app's tests and benchmarks: Debian's `chromium` driven by
 * playwright-core (which never downloads a browser), headless, with the flags this machine needs
 * (no sandbox as root, no GPU, and no background networking: the network is closed here).
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { TEST_PASSWORD } from './flint.ts';

export const CHROMIUM = process.env['FLINT_CHROMIUM'] ?? '/usr/bin/chromium';

/** The built web app (`npm run build:web`, run by `npm ci` through the root `prepare` script). */
export function webDist(): string {
  const dist = fileURLToPath(new URL('../../web/dist/', import.meta.url));
  if (!existsSync(`${dist}index.html`)) throw new Error(`the web app is not built: run "npm run build:web" (looked in ${dist})`);
  return dist;
}

/**
 * Where Chromium sends every request that is not for a loopback address: the discard port on
 * 127.0.0.1, where nothing listens, so a page or a regression that reaches for another host fails
 * at once instead of leaving the machine. Loopback (the whole 127.0.0.0/8, which the meetings tests'
 * 127.0.0.2 needs) bypasses it. WebRTC's UDP does not use proxies; the meetings tests run it in a
 * network namespace of their own.
 */
export const OUTBOUND_GUARD_PROXY = 'http://127.0.0.1:9';
const LOOPBACK_BYPASS = '127.0.0.0/8;localhost;*.localhost;[::1]';

/**
 * `args`: more command-line flags (the meetings test's fake camera, microphone and screen).
 * `guardProxy`: the guard's address, for the test that proves the guard catches outbound requests.
 */
export async function launchChromium(options: { args?: readonly string[]; guardProxy?: string } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set FLINT_CHROMIUM)`);
  // Loaded here, not at import: every test file imports the testkit, few launch a browser, and
  // playwright-core costs ~0.7 s of CPU to load (scripts/test.mjs's per-file times).
  const { chromium } = await import('playwright-core');
  // launch() gives every run a fresh, temporary profile (user-data-dir).
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
      `--proxy-server=${options.guardProxy ?? OUTBOUND_GUARD_PROXY}`, `--proxy-bypass-list=${LOOPBACK_BYPASS}`, ...(options.args ?? [])],
  });
}

/** How long a browser test waits for what a person would see (the machine may be loaded). */
export const PAGE_WAIT = { timeout: 20_000 } as const;

/**
 * Signs a person in through the web app's sign-in page, as they would type it, and waits for the
 * space list. `button` names the submit button (its label changes with the language).
 */
export async function signInPage(page: Page, baseUrl: string, email: string, options: { password?: string; button?: string } = {}): Promise<void> {
  await page.goto(baseUrl + '/');
  await page.locator('input[type=email]').fill(email);
  await page.locator('input[type=password]').fill(options.password ?? TEST_PASSWORD);
  await page.getByRole('button', { name: options.button ?? 'Sign in' }).click();
  await page.locator('nav.sidebar').waitFor(PAGE_WAIT);
}

/** Opens a space by its address, as a link would (whatever filter the space list has on). */
export async function openSpacePage(page: Page, spaceId: string): Promise<void> {
  await page.evaluate((room) => (window.location.hash = `#/space/${room}`), spaceId);
  await page.locator('.timeline').waitFor(PAGE_WAIT);
}
