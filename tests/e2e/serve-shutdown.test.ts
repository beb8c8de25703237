/**
 * SIGTERM ends `flint serve` within a bounded time whatever its log reader does (issue 14): twice a
 * server whose log reader (the parent holding its stdout pipe) had gone closed its listener on
 * SIGTERM and then ran for over an hour. Here `flint serve` runs as a real process with its
 * stdout a pipe to this test, which then closes that pipe, or stops reading it until it is full,
 * and sends SIGTERM.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLINT_BIN, freePort } from '@flint/testkit';

const SHUTDOWN_MS = 3000;
/** The bound asserted: the shutdown deadline plus time for a loaded machine to notice. */
const BOUND_MS = SHUTDOWN_MS + 7000;

const children: ChildProcess[] = [];
const dirs: string[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function serve(): Promise<{ child: ChildProcess; url: string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }> {
  const dir = await mkdtemp(join(tmpdir(), 'flint-shutdown-'));
  dirs.push(dir);
  const port = await freePort();
  const child = spawn(process.execPath, [FLINT_BIN, 'serve', '--port', String(port), '--data', join(dir, 'data')], {
    env: { ...process.env, FLINT_ARGON2_MEMORY_KIB: '1024', FLINT_LOG_LEVEL: 'info', FLINT_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_MS), FLINT_KMS_DATA_DIR: join(dir, 'data-kms') },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    assert.ok(Date.now() < deadline, 'flint serve became ready');
    try {
      if ((await fetch(`${url}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, exited };
}

async function endsWithin(exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`flint serve still running ${ms} ms after SIGTERM`)), ms);
  });
  try {
    return await Promise.race([exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Requests that each write a log line. */
async function traffic(url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: 50 }, () => fetch(`${url}/health`).then((r) => r.arrayBuffer())));
}

describe('flint serve: SIGTERM ends it within a bounded time', () => {
  it('after its log reader has gone (stdout pipe closed: every write is EPIPE)', async () => {
    const { child, url, exited } = await serve();
    child.stdout!.destroy();
    await traffic(url, 200);
    assert.equal((await fetch(`${url}/health`)).status, 200, 'still serving with nobody reading its log');
    const sent = Date.now();
    child.kill('SIGTERM');
    const end = await endsWithin(exited, BOUND_MS);
    assert.ok(end.code === 0 || end.signal === 'SIGTERM', JSON.stringify(end));
    assert.ok(Date.now() - sent < BOUND_MS);
  });

  it('while its log reader holds the pipe but no longer reads it (the pipe is full)', async () => {
    const { child, url, exited } = await serve();
    // Stop reading: the kernel's pipe buffer (64 KiB) fills with the request log.
    child.stdout!.pause();
    await traffic(url, 2000);
    assert.equal((await fetch(`${url}/health`)).status, 200, 'still serving with its log pipe full');
    const sent = Date.now();
    child.kill('SIGTERM');
    const end = await endsWithin(exited, BOUND_MS);
    assert.ok(end.code === 0 || end.signal === 'SIGTERM', JSON.stringify(end));
    assert.ok(Date.now() - sent < BOUND_MS);
    child.stdout!.destroy();
  });
});
