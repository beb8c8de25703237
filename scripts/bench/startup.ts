/**
 * Start-up: time until `flint serve` answers /health on a fresh data directory, and idle memory.
 * Medians over repeated runs, because these machines are shared and noisy.
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@flint/testkit';
import { FLINT, machineLine, median, rssKiB, sleep, table } from './common.ts';

async function startupOnce(): Promise<{ readyMs: number; idleRssMiB: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'flint-bench-'));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [FLINT, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', join(dir, 'data')], {
    env: { ...process.env, FLINT_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    let readyMs = NaN;
    for (let i = 0; i < 3000; i++) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/health`);
        if (r.status === 200) {
          readyMs = performance.now() - started;
          break;
        }
      } catch {
        // not listening yet
      }
      await sleep(10);
    }
    // Idle: ready, one request served, nothing else happening.
    await sleep(3000);
    const idleRssMiB = (await rssKiB(child.pid!)) / 1024;
    return { readyMs, idleRssMiB };
  } finally {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
}

export async function startup(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(await startupOnce());
  const medianReadyMs = Math.round(median(runs.map((r) => r.readyMs)));
  const medianIdleRssMiB = Math.round(median(runs.map((r) => r.idleRssMiB)) * 10) / 10;
  const markdown = [
    '## Start-up',
    '',
    machineLine(),
    'Command: `npm run bench startup` (fresh data directory, SQLite; median of 5).',
    '',
    table(['flint serve', 'median of 5'], [['time from spawn to /health 200', `${medianReadyMs} ms`], ['resident memory when idle', `${medianIdleRssMiB} MiB`]]),
    '',
  ].join('\n');
  return { json: { part: 'startup', runs, medianReadyMs, medianIdleRssMiB }, markdown };
}
