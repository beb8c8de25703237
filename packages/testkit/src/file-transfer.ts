/**
 * Measures a large encrypted file's round trip with the server and the client in separate
 * processes (SPEC FL-1: "memory stays flat"): `flint serve` as a real process, and
 * file-transfer-client.ts. Each process's peak resident memory during the transfer alone is read
 * from Linux's high-water mark (`VmHWM` in /proc/<pid>/status), reset to the current size
 * (`clear_refs`) just before the transfer starts. Used by tests/e2e/files-large.test.ts and the
 * `files` benchmark part.
 * @module
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export interface TransferMeasurement {
  bytes: number;
  identical: boolean;
  uploadMBps: number;
  downloadMBps: number;
  /** Peak RSS during the transfer minus RSS just before it, in MiB. */
  clientGrowthMiB: number;
  serverGrowthMiB: number;
  clientPeakMiB: number;
  serverPeakMiB: number;
}

const CLIENT = fileURLToPath(new URL('./file-transfer-client.ts', import.meta.url));

export async function memory(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') * 1024, hwm: kib('VmHWM') * 1024 };
}

/** Resets the process's peak RSS to its current RSS (Linux ≥ 4.0). */
export async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}

/**
 * `kmsDevice`: the person's KMS device secret, so the transfer client is that device at the KMS (it
 * enrolls only a person's first device). `clientRoot`: another checkout of Flint whose client
 * (its SDK and file cipher) to run instead of this one's (the benchmark's before/after).
 */
export async function measureTransfer(input: { url: string; serverPid: number; token: string; roomId: string; bytes: number; kmsDevice: string; clientRoot?: string | undefined }): Promise<TransferMeasurement> {
  const client = input.clientRoot === undefined ? CLIENT : `${input.clientRoot}/packages/testkit/src/file-transfer-client.ts`;
  const child = spawn(process.execPath, ['--import', 'tsx', client], {
    ...(input.clientRoot !== undefined ? { cwd: input.clientRoot } : {}),
    env: { ...process.env, FLINT_TRANSFER_URL: input.url, FLINT_TRANSFER_TOKEN: input.token, FLINT_TRANSFER_ROOM: input.roomId, FLINT_TRANSFER_BYTES: String(input.bytes), FLINT_TRANSFER_KMS_DEVICE: input.kmsDevice },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await Promise.race([lines.next(), exited.then((code) => ({ done: true as const, value: `exited ${code}` }))]);
    if (r.done === true) throw new Error(`the transfer client stopped: ${String(r.value)}\n${stderr}`);
    return r.value;
  };
  try {
    if ((await next()) !== 'ready') throw new Error(`the transfer client did not get ready:\n${stderr}`);
    const pid = child.pid!;
    const before = { client: await memory(pid), server: await memory(input.serverPid) };
    await resetPeak(pid);
    await resetPeak(input.serverPid);
    child.stdin.write('go\n');
    const result = JSON.parse(await next()) as { bytes: number; upMs: number; downMs: number; identical: boolean };
    const after = { client: await memory(pid), server: await memory(input.serverPid) };
    const MiB = 1024 * 1024;
    return {
      bytes: result.bytes,
      identical: result.identical,
      uploadMBps: result.bytes / 1e6 / (result.upMs / 1000),
      downloadMBps: result.bytes / 1e6 / (result.downMs / 1000),
      clientGrowthMiB: (after.client.hwm - before.client.rss) / MiB,
      serverGrowthMiB: (after.server.hwm - before.server.rss) / MiB,
      clientPeakMiB: after.client.hwm / MiB,
      serverPeakMiB: after.server.hwm / MiB,
    };
  } finally {
    child.stdin.end();
    if (child.exitCode === null) child.kill();
    await exited;
  }
}
