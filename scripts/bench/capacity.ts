/**
 * Capacity (issue 15): Flint against ejabberd, one room of 100 members on each side, under both
 * durability settings (one fsync per commit — SQLite `synchronous = FULL` on both sides — and
 * `NORMAL`), three runs per offered rate with medians; PostgreSQL + Redis with one instance and
 * with two; a 1,000- and 5,000-member space. The load generator is not one process on one core any
 * more: its members live in worker threads (load-worker.mjs) that check every delivery's id and
 * order and decrypt a sample with node:crypto; the main thread only schedules sends. A step that
 * fails while the generator saturated (a worker's event loop over 85 % busy or lagging, or sends
 * issued late) is refused, not counted against the server.
 *
 * `--quick` (or FLINT_BENCH_QUICK=1): a smoke run — one run per rate, short steps, two rates, a
 * 300-member space — to check the part works, not to measure.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import {
  cpuByName,
  cpuSeconds,
  cpuSince,
  createPeople,
  fmt,
  founder,
  kmsClientFor,
  machineBusySeconds,
  machineLine,
  median,
  percentile,
  pool,
  round,
  sleep,
  startServer,
  table,
  waitForQuiet,
  type Engine,
  type Member,
  type Server,
} from './common.ts';
import { ejabberdInstalled, EJABBERD_PREREQUISITE, MUC_SERVICE, startEjabberd, XMPP_DOMAIN, type Ejabberd } from './ejabberd-server.ts';
import { insertMemberships } from './large-space.ts';

const QUICK = process.argv.includes('--quick') || process.env['FLINT_BENCH_QUICK'] === '1';
const P99_LIMIT_MS = 250;
const MEMBERS = 100;
const RATES = (process.env['FLINT_BENCH_CAPACITY_RATES'] ?? (QUICK ? '50,100' : '20,50,100,175,250,350,500,700')).split(',').map(Number);
const PG_RATES = (process.env['FLINT_BENCH_PG_RATES'] ?? (QUICK ? '50' : '20,50,100,175,250,350,500')).split(',').map(Number);
const RUNS = Number(process.env['FLINT_BENCH_RUNS'] ?? (QUICK ? 1 : 3));
const STEP_S = Number(process.env['FLINT_BENCH_CAPACITY_STEP_S'] ?? (QUICK ? 3 : 4));
const LARGE = (process.env['FLINT_BENCH_CAPACITY_LARGE'] ?? (QUICK ? '300' : '1000,5000')).split(',').map(Number);
const LARGE_MESSAGES = QUICK ? 3 : 6;
const WORKERS = Number(process.env['FLINT_BENCH_WORKERS'] ?? 4);
const SAMPLE = 10;
/** A worker whose event loop was busier than this, or lagged more, measured itself. */
const MAX_ELU = 0.85;
const MAX_LAG_MS = 100;
const PASSWORD = 'bench password correct horse';
/** Which sections run (default all): peers, pg, large; and durabilities for the peers. */
const SECTIONS = (process.env['FLINT_BENCH_CAPACITY_SECTIONS'] ?? 'peers,pg,large').split(',');
const DURABILITIES = (process.env['FLINT_BENCH_DURABILITIES'] ?? 'full,normal').split(',') as ('full' | 'normal')[];
const PAD = 'x'.repeat(170);

type Durability = 'full' | 'normal';
const nowAbs = () => performance.timeOrigin + performance.now();

interface WorkerStats {
  received: number;
  orderErrors: number;
  duplicates: number;
  decrypted: number;
  decryptErrors: number;
  elu: number;
  lagP99Ms: number;
  firstError?: string;
}

/** The load generator: worker threads holding the members, and the bookkeeping of sends and arrivals. */
class LoadGen {
  readonly workers: Worker[] = [];
  private readonly waiting = new Map<Worker, (value: unknown) => void>();
  /** seq → scheduled absolute time, step number; message id → seq. */
  readonly scheduled = new Map<number, { at: number; step: number; accepted?: number; expected: number }>();
  readonly idToSeq = new Map<string, number>();
  arrivals: { ids: string[]; times: number[] }[] = [];
  seqMismatches = 0;
  sendErrors: string[] = [];
  inFlight = 0;
  constructor(readonly size: number) {}

  static async start(kind: 'flint' | 'xmpp', members: Record<string, unknown>[], shared: Record<string, unknown>): Promise<LoadGen> {
    const gen = new LoadGen(members.length);
    const count = Math.min(WORKERS, members.length);
    const ready: Promise<void>[] = [];
    for (let w = 0; w < count; w++) {
      const mine = members.filter((_, i) => i % count === w);
      const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), { workerData: { kind, members: mine, sample: SAMPLE, ...shared }, execArgv: [] });
      gen.workers.push(worker);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.on('error', reject);
          worker.on('message', (msg: { t: string; [k: string]: unknown }) => {
            if (msg.t === 'ready') resolve();
            else if (msg.t === 'failed') reject(new Error(String(msg['error'])));
            else gen.onMessage(worker, msg);
          });
        }),
      );
    }
    await Promise.all(ready);
    return gen;
  }

  private onMessage(worker: Worker, msg: { t: string; [k: string]: unknown }): void {
    if (msg.t === 'arr') this.arrivals.push({ ids: msg['ids'] as string[], times: msg['times'] as number[] });
    else if (msg.t === 'sent') {
      const seq = msg['seq'] as number;
      this.idToSeq.set(msg['id'] as string, seq);
      const s = this.scheduled.get(seq);
      if (s !== undefined) s.accepted = (msg['at'] as number) - s.at;
      this.inFlight--;
    } else if (msg.t === 'sendError') {
      this.sendErrors.push(String(msg['error']));
      this.scheduled.delete(msg['seq'] as number);
      this.inFlight--;
    } else if (msg.t === 'seq') {
      const known = this.idToSeq.get(msg['id'] as string);
      if (known !== undefined && known !== msg['seq']) this.seqMismatches++;
    } else if (msg.t === 'stats' || msg.t === 'reset') {
      this.waiting.get(worker)?.(msg);
      this.waiting.delete(worker);
    }
  }

  private ask(t: 'stats' | 'reset'): Promise<WorkerStats[]> {
    return Promise.all(
      this.workers.map(
        (w) =>
          new Promise<WorkerStats>((resolve) => {
            this.waiting.set(w, resolve as (value: unknown) => void);
            w.postMessage({ t });
          }),
      ),
    );
  }

  reset = () => this.ask('reset');
  stats = () => this.ask('stats');

  send(seq: number, member: number, plaintext: string): void {
    this.inFlight++;
    this.workers[member % this.workers.length]!.postMessage({ t: 'send', seq, member: Math.floor(member / this.workers.length), plaintext });
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        const exited = new Promise((r) => w.once('exit', r));
        w.postMessage({ t: 'stop' });
        const timer = setTimeout(() => void w.terminate(), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

interface RunResult {
  sent: number;
  expected: number;
  received: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  acceptedP50Ms: number;
  serverCpuPct: number;
  serverCpuMsPerMsg: number;
  genCpuPct: number;
  workerEluMax: number;
  workerLagP99Ms: number;
  mainLagP99Ms: number;
  onTimeShare: number;
  othersCpuPct: number;
  orderErrors: number;
  duplicates: number;
  decrypted: number;
  decryptErrors: number;
  sendErrors: number;
  saturated?: string;
}

interface StepResult {
  rate: number;
  runs: RunResult[];
  p50Ms: number;
  p99Ms: number;
  serverCpuMsPerMsg: number;
  ok: boolean;
  refused?: string;
}

interface Side {
  name: string;
  gen: LoadGen;
  pids: () => number[];
  services: readonly string[];
  receiversPerMessage: number;
}

let stepCounter = 0;

/** One open-loop run of `seconds` at `rate`, then a bounded drain. */
async function runOnce(side: Side, state: { seq: number }, rate: number, seconds: number): Promise<RunResult> {
  const gen = side.gen;
  const step = ++stepCounter;
  await waitForQuiet(side.pids(), QUICK ? 1000 : 3000, 0.25, side.services);
  await gen.reset();
  gen.arrivals = [];
  const sendErrors0 = gen.sendErrors.length;
  const pids = side.pids();
  const cpu0 = await Promise.all(pids.map((p) => cpuSeconds(p).catch(() => 0)));
  const services0 = await cpuByName(side.services);
  const machine0 = await machineBusySeconds();
  const gen0 = process.cpuUsage();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const start = performance.now();
  const end = start + seconds * 1000;
  let onTime = 0;
  let attempted = 0;
  const seqs: number[] = [];
  for (let i = 0; ; i++) {
    const at = start + (i * 1000) / rate;
    if (at >= end) break;
    const wait = at - performance.now();
    if (wait > 1) await sleep(wait);
    attempted++;
    if (performance.now() - at < 50) onTime++;
    const seq = state.seq++;
    seqs.push(seq);
    gen.scheduled.set(seq, { at: performance.timeOrigin + at, step, expected: side.receiversPerMessage });
    gen.send(seq, Math.floor(Math.random() * gen.size), JSON.stringify({ seq, pad: PAD }));
  }
  lag.disable();
  const sendDeadline = performance.now() + 15_000;
  while (gen.inFlight > 0 && performance.now() < sendDeadline) await sleep(10);
  const sent = seqs.filter((s) => gen.scheduled.get(s)?.accepted !== undefined);
  const expected = sent.length * side.receiversPerMessage;
  // Only sends the server accepted within the deadline count; one not accepted by then is a failure.
  const ofStep = (id: string) => {
    const s = gen.scheduled.get(gen.idToSeq.get(id) ?? -1);
    return s?.step === step && s.accepted !== undefined ? s : undefined;
  };
  const unaccepted = seqs.length - sent.length - (gen.sendErrors.length - sendErrors0);
  const count = () => gen.arrivals.reduce((n, a) => n + a.ids.filter((id) => ofStep(id) !== undefined).length, 0);
  const drainDeadline = performance.now() + 5000;
  while (performance.now() < drainDeadline) {
    await sleep(100);
    if (count() >= expected) break;
  }
  const wall = (performance.now() - start) / 1000;
  const cpu1 = await Promise.all(pids.map((p) => cpuSeconds(p).catch(() => 0)));
  const serverCpu = cpu1.reduce((a, b, i) => a + b - cpu0[i]!, 0);
  const servicesCpu = cpuSince(services0, await cpuByName(side.services));
  const genCpu = process.cpuUsage(gen0);
  const genCpuS = (genCpu.user + genCpu.system) / 1e6;
  const machineCpu = (await machineBusySeconds()) - machine0;
  const stats = await gen.stats();
  const lat: number[] = [];
  for (const batch of gen.arrivals) {
    for (let k = 0; k < batch.ids.length; k++) {
      const s = ofStep(batch.ids[k]!);
      if (s !== undefined) lat.push(batch.times[k]! - s.at);
    }
  }
  const received = lat.length;
  for (let k = received; k < expected; k++) lat.push(Infinity);
  lat.sort((a, b) => a - b);
  const accepted = sent.map((s) => gen.scheduled.get(s)!.accepted!).sort((a, b) => a - b);
  for (const s of seqs) gen.scheduled.delete(s);
  const workerEluMax = Math.max(...stats.map((s) => s.elu));
  const workerLagP99Ms = Math.max(...stats.map((s) => s.lagP99Ms));
  const mainLagP99Ms = lag.count > 0 ? lag.percentile(99) / 1e6 : 0;
  const onTimeShare = onTime / Math.max(1, attempted);
  const saturated =
    workerEluMax > MAX_ELU
      ? `a load-generator worker was ${Math.round(workerEluMax * 100)} % busy`
      : workerLagP99Ms > MAX_LAG_MS
        ? `a load-generator worker lagged ${Math.round(workerLagP99Ms)} ms (p99)`
        : mainLagP99Ms > MAX_LAG_MS
          ? `the scheduler thread lagged ${Math.round(mainLagP99Ms)} ms (p99)`
          : onTimeShare < 0.9
            ? `only ${Math.round(onTimeShare * 100)} % of sends left on time`
            : undefined;
  const firstError = stats.find((s) => s.firstError !== undefined)?.firstError ?? gen.sendErrors[sendErrors0];
  if (firstError !== undefined) console.log(`    first error: ${firstError.slice(0, 200)}`);
  return {
    sent: sent.length,
    expected,
    received,
    p50Ms: round(percentile(lat, 50)),
    p99Ms: round(percentile(lat, 99)),
    maxMs: round(lat[lat.length - 1] ?? NaN),
    acceptedP50Ms: round(percentile(accepted, 50)),
    serverCpuPct: round((serverCpu / wall) * 100, 0),
    serverCpuMsPerMsg: round((serverCpu * 1000) / Math.max(1, sent.length), 2),
    genCpuPct: round((genCpuS / wall) * 100, 0),
    workerEluMax: round(workerEluMax, 2),
    workerLagP99Ms: round(workerLagP99Ms),
    mainLagP99Ms: round(mainLagP99Ms),
    onTimeShare: round(onTimeShare, 2),
    othersCpuPct: round((Math.max(0, machineCpu - serverCpu - genCpuS - servicesCpu) / wall) * 100, 0),
    orderErrors: stats.reduce((a, s) => a + s.orderErrors, 0),
    duplicates: stats.reduce((a, s) => a + s.duplicates, 0),
    decrypted: stats.reduce((a, s) => a + s.decrypted, 0),
    decryptErrors: stats.reduce((a, s) => a + s.decryptErrors, 0),
    sendErrors: gen.sendErrors.length - sendErrors0 + Math.max(0, unaccepted),
    ...(saturated !== undefined ? { saturated } : {}),
  };
}

const runOk = (r: RunResult) => r.sendErrors === 0 && r.received >= r.expected && r.orderErrors === 0 && r.duplicates === 0 && r.decryptErrors === 0;

/** A rate, `RUNS` times: passes with the median p99 under the limit and no loss in any run. */
async function runStep(side: Side, state: { seq: number }, rate: number): Promise<StepResult> {
  const runs: RunResult[] = [];
  for (let k = 0; k < RUNS; k++) {
    runs.push(await runOnce(side, state, rate, STEP_S));
    await sleep(500);
  }
  const p99 = median(runs.map((r) => r.p99Ms));
  const ok = p99 < P99_LIMIT_MS && runs.every(runOk) && runs.every((r) => r.sent >= 0.95 * rate * STEP_S);
  const saturated = runs.find((r) => r.saturated !== undefined)?.saturated;
  const result: StepResult = { rate, runs, p50Ms: median(runs.map((r) => r.p50Ms)), p99Ms: p99, serverCpuMsPerMsg: median(runs.map((r) => r.serverCpuMsPerMsg)), ok };
  if (!ok && saturated !== undefined) result.refused = saturated;
  const r = runs;
  console.log(
    `  [${side.name}] ${rate}/s: p99 ${r.map((x) => fmt(x.p99Ms)).join(' / ')} ms, delivered ${r.map((x) => `${x.received}/${x.expected}`).join(' ')}, server ${r.map((x) => `${x.serverCpuPct}%`).join(' ')}, gen ${r.map((x) => `${x.genCpuPct}% elu ${x.workerEluMax}`).join(' ')}, others ${r.map((x) => `${x.othersCpuPct}%`).join(' ')}${ok ? '' : result.refused !== undefined ? ` REFUSED (${result.refused})` : ' FAIL'}`,
  );
  return result;
}

/** The highest passing rate; "≥" when the ladder ended on a refused step (the server's limit not reached). */
function capacityOf(steps: StepResult[]): { perSec: number; cell: string; known: boolean } {
  const ok = steps.filter((s) => s.ok);
  const perSec = ok.length > 0 ? Math.max(...ok.map((s) => s.rate)) : 0;
  const last = steps.at(-1);
  const allPassed = steps.length > 0 && steps.every((s) => s.ok);
  if (last?.refused !== undefined || allPassed) return { perSec, cell: `≥ ${perSec}`, known: false };
  return { perSec, cell: String(perSec), known: true };
}

/** A Flint room of `size` members with a KMS key; every member's token for the workers. */
async function flintWorld(servers: Server[], size: number, bulk: boolean): Promise<{ members: Record<string, unknown>[]; shared: Record<string, unknown> }> {
  const first = servers[0]!;
  const admin = await founder(first.url);
  const people = await createPeople(first.url, admin, size - 1, `c${size}-${randomBytes(2).toString('hex')}-`, 8);
  const all: Member[] = [admin, ...people];
  const kms = await kmsClientFor(first.url, admin, 'bench-admin');
  await kms.connect();
  const [key] = await kms.createKeys(1);
  const resource = await kms.createResource({ userIds: people.slice(0, Math.min(people.length, 50)).map((p) => p.personId), keyUris: [key!.uri] });
  const room = await admin.client.rooms.create({ title: 'ciphertext:capacity', encryptionKeyUrl: key!.uri, kroUri: resource.uri });
  if (bulk) await insertMemberships(first, room.id, people.map((p) => p.personId));
  else await pool(people.length, 4, (j) => admin.client.memberships.create({ roomId: room.id, personId: people[j]!.personId }));
  return {
    members: all.map((m, index) => ({ index, personId: m.personId, token: m.client.session!.accessToken })),
    shared: { urls: servers.map((s) => s.url), roomId: room.id, keyUri: key!.uri, key: key!.key },
  };
}

async function xmppWorld(ej: Ejabberd, size: number): Promise<{ members: Record<string, unknown>[]; shared: Record<string, unknown> }> {
  await pool(size, 8, (i) => ej.api('register', { user: `u${i}`, host: XMPP_DOMAIN, password: PASSWORD }));
  await ej.api('create_room_with_opts', {
    name: 'capacity',
    service: MUC_SERVICE,
    host: XMPP_DOMAIN,
    options: [
      { name: 'persistent', value: 'true' },
      { name: 'mam', value: 'true' },
      { name: 'max_users', value: String(size + 50) },
    ],
  });
  return {
    members: Array.from({ length: size }, (_, i) => ({ nick: `u${i}` })),
    shared: { c2sPort: ej.c2sPort, domain: XMPP_DOMAIN, password: PASSWORD, room: `capacity@${MUC_SERVICE}`, key: new Uint8Array(randomBytes(32)) },
  };
}

/** Alternating ladders (the order flips at every rate): each side stops at its first failing rate. */
async function ladders(sides: Side[], rates: number[]): Promise<StepResult[][]> {
  const state = { seq: 0 };
  for (const side of sides) await runOnce(side, state, 20, 2); // warm-up, not reported
  const out: StepResult[][] = sides.map(() => []);
  const done = sides.map(() => false);
  for (const [k, rate] of rates.entries()) {
    const order = sides.map((_, i) => i);
    if (k % 2 === 1) order.reverse();
    for (const i of order) {
      if (done[i]) continue;
      const step = await runStep(sides[i]!, state, rate);
      out[i]!.push(step);
      if (!step.ok) done[i] = true;
    }
    if (done.every((d) => d)) break;
  }
  return out;
}

interface PeerResult {
  durability: Durability;
  flint: StepResult[];
  ejabberd?: StepResult[];
  flintSetupS: number;
  ejabberdSetupS?: number;
}

async function peerRun(durability: Durability, withEjabberd: boolean): Promise<PeerResult> {
  const flint = await startServer({ engine: 'sqlite', env: { FLINT_DB_SYNC: durability } });
  let ej: Ejabberd | undefined;
  const gens: LoadGen[] = [];
  try {
    let t = performance.now();
    const fw = await flintWorld([flint], MEMBERS, false);
    const fGen = await LoadGen.start('flint', fw.members, fw.shared);
    gens.push(fGen);
    const flintSetupS = round((performance.now() - t) / 1000);
    const sides: Side[] = [{ name: `Flint ${durability}`, gen: fGen, pids: () => [flint.pid], services: [], receiversPerMessage: MEMBERS - 1 }];
    let ejabberdSetupS: number | undefined;
    if (withEjabberd) {
      t = performance.now();
      ej = await startEjabberd(MEMBERS + 50, durability);
      const xw = await xmppWorld(ej, MEMBERS);
      const xGen = await LoadGen.start('xmpp', xw.members, xw.shared);
      gens.push(xGen);
      ejabberdSetupS = round((performance.now() - t) / 1000);
      const pid = ej.pid;
      sides.push({ name: `ejabberd ${durability}`, gen: xGen, pids: () => [pid], services: [], receiversPerMessage: MEMBERS - 1 });
    }
    console.log(`  ${durability}: Flint ready in ${flintSetupS} s${ejabberdSetupS !== undefined ? `, ejabberd in ${ejabberdSetupS} s` : ''}`);
    const [f, e] = await ladders(sides, RATES);
    return { durability, flint: f!, ...(e !== undefined ? { ejabberd: e } : {}), flintSetupS, ...(ejabberdSetupS !== undefined ? { ejabberdSetupS } : {}) };
  } finally {
    for (const g of gens) await g.stop();
    await ej?.stop();
    await flint.stop();
  }
}

async function pgRun(instances: number): Promise<StepResult[]> {
  const prefix = `flint-bench-${randomBytes(4).toString('hex')}:`;
  const first = await startServer({ engine: 'postgres', env: { FLINT_REDIS_PREFIX: prefix } });
  const servers: Server[] = [first];
  let gen: LoadGen | undefined;
  try {
    for (let i = 1; i < instances; i++) servers.push(await startServer({ engine: 'postgres', databaseUrl: first.databaseUrl, env: { FLINT_REDIS_PREFIX: prefix } }));
    const w = await flintWorld(servers, MEMBERS, false);
    gen = await LoadGen.start('flint', w.members, w.shared);
    const side: Side = { name: `PostgreSQL ×${instances}`, gen, pids: () => servers.map((s) => s.pid), services: ['postgres', 'redis-server'], receiversPerMessage: MEMBERS - 1 };
    return (await ladders([side], PG_RATES))[0]!;
  } finally {
    await gen?.stop();
    for (const s of servers.slice(1)) await s.stop();
    await first.stop();
  }
}

interface LargeResult {
  members: number;
  connected: number;
  lastMs: number[];
  p50Ms: number[];
  postMs: number[];
  orderErrors: number;
  decrypted: number;
}

/** One space of `size`, every member but the sender on the event stream in the workers; messages one at a time. */
async function largeRun(engine: Engine, size: number): Promise<LargeResult> {
  const server = await startServer({ engine });
  let gen: LoadGen | undefined;
  try {
    const w = await flintWorld([server], size, true);
    gen = await LoadGen.start('flint', w.members, w.shared);
    await sleep(1000);
    const out: LargeResult = { members: size, connected: size, lastMs: [], p50Ms: [], postMs: [], orderErrors: 0, decrypted: 0 };
    await gen.reset();
    for (let k = 0; k < LARGE_MESSAGES; k++) {
      gen.arrivals = [];
      const seq = 1_000_000 + k;
      const at = nowAbs();
      gen.scheduled.set(seq, { at, step: -1, expected: size - 1 });
      gen.send(seq, 0, JSON.stringify({ seq, pad: PAD }));
      const deadline = performance.now() + 30_000;
      const times = () => {
        const id = [...gen!.idToSeq.entries()].find(([, s]) => s === seq)?.[0];
        return id === undefined ? [] : gen!.arrivals.flatMap((a) => a.times.filter((_, i) => a.ids[i] === id));
      };
      while (performance.now() < deadline && times().length < size - 1) await sleep(20);
      const lat = times()
        .map((t) => t - at)
        .sort((a, b) => a - b);
      out.lastMs.push(round(lat.length >= size - 1 ? lat[lat.length - 1]! : Infinity));
      out.p50Ms.push(round(percentile(lat, 50)));
      out.postMs.push(round(gen.scheduled.get(seq)?.accepted ?? NaN));
      console.log(`  ${size} members, message ${k}: ${lat.length}/${size - 1}, last after ${fmt(out.lastMs.at(-1)!)} ms`);
      await sleep(1000);
    }
    const stats = await gen.stats();
    out.orderErrors = stats.reduce((a, s) => a + s.orderErrors, 0);
    out.decrypted = stats.reduce((a, s) => a + s.decrypted, 0);
    return out;
  } finally {
    await gen?.stop();
    await server.stop();
  }
}

const stepRows = (steps: StepResult[]) =>
  steps.map((s) => {
    const mid = [...s.runs].sort((a, b) => a.p99Ms - b.p99Ms)[Math.floor(s.runs.length / 2)]!;
    return [
      s.rate + (s.refused !== undefined ? ` **refused: ${s.refused}**` : s.ok ? '' : ' (miss)'),
      s.runs.map((r) => fmt(r.p99Ms)).join(' / '),
      fmt(s.p50Ms),
      `**${fmt(s.p99Ms)}**`,
      s.runs.map((r) => `${r.received}/${r.expected}`).join(' '),
      `${fmt(mid.acceptedP50Ms)}`,
      `${mid.serverCpuPct}% (${fmt(s.serverCpuMsPerMsg, 2)} ms)`,
      `${mid.genCpuPct}% (${Math.round(Math.max(...s.runs.map((r) => r.workerEluMax)) * 100)}%, ${fmt(Math.max(...s.runs.map((r) => r.workerLagP99Ms)), 0)} ms)`,
      `${mid.othersCpuPct}%`,
      s.runs.reduce((a, r) => a + r.decrypted, 0),
    ];
  });
const STEP_HEADER = ['offered msg/s', 'p99 of each run ms', 'p50 ms (median)', 'p99 ms (median)', 'delivered, each run', 'accepted p50 ms', 'server CPU (per message)', 'load-gen CPU (worker busiest, lag p99)', 'other processes CPU', 'copies decrypted'];

export async function capacity(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const load0 = loadavg();
  const haveEjabberd = ejabberdInstalled() && process.env['FLINT_BENCH_SKIP_EJABBERD'] !== '1';
  if (!haveEjabberd) console.log(`  ejabberd is not installed: its steps are skipped (to include them: ${EJABBERD_PREREQUISITE}, as root)`);
  const peers: PeerResult[] = [];
  if (SECTIONS.includes('peers')) for (const d of DURABILITIES) peers.push(await peerRun(d, haveEjabberd));
  const loadPeers = loadavg();
  const pg1 = SECTIONS.includes('pg') ? await pgRun(1) : [];
  const pg2 = SECTIONS.includes('pg') ? await pgRun(2) : [];
  const loadPg = loadavg();
  const large: LargeResult[] = [];
  if (SECTIONS.includes('large')) for (const size of LARGE) large.push(await largeRun('sqlite', size));
  const loadEnd = loadavg();
  const la = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');
  const at100 = (steps: StepResult[] | undefined) => steps?.find((s) => s.rate === 100);

  const lines: string[] = [];
  lines.push('## Capacity: Flint vs ejabberd, both durability settings; PostgreSQL one vs two instances; large spaces');
  lines.push('');
  lines.push(machineLine());
  lines.push(
    `Command: \`npm run bench${QUICK ? ' -- --quick' : ''}\` (part \`capacity\`; one room of ${MEMBERS} members on each side, all online; offered rates ${RATES.join(', ')} msg/s (PostgreSQL ${PG_RATES.join(', ')}), ${RUNS} run(s) of ${STEP_S} s per rate, medians; load generator: ${Math.min(WORKERS, cpus().length * 2)} worker threads).` +
      ` Load average (1 / 5 / 15 min): ${la(load0)} at the start, ${la(loadPeers)} after the peer runs, ${la(loadPg)} after PostgreSQL, ${la(loadEnd)} at the end, on ${cpus().length} cores shared with other sessions.`,
  );
  lines.push('');
  lines.push(
    '**Method.** Each side\'s 100 members are spread over worker threads (`node:worker_threads`, scripts/bench/load-worker.mjs): Flint members hold a bare event-stream WebSocket and send with `POST /api/messages`; ejabberd members an XMPP connection joined to the MUC room (mod_mam on SQLite, no shaper). The main thread only schedules (open loop): message *n* goes to a random member\'s worker, which seals ~200 characters of JSON as the same `dir`/A256GCM JWE with node:crypto and sends it. Every receiver checks every delivery\'s message id (matched to its scheduled send; latency = intended send time → arrival) and order (Flint: event ids only grow per socket; both: no duplicate), and decrypts one copy in ' +
      `${SAMPLE} with node:crypto under the room key imported once (its seq checked against the id). A rate passes when the median p99 of its ${RUNS} runs is under ${P99_LIMIT_MS} ms and no run lost, duplicated, misordered or failed a message; **capacity = the highest passing rate**; "≥" when the ladder ended on a refused step or passed every rate offered. A failing run is **refused** (the generator measured itself) when a worker's event loop was over ${MAX_ELU * 100} % busy or lagged over ${MAX_LAG_MS} ms at p99, the scheduler lagged likewise, or under 90 % of sends left on time. "Durability full": SQLite \`synchronous = FULL\` on both sides (one fsync per commit; Flint with \`FLINT_DB_SYNC=full\` and group commit); "normal": \`synchronous = NORMAL\` on both. Server CPU per message is the server process's CPU over the run divided by messages accepted. The two sides alternate at every rate (order flipped each rate).`,
  );
  lines.push('');
  if (!haveEjabberd) lines.push(`**ejabberd is not installed on this machine: its steps were skipped.** Install it with \`${EJABBERD_PREREQUISITE}\` (the bench installs nothing by itself).`, '');
  const ratioRows: (string | number)[][] = [];
  for (const p of peers) {
    const f = capacityOf(p.flint);
    const e = p.ejabberd !== undefined ? capacityOf(p.ejabberd) : undefined;
    // A ratio only from two measured capacities: a ladder that ended refused (or never missed) bounds nothing.
    const ratio = e === undefined ? 'no peer' : f.known && e.known && e.perSec > 0 ? fmt(f.perSec / e.perSec, 2) : 'none: a side\'s limit was not reached';
    ratioRows.push([p.durability === 'full' ? 'full (fsync per commit)' : 'normal', `**${f.cell}** (${f.perSec * (MEMBERS - 1)} deliveries/s)`, e !== undefined ? `**${e.cell}**` : 'skipped', `**${ratio}**`, fmt(at100(p.flint)?.p99Ms ?? NaN), fmt(at100(p.ejabberd)?.p99Ms ?? NaN)]);
  }
  lines.push('### Flint / ejabberd capacity (p99 < 250 ms, no loss)', '');
  lines.push(table(['durability', 'Flint msg/s', 'ejabberd msg/s', 'ratio Flint / ejabberd', 'Flint p99 at 100 msg/s ms', 'ejabberd p99 at 100 msg/s ms'], ratioRows), '');
  for (const p of peers) {
    lines.push(`### Durability ${p.durability}: Flint (SQLite), set-up ${p.flintSetupS} s`, '', table(STEP_HEADER, stepRows(p.flint)), '');
    if (p.ejabberd !== undefined) lines.push(`### Durability ${p.durability}: ejabberd (SQLite, mod_mam), set-up ${p.ejabberdSetupS} s`, '', table(STEP_HEADER, stepRows(p.ejabberd)), '');
  }
  const c1 = capacityOf(pg1);
  const c2 = capacityOf(pg2);
  lines.push('### PostgreSQL + Redis: one instance vs two (same database and Redis; sockets and senders alternate between the instances)', '');
  lines.push(`Capacity: one instance **${c1.cell} msg/s**, two instances **${c2.cell} msg/s**${c1.perSec > 0 ? ` (two / one = ${fmt(c2.perSec / c1.perSec, 2)}${c1.known && c2.known ? '' : ', a bound'})` : ''}. Server CPU is both instances together; PostgreSQL's and Redis's CPU is not in it.`, '');
  lines.push('#### One instance', '', table(STEP_HEADER, stepRows(pg1)), '', '#### Two instances', '', table(STEP_HEADER, stepRows(pg2)), '');
  lines.push('### Large spaces (SQLite): one message at a time to every member', '');
  lines.push(
    table(
      ['members', 'receivers', 'last member has it: median (each message) ms', 'p50 receiver ms', 'POST /api/messages ms', 'order errors', 'copies decrypted'],
      large.map((l) => [l.members, l.members - 1, `**${fmt(median(l.lastMs))}** (${l.lastMs.map((x) => fmt(x, 0)).join(', ')})`, fmt(median(l.p50Ms)), fmt(median(l.postMs)), l.orderErrors, l.decrypted]),
    ),
  );
  lines.push('');
  lines.push(`Memberships of the large spaces were inserted into the database; members signed in through the API; receivers in ${WORKERS} worker threads decrypting one copy in ${SAMPLE}.`);
  return { json: { part: 'capacity', quick: QUICK, rates: RATES, runs: RUNS, stepSeconds: STEP_S, loadAverage: { start: load0, peers: loadPeers, pg: loadPg, end: loadEnd }, peers, pg: { one: pg1, two: pg2 }, large }, markdown: lines.join('\n') };
}
