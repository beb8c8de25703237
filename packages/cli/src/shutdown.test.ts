/**
 * `endProcess` ends the process even while a file-system request is stuck in libuv's thread pool,
 * where `process.exit()` would wait for ever (the state issue 14 found a stopped server in: its
 * listener closed, its stdio and one pending file-system request alive). The stuck request is a
 * read of a FIFO nobody writes, in a child process.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SHUTDOWN = fileURLToPath(new URL('./shutdown.ts', import.meta.url));
let dir: string | undefined;
after(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function runChild(script: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the child did not end within 10 s'));
    }, 10_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - started });
    });
  });
}

describe('endProcess', () => {
  it('SIGTERM: ends the process while a file-system request is stuck (process.exit would hang)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-end-'));
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const stuck = await runChild(`
      import { readFile } from 'node:fs';
      import { endProcess, poolRequestsPending } from ${JSON.stringify(SHUTDOWN)};
      readFile(${JSON.stringify(fifo)}, () => {});
      process.on('SIGTERM', () => {});
      setTimeout(() => { if (poolRequestsPending()) endProcess(0); else process.exit(7); }, 200);
    `);
    assert.equal(stuck.signal, 'SIGTERM', 'ended by the default action of SIGTERM');
    const clean = await runChild(`
      import { endProcess } from ${JSON.stringify(SHUTDOWN)};
      process.on('SIGTERM', () => {});
      setTimeout(() => endProcess(0), 100);
    `);
    assert.deepEqual([clean.code, clean.signal], [0, null], 'nothing stuck: an ordinary exit with its code');
    const forced = await runChild(`
      import { endProcess } from ${JSON.stringify(SHUTDOWN)};
      process.on('SIGTERM', () => {});
      setTimeout(() => endProcess(1, { now: true }), 100);
    `);
    assert.equal(forced.signal, 'SIGTERM', 'the deadline ends it whatever is pending');
  });
});
