/**
 * Where `flint serve` keeps its data (issue 14, finding 7): the KMS's master key and database in
 * their own folder beside the core's data folder, never inside it, so a copy of `./data` holds
 * ciphertext without the keys; folders 0700 and files 0600; an install from before the split
 * (`./data/kms`) is moved on start, and the log says so. Real processes.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLINT_BIN, freePort } from '@flint/testkit';

let root: string | undefined;
after(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const exists = (path: string) => stat(path).then(() => true, () => false);

/** Runs `flint serve` until ready, reads /kms/info, stops it with SIGTERM; or reports how it failed to start. */
async function runOnce(data: string): Promise<{ code: number | null; output: string; info?: unknown }> {
  const port = await freePort();
  const child = spawn(process.execPath, [FLINT_BIN, 'serve', '--port', String(port), '--data', data], {
    env: { ...process.env, FLINT_ARGON2_MEMORY_KIB: '1024', FLINT_LOG_LEVEL: 'info', FLINT_KMS_DATA_DIR: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let ended: number | null | undefined;
  void exited.then((c) => (ended = c));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (ended !== undefined) return { code: ended, output };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`flint serve did not start:\n${output}`);
    }
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200) break;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const info = await (await fetch(`http://127.0.0.1:${port}/kms/info`)).json();
  child.kill('SIGTERM');
  return { code: await exited, output, info };
}

describe('flint serve: the KMS keeps its data outside the core’s data folder', () => {
  it('SEC-2: a fresh install makes <data> and <data>-kms, owner-only; the master key is not in <data>', async () => {
    root = await mkdtemp(join(tmpdir(), 'flint-folders-'));
    const data = join(root, 'data');
    const first = await runOnce(data);
    assert.equal(first.code, 0, first.output);
    const kms = `${data}-kms`;
    assert.ok(await exists(join(kms, 'master.key')), 'the master key is in the KMS folder');
    assert.equal(await exists(join(data, 'kms')), false, 'nothing of the KMS in the core folder');
    assert.equal(await mode(data), 0o700);
    assert.equal(await mode(kms), 0o700);
    assert.equal(await mode(join(kms, 'master.key')), 0o600);
    assert.equal(await mode(join(data, 'flint.db')), 0o600);
    for (const f of ['kms.db', 'kms.sqlite', 'kms.sqlite3']) if (await exists(join(kms, f))) assert.equal(await mode(join(kms, f)), 0o600, f);

    // An older install: the KMS inside the data folder, files readable by all.
    const key = await readFile(join(kms, 'master.key'));
    await rename(kms, join(data, 'kms'));
    await chmod(data, 0o755);
    await chmod(join(data, 'flint.db'), 0o644);
    const second = await runOnce(data);
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, /moved the KMS's data/);
    assert.equal(await exists(join(data, 'kms')), false, 'moved out');
    assert.deepEqual(await readFile(join(kms, 'master.key')), key, 'the same master key');
    assert.deepEqual(second.info, first.info, 'the same KMS (its CA and static key) after the move');
    assert.equal(await mode(data), 0o700);
    assert.equal(await mode(join(data, 'flint.db')), 0o600);

    // Both places hold a KMS: Flint will not guess which one is right.
    await mkdir(join(data, 'kms'));
    await rename(join(kms, 'master.key'), join(data, 'kms', 'master.key'));
    await mkdir(kms, { recursive: true });
    await writeFile(join(kms, 'master.key'), await readFile(join(data, 'kms', 'master.key')));
    const third = await runOnce(data);
    assert.equal(third.code, 2);
    assert.match(third.output, /the KMS data is in two places/);
  });
});
