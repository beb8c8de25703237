/**
 * CPU profiles of the fan-out path: `flint serve` under `node --cpu-prof` (SQLite) while the
 * fan-out workload runs at a fixed rate, for this checkout and for a baseline commit (before the
 * fan-out changes; FLINT_BENCH_BASELINE_REF), in the same run. Each profile is summarized by self
 * time (per function and per module) and by inclusive time of our own functions; the comparison is
 * server CPU per message sent and latency at the same offered rate.
 * @module
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildWorld, flintDriver, newRecorder, runStep } from './fanout.ts';
import { checkout, fmt, machineLine, median, root, round, sleep, table, withServer } from './common.ts';
import type { StepResult } from './fanout.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A short, stable name for where a function lives: a package, one of ours, or Node's internals. */
function moduleOf(url: string): string {
  if (url === '') return '(native / VM)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const ours = /packages\/([^/]+)\/src\/(.+)$/.exec(url);
  if (ours) return `@flint/${ours[1]} ${ours[2]}`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '').replace(root, '');
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  bySelf: { name: string; module: string; ms: number; pct: number }[];
  byModule: { module: string; ms: number; pct: number }[];
  inclusiveOurs: { name: string; ms: number; pct: number }[];
}

/** Summarizes the samples taken within [fromUs, toUs] of the monotonic clock (the profiler's timestamps), or all of them. */
export function summarize(profile: CpuProfile, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<number, number>();
  let ts = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    ts += profile.timeDeltas[i] ?? 0;
    if (window !== undefined && (ts < window.fromUs || ts > window.toUs)) continue;
    const id = profile.samples[i]!;
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  let total = 0;
  let idle = 0;
  const fn = new Map<string, { name: string; module: string; ms: number }>();
  const mod = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += ms;
      continue;
    }
    total += ms;
    const module = moduleOf(n.callFrame.url);
    const key = `${name} ${module}:${n.callFrame.lineNumber + 1}`;
    const f = fn.get(key) ?? { name: `${name} (${module}:${n.callFrame.lineNumber + 1})`, module, ms: 0 };
    f.ms += ms;
    fn.set(key, f);
    mod.set(module, (mod.get(module) ?? 0) + ms);
    // Inclusive time of our own functions: each sample counts once per distinct function on its stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const c = byId.get(cur)!.callFrame;
      if (!/packages\/[^/]+\/src\//.test(c.url)) continue;
      const k = `${c.functionName || '(anonymous)'} (${moduleOf(c.url)}:${c.lineNumber + 1})`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    }
  }
  const pct = (ms: number) => Math.round((ms / total) * 1000) / 10;
  return {
    totalMs: Math.round(total),
    idleMs: Math.round(idle),
    bySelf: [...fn.values()].sort((a, b) => b.ms - a.ms).slice(0, 25).map((f) => ({ ...f, ms: Math.round(f.ms), pct: pct(f.ms) })),
    byModule: [...mod.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([module, ms]) => ({ module, ms: Math.round(ms), pct: pct(ms) })),
    inclusiveOurs: [...inclusive.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([name, ms]) => ({ name, ms: Math.round(ms), pct: pct(ms) })),
  };
}

/** The commit before the fan-out changes of issue 9 (token cache, synchronous token hashing, frames encoded once). */
const DEFAULT_BASELINE = 'cbaf2b6';

interface ProfiledRun {
  label: string;
  commit: string;
  step: StepResult;
  summary: ProfileSummary;
  windowed: boolean;
  profileDir: string;
  serverCpuMsPerMessage: number;
}

async function profileOnce(label: string, commit: string, flintRoot: string, rate: number, seconds: number): Promise<ProfiledRun> {
  const dir = join(root, 'bench-results', `cpu-profile-${label}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const rec = newRecorder();
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  const window = { fromUs: 0, toUs: 0 };
  const step = await withServer({ engine: 'sqlite', flintRoot, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] }, async (server) => {
    const world = await buildWorld(server, 2, 100, rec);
    try {
      const driver = flintDriver(server, world);
      await runStep(driver, rec, { seq: 0 }, 5, 3, 3000);
      await sleep(1000);
      window.fromUs = nowUs();
      const r = await runStep(driver, rec, { seq: 100_000 }, rate, seconds);
      window.toUs = nowUs();
      return r;
    } finally {
      for (const m of world.members) m.stream?.stop();
    }
  });
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile written in ${dir}`);
  const profile = JSON.parse(await readFile(join(dir, files[0]!), 'utf8')) as CpuProfile;
  // The profiler's timestamps and process.hrtime are both CLOCK_MONOTONIC on Linux; fall back to the whole run if not.
  let summary = summarize(profile, window);
  const windowed = summary.totalMs > 0;
  if (!windowed) summary = summarize(profile);
  const serverCpuMsPerMessage = round((step.serverCpuSeconds * 1000) / Math.max(1, step.sent), 2);
  console.log(`  [${label} ${commit.slice(0, 7)}] ${rate}/s: p50 ${fmt(step.p50Ms)} ms, p99 ${fmt(step.p99Ms)} ms, server CPU ${step.serverCpuPct}% = ${serverCpuMsPerMessage} ms per message`);
  return { label, commit, step, summary, windowed, profileDir: dir.replace(root, ''), serverCpuMsPerMessage };
}

/** Medians of a side's rounds (the profile itself is the first round's). */
function combine(runs: ProfiledRun[]): ProfiledRun {
  const med = (f: (r: ProfiledRun) => number) => round(median(runs.map(f)), 2);
  const first = runs[0]!;
  return {
    ...first,
    serverCpuMsPerMessage: med((r) => r.serverCpuMsPerMessage),
    step: {
      ...first.step,
      serverCpuPct: med((r) => r.step.serverCpuPct),
      p50Ms: med((r) => r.step.p50Ms),
      p99Ms: med((r) => r.step.p99Ms),
      sendP50Ms: med((r) => r.step.sendP50Ms),
      sendP99Ms: med((r) => r.step.sendP99Ms),
      othersCpuPct: med((r) => r.step.othersCpuPct),
    },
  };
}

function profileTables(run: ProfiledRun): string[] {
  return [
    `During the profiled step: p50 ${fmt(run.step.p50Ms)} ms, p99 ${fmt(run.step.p99Ms)} ms, server CPU ${run.step.serverCpuPct}% (${run.serverCpuMsPerMessage} ms per message). Busy (non-idle) samples: ${run.summary.totalMs} ms. Raw profile: \`${run.profileDir}\` (open it in Chrome DevTools).`,
    '',
    '#### Self time by module (top 10)',
    '',
    table(['module', 'self ms', '% of busy'], run.summary.byModule.slice(0, 10).map((m) => [m.module, m.ms, `${m.pct}%`])),
    '',
    '#### Self time by function (top 12)',
    '',
    table(['function', 'self ms', '% of busy'], run.summary.bySelf.slice(0, 12).map((f) => [f.name, f.ms, `${f.pct}%`])),
    '',
    '#### Inclusive time of Flint functions (top 12)',
    '',
    table(['function', 'inclusive ms', '% of busy'], run.summary.inclusiveOurs.slice(0, 12).map((f) => [f.name, f.ms, `${f.pct}%`])),
    '',
  ];
}

export async function fanoutProfile(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const rate = Number(process.env['FLINT_BENCH_PROFILE_RATE'] ?? 40);
  const seconds = Number(process.env['FLINT_BENCH_PROFILE_SECONDS'] ?? 15);
  const baselineRef = process.env['FLINT_BENCH_BASELINE_REF'] ?? DEFAULT_BASELINE;
  const { execFileSync } = await import('node:child_process');
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim() !== '';
  const rounds = Math.max(1, Number(process.env['FLINT_BENCH_PROFILE_ROUNDS'] ?? 2));
  const afterRuns: ProfiledRun[] = [];
  const beforeRuns: ProfiledRun[] = [];
  let baselineNote = '';
  let base: Awaited<ReturnType<typeof checkout>> | undefined;
  try {
    base = await checkout(baselineRef);
  } catch (error) {
    baselineNote = `The baseline ${baselineRef} could not be checked out (${String(error).split('\n')[0]}); only this checkout was profiled.`;
  }
  try {
    // before, after, after, before, … (ABBA): a drift in the shared machine's load hits both sides alike.
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
      for (const side of order) {
        if (side === 'before' && base !== undefined) beforeRuns.push(await profileOnce('before', base.commit, base.root, rate, seconds));
        if (side === 'after') afterRuns.push(await profileOnce('after', head + (dirty ? ' (with uncommitted changes)' : ''), root, rate, seconds));
      }
    }
  } finally {
    await base?.remove();
  }
  const before = beforeRuns.length > 0 ? combine(beforeRuns) : undefined;
  const after = combine(afterRuns);
  const runs = [...beforeRuns, ...afterRuns];
  const lines = [
    '## Profile of the fan-out path (server side), before and after',
    '',
    machineLine(),
    `Command: \`npm run bench fanout-profile\` (SQLite, 2 spaces × 100 members, ${rate} msg/s for ${seconds} s, \`flint serve\` under \`node --cpu-prof\`, at the baseline commit ${before ? `\`${before.commit.slice(0, 7)}\`` : '(none)'} — the sources from \`git archive\` with today's dependencies — and at this checkout \`${after.commit.slice(0, 7)}\`, alternately (before, after, after, before: ${rounds} round${rounds > 1 ? 's' : ''}) in the same run, each on a fresh server and world; the comparison shows medians over the rounds, the profile tables the first profile of each side; ${after.windowed ? 'only the samples taken during the measured step are counted (set-up, sign-ups and module loading excluded; the step includes its quiet wait and drain)' : 'the whole process lifetime is counted, set-up included'}). ${baselineNote}`,
    '',
  ];
  if (before !== undefined) {
    lines.push(
      table(
        ['', `before (${before.commit.slice(0, 7)})`, `after (${after.commit.slice(0, 7)})`, 'after / before'],
        [
          ['server CPU per message sent', `${before.serverCpuMsPerMessage} ms`, `${after.serverCpuMsPerMessage} ms`, fmt(after.serverCpuMsPerMessage / before.serverCpuMsPerMessage, 2)],
          ['server CPU over the step', `${before.step.serverCpuPct}%`, `${after.step.serverCpuPct}%`, fmt(after.step.serverCpuPct / before.step.serverCpuPct, 2)],
          ['delivered-and-decrypted p50', `${fmt(before.step.p50Ms)} ms`, `${fmt(after.step.p50Ms)} ms`, fmt(after.step.p50Ms / before.step.p50Ms, 2)],
          ['delivered-and-decrypted p99', `${fmt(before.step.p99Ms)} ms`, `${fmt(after.step.p99Ms)} ms`, fmt(after.step.p99Ms / before.step.p99Ms, 2)],
          ['`POST /api/messages` p50 / p99', `${fmt(before.step.sendP50Ms)} / ${fmt(before.step.sendP99Ms)} ms`, `${fmt(after.step.sendP50Ms)} / ${fmt(after.step.sendP99Ms)} ms`, ''],
          ['other processes (CPU)', `${before.step.othersCpuPct}%`, `${after.step.othersCpuPct}%`, ''],
          ['server CPU per message, each round', beforeRuns.map((r) => `${r.serverCpuMsPerMessage}`).join(' / ') + ' ms', afterRuns.map((r) => `${r.serverCpuMsPerMessage}`).join(' / ') + ' ms', ''],
        ],
      ),
      '',
    );
  }
  lines.push(`### After (${after.commit.slice(0, 7)}), first round`, '', ...profileTables(afterRuns[0]!));
  if (beforeRuns[0] !== undefined) lines.push(`### Before (${beforeRuns[0].commit.slice(0, 7)}), first round`, '', ...profileTables(beforeRuns[0]));
  return { json: { part: 'fanout-profile', rate, seconds, runs }, markdown: lines.join('\n') };
}
