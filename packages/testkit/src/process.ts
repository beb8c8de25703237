/**
 * `flint serve` as a real process, for tests that need one: several instances, kill -9, SIGTERM.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The compiled `flint` (packages/cli/dist/flint.mjs), as `npm start` runs it: a process starts in about
 * a second of CPU instead of the five tsx takes to compile the sources on a cold start, which the
 * suite paid for every `flint` it spawned. The test runner (scripts/test.mjs) rebuilds the bundle
 * first when a source is newer (`build-cli.mjs --if-stale`), so it is the code under test; `npm ci`
 * builds it on a fresh clone. Without a bundle (a run outside the runner that never built one), the
 * sources' entry.
 */
export const FLINT_SOURCE_BIN = fileURLToPath(new URL('../../cli/bin/flint.mjs', import.meta.url));
const COMPILED_BIN = fileURLToPath(new URL('../../cli/dist/flint.mjs', import.meta.url));
export const FLINT_BIN = existsSync(COMPILED_BIN) ? COMPILED_BIN : FLINT_SOURCE_BIN;

export interface FlintProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** SIGKILL: no shutdown, no flushing — a crash. */
  kill(): Promise<void>;
  stop(): Promise<number | null>;
}

export async function spawnFlint(port: number, env: Record<string, string>, args: string[] = []): Promise<FlintProcess> {
  const child = spawn(process.execPath, [FLINT_BIN, 'serve', '--port', String(port), ...args], {
    // Immediate sign-up as in startFlint (the e-mailed confirmation has its own tests).
    env: { ...process.env, FLINT_ARGON2_MEMORY_KIB: '1024', FLINT_SIGNUP_CONFIRM: 'immediate', FLINT_JANUS: 'off', FLINT_SIP: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(child, `http://127.0.0.1:${port}`);
  const { url } = proc;
  // Ready means answering /health, whatever the log level. A minute: on a loaded 2-core machine a
  // start-up (well under a second when quiet) has taken more than 30 s.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode() !== undefined) throw new Error(`flint serve exited with ${proc.exitCode()}:\n${proc.output()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`flint serve did not become ready:\n${proc.output()}`);
    }
    try {
      if ((await fetch(`${url}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return proc;
}

/** `flint gateway serve` as a real process in front of a core at `coreUrl` (ready once it says it listens). */
export async function spawnGateway(port: number, coreUrl: string, env: Record<string, string> = {}): Promise<FlintProcess> {
  const child = spawn(process.execPath, [FLINT_BIN, 'gateway', 'serve', '--port', String(port), '--core-url', coreUrl], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = track(child, `http://127.0.0.1:${port}`);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`flint gateway serve did not become ready:\n${proc.output()}`));
    }, 60_000);
    const onData = () => {
      if (proc.output().includes('Flint gateway listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void proc.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`flint gateway serve exited with ${code}:\n${proc.output()}`));
    });
  });
  return proc;
}

/**
 * `flint kms serve` as a real process (the KMS on its own machine), vouching for bearers through the
 * core at `coreUrl`; ready once it answers `/kms/info`. Restart it with `stop()` and a new call on
 * the same port and data folder.
 */
export async function spawnKms(port: number, options: { dataDir: string; coreUrl: string; cluster: string; env?: Record<string, string> }): Promise<FlintProcess> {
  const child = spawn(process.execPath, [FLINT_BIN, 'kms', '--data', options.dataDir, 'serve', '--port', String(port), '--cluster', options.cluster, '--core-url', options.coreUrl], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(child, `http://127.0.0.1:${port}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode() !== undefined) throw new Error(`flint kms serve exited with ${proc.exitCode()}:\n${proc.output()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`flint kms serve did not become ready:\n${proc.output()}`);
    }
    try {
      if ((await fetch(`${proc.url}/kms/info`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return proc;
}

/** Collects a child's output and exit, and gives the handle both spawners return. */
function track(child: ChildProcess, url: string): FlintProcess & { exitCode(): number | null | undefined; exited: Promise<number | null> } {
  let output = '';
  // Registered before any other listener, so a caller's 'data' handler sees this chunk in output().
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      exitCode = code;
      r(code);
    }),
  );
  return {
    child,
    url,
    exited,
    exitCode: () => exitCode,
    output: () => output,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      return exited;
    },
  };
}
