/**
 * SPEC FL-1 (Done when) — a 1 GB file goes up and comes back byte-identical while the server's and
 * the client's memory stay flat. The server is `flint serve` and the client a separate process
 * (packages/testkit/src/file-transfer-client.ts), so each one's peak RSS during the transfer is
 * measured on its own (Linux VmHWM, reset just before) and must stay within a fixed bound that does
 * not grow with the file. A bound, not a timing: the MB/s are reported, never asserted.
 *
 * Runs once in CI, on the SQLite pass: skipped when FLINT_TEST_DATABASE_URL is set (the PostgreSQL
 * pass) or FLINT_TEST_SKIP_LARGE_FILE=1 (the Node 24 pass). FLINT_TEST_LARGE_FILE_BYTES sets the size.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, newDeviceSecret } from '@flint/sdk';
import { freePort, measureTransfer, NodeWebSocket, spawnFlint, TEST_PASSWORD, type FlintProcess } from '@flint/testkit';

const BYTES = Number(process.env['FLINT_TEST_LARGE_FILE_BYTES'] ?? 1024 ** 3);
const BOUND_MIB = 300;
const skip = process.env['FLINT_TEST_DATABASE_URL'] !== undefined || process.env['FLINT_TEST_SKIP_LARGE_FILE'] === '1';

describe('FL-1: a large file, server and client in separate processes', { skip }, () => {
  let dir: string;
  let server: FlintProcess;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-large-'));
    server = await spawnFlint(await freePort(), { FLINT_LOG_LEVEL: 'warn' }, ['--data', dir]);
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(`FL-1: ${(BYTES / 1024 ** 2).toFixed(0)} MiB up and back byte-identical; each process's RSS grows by less than ${BOUND_MIB} MiB`, { timeout: 15 * 60_000 }, async (t) => {
    // Ada's one KMS device, shared with the transfer client (the KMS enrolls only her first device).
    const kmsDevice = newDeviceSecret();
    const ada = createSession({ baseUrl: server.url, WebSocket: NodeWebSocket, kmsCredential: { device: kmsDevice } });
    await ada.signUp({ email: 'ada@large.example', password: TEST_PASSWORD, displayName: 'Ada' });
    // A space with a real key: the transfer client sends the file through its own session's messages.send.
    const roomId = (await ada.spaces.create({ title: 'large' })).id;
    ada.close();
    const m = await measureTransfer({ url: server.url, serverPid: server.child.pid!, token: ada.api.transport.accessToken!, roomId, bytes: BYTES, kmsDevice });
    t.diagnostic(
      `${(BYTES / 1024 ** 2).toFixed(0)} MiB: upload ${m.uploadMBps.toFixed(1)} MB/s, download+decrypt ${m.downloadMBps.toFixed(1)} MB/s; ` +
        `peak RSS growth: server ${m.serverGrowthMiB.toFixed(1)} MiB (peak ${m.serverPeakMiB.toFixed(0)} MiB), client ${m.clientGrowthMiB.toFixed(1)} MiB (peak ${m.clientPeakMiB.toFixed(0)} MiB)`,
    );
    assert.equal(m.bytes, BYTES);
    assert.ok(m.identical, 'the file came back byte-identical');
    assert.ok(m.serverGrowthMiB < BOUND_MIB, `server RSS grew by ${m.serverGrowthMiB.toFixed(1)} MiB`);
    assert.ok(m.clientGrowthMiB < BOUND_MIB, `client RSS grew by ${m.clientGrowthMiB.toFixed(1)} MiB`);
  });
});
