/**
 * A real Firefox for the web app's tests: Debian's `firefox-esr` driven through WebDriver BiDi by
 * puppeteer-core (which downloads no browser), headless, in a fresh profile. Every address but
 * loopback is sent to a closed proxy port, so nothing Firefox does on its own (updates, telemetry,
 * remote settings, captive-portal checks) leaves the machine — on top of the prefs that turn them off.
 * @module
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { TEST_PASSWORD } from './flint.ts';

export const FIREFOX = process.env['FLINT_FIREFOX'] ?? '/usr/bin/firefox-esr';

/** Whether Debian's Firefox ESR is installed (`.ci/run` installs it; a test skips with a reason otherwise). */
export function hasFirefox(): boolean {
  return existsSync(FIREFOX);
}

const QUIET_PREFS: Record<string, string | number | boolean> = {
  // Everything not on loopback goes to port 9 of loopback (discard; nothing listens), never out.
  'network.proxy.type': 1,
  'network.proxy.http': '127.0.0.1',
  'network.proxy.http_port': 9,
  'network.proxy.ssl': '127.0.0.1',
  'network.proxy.ssl_port': 9,
  'network.proxy.no_proxies_on': 'localhost, 127.0.0.1, [::1]',
  'network.proxy.allow_hijacking_localhost': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'app.update.enabled': false,
  'app.update.auto': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'dom.push.connection.enabled': false,
  'services.settings.server': 'http://127.0.0.1:9/',
  'browser.region.network.url': '',
  'geo.provider.network.url': '',
};

/**
 * Firefox's fake camera and microphone, with no permission prompt and autoplay allowed (the meetings
 * test). Firefox never offers an ICE candidate on a 127/8 address (its `ice.loopback` preference did
 * not change that here), so the meetings test gives its namespace's veth a private address and a
 * default route; and its separate socket process offered no IPv4 candidate at all on this machine, so
 * the media transport stays in the content process.
 */
export const FIREFOX_MEDIA_PREFS: Record<string, string | number | boolean> = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'media.autoplay.block-webaudio': false,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.mtransport_process': false,
  'network.process.enabled': false,
};

/** `prefs`: more preferences on top of the quiet ones (the meetings test's fake devices). */
export async function launchFirefox(options: { prefs?: Record<string, string | number | boolean> } = {}): Promise<Browser> {
  if (!hasFirefox()) throw new Error(`no Firefox at ${FIREFOX}: apt-get install -y firefox-esr (or set FLINT_FIREFOX)`);
  // Loaded on launch, not at import (as playwright-core in browser.ts): few test files use it.
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    protocol: 'webDriverBiDi',
    extraPrefsFirefox: { ...QUIET_PREFS, ...(options.prefs ?? {}) },
  });
}

/** How long a Firefox test waits for what a person would see (the machine may be loaded). */
export const FIREFOX_WAIT = { timeout: 30_000 } as const;

/** Signs in through the web app's sign-in page, as typed, and waits for the space list. */
export async function signInFirefox(page: Page, baseUrl: string, email: string, password = TEST_PASSWORD): Promise<void> {
  // Element handles, not puppeteer's Locator: its wait for a "stable" element did not settle in
  // headless Firefox here.
  await page.goto(baseUrl + '/');
  await (await page.waitForSelector('input[type=email]', FIREFOX_WAIT))!.type(email);
  await page.type('input[type=password]', password);
  await page.click('form button[type=submit]');
  await page.waitForSelector('nav.sidebar', FIREFOX_WAIT);
}

export type { Browser as FirefoxBrowser, Page as FirefoxPage };

/**
 * A selector for what a person would find by role and accessible name (puppeteer's ARIA query,
 * which over WebDriver BiDi asks Firefox's own accessibility tree): `role('button', 'Hang up')`.
 * Inside another selector: `${scope} ${role(...)}`.
 */
export function role(kind: string, name: string): string {
  return `::-p-aria([name=${JSON.stringify(name)}][role="${kind}"])`;
}

/** Waits for `selector` and clicks it. */
export async function clickIn(page: Page, selector: string): Promise<void> {
  await (await page.waitForSelector(selector, FIREFOX_WAIT))!.click();
}

/** Waits for the field `selector`, empties it and types `text`, as a person would. */
export async function fillIn(page: Page, selector: string, text: string): Promise<void> {
  const field = (await page.waitForSelector(selector, FIREFOX_WAIT))!;
  await field.click({ count: 3 });
  await field.evaluate((el) => {
    if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) el.select();
  });
  await page.keyboard.press('Backspace');
  await field.type(text);
}

/** Waits until the page shows `text` (inside `scope`, a CSS selector, when given). */
export async function seeText(page: Page, text: string, scope = ''): Promise<void> {
  await page.waitForSelector(`${scope} ::-p-text(${JSON.stringify(text)})`.trim(), FIREFOX_WAIT);
}
