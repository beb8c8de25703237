/**
 * Files (SPEC FL-1, PL-3): one large encrypted file up and back through `flint serve`, on the local
 * blob folder and on S3-compatible storage (s3rver on loopback, in the benchmark's process), with
 * the client in its own process (packages/testkit/src/file-transfer-client.ts: encrypts a seeded
 * stream on the fly, uploads it, downloads and decrypts it, compares the SHA-256). Reports upload
 * and download MB/s (plaintext bytes; the client's encryption and decryption included) and each
 * process's peak RSS during the transfer (Linux VmHWM, reset just before it starts).
 * @module
 */
import { createSession } from '@flint/sdk';
import { measureTransfer, startS3, type TransferMeasurement } from '@flint/testkit';
import { fmt, founder, kmsDeviceOf, machineLine, table, withServer } from './common.ts';

export async function files(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const bytes = Number(process.env['FLINT_BENCH_FILE_BYTES'] ?? 1024 ** 3);
  const results: Record<string, TransferMeasurement> = {};
  for (const store of ['local', 's3'] as const) {
    const s3 = store === 's3' ? await startS3() : undefined;
    try {
      results[store] = await withServer({ engine: 'sqlite', env: { ...(s3?.env ?? {}), FLINT_LOG_LEVEL: 'warn' } }, async (server) => {
        const admin = await founder(server.url);
        // A space with a real key: the transfer client sends through its session's messages.send.
        const owner = createSession({ baseUrl: server.url, auth: { token: admin.client.transport.accessToken! }, kms: { url: server.url }, kmsCredential: kmsDeviceOf(admin) });
        const roomId = (await owner.spaces.create({ title: 'bench-files' })).id;
        owner.close();
        return measureTransfer({ url: server.url, serverPid: server.pid, token: admin.client.transport.accessToken!, roomId, bytes, kmsDevice: kmsDeviceOf(admin).device });
      });
      const r = results[store];
      console.log(`  ${store}: up ${fmt(r.uploadMBps)} MB/s, down ${fmt(r.downloadMBps)} MB/s, RSS growth server ${fmt(r.serverGrowthMiB)} MiB, client ${fmt(r.clientGrowthMiB)} MiB, identical ${r.identical}`);
    } finally {
      await s3?.stop();
    }
  }
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
    `Command: \`npm run bench files\` (\`FLINT_BENCH_FILE_BYTES\`, default 1 GiB: here ${fmt(bytes / 1024 ** 2, 0)} MiB). One \`flint serve\` on SQLite; a client process encrypts a seeded stream on the fly (64 KiB AES-256-GCM chunks), uploads it over \`@flint/sdk/node\`'s back-pressured fetch, downloads and decrypts it and checks the SHA-256. MB/s are of plaintext (10⁶ bytes), client crypto included. RSS: growth during the transfer over the RSS just before it (peak in brackets), MiB. S3 is s3rver on loopback in the benchmark's process (it writes every part to disk and reassembles the object on completion, so its figures are a floor for S3).`,
    '',
    table(['blob store', 'upload MB/s', 'download MB/s', 'server RSS growth (peak) MiB', 'client RSS growth (peak) MiB', 'byte-identical'], [row('local folder', results['local']!), row('S3 (s3rver)', results['s3']!)]),
    '',
    'Both processes stay flat: the server holds one socket read (local) or one 8 MiB part (S3) per upload, the client a few 64 KiB chunks. Node\'s own fetch (undici) would buffer a streamed upload body instead (+262 MiB for 256 MiB on Node 20), hence `@flint/sdk/node`.',
    '',
  ].join('\n');
  return { json: { bytes, results }, markdown };
}
