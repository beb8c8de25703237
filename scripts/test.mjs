#!/usr/bin/env node
// Runs every *.test.ts in the workspace with node's own test runner (TAP summary read by CI).
// Usage: npm test [-- <path filter>...]
// FLINT_TEST_DATABASE_URL=postgres://… runs the storage-touching tests on PostgreSQL instead of SQLite.
// FLINT_TEST_EXCLUDE=<fragment>[,<fragment>…] leaves out the files whose path contains a fragment
// (the PostgreSQL + Redis pass leaves out the browser tests: they test Chromium against the same server code).
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

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
const selected = files
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .filter((f) => !excluded.some((x) => f.includes(x)))
  .sort();
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.FLINT_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  // --test-force-exit: a file whose tests have all finished ends even if a handle it leaked (a socket,
  // a timer) would keep it alive; the runner would otherwise wait for it with no time limit.
  // --test-timeout: a test that hangs fails after 15 minutes instead of holding CI until its deadline.
  ['--import', 'tsx', '--test', '--test-force-exit', '--test-timeout=900000', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...selected],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
