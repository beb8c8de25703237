/**
 * `npm run bench web`: the web app's bundle size (raw and gzipped) and its load in Debian's Chromium,
 * measured by the browser itself — Navigation Timing, paint timings, and a time to interactive from
 * long tasks (Lighthouse's rule: the end of the last long task before a 5 s quiet window after first
 * contentful paint) — for a cold first load (fresh profile: sign-in page) and for a signed-in reload
 * in a new tab (the cookie session, a web token, the KMS handshake and the spaces list decrypted).
 * @module
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CDPSession, Page } from 'playwright-core';
import { SecureClient } from '@flint/sdk';
import { launchChromium, NodeWebSocket, startFlint, TEST_PASSWORD, webDist } from '@flint/testkit';
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

function bundle(dist: string): { files: { name: string; raw: number; gzip: number }[]; initial: { raw: number; gzip: number }; total: { raw: number; gzip: number } } {
  const files: { name: string; raw: number; gzip: number }[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else if (/\.(m?js|css|html)$/.test(name)) {
        const data = readFileSync(path);
        files.push({ name: prefix + name, raw: data.length, gzip: gzipSync(data, { level: 9 }).length });
      }
    }
  };
  walk(dist, '');
  // What the first page load fetches: the document and the entry's script and style (lazy chunks come later).
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const entry = new Set([...html.matchAll(/(?:src|href)="\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1]!));
  entry.add('index.html');
  const sum = (list: typeof files) => ({ raw: list.reduce((a, f) => a + f.raw, 0), gzip: list.reduce((a, f) => a + f.gzip, 0) });
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
  try {
    // A person with 20 spaces of a few messages each, so the signed-in view has work to do.
    const ada = await flint.signup({ email: 'ada@web.bench', displayName: 'Ada Bench' });
    const secure = await SecureClient.connect(ada, { deviceId: 'bench-seed', WebSocket: NodeWebSocket });
    for (let i = 0; i < 20; i++) {
      const room = await secure.createSpace({ title: `Space ${i}` });
      for (let j = 0; j < 5; j++) await secure.send({ roomId: room.id, text: `message ${j} in space ${i}` });
    }
    secure.close();

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

Bundle (Vite production build, ${Math.round(buildMs)} ms including npm): first load fetches **${kib(sizes.initial.raw)} raw, ${kib(sizes.initial.gzip)} gzipped**
(document, entry script and style); all files ${kib(sizes.total.raw)} raw, ${kib(sizes.total.gzip)} gzipped. Markdown, search and settings
are chunks loaded on first use; pdf.js (a chunk and its worker) only when a PDF is sent, to make its thumbnail. Flint serves
files uncompressed today; a reverse proxy's gzip gives the second figure.

| file | raw | gzip -9 |
|---|---|---|
${sizes.files
  .sort((a, b) => b.raw - a.raw)
  .map((f) => `| ${f.name} | ${kib(f.raw)} | ${kib(f.gzip)} |`)
  .join('\n')}
`;
  return { json: { runs: RUNS, cold, warm, bundle: sizes, buildMs }, markdown };
}
