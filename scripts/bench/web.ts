/**
 * `npm run bench web`: the web app's bundle size (raw, gzip and brotli), the bytes a browser
 * transfers to load it with each encoding the server can send (none — as before the build made
 * compressed forms —, gzip, brotli), and its load in Debian's Chromium,
 * measured by the browser itself — Navigation Timing, paint timings, and a time to interactive from
 * long tasks (Lighthouse's rule: the end of the last long task before a 5 s quiet window after first
 * contentful paint) — for a cold first load (fresh profile: sign-in page) and for a signed-in reload
 * in a new tab (the cookie session, a web token, the KMS handshake and the spaces list decrypted).
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential } from '@flint/sdk';
import { launchChromium, startFlint, TEST_PASSWORD, webDist } from '@flint/testkit';
import { median, root } from './common.ts';

const RUNS = Number(process.env['FLINT_BENCH_WEB_RUNS'] ?? 5);
const QUIET_MS = 5000;

interface LoadFigures {
  ttfb: number;
  fcp: number;
  domContentLoaded: number;
  load: number;
  tti: number;
  ready?: number;
  longTasks: number;
  scriptMs: number;
  heapMiB: number;
}

/** Records long tasks from the very start of the page (init scripts run before the page's own). */
const OBSERVE = `window.__longTasks = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });`;

async function figures(page: Page, cdp: CDPSession, readyAt?: number): Promise<LoadFigures> {
  // Wait for a quiet window after the last long task (bounded).
  const deadline = Date.now() + 20_000;
  for (;;) {
    const lastEnd = await page.evaluate(() => {
      const tasks = (window as unknown as { __longTasks: [number, number][] }).__longTasks;
      const last = tasks.at(-1);
      return { now: performance.now(), end: last === undefined ? 0 : last[0] + last[1] };
    });
    if (lastEnd.now - lastEnd.end >= QUIET_MS || Date.now() > deadline) break;
    await page.waitForTimeout(500);
  }
  const t = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
    const tasks = (window as unknown as { __longTasks: [number, number][] }).__longTasks;
    const lastEnd = tasks.reduce((m, [s, d]) => Math.max(m, s + d), 0);
    return { ttfb: nav.responseStart, fcp, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, lastEnd, longTasks: tasks.length };
  });
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
  await cdp.detach();
  const base = Math.max(t.fcp, t.dcl, t.lastEnd);
  return {
    ttfb: t.ttfb,
    fcp: t.fcp,
    domContentLoaded: t.dcl,
    load: t.load,
    tti: readyAt !== undefined ? Math.max(base, readyAt) : base,
    ...(readyAt !== undefined ? { ready: readyAt } : {}),
    longTasks: t.longTasks,
    scriptMs: metric('ScriptDuration') * 1000,
    heapMiB: metric('JSHeapUsedSize') / 2 ** 20,
  };
}

interface Transfer {
  /** Bytes on the wire for the app's own files (document, scripts, styles, icons): headers included. */
  transfer: number;
  /** Their bodies as sent, and as decoded by the browser. */
  encoded: number;
  decoded: number;
  files: number;
}

/** Sums Resource Timing for the app's files (not API calls) the page has loaded so far. */
function appFiles(page: Page): Promise<Transfer> {
  return page.evaluate(() => {
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')] as PerformanceResourceTiming[];
    const mine = entries.filter((e) => {
      const url = new URL(e.name);
      return url.origin === location.origin && !/^\/(api|encryption)\//.test(url.pathname);
    });
    return {
      transfer: mine.reduce((a, e) => a + e.transferSize, 0),
      encoded: mine.reduce((a, e) => a + e.encodedBodySize, 0),
      decoded: mine.reduce((a, e) => a + e.decodedBodySize, 0),
      files: mine.length,
    };
  });
}

/**
 * A first visit with an empty cache, the browser asking for `acceptEncoding` (Chromium's own
 * header when undefined): the sign-in page, then signed in with a space open (the Markdown chunk
 * loads). Service workers are blocked here, so every file is fetched by the page and counted; what
 * the worker's install adds is reported from the build's files.
 */
async function transferOf(browser: Browser, url: string, acceptEncoding: string | undefined): Promise<{ signIn: Transfer; space: Transfer }> {
  const context = await browser.newContext({ serviceWorkers: 'block', ...(acceptEncoding !== undefined ? { extraHTTPHeaders: { 'Accept-Encoding': acceptEncoding } } : {}) });
  try {
    const page = await context.newPage();
    await page.goto(`${url}/`, { waitUntil: 'load' });
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.waitForLoadState('networkidle');
    const signIn = await appFiles(page);
    await page.getByLabel('E-mail').fill('ada@web.bench');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: /^Space 19/ }).click({ timeout: 30_000 });
    // Rendered by the Markdown chunk (its fallback is a <p>): every file of this view has arrived.
    await page.locator('article.message div.md', { hasText: 'message 4 in space 19' }).waitFor({ timeout: 30_000 });
    return { signIn, space: await appFiles(page) };
  } finally {
    await context.close();
  }
}

/** What the service worker's install fetches (the shell it lists), in each form the server has. */
function shellForms(dist: string): { raw: number; gzip: number; brotli: number; files: number } {
  const sw = readFileSync(join(dist, 'sw.js'), 'utf8');
  const shell = JSON.parse(/const SHELL = (\[.*\]);/.exec(sw)![1]!) as string[];
  const sizeOr = (path: string, fallback: number) => {
    try {
      return statSync(path).size;
    } catch {
      return fallback;
    }
  };
  let raw = 0;
  let gzip = 0;
  let brotli = 0;
  for (const entry of shell) {
    const path = join(dist, entry === './' ? 'index.html' : entry.slice(2));
    const size = statSync(path).size;
    raw += size;
    gzip += sizeOr(`${path}.gz`, size);
    brotli += sizeOr(`${path}.br`, size);
  }
  return { raw, gzip, brotli, files: shell.length };
}

interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}

function bundle(dist: string): { files: ({ name: string } & Sizes)[]; initial: Sizes; total: Sizes } {
  const files: ({ name: string } & Sizes)[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else if (/\.(m?js|css|html)$/.test(name)) {
        const data = readFileSync(path);
        // The forms the build wrote (packages/web/build/precompress.mjs), which the server sends as they are.
        const form = (ext: string, fallback: number) => (existsSync(path + ext) ? statSync(path + ext).size : fallback);
        files.push({ name: prefix + name, raw: data.length, gzip: form('.gz', gzipSync(data, { level: 9 }).length), brotli: form('.br', data.length) });
      }
    }
  };
  walk(dist, '');
  // What the first page load fetches: the document and the entry's script and style (lazy chunks come later).
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const entry = new Set([...html.matchAll(/(?:src|href)="\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1]!));
  entry.add('index.html');
  const sum = (list: typeof files) => ({ raw: list.reduce((a, f) => a + f.raw, 0), gzip: list.reduce((a, f) => a + f.gzip, 0), brotli: list.reduce((a, f) => a + f.brotli, 0) });
  return { files, initial: sum(files.filter((f) => entry.has(f.name))), total: sum(files.filter((f) => f.name !== 'sw.js')) };
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const ms = (n: number) => `${Math.round(n)} ms`;

export async function web(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const buildStart = performance.now();
  execFileSync('npm', ['run', 'build:web'], { cwd: root, stdio: 'ignore' });
  const buildMs = performance.now() - buildStart;
  const dist = webDist();
  const sizes = bundle(dist);
  const flint = await startFlint({ webRoot: dist });
  const browser = await launchChromium();
  const cold: LoadFigures[] = [];
  const warm: LoadFigures[] = [];
  const encodings = [
    ['none (identity: what Flint sent before)', 'identity'],
    ['gzip', 'gzip'],
    ['brotli (Chromium asks for gzip, deflate, br, zstd)', undefined],
  ] as const;
  const transfers: { label: string; signIn: Transfer; space: Transfer }[] = [];
  const shell = shellForms(dist);
  try {
    // A person with 20 spaces of a few messages each, so the signed-in view has work to do.
    const ada = await flint.signup({ email: 'ada@web.bench', displayName: 'Ada Bench' });
    // With her password credential, so her browsers below enroll at the KMS with the password.
    const kmsCredential = { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, ada.session!.personId) };
    const seeder = flint.session(ada, { deviceId: 'bench-seed', kmsCredential });
    for (let i = 0; i < 20; i++) {
      const room = await seeder.spaces.create({ title: `Space ${i}` });
      for (let j = 0; j < 5; j++) await seeder.messages.send({ roomId: room.id, text: `message ${j} in space ${i}` });
    }
    seeder.close();

    for (const [label, accept] of encodings) transfers.push({ label, ...(await transferOf(browser, flint.url, accept)) });

    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addInitScript(OBSERVE);
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      await page.goto(`${flint.url}/`, { waitUntil: 'load' });
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      cold.push(await figures(page, cdp));
      // Sign in, then measure a reload: cookie session → web token → KMS → spaces decrypted.
      await page.getByLabel('E-mail').fill('ada@web.bench');
      await page.getByLabel('Password').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: /^Space 19/ }).waitFor({ timeout: 30_000 });
      // A new tab of the signed-in browser (HTTP cache and service worker warm).
      const tab = await context.newPage();
      const tabCdp = await context.newCDPSession(tab);
      await tabCdp.send('Performance.enable');
      await tab.goto(`${flint.url}/`, { waitUntil: 'load' });
      await tab.getByRole('link', { name: /^Space 19/ }).waitFor({ timeout: 30_000 });
      const readyAt = await tab.evaluate(() => performance.now());
      warm.push(await figures(tab, tabCdp, readyAt));
      await context.close();
    }
  } finally {
    await browser.close();
    await flint.stop();
  }
  const med = (list: LoadFigures[], k: keyof LoadFigures) => median(list.map((f) => f[k] ?? NaN));
  const chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).replace(/\s+$/, '');
  const row = (label: string, list: LoadFigures[]) =>
    `| ${label} | ${ms(med(list, 'ttfb'))} | ${ms(med(list, 'fcp'))} | ${ms(med(list, 'domContentLoaded'))} | ${ms(med(list, 'load'))} | ${list[0]?.ready !== undefined ? ms(med(list, 'ready')) : '—'} | **${ms(med(list, 'tti'))}** | ${med(list, 'longTasks')} | ${ms(med(list, 'scriptMs'))} | ${med(list, 'heapMiB').toFixed(1)} MiB |`;
  const markdown = `## Web app: bundle and load (\`npm run bench web\`)

${new Date().toISOString().slice(0, 10)}, this machine (2 shared cores), ${chromium} headless via playwright-core, the app served by an
in-process Flint on SQLite over loopback (no network latency: figures are the app's own cost). Medians of ${RUNS} runs,
each in a fresh browser context (empty cache). Times are from navigation start, read from the browser's Navigation
Timing and paint entries; **TTI** is the end of the last long task (≥ 50 ms) before a 5 s quiet window, and not before
first contentful paint (or, signed in, before the spaces list shows); script time and heap are CDP
\`Performance.getMetrics\`.

| load | TTFB | first contentful paint | DOMContentLoaded | load | spaces list shown | TTI | long tasks | script | JS heap |
|---|---|---|---|---|---|---|---|---|---|
${row('cold, first visit (sign-in page)', cold)}
${row('signed in, new tab (20 spaces: web token, KMS handshake, titles decrypted)', warm)}

Bytes transferred for the app's own files on a first visit (empty cache; Resource Timing's \`transferSize\`, headers
included; API calls not counted), by the encoding the browser accepts — the server sends the build's precompressed
form (brotli quality 11, gzip -9) as it is, chosen by Accept-Encoding. Service workers blocked for this measurement;
on a real first visit the worker's install then fetches the whole shell (${shell.files} files: ${kib(shell.raw)} raw, ${kib(shell.gzip)} gzip,
**${kib(shell.brotli)} brotli**), mostly from the HTTP cache the page just filled.

| Accept-Encoding | sign-in page | signed in, a space open | of which bodies (sent / decoded) |
|---|---|---|---|
${transfers.map((t) => `| ${t.label} | ${kib(t.signIn.transfer)} (${t.signIn.files} files) | **${kib(t.space.transfer)}** (${t.space.files} files) | ${kib(t.space.encoded)} / ${kib(t.space.decoded)} |`).join('\n')}

Bundle (Vite production build, ${Math.round(buildMs)} ms including npm and precompression): first load fetches **${kib(sizes.initial.raw)} raw,
${kib(sizes.initial.gzip)} gzip, ${kib(sizes.initial.brotli)} brotli** (document, entry script and style); all files ${kib(sizes.total.raw)} raw,
${kib(sizes.total.gzip)} gzip, ${kib(sizes.total.brotli)} brotli. Markdown, search and settings are chunks loaded on first use; pdf.js
(a chunk and its worker) only when a PDF is sent, to make its thumbnail.

| file | raw | gzip -9 | brotli 11 |
|---|---|---|---|
${sizes.files
  .sort((a, b) => b.raw - a.raw)
  .map((f) => `| ${f.name} | ${kib(f.raw)} | ${kib(f.gzip)} | ${kib(f.brotli)} |`)
  .join('\n')}
`;
  return { json: { runs: RUNS, cold, warm, transfers, shell, bundle: sizes, buildMs }, markdown };
}
