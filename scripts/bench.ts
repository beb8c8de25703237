/**
 * `npm run bench [part…]`: bounded benchmarks on loopback. Each part starts what it needs, stops it
 * afterwards (even on failure), writes raw JSON to bench-results/<part>.json and replaces its own
 * section of BENCHMARKS.md. Parts live in scripts/bench/. With no part named, every part runs.
 * Environment knobs (all optional) are listed in BENCHMARKS.md.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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

Parts: \`fanout\` (SQLite, then PostgreSQL + Redis), \`fanout-profile\` (before/after), \`large-space\`, \`connections\`,
\`history\`, \`kms\`, \`search\`, \`files\`, \`ejabberd\` (the peer side by side), \`user-mix\` (Mattermost's user), \`web\`, \`startup\`; \`npm run bench\`
alone runs them all (about 50 minutes; each part a few minutes). Knobs (environment, all
optional): \`FLINT_BENCH_ENGINES\` (sqlite,postgres), \`FLINT_BENCH_SPACES\` (2), \`FLINT_BENCH_MEMBERS\` (100),
\`FLINT_BENCH_RATES\`, \`FLINT_BENCH_STEP_SECONDS\` (12), \`FLINT_BENCH_PROFILE_RATE\` (40) and \`_SECONDS\` (15),
\`FLINT_BENCH_LARGE_MEMBERS\` (5000), \`FLINT_BENCH_LARGE_CONNECT\`, \`FLINT_BENCH_LARGE_MESSAGES\` (8),
\`FLINT_BENCH_LARGE_ENGINE\` (sqlite), \`FLINT_BENCH_CONNECTIONS\` (10000), \`FLINT_BENCH_CONNECTION_PEOPLE\` (100),
\`FLINT_BENCH_HISTORY_MESSAGES\` (10000000), \`FLINT_BENCH_HISTORY_BUDGET_S\` (300), \`FLINT_BENCH_KMS_SECONDS\` (15),
\`FLINT_BENCH_KMS_CONCURRENCY\` (8), \`FLINT_BENCH_FILE_BYTES\` (1 GiB), \`FLINT_BENCH_WEB_RUNS\` (5), \`FLINT_BENCH_BASELINE_REF\` (cbaf2b6, the profile's "before"),
\`FLINT_BENCH_MIX_START\` (300), \`FLINT_BENCH_MIX_MAX_USERS\` (2400), \`FLINT_BENCH_MIX_WINDOW_S\` (30), \`FLINT_BENCH_MIX_BISECTIONS\` (2),
\`FLINT_BENCH_PG_URL\`, \`FLINT_BENCH_REDIS_URL\`. Every figure is a median, percentile or ratio from one run of one part.
`;

/** Replaces the part's section (between its markers) or appends it. */
async function writeSection(part: string, markdown: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(BENCHMARKS, 'utf8');
  } catch {
    text = HEADER;
  }
  const begin = `<!-- bench:${part}:begin -->`;
  const end = `<!-- bench:${part}:end -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(BENCHMARKS, text);
}

const requested = process.argv.slice(2);
const parts = requested.length > 0 ? requested : Object.keys(PARTS);
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
    await writeFile(join(root, 'bench-results', `${part}.json`), JSON.stringify({ machine: m, date: new Date().toISOString(), seconds: Math.round((performance.now() - started) / 1000), ...json }, null, 2));
    await writeSection(part, markdown);
    console.log(markdown);
  } catch (error) {
    failed = true;
    console.error(`part ${part} failed:`, error);
  }
}
process.exit(failed ? 1 : 0);
