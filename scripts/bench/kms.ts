/**
 * KMS: ECDHE handshakes per second (each a new SDK KmsClient: RSA-OAEP-sealed request, ECDH,
 * signed answer) and key retrievals per second (fresh, i.e. not from the client cache: one
 * request sealed under the ephemeral key, answered with the key), over `POST /kms/messages` —
 * for this checkout and for a baseline commit (FLINT_BENCH_BASELINE_KMS, before issue 15's KMS
 * changes), alternately in the same run (before, after, after, before), so the two are compared on
 * the same machine at the same time.
 * @module
 */
import { KmsClient, fetchKmsInfo, httpKmsTransport } from '@flint/sdk/testing/kms';
import { buildCompiledAt, checkout, cpuSeconds, fmt, founder, kmsDeviceOf, machineLine, median, percentile, round, table, withServer, type Server } from './common.ts';
import { loadavg } from 'node:os';

interface Rate {
  perSec: number;
  n: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuPct: number;
  /** Server CPU per operation, ms (the figure that does not depend on how busy the machine is). */
  serverCpuMsPerOp: number;
  loadgenCpuPct: number;
}

interface Run {
  side: 'before' | 'after';
  handshakes: Rate;
  retrievals: Rate;
  creates: Rate;
  loadAverage: number[];
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
  const serverCpu = (await cpuSeconds(server.pid)) - cpu0;
  lat.sort((a, b) => a - b);
  return {
    perSec: round(lat.length / wall, 0),
    n: lat.length,
    errors,
    p50Ms: round(percentile(lat, 50), 2),
    p99Ms: round(percentile(lat, 99), 2),
    serverCpuPct: round((serverCpu / wall) * 100, 0),
    serverCpuMsPerOp: round((serverCpu * 1000) / Math.max(1, lat.length), 3),
    loadgenCpuPct: round(((load.user + load.system) / 1e6 / wall) * 100, 0),
  };
}

async function runOnce(side: Run['side'], flintRoot: string | undefined, concurrency: number, seconds: number): Promise<Run> {
  // FLINT_BENCH_KMS_PROFILE=<dir>: the server runs under `node --cpu-prof` (profiles land in <dir>).
  const profileDir = process.env['FLINT_BENCH_KMS_PROFILE'];
  return withServer({ engine: 'sqlite', ...(flintRoot !== undefined ? { flintRoot } : {}), ...(profileDir !== undefined ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', `${profileDir}/${side}`] } : {}) }, async (server) => {
    const admin = await founder(server.url);
    const info = await fetchKmsInfo(server.url);
    const transport = httpKmsTransport(server.url);
    let device = 0;
    const newClient = () =>
      new KmsClient({ transport, kmsCluster: info.kmsCluster, rsaPublicKey: info.rsaPublicKey, bearer: () => admin.client.auth.kmsToken(), clientId: `kms-bench-${device++}`, credential: kmsDeviceOf(admin) });
    // Warm-up.
    for (let i = 0; i < 20; i++) await newClient().connect();
    const handshakes = await measure(server, concurrency, seconds, () => newClient().connect());
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
    const creates = await measure(server, concurrency, seconds, async (w) => {
      await workers[w]!.c.createKeys(1);
    });
    const run: Run = { side, handshakes, retrievals, creates, loadAverage: loadavg().map((x) => round(x, 1)) };
    console.log(`  ${side}: handshakes ${handshakes.perSec}/s (${handshakes.serverCpuMsPerOp} ms CPU each), retrievals ${retrievals.perSec}/s (${retrievals.serverCpuMsPerOp} ms), creations ${creates.perSec}/s (${creates.serverCpuMsPerOp} ms); load ${run.loadAverage.join(' / ')}`);
    return run;
  });
}

const DEFAULT_BASELINE = 'd0db2be';

export async function kms(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const seconds = Number(process.env['FLINT_BENCH_KMS_SECONDS'] ?? 10);
  const concurrency = Number(process.env['FLINT_BENCH_KMS_CONCURRENCY'] ?? 8);
  const ref = process.env['FLINT_BENCH_BASELINE_KMS'] ?? DEFAULT_BASELINE;
  const baseline = await checkout(ref);
  const runs: Run[] = [];
  try {
    // The baseline as deployed too: its own compiled bundle, not its sources through tsx.
    await buildCompiledAt(baseline.root);
    for (const side of ['before', 'after', 'after', 'before'] as const) runs.push(await runOnce(side, side === 'before' ? baseline.root : undefined, concurrency, seconds));
  } finally {
    await baseline.remove();
  }
  type Op = 'handshakes' | 'retrievals' | 'creates';
  const med = (side: Run['side'], op: Op, field: keyof Rate) => median(runs.filter((r) => r.side === side).map((r) => r[op][field]));
  const ops: [Op, string][] = [
    ['handshakes', 'handshake (ECDHE, RSA-OAEP request)'],
    ['retrievals', 'key retrieval'],
    ['creates', 'key creation (1 key)'],
  ];
  const rows = ops.flatMap(([op, name]) =>
    (['before', 'after'] as const).map((side) => [
      `${name}, ${side === 'before' ? `before (${baseline.commit.slice(0, 7)})` : 'after (this checkout)'}`,
      `**${fmt(med(side, op, 'perSec'), 0)}**`,
      fmt(med(side, op, 'serverCpuMsPerOp'), 3),
      runs.filter((r) => r.side === side).reduce((s, r) => s + r[op].errors, 0),
      `${fmt(med(side, op, 'p50Ms'), 2)} / ${fmt(med(side, op, 'p99Ms'), 2)}`,
      `${fmt(med(side, op, 'serverCpuPct'), 0)}%`,
      `${fmt(med(side, op, 'loadgenCpuPct'), 0)}%`,
    ]),
  );
  const ratio = (op: Op, field: keyof Rate) => fmt(med('after', op, field) / med('before', op, field), 2);
  const markdown = [
    '## KMS: handshakes and key retrievals',
    '',
    machineLine(),
    `Command: \`npm run bench kms\` (the SDK \`KmsClient\` over \`POST /kms/messages\` of one \`flint serve\` (compiled bundle) on SQLite, ${concurrency} requests in flight, ${seconds} s each; a handshake is a new client's ECDHE exchange, a retrieval is \`retrieveKey(uri, {fresh: true})\` of a key bound to a resource). Before and after in one run: the baseline commit \`${baseline.commit.slice(0, 7)}\` (\`FLINT_BENCH_BASELINE_KMS\`: the sources from \`git archive\`, today's dependencies, its own compiled bundle) and this checkout, alternately (before, after, after, before), each on a fresh server; medians of the two runs of each side. Load average after each run (1 min): ${runs.map((r) => `${r.side} ${r.loadAverage[0]}`).join(', ')} (2 cores).`,
    '',
    table(['operation', 'per second', 'server CPU ms per op', 'errors', 'p50 / p99 ms', 'server CPU', 'load-gen CPU'], rows),
    '',
    `After / before, same run: key retrievals ×${ratio('retrievals', 'perSec')} per second, server CPU per retrieval ×${ratio('retrievals', 'serverCpuMsPerOp')}; handshakes ×${ratio('handshakes', 'perSec')} per second, server CPU per handshake ×${ratio('handshakes', 'serverCpuMsPerOp')}; key creations ×${ratio('creates', 'perSec')}, CPU ×${ratio('creates', 'serverCpuMsPerOp')}.`,
    '',
    'Per second is what the load generator got through on this shared 2-core machine, its own client-side work (RSA-OAEP encryption, ECDH, JWS verification, JWE) running in the same process on the same cores; server CPU per operation (the `flint serve` process, core and KMS together: the core checks the bearer of each request) is what the server spent, the figure to read against the goal per core (10,000 retrievals/s per core = 0.1 ms; 1,000 handshakes/s per core = 1 ms).',
    '',
  ].join('\n');
  return { json: { part: 'kms', concurrency, seconds, baseline: baseline.commit, runs }, markdown };
}
