/**
 * KMS: ECDHE handshakes per second (each a new SDK KmsClient: RSA-OAEP-sealed request, ECDH,
 * signed answer) and key retrievals per second (fresh, i.e. not from the client cache: one
 * request sealed under the ephemeral key, answered with the key), over `POST /kms/messages`.
 * @module
 */
import { KmsClient, fetchKmsInfo, httpKmsTransport } from '@flint/sdk/testing/kms';
import { cpuSeconds, fmt, founder, kmsDeviceOf, machineLine, percentile, round, table, withServer, type Server } from './common.ts';

interface Rate {
  perSec: number;
  n: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuPct: number;
  loadgenCpuPct: number;
}

async function measure(server: Server, concurrency: number, seconds: number, op: (worker: number) => Promise<void>): Promise<Rate> {
  const lat: number[] = [];
  let errors = 0;
  const cpu0 = await cpuSeconds(server.pid);
  const load0 = process.cpuUsage();
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; i < 1_000_000 && performance.now() < end; i++) {
        const t = performance.now();
        try {
          await op(w);
          lat.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const wall = (performance.now() - started) / 1000;
  const load = process.cpuUsage(load0);
  lat.sort((a, b) => a - b);
  return {
    perSec: round(lat.length / wall, 0),
    n: lat.length,
    errors,
    p50Ms: round(percentile(lat, 50), 2),
    p99Ms: round(percentile(lat, 99), 2),
    serverCpuPct: round((((await cpuSeconds(server.pid)) - cpu0) / wall) * 100, 0),
    loadgenCpuPct: round(((load.user + load.system) / 1e6 / wall) * 100, 0),
  };
}

export async function kms(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const seconds = Number(process.env['FLINT_BENCH_KMS_SECONDS'] ?? 15);
  const concurrency = Number(process.env['FLINT_BENCH_KMS_CONCURRENCY'] ?? 8);
  // FLINT_BENCH_KMS_PROFILE=<dir>: the server runs under `node --cpu-prof` (profiles land in <dir>).
  const profileDir = process.env['FLINT_BENCH_KMS_PROFILE'];
  const result = await withServer({ engine: 'sqlite', ...(profileDir !== undefined ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}) }, async (server) => {
    const admin = await founder(server.url);
    const info = await fetchKmsInfo(server.url);
    const transport = httpKmsTransport(server.url);
    let device = 0;
    const newClient = () =>
      new KmsClient({ transport, kmsCluster: info.kmsCluster, rsaPublicKey: info.rsaPublicKey, bearer: () => admin.client.auth.kmsToken(), clientId: `kms-bench-${device++}`, credential: kmsDeviceOf(admin) });
    // Warm-up.
    for (let i = 0; i < 20; i++) await newClient().connect();
    const handshakes = await measure(server, concurrency, seconds, () => newClient().connect());
    console.log(`  handshakes: ${handshakes.perSec}/s`);
    const workers = await Promise.all(
      Array.from({ length: concurrency }, async () => {
        const c = newClient();
        const [key] = await c.createKeys(1);
        const resource = await c.createResource({ keyUris: [key!.uri] });
        return { c, uri: key!.uri, resource: resource.uri };
      }),
    );
    const retrievals = await measure(server, concurrency, seconds, async (w) => {
      await workers[w]!.c.retrieveKey(workers[w]!.uri, { fresh: true });
    });
    console.log(`  key retrievals: ${retrievals.perSec}/s`);
    const creates = await measure(server, concurrency, seconds, async (w) => {
      await workers[w]!.c.createKeys(1);
    });
    console.log(`  key creations: ${creates.perSec}/s`);
    return { concurrency, seconds, handshakes, retrievals, creates };
  });
  const row = (name: string, r: Rate) => [name, `**${r.perSec}**`, r.n, r.errors, `${fmt(r.p50Ms, 2)} / ${fmt(r.p99Ms, 2)}`, `${r.serverCpuPct}%`, `${r.loadgenCpuPct}%`];
  const markdown = [
    '## KMS: handshakes and key retrievals',
    '',
    machineLine(),
    `Command: \`npm run bench kms\` (the SDK \`KmsClient\` over \`POST /kms/messages\` of one \`flint serve\` on SQLite, ${result.concurrency} requests in flight, ${result.seconds} s each; a handshake is a new client's ECDHE exchange, a retrieval is \`retrieveKey(uri, {fresh: true})\` of a key bound to a resource).`,
    '',
    table(
      ['operation', 'per second', 'count', 'errors', 'p50 / p99 ms', 'server CPU', 'load-gen CPU'],
      [row('handshake (ECDHE, RSA-OAEP request)', result.handshakes), row('key retrieval', result.retrievals), row('key creation (1 key)', result.creates)],
    ),
    '',
    'Client-side work (RSA-OAEP encryption, ECDH, JWS verification, JWE) runs in the same load-generator process on the same 2 cores.',
    '',
  ].join('\n');
  return { json: { part: 'kms', ...result }, markdown };
}
