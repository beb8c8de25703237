#!/usr/bin/env node
// Runs every *.test.ts in the workspace with node's own test runner, then prints the slowest test
// files (wall time) and one closing line, `tests: N passed, N failed, N skipped`.
// Usage: npm test [-- <path filter>...]
// FLINT_TEST_DATABASE_URL=postgres://… runs the storage-touching tests on PostgreSQL instead of SQLite.
// FLINT_TEST_EXCLUDE=<fragment>[,<fragment>…] leaves out the files whose path contains a fragment
// (the PostgreSQL + Redis pass leaves out the browser tests: they test Chromium against the same server code).
// FLINT_TEST_ENGINE_ONLY=1 keeps only the files whose run depends on the storage engine (see
// engine-dependence.mjs): the PostgreSQL + Redis pass sets it, so it does not repeat, to the byte,
// what the SQLite pass ran.
// FLINT_TEST_SLOWEST=<n> sets how many of the slowest files are listed (20; 0: none).
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { engineDependence } from './engine-dependence.mjs';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(relative(root, path));
  }
}
walk(join(root, 'packages'));
walk(join(root, 'tests'));
const excluded = (process.env.FLINT_TEST_EXCLUDE ?? '').split(',').map((x) => x.trim()).filter(Boolean);
let selected = files
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .filter((f) => !excluded.some((x) => f.includes(x)))
  .sort();
if (process.env.FLINT_TEST_ENGINE_ONLY === '1') {
  const independent = selected.filter((f) => engineDependence(root, f) === undefined);
  if (independent.length > 0) {
    console.log(`engine-independent (they reach no module that reads FLINT_TEST_DATABASE_URL or FLINT_TEST_REDIS_URL; the SQLite pass ran them): ${independent.length} files left out`);
    for (const f of independent) console.log(`  - ${f}`);
  }
  selected = selected.filter((f) => !independent.includes(f));
}
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The tests spawn the compiled `flint` (packages/testkit/src/process.ts): rebuild it first if a source is newer.
const build = spawnSync(process.execPath, [join(root, 'scripts/build-cli.mjs'), '--if-stale'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error('the CLI bundle could not be built (node scripts/build-cli.mjs)');
  process.exit(1);
}
const concurrency = process.env.FLINT_TEST_CONCURRENCY ?? '2';
const reportDir = mkdtempSync(join(tmpdir(), 'flint-test-report-'));
const reportFile = join(reportDir, 'report.json');
// The in-process KMS's first-run identity, made once for the whole run (packages/testkit/src/kms-identity.ts).
const kmsIdentity = join(reportDir, 'kms-identity');
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    // --test-force-exit: a file whose tests have all finished ends even if a handle it leaked (a socket,
    // a timer) would keep it alive; the runner would otherwise wait for it with no time limit.
    '--test-force-exit',
    // --test-timeout: a test that hangs fails after 15 minutes instead of holding CI until its deadline.
    '--test-timeout=900000',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    // Relative to cwd (the root): Node 20 does not load a reporter named by an absolute path.
    '--test-reporter=./scripts/test-report.mjs',
    '--test-reporter-destination=stderr',
    ...selected,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', FLINT_TEST_REPORT: reportFile, FLINT_TEST_KMS_IDENTITY: kmsIdentity } },
);
let report;
try {
  report = JSON.parse(readFileSync(reportFile, 'utf8'));
} catch {
  // The runner died before its reporters finished: its exit status says so.
}
rmSync(reportDir, { recursive: true, force: true });
if (report !== undefined) {
  const top = Number(process.env.FLINT_TEST_SLOWEST ?? 20);
  const slowest = [...report.files].sort((a, b) => b.seconds - a.seconds).slice(0, top);
  if (slowest.length > 0) {
    const total = report.files.reduce((sum, f) => sum + f.seconds, 0);
    console.log(`\nslowest test files (wall seconds at concurrency ${concurrency}, module loading included; ${report.files.length} files, ${Math.round(total)} s in all):`);
    for (const f of slowest) console.log(`${f.seconds.toFixed(1).padStart(8)}  ${f.file}${f.failed > 0 ? '  (failed)' : ''}`);
  }
  const { passed, failed, skipped } = report.counts;
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
}
process.exit(result.status ?? 1);
