/**
 * `npm run bench [part…]`: bounded benchmarks on loopback that print a table and write raw JSON to
 * bench-results/. Parts: startup (time until `flint serve` answers /health, and idle memory).
 * Medians over repeated runs, because these machines are shared and noisy.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@flint/testkit';

const root = fileURLToPath(new URL('..', import.meta.url));
const FLINT = join(root, 'packages/cli/bin/flint.mjs');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
}

async function startupOnce(): Promise<{ readyMs: number; idleRssMiB: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'flint-bench-'));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [FLINT, 'serve', '--port', String(port), '--data', join(dir, 'data')], {
    env: { ...process.env, FLINT_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  try {
    let readyMs = NaN;
    for (let i = 0; i < 600; i++) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/health`);
        if (r.status === 200) {
          readyMs = performance.now() - started;
          break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    // Idle: ready, one request served, nothing else happening.
    await new Promise((r) => setTimeout(r, 3000));
    const idleRssMiB = (await rssKiB(child.pid!)) / 1024;
    return { readyMs, idleRssMiB };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

async function startup(): Promise<Record<string, unknown>> {
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(await startupOnce());
  const result = {
    part: 'startup',
    runs,
    medianReadyMs: Math.round(median(runs.map((r) => r.readyMs))),
    medianIdleRssMiB: Math.round(median(runs.map((r) => r.idleRssMiB)) * 10) / 10,
  };
  console.log('\n| flint serve (fresh data dir, SQLite) | median of 5 |\n|---|---|');
  console.log(`| time from spawn to /health 200 | ${result.medianReadyMs} ms |`);
  console.log(`| resident memory when idle | ${result.medianIdleRssMiB} MiB |`);
  return result;
}

const PARTS: Record<string, () => Promise<Record<string, unknown>>> = { startup };

const requested = process.argv.slice(2);
const parts = requested.length > 0 ? requested : Object.keys(PARTS);
const machine = { cores: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
console.log(`machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}`);
await mkdir(join(root, 'bench-results'), { recursive: true });
for (const part of parts) {
  const fn = PARTS[part];
  if (fn === undefined) {
    console.error(`unknown part ${part}; parts: ${Object.keys(PARTS).join(', ')}`);
    process.exit(2);
  }
  const result = await fn();
  await writeFile(join(root, 'bench-results', `${part}.json`), JSON.stringify({ machine, date: new Date().toISOString(), ...result }, null, 2));
}
