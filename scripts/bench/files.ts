/**
 * Files (SPEC FL-1, PL-3): one large encrypted file up and back through `flint serve`, on the local
 * blob folder and on S3-compatible storage (s3rver on loopback, in the benchmark's process), with
 * the client in its own process (packages/testkit/src/file-transfer-client.ts: encrypts a seeded
 * stream on the fly, uploads it, downloads and decrypts it, compares the SHA-256). Reports upload
 * and download MB/s (plaintext bytes; the client's encryption and decryption included) and each
 * process's peak RSS during the transfer (Linux VmHWM, reset just before it starts). On the local
 * folder, also a baseline commit's server and client (FLINT_BENCH_BASELINE_FILES, before issue
 * 15's file changes) in the same run, alternately (before, after, after, before).
 * @module
 */
import { loadavg } from 'node:os';
import { createSession } from '@flint/sdk';
import { measureTransfer, startS3, type TransferMeasurement } from '@flint/testkit';
import { buildCompiledAt, checkout, fmt, founder, kmsDeviceOf, machineLine, median, round, table, withServer } from './common.ts';

async function transfer(bytes: number, env: Record<string, string>, flintRoot: string | undefined): Promise<TransferMeasurement> {
  return withServer({ engine: 'sqlite', env: { ...env, FLINT_LOG_LEVEL: 'warn' }, ...(flintRoot !== undefined ? { flintRoot } : {}) }, async (server) => {
    const admin = await founder(server.url);
    // A space with a real key: the transfer client sends through its session's messages.send.
    const owner = createSession({ baseUrl: server.url, auth: { token: admin.client.transport.accessToken! }, kms: { url: server.url }, kmsCredential: kmsDeviceOf(admin) });
    const roomId = (await owner.spaces.create({ title: 'bench-files' })).id;
    owner.close();
    return measureTransfer({ url: server.url, serverPid: server.pid, token: admin.client.transport.accessToken!, roomId, bytes, kmsDevice: kmsDeviceOf(admin).device, clientRoot: flintRoot });
  });
}

const DEFAULT_BASELINE = 'd0db2be';
const line = (label: string, r: TransferMeasurement) =>
  console.log(`  ${label}: up ${fmt(r.uploadMBps)} MB/s, down ${fmt(r.downloadMBps)} MB/s, RSS growth server ${fmt(r.serverGrowthMiB)} MiB, client ${fmt(r.clientGrowthMiB)} MiB, identical ${r.identical}; load ${loadavg()[0]!.toFixed(1)}`);

export async function files(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const bytes = Number(process.env['FLINT_BENCH_FILE_BYTES'] ?? 1024 ** 3);
  const ref = process.env['FLINT_BENCH_BASELINE_FILES'] ?? DEFAULT_BASELINE;
  const baseline = await checkout(ref);
  const local: { side: 'before' | 'after'; r: TransferMeasurement; load: number }[] = [];
  let s3Result: TransferMeasurement;
  try {
    await buildCompiledAt(baseline.root);
    for (const side of ['before', 'after', 'after', 'before'] as const) {
      const r = await transfer(bytes, {}, side === 'before' ? baseline.root : undefined);
      local.push({ side, r, load: round(loadavg()[0]!, 1) });
      line(`local ${side}`, r);
    }
  } finally {
    await baseline.remove();
  }
  const s3 = await startS3();
  try {
    s3Result = await transfer(bytes, s3.env, undefined);
    line('s3', s3Result);
  } finally {
    await s3.stop();
  }
  const med = (side: 'before' | 'after', f: (r: TransferMeasurement) => number) => median(local.filter((x) => x.side === side).map((x) => f(x.r)));
  const summary = (side: 'before' | 'after'): TransferMeasurement => ({
    bytes,
    identical: local.filter((x) => x.side === side).every((x) => x.r.identical),
    uploadMBps: med(side, (r) => r.uploadMBps),
    downloadMBps: med(side, (r) => r.downloadMBps),
    clientGrowthMiB: Math.max(...local.filter((x) => x.side === side).map((x) => x.r.clientGrowthMiB)),
    serverGrowthMiB: Math.max(...local.filter((x) => x.side === side).map((x) => x.r.serverGrowthMiB)),
    clientPeakMiB: Math.max(...local.filter((x) => x.side === side).map((x) => x.r.clientPeakMiB)),
    serverPeakMiB: Math.max(...local.filter((x) => x.side === side).map((x) => x.r.serverPeakMiB)),
  });
  const before = summary('before');
  const after = summary('after');
  const row = (name: string, r: TransferMeasurement) => [
    name,
    `**${fmt(r.uploadMBps)}**`,
    `**${fmt(r.downloadMBps)}**`,
    `${fmt(r.serverGrowthMiB)} (${fmt(r.serverPeakMiB, 0)})`,
    `${fmt(r.clientGrowthMiB)} (${fmt(r.clientPeakMiB, 0)})`,
    r.identical ? 'yes' : '**NO**',
  ];
  const markdown = [
    '## Files: large encrypted file throughput and memory',
    '',
    machineLine(),
    `Command: \`npm run bench files\` (\`FLINT_BENCH_FILE_BYTES\`, default 1 GiB: here ${fmt(bytes / 1024 ** 2, 0)} MiB). One \`flint serve\` (compiled bundle) on SQLite; a client process encrypts a seeded stream on the fly (64 KiB AES-256-GCM chunks), uploads it over \`@flint/sdk/node\`'s back-pressured fetch, downloads and decrypts it and checks the SHA-256. MB/s are of plaintext (10⁶ bytes), client crypto included. RSS: growth during the transfer over the RSS just before it (peak in brackets), MiB (the largest of the runs). S3 is s3rver on loopback in the benchmark's process (it writes every part to disk and reassembles the object on completion, so its figures are a floor for S3). The local folder before and after in one run: server and client of the baseline commit \`${baseline.commit.slice(0, 7)}\` (\`FLINT_BENCH_BASELINE_FILES\`; sources from \`git archive\`, today's dependencies, its own compiled bundle) and of this checkout, alternately (before, after, after, before), medians of two runs each; load average (1 min) after each: ${local.map((x) => `${x.side} ${x.load}`).join(', ')} (2 cores).`,
    '',
    table(
      ['blob store', 'upload MB/s', 'download MB/s', 'server RSS growth (peak) MiB', 'client RSS growth (peak) MiB', 'byte-identical'],
      [row(`local folder, before (${baseline.commit.slice(0, 7)})`, before), row('local folder, after (this checkout)', after), row('S3 (s3rver), this checkout', s3Result)],
    ),
    '',
    `After / before, same run: upload ×${fmt(after.uploadMBps / before.uploadMBps, 2)}, download ×${fmt(after.downloadMBps / before.downloadMBps, 2)}.`,
    '',
    'Both processes stay flat: the server holds one socket read (local) or one 8 MiB part (S3) per upload, the client a few 64 KiB chunks. Node\'s own fetch (undici) would buffer a streamed upload body instead (+262 MiB for 256 MiB on Node 20), hence `@flint/sdk/node`.',
    '',
  ].join('\n');
  return { json: { bytes, baseline: baseline.commit, local, s3: s3Result }, markdown };
}
