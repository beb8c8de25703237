/**
 * `npm run bench [part…]`: bounded benchmarks on loopback. Each part starts what it needs, stops it
 * afterwards (even on failure), writes raw JSON to bench-results/<part>.json and replaces its own
 * section of BENCHMARKS.md. Parts live in scripts/bench/. With no part named, every part runs.
 * Environment knobs (all optional) are listed in BENCHMARKS.md.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { machine, root } from './bench/common.ts';
import { startup } from './bench/startup.ts';
import { fanout } from './bench/fanout.ts';
import { PARTS_MORE } from './bench/parts.ts';

type Part = () => Promise<{ json: Record<string, unknown>; markdown: string }>;

const PARTS: Record<string, Part> = { fanout, ...PARTS_MORE, startup };

const BENCHMARKS = join(root, 'BENCHMARKS.md');
const HEADER = `# Flint benchmarks

Produced by \`npm run bench [part…]\` (scripts/bench.ts, scripts/bench/). Each part starts what it needs on
127.0.0.1, runs a bounded load, writes raw JSON to \`bench-results/<part>.json\` (git-ignored) and rewrites
its own section below. These machines are shared and noisy: compare figures within one run (ratios), not
across runs. Every section names the machine, the date and the command that produced it.

Parts: \`capacity\` (the load generator on worker threads; Flint vs ejabberd with one fsync per commit and with NORMAL, three runs per rate; PostgreSQL one vs two instances; 1,000- and 5,000-member spaces), \`fanout\` (SQLite, then PostgreSQL + Redis), \`fanout-profile\` (before/after), \`large-space\`, \`connections\`,
\`writes\` (rows per message, this vs the per-recipient log), \`delivery\` (bare sockets, 1,000 and 5,000 members, one and two instances), \`history\`, \`kms\`, \`search\`, \`files\` (1 GiB up and down, local folder and S3, with each process's peak RSS), \`ejabberd\` (the peer side by side), \`user-mix\` (Mattermost's user), \`web\`, \`startup\`; \`npm run bench\`
alone runs the bounded default set (\`capacity\` and \`startup\`, under 15 minutes; \`npm run bench -- --quick\` a smoke run of it; \`npm run bench all\` every part, one after another); each part is bounded to a few minutes (the table "How long each part takes" below holds each part's last wall-clock time, rewritten by every run). A fan-out or peer step that misses while the load generator lagged or the machine was busy is *refused*, not counted as the server's failure, and stops its ladder (see those sections). Knobs (environment, all
optional): \`FLINT_BENCH_ENGINES\` (sqlite,postgres), \`FLINT_BENCH_SPACES\` (2), \`FLINT_BENCH_MEMBERS\` (100),
\`FLINT_BENCH_RATES\`, \`FLINT_BENCH_STEP_SECONDS\` (12), \`FLINT_BENCH_PROFILE_RATE\` (40) and \`_SECONDS\` (15),
\`FLINT_BENCH_LARGE_MEMBERS\` (5000), \`FLINT_BENCH_LARGE_CONNECT\`, \`FLINT_BENCH_LARGE_MESSAGES\` (8),
\`FLINT_BENCH_LARGE_ENGINE\` (sqlite), \`FLINT_BENCH_CONNECTIONS\` (10000), \`FLINT_BENCH_CONNECTION_PEOPLE\` (100),
\`FLINT_BENCH_HISTORY_MESSAGES\` (10000000), \`FLINT_BENCH_HISTORY_BUDGET_S\` (300), \`FLINT_BENCH_KMS_SECONDS\` (15),
\`FLINT_BENCH_KMS_CONCURRENCY\` (8), \`FLINT_BENCH_FILE_BYTES\` (1 GiB), \`FLINT_BENCH_WEB_RUNS\` (5), \`FLINT_BENCH_BASELINE_REF\` (cbaf2b6, the profile's "before"),
\`FLINT_BENCH_MIX_START\` (300), \`FLINT_BENCH_MIX_MAX_USERS\` (2400), \`FLINT_BENCH_MIX_WINDOW_S\` (20), \`FLINT_BENCH_MIX_BISECTIONS\` (1), \`FLINT_BENCH_MIX_BUDGET_S\` (300),
\`FLINT_BENCH_SEARCH_MESSAGES\` (1000000), \`FLINT_BENCH_SEARCH_SPACES\` (1000), \`FLINT_BENCH_SEARCH_QUERIES\` (200),
\`FLINT_BENCH_WRITES_SIZES\` (10,100,1000,5000), \`FLINT_BENCH_WRITES_MESSAGES\` (20), \`FLINT_BENCH_BASELINE_WRITES\` (e2f5db8), \`FLINT_BENCH_DELIVERY_SIZES\` (1000,5000), \`FLINT_BENCH_DELIVERY_PG_SIZES\`, \`FLINT_BENCH_DELIVERY_MESSAGES\` (8),
\`FLINT_BENCH_PG_URL\`, \`FLINT_BENCH_REDIS_URL\`. Every figure is a median, percentile or ratio from one run of one part.
`;

const between = (text: string, part: string): [number, number] | undefined => {
  const i = text.indexOf(`<!-- bench:${part}:begin -->`);
  const end = `<!-- bench:${part}:end -->`;
  const j = text.indexOf(end);
  return i >= 0 && j > i ? [i, j + end.length] : undefined;
};

/** Replaces the part's section (between its markers) or appends it. */
async function writeSection(part: string, markdown: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(BENCHMARKS, 'utf8');
  } catch {
    text = HEADER;
  }
  const block = `<!-- bench:${part}:begin -->\n${markdown.trim()}\n<!-- bench:${part}:end -->`;
  const at = between(text, part);
  text = at !== undefined ? text.slice(0, at[0]) + block + text.slice(at[1]) : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(BENCHMARKS, text);
}

const minutes = (seconds: number) => `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');

/**
 * The "how long each part takes" table (its own section): the row of each part just run is
 * replaced, the others are kept, so the table always shows the latest duration of every part.
 */
async function recordDuration(part: string, seconds: number, ok: boolean): Promise<void> {
  let text = '';
  try {
    text = await readFile(BENCHMARKS, 'utf8');
  } catch {
    // written by writeSection
  }
  const at = between(text, 'durations');
  const rows = new Map<string, string>();
  for (const line of (at !== undefined ? text.slice(...at) : '').split('\n')) {
    const m = /^\| `([\w-]+)` \|/.exec(line);
    if (m !== null) rows.set(m[1]!, line);
  }
  rows.set(part, `| \`${part}\` | ${minutes(seconds)} | ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC | ${load()} |${ok ? '' : ' failed'}`);
  const order = [...Object.keys(PARTS)];
  const sorted = [...rows.entries()].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])).map(([, line]) => line);
  const total = [...rows.values()].reduce((sum, line) => {
    const m = /\| (\d+) min (\d+) s \|/.exec(line);
    return sum + (m !== null ? Number(m[1]) * 60 + Number(m[2]) : 0);
  }, 0);
  await writeSection(
    'durations',
    [
      '## How long each part takes',
      '',
      'Wall clock of each part (its set-up, loads and measurements; `npm run bench` adds a few seconds to start), as last run, with the load average (1 / 5 / 15 min) at its end on this 2-core machine — a busy machine stretches the quiet waits and loads. Rewritten by each part.',
      '',
      '| part | took | finished | load average at the end |',
      '|---|---|---|---|',
      ...sorted,
      '',
      `Sum of the parts: ${minutes(total)}.`,
    ].join('\n'),
  );
}

/**
 * With no part named, the bounded default set (under 15 minutes on this machine): `capacity`
 * (Flint vs ejabberd under both durability settings, PostgreSQL one vs two instances, 1,000- and
 * 5,000-member spaces) and `startup`. `all` runs every part (about an hour); `--quick` makes
 * `capacity` a smoke run.
 */
const DEFAULT_PARTS = ['capacity', 'startup'];
const requested = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const parts = requested.length === 0 ? DEFAULT_PARTS : requested.includes('all') ? Object.keys(PARTS) : requested;
for (const part of parts) {
  if (PARTS[part] === undefined) {
    console.error(`unknown part ${part}; parts: ${Object.keys(PARTS).join(', ')}`);
    process.exit(2);
  }
}
const m = machine();
console.log(`machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}`);
await mkdir(join(root, 'bench-results'), { recursive: true });
let failed = false;
for (const part of parts) {
  console.log(`\n== ${part}`);
  const started = performance.now();
  try {
    const { json, markdown } = await PARTS[part]!();
    const seconds = Math.round((performance.now() - started) / 1000);
    await writeFile(join(root, 'bench-results', `${part}.json`), JSON.stringify({ machine: m, date: new Date().toISOString(), seconds, loadAverage: loadavg(), ...json }, null, 2));
    await writeSection(part, `${markdown.trim()}\n\n_This part took ${minutes(seconds)} (wall clock); load average at its end ${load()}._`);
    await recordDuration(part, seconds, true);
    console.log(markdown);
    console.log(`== ${part} took ${minutes(seconds)}`);
  } catch (error) {
    failed = true;
    console.error(`part ${part} failed:`, error);
    await recordDuration(part, Math.round((performance.now() - started) / 1000), false);
  }
}
process.exit(failed ? 1 : 0);
