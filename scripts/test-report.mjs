// A node:test reporter beside `spec` (scripts/test.mjs adds it): counts the tests and times each test
// file, from the moment the runner starts the file (its process loads modules first) to its end,
// and writes both as JSON to FLINT_TEST_REPORT for scripts/test.mjs to summarize. Wall time at the
// run's concurrency: what CI waits for (CPU time per file: see docs/ci.md).
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

export default async function* report(source) {
  const files = new Map();
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const fileOf = (data) => (typeof data?.file === 'string' ? relative(root, data.file) : undefined);
  const entry = (file) => {
    let e = files.get(file);
    if (e === undefined) files.set(file, (e = { started: Date.now(), ended: Date.now(), durationMs: undefined, failed: 0 }));
    return e;
  };
  const out = process.env['FLINT_TEST_REPORT'];
  // Written as it goes, after each top-level test and file: --test-force-exit ends the process when
  // the last file ends, without waiting for reporters to finish.
  const save = () => {
    if (out === undefined) return;
    const perFile = [...files].map(([file, e]) => ({ file, seconds: Math.round((e.durationMs ?? e.ended - e.started) / 100) / 10, failed: e.failed }));
    writeFileSync(out, JSON.stringify({ counts, files: perFile }));
  };
  for await (const event of source) {
    const { type, data } = event;
    const file = fileOf(data);
    if (file === undefined) {
      if (type === 'test:plan') save();
      continue;
    }
    const e = entry(file);
    e.ended = Date.now();
    // The file itself, reported as a test named by its path (absolute on Node 20, relative to the
    // working folder on Node 24): its whole run, loading included.
    const isFile = data.nesting === 0 && typeof data.name === 'string' && resolve(data.name) === resolve(data.file);
    if (type === 'test:dequeue' && isFile) e.started = Date.now();
    if (type === 'test:complete' && isFile && typeof data.details?.duration_ms === 'number') e.durationMs = data.details.duration_ms;
    if ((type === 'test:pass' || type === 'test:fail') && data.details?.type !== 'suite' && (!isFile || type === 'test:fail')) {
      if (type === 'test:fail') {
        counts.failed++;
        e.failed++;
      } else if (data.skip !== undefined || data.todo !== undefined) counts.skipped++;
      else counts.passed++;
    }
    if (data.nesting === 0 && (type === 'test:complete' || type === 'test:pass' || type === 'test:fail')) save();
  }
  save();
}
