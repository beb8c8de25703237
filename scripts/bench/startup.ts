/**
 * Start-up: time until `flint serve` answers /health, and idle memory — cold (a fresh data directory:
 * migrations, the KMS's first-run CA and static key) and warm (a second start on the directory the
 * cold one left) — for the compiled bundle that `npm start` runs (packages/cli/dist/flint.mjs) and
 * the development entry that compiles TypeScript through tsx at start (packages/cli/bin/flint.mjs),
 * interleaved. Medians over repeated runs, because these machines are shared and noisy; CPU time is
 * the steadier figure (wall time also counts waiting for a busy machine).
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@flint/testkit';
import { FLINT, FLINT_COMPILED, buildCompiled, cpuSeconds, machineLine, median, rssKiB, sleep, table } from './common.ts';

interface Run {
  readyMs: number;
  cpuMs: number;
  idleRssMiB: number;
}

/** One start of `flint serve` on `dir` (fresh or left by an earlier start), stopped once measured. */
async function startupOnce(entry: string, dir: string): Promise<Run> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [entry, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', join(dir, 'data')], {
    env: { ...process.env, FLINT_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    let readyMs = NaN;
    let cpuMs = NaN;
    for (let i = 0; i < 3000; i++) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/health`);
        if (r.status === 200) {
          readyMs = performance.now() - started;
          // CPU time is what start-up costs; wall time also counts waiting for a busy machine.
          cpuMs = (await cpuSeconds(child.pid!)) * 1000;
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
    return { readyMs, cpuMs, idleRssMiB };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** A cold start on a fresh folder, then a warm one on what it left. */
async function coldAndWarm(entry: string): Promise<{ cold: Run; warm: Run }> {
  const dir = await mkdtemp(join(tmpdir(), 'flint-bench-'));
  try {
    const cold = await startupOnce(entry, dir);
    const warm = await startupOnce(entry, dir);
    return { cold, warm };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function startup(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  await buildCompiled();
  const variants = [
    { name: 'compiled (`npm start`: packages/cli/dist/flint.mjs)', entry: FLINT_COMPILED },
    { name: 'tsx loader (packages/cli/bin/flint.mjs)', entry: FLINT },
  ];
  const runs = new Map<string, { cold: Run; warm: Run }[]>(variants.map((v) => [v.name, []]));
  const count = Number(process.env['FLINT_BENCH_STARTUP_RUNS'] ?? 3);
  for (let i = 0; i < count; i++) for (const v of variants) runs.get(v.name)!.push(await coldAndWarm(v.entry));
  const summary = variants.flatMap((v) =>
    (['cold', 'warm'] as const).map((start) => {
      const r = runs.get(v.name)!.map((x) => x[start]);
      return { variant: v.name, start, medianReadyMs: Math.round(median(r.map((x) => x.readyMs))), medianCpuMs: Math.round(median(r.map((x) => x.cpuMs))), medianIdleRssMiB: Math.round(median(r.map((x) => x.idleRssMiB)) * 10) / 10 };
    }),
  );
  const markdown = [
    '## Start-up',
    '',
    machineLine(),
    `Command: \`npm run bench startup\` (SQLite; **cold**: a fresh data directory — migrations, the KMS's first-run CA and static key; **warm**: a second start on the directory the cold start left; median of ${count} each, the two entries interleaved). Goals (issue 15): under 1 s to /health, under 150 MB idle.`,
    '',
    table(
      ['flint serve', 'start', 'spawn to /health 200 (wall)', 'CPU time until then', 'resident memory when idle'],
      summary.map((s) => [s.variant, s.start, `${s.medianReadyMs} ms`, `${s.medianCpuMs} ms`, `${s.medianIdleRssMiB} MiB`]),
    ),
    '',
  ].join('\n');
  return { json: { part: 'startup', runs: Object.fromEntries(runs), summary }, markdown };
}
