/**
 * Fan-out: simulated members built on the SDK, all in this one load-generator process, in spaces
 * of 100 members, every member on the event stream. Each message is sealed with the space key from
 * the KMS (sealText) and opened by every receiver (openText; keys cached after the first fetch), so
 * encryption and decryption are in the measured path. Latency = intended send time → the receiver
 * holds the decrypted plaintext. Offered rates rise step by step until p99 passes 250 ms.
 * @module
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { EventStream, KmsKey } from '@flint/sdk';
import { openText, sealText, type KmsClient } from '@flint/sdk/testing/kms';
import { NodeWebSocket } from '@flint/testkit';
import {
  cpuByName,
  cpuSeconds,
  cpuSince,
  createPeople,
  machineBusySeconds,
  waitForQuiet,
  fmt,
  founder,
  kmsClientFor,
  machineLine,
  percentile,
  pool,
  round,
  sleep,
  table,
  withServer,
  type Engine,
  type Member,
  type Server,
} from './common.ts';

export const P99_LIMIT_MS = 250;
export const DEFAULT_RATES = [5, 10, 20, 30, 40, 60, 80, 120, 160, 240, 320];
/** Plaintext size before sealing (the JSON below pads to about this). */
export const PLAINTEXT_CHARS = 200;
const MAX_IN_FLIGHT = 2000;
/**
 * A step that fails is refused (neither a pass nor a failure of the server) when the load generator
 * could not offer the rate: fewer than this share of the scheduled sends left on time…
 */
export const GENERATOR_MIN_SHARE = 0.9;
/** …or its event loop stalled this long at p99 (its own backlog would then count as latency)… */
export const GENERATOR_MAX_LAG_MS = 100;
/** …or unrelated processes used more than this share of a core over the step (a busy machine). */
export const MACHINE_MAX_OTHERS = 0.5;
const MAX_SEQ = 1_000_000;

export interface StepResult {
  offeredPerSec: number;
  seconds: number;
  attempted: number;
  sent: number;
  sendErrors: number;
  skipped: number;
  achievedPerSec: number;
  deliveriesExpected: number;
  deliveriesReceived: number;
  decryptErrors: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  sendP50Ms: number;
  sendP99Ms: number;
  serverCpuPct: number;
  /** Server CPU seconds over the step and its drain, and that wall time. */
  serverCpuSeconds: number;
  wallSeconds: number;
  loadgenCpuPct: number;
  /** CPU used by every other process on the machine during the step (PostgreSQL and Redis included), % of one core. */
  othersCpuPct: number;
  /** Unrelated processes' CPU over the step (services of the system under test excluded), % of one core. */
  foreignCpuPct: number;
  /** Scheduled sends the generator issued by the end of the step window, per second. */
  generatorPerSec: number;
  /** How late the generator issued sends (p99) and its event-loop delay (p99) over the window, ms. */
  dispatchLateP99Ms: number;
  generatorLagP99Ms: number;
  /** The quiet wait before the step: how long, and whether the machine went quiet. */
  quietWaitSeconds: number;
  quietReached: boolean;
  /** Set when the step measured the generator or the machine, not the server: no pass, no failure. */
  refused?: string;
  /** Set when this is the second try of a rate whose first try failed (kept here). */
  firstTry?: StepResult;
}

export interface FanoutResult {
  engine: Engine;
  spaces: number;
  membersPerSpace: number;
  connected: number;
  setupSeconds: number;
  steps: StepResult[];
  sustainedPerSec: number;
  firstErrorSample?: string;
}

interface Space {
  roomId: string;
  keyUri: string;
  members: number[];
}

interface World {
  members: (Member & { kms: KmsClient; stream?: EventStream })[];
  spaces: Space[];
}

export interface Recorder {
  scheduled: Float64Array;
  stepOf: Int16Array;
  latencies: number[][];
  received: number[];
  decryptErrors: number[];
  firstError?: string;
}

/**
 * What a step drives: the server's processes (for CPU readings and the quiet wait) and how to send
 * message `seq` with a given plaintext. `send` resolves once the server has accepted the message
 * (Flint: `POST /api/messages` answered; XMPP: the room's echo reached the sender) with the number
 * of receivers that should get it. Receivers report through `recordDelivery`.
 */
export interface Driver {
  serverPids: () => number[];
  /** Command names of services the server uses (PostgreSQL, Redis): theirs is not "unrelated" CPU. */
  serviceNames?: readonly string[];
  send: (seq: number, plaintext: string) => Promise<number>;
}

/** A receiver holds the plaintext of a message: its latency counts in the step that scheduled it. */
export function recordDelivery(rec: Recorder, plaintext: string): void {
  const done = performance.now();
  const seq = (JSON.parse(plaintext) as { seq: number }).seq;
  const step = rec.stepOf[seq]!;
  if (step < 0) return;
  rec.latencies[step]!.push(done - rec.scheduled[seq]!);
  rec.received[step]!++;
}

export function recordDecryptError(rec: Recorder, error: unknown): void {
  rec.firstError ??= String(error);
  rec.decryptErrors[rec.decryptErrors.length - 1]!++;
}

export async function buildWorld(server: Server, spacesCount: number, membersPerSpace: number, rec: Recorder): Promise<World> {
  const admin = await founder(server.url);
  const people = await createPeople(server.url, admin, spacesCount * (membersPerSpace - 1), 'm', 8);
  const all: Member[] = [admin, ...people];
  const members: World['members'] = await pool(all.length, 8, async (i) => {
    const m = all[i]!;
    const kms = await kmsClientFor(server.url, m, `bench-device-${i}`);
    await kms.connect();
    return { ...m, kms };
  });
  const adminKms = members[0]!.kms;
  const spaces: Space[] = [];
  for (let s = 0; s < spacesCount; s++) {
    const memberIdx = [0, ...Array.from({ length: membersPerSpace - 1 }, (_, j) => 1 + s * (membersPerSpace - 1) + j)];
    const [key] = await adminKms.createKeys(1);
    const resource = await adminKms.createResource({ userIds: memberIdx.slice(1).map((i) => members[i]!.personId), keyUris: [key!.uri] });
    const title = await sealText(key!, `Bench space ${s}`);
    const room = await admin.client.rooms.create({ title: title.ciphertext, encryptionKeyUrl: key!.uri, kroUri: resource.uri });
    await pool(memberIdx.length - 1, 4, (j) => admin.client.memberships.create({ roomId: room.id, personId: members[memberIdx[j + 1]!]!.personId }));
    spaces.push({ roomId: room.id, keyUri: key!.uri, members: memberIdx });
  }
  // Every member fetches the space key once (the cache then serves every later message).
  await pool(spaces.length, 1, (s) => pool(spaces[s]!.members.length, 8, (j) => members[spaces[s]!.members[j]!]!.kms.retrieveKey(spaces[s]!.keyUri)));
  await pool(members.length, 16, async (i) => {
    const m = members[i]!;
    const stream = m.client.events({
      WebSocket: NodeWebSocket,
      deviceId: `bench-device-${i}`,
      onEvent: (e) => {
        if (e.type !== 'message.created') return;
        const d = e.data as { personId?: string; text?: string; encryptionKeyUrl?: string };
        if (d.personId === m.personId || d.text === undefined || d.encryptionKeyUrl === undefined) return;
        openText(m.kms, { ciphertext: d.text, encryptionKeyUrl: d.encryptionKeyUrl }).then(
          (plain) => recordDelivery(rec, plain),
          (error: unknown) => recordDecryptError(rec, error),
        );
      },
    });
    await stream.start();
    m.stream = stream;
  });
  return { members, spaces };
}

export function newRecorder(): Recorder {
  return { scheduled: new Float64Array(MAX_SEQ), stepOf: new Int16Array(MAX_SEQ).fill(-1), latencies: [], received: [], decryptErrors: [] };
}

/** Flint as a step's driver: a random member of the space seals the text with the space key and posts it. */
export function flintDriver(server: Server, world: World): Driver {
  return {
    serverPids: () => [server.pid],
    serviceNames: server.engine === 'postgres' ? ['postgres', 'redis-server'] : [],
    send: async (seq, plaintext) => {
      const space = world.spaces[seq % world.spaces.length]!;
      const sender = world.members[space.members[Math.floor(Math.random() * space.members.length)]!]!;
      const key: KmsKey = await sender.kms.retrieveKey(space.keyUri);
      const sealed = await sealText(key, plaintext);
      await sender.client.messages.create({ roomId: space.roomId, text: sealed.ciphertext, encryptionKeyUrl: sealed.encryptionKeyUrl });
      return space.members.length - 1;
    },
  };
}

/** One open-loop step: messages at `rate`/s for `seconds`, then up to `drainMs` for stragglers. */
export async function runStep(driver: Driver, rec: Recorder, state: { seq: number }, rate: number, seconds: number, drainMs = 6000, quietMaxMs = 20_000): Promise<StepResult> {
  const step = rec.latencies.length;
  rec.latencies.push([]);
  rec.received.push(0);
  rec.decryptErrors.push(0);
  const sendLat: number[] = [];
  let sent = 0;
  let sendErrors = 0;
  let skipped = 0;
  let inFlight = 0;
  let expected = 0;
  const pad = 'x'.repeat(PLAINTEXT_CHARS - 30);
  const sends: Promise<void>[] = [];
  const send = async (seq: number, at: number) => {
    try {
      const receivers = await driver.send(seq, JSON.stringify({ seq, pad }));
      sendLat.push(performance.now() - at);
      sent++;
      expected += receivers;
    } catch (error) {
      rec.firstError ??= String(error);
      sendErrors++;
    } finally {
      inFlight--;
    }
  };
  const pids = driver.serverPids();
  const names = driver.serviceNames ?? [];
  const quiet = await waitForQuiet(pids, quietMaxMs, 0.25, names);
  const serverCpu0 = await cpuSecondsOf(pids);
  const services0 = await cpuByName(names);
  const machine0 = await machineBusySeconds();
  const loadCpu0 = process.cpuUsage();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const start = performance.now();
  const end = start + seconds * 1000;
  let attempted = 0;
  let onTime = 0;
  const late: number[] = [];
  for (let i = 0; ; i++) {
    const at = start + (i * 1000) / rate;
    if (at >= end) break;
    const wait = at - performance.now();
    if (wait > 1) await sleep(wait);
    attempted++;
    const now = performance.now();
    late.push(now - at);
    if (now <= end + 50) onTime++;
    if (inFlight >= MAX_IN_FLIGHT || state.seq >= MAX_SEQ) {
      skipped++;
      continue;
    }
    const seq = state.seq++;
    rec.scheduled[seq] = at;
    rec.stepOf[seq] = step;
    inFlight++;
    sends.push(send(seq, at));
  }
  lag.disable();
  const sendDeadline = performance.now() + 15_000;
  while (inFlight > 0 && performance.now() < sendDeadline) await sleep(20);
  const elapsed = (performance.now() - start) / 1000;
  const drainDeadline = performance.now() + drainMs;
  while (rec.received[step]! < expected && performance.now() < drainDeadline) await sleep(20);
  const serverCpu = (await cpuSecondsOf(pids)) - serverCpu0;
  const loadCpu = process.cpuUsage(loadCpu0);
  const machineCpu = (await machineBusySeconds()) - machine0;
  const servicesCpu = cpuSince(services0, await cpuByName(names));
  const wall = (performance.now() - start) / 1000;
  const loadCpuS = (loadCpu.user + loadCpu.system) / 1e6;
  const foreign = Math.max(0, machineCpu - serverCpu - loadCpuS - servicesCpu) / wall;
  late.sort((a, b) => a - b);
  const generatorPerSec = onTime / seconds;
  const lagP99 = lag.count > 0 ? lag.percentile(99) / 1e6 : 0;
  const suspect =
    generatorPerSec < GENERATOR_MIN_SHARE * rate
      ? `load generator issued ${round(generatorPerSec, 1)} of ${rate} msg/s on time`
      : lagP99 > GENERATOR_MAX_LAG_MS
        ? `load generator's event loop lagged ${Math.round(lagP99)} ms (p99)`
        : foreign > MACHINE_MAX_OTHERS
          ? `machine busy: unrelated processes used ${Math.round(foreign * 100)}% of a core`
          : undefined;
  // Anything still on its way after the drain counts as never delivered (Infinity) in the percentiles.
  const lat = [...rec.latencies[step]!];
  for (let k = rec.received[step]!; k < expected; k++) lat.push(Infinity);
  lat.sort((a, b) => a - b);
  sendLat.sort((a, b) => a - b);
  void Promise.allSettled(sends);
  const result: StepResult = {
    offeredPerSec: rate,
    seconds,
    attempted,
    sent,
    sendErrors,
    skipped,
    achievedPerSec: round(sent / Math.max(elapsed, seconds), 1),
    deliveriesExpected: expected,
    deliveriesReceived: rec.received[step]!,
    decryptErrors: rec.decryptErrors[step]!,
    p50Ms: round(percentile(lat, 50)),
    p90Ms: round(percentile(lat, 90)),
    p99Ms: round(percentile(lat, 99)),
    maxMs: round(lat[lat.length - 1] ?? NaN),
    sendP50Ms: round(percentile(sendLat, 50)),
    sendP99Ms: round(percentile(sendLat, 99)),
    serverCpuPct: round((serverCpu / wall) * 100, 0),
    serverCpuSeconds: round(serverCpu, 2),
    wallSeconds: round(wall, 2),
    loadgenCpuPct: round(((loadCpu.user + loadCpu.system) / 1e6 / wall) * 100, 0),
    othersCpuPct: round(Math.max(0, (machineCpu - serverCpu - loadCpuS) / wall) * 100, 0),
    foreignCpuPct: round(foreign * 100, 0),
    generatorPerSec: round(generatorPerSec, 1),
    dispatchLateP99Ms: round(percentile(late, 99)),
    generatorLagP99Ms: round(lagP99),
    quietWaitSeconds: quiet.waitedSeconds,
    quietReached: quiet.quiet,
  };
  // Only a failure is refused: a step the server passed although the generator lagged or the machine
  // was busy is a pass all the more (the disturbance only added latency), so it stands.
  if (suspect !== undefined && !stepOk(result)) result.refused = suspect;
  return result;
}

async function cpuSecondsOf(pids: number[]): Promise<number> {
  const each = await Promise.all(pids.map((p) => cpuSeconds(p).catch(() => 0)));
  return each.reduce((a, b) => a + b, 0);
}

/**
 * A step, tried a second time if it fails: on this shared machine one burst of someone else's work
 * can sink a step, and the rule (the same for every side compared) keeps that from ending a ladder.
 */
export async function runStepTwice(driver: Driver, rec: Recorder, state: { seq: number }, rate: number, seconds: number): Promise<StepResult> {
  const first = await runStep(driver, rec, state, rate, seconds);
  if (stepOk(first)) return first;
  await sleep(1500);
  // After a step refused for a busy machine, the second try waits longer (still bounded) for quiet.
  const second = await runStep(driver, rec, state, rate, seconds, 6000, first.refused?.startsWith('machine busy') === true ? 60_000 : 20_000);
  return { ...second, firstTry: first };
}

/** The offered-rate cell: marks a rate that needed its second try. */
export const offeredCell = (s: StepResult) =>
  (s.firstTry === undefined ? String(s.offeredPerSec) : `${s.offeredPerSec} (2nd try; 1st: ${s.firstTry.refused !== undefined ? 'refused' : `p99 ${fmt(s.firstTry.p99Ms)} ms`})`) +
  (s.refused !== undefined ? ` **refused: ${s.refused}**` : '');

/** A pass: the server held the rate. A refused step (see `refused`) is never a pass. */
export const stepOk = (s: StepResult) => s.refused === undefined && s.p99Ms <= P99_LIMIT_MS && s.sendErrors === 0 && s.skipped === 0 && s.deliveriesReceived >= s.deliveriesExpected && s.achievedPerSec >= 0.95 * s.offeredPerSec;

/** The highest passed rate, and why the ladder stopped when the last step was refused rather than failed. */
export function sustainedOf(steps: StepResult[]): { perSec: number; cell: string; stoppedBy?: string } {
  const ok = steps.filter(stepOk);
  const perSec = ok.length > 0 ? Math.max(...ok.map((s) => s.offeredPerSec)) : 0;
  const last = steps.at(-1);
  if (last?.refused !== undefined) return { perSec, cell: `≥ ${perSec}`, stoppedBy: `the ladder stopped at ${last.offeredPerSec} msg/s, refused (${last.refused}), so the server's limit was not reached` };
  return { perSec, cell: String(perSec) };
}

export async function fanoutEngine(engine: Engine, options: { spaces: number; membersPerSpace: number; rates: number[]; stepSeconds: number }): Promise<FanoutResult> {
  return withServer({ engine }, async (server) => {
    const t0 = performance.now();
    const rec = newRecorder();
    const world = await buildWorld(server, options.spaces, options.membersPerSpace, rec);
    const setupSeconds = round((performance.now() - t0) / 1000);
    console.log(`  [${engine}] ${world.members.length} members connected in ${options.spaces} spaces of ${options.membersPerSpace} (setup ${setupSeconds} s)`);
    const state = { seq: 0 };
    try {
      // Warm-up (JIT, connection pools), not reported.
      const driver = flintDriver(server, world);
      await runStep(driver, rec, state, 5, 3, 3000);
      const steps: StepResult[] = [];
      for (const rate of options.rates) {
        await sleep(1500); // let the previous step settle
        const r = await runStepTwice(driver, rec, state, rate, options.stepSeconds);
        steps.push(r);
        console.log(
          `  [${engine}] offered ${rate}/s: sent ${r.achievedPerSec}/s, delivered ${r.deliveriesReceived}/${r.deliveriesExpected}, p50 ${fmt(r.p50Ms)} ms, p99 ${fmt(r.p99Ms)} ms, server CPU ${r.serverCpuPct}%, load-gen CPU ${r.loadgenCpuPct}%, others ${r.othersCpuPct}%`,
        );
        if (!stepOk(r)) break;
      }
      const ok = steps.filter(stepOk);
      const result: FanoutResult = {
        engine,
        spaces: options.spaces,
        membersPerSpace: options.membersPerSpace,
        connected: world.members.length,
        setupSeconds,
        steps,
        sustainedPerSec: ok.length > 0 ? Math.max(...ok.map((s) => s.offeredPerSec)) : 0,
      };
      if (rec.firstError !== undefined) result.firstErrorSample = rec.firstError.slice(0, 300);
      return result;
    } finally {
      for (const m of world.members) m.stream?.stop();
    }
  });
}

export function fanoutOptions() {
  const rates = process.env['FLINT_BENCH_RATES']?.split(',').map(Number).filter((n) => n > 0) ?? DEFAULT_RATES;
  return {
    spaces: Number(process.env['FLINT_BENCH_SPACES'] ?? 2),
    membersPerSpace: Number(process.env['FLINT_BENCH_MEMBERS'] ?? 100),
    rates,
    stepSeconds: Number(process.env['FLINT_BENCH_STEP_SECONDS'] ?? 12),
  };
}

export function fanoutEngines(): Engine[] {
  const list = (process.env['FLINT_BENCH_ENGINES'] ?? 'sqlite,postgres').split(',');
  return list.filter((e): e is Engine => e === 'sqlite' || e === 'postgres');
}

export async function fanout(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const options = fanoutOptions();
  const results: FanoutResult[] = [];
  for (const engine of fanoutEngines()) results.push(await fanoutEngine(engine, options));
  const lines: string[] = [];
  lines.push(`## Fan-out: send → delivered-and-decrypted, spaces of ${options.membersPerSpace} members`);
  lines.push('');
  lines.push(machineLine());
  lines.push(`Command: \`npm run bench fanout\` (${options.spaces} spaces × ${options.membersPerSpace} members, every member on the event stream; steps of ${options.stepSeconds} s; ~${PLAINTEXT_CHARS}-character plaintext sealed A256GCM with the space key from the KMS; every receiver opens it).`);
  lines.push('');
  lines.push(
    'One load-generator process (the SDK: `messages.create` over HTTP, `events()` over WebSocket, `sealText`/`openText` with cached KMS keys) and one `flint serve` share the same 2 cores, so the figures are a floor for the server. ' +
      'Latency runs from the message\'s *intended* send time (open-loop schedule, so a backlog counts) until a receiver holds the plaintext; each message counts once per receiver (members − 1). ' +
      'CPU columns are % of one core over the step (200% = the whole machine); "other processes" includes PostgreSQL and Redis, and anything else running on this shared machine — each step waits (up to 20 s) for the rest of the machine to go quiet first. ' +
      'Deliveries still missing 6 s after the step count as infinitely late. "Sustained" is the highest offered rate with p99 ≤ 250 ms, no errors and every delivery made; a rate that fails is tried once more before the ladder stops (both tries are in the raw JSON). ' +
      `A step that misses is **refused** — neither a pass nor a failure of the server, and the ladder stops with "≥" — when it measured the load generator or the machine instead (a step that passes stands, disturbed or not): the generator issued under ${GENERATOR_MIN_SHARE * 100} % of the scheduled sends on time, its event loop lagged over ${GENERATOR_MAX_LAG_MS} ms at p99 (the bracketed figure), or unrelated processes (not the server, the generator, PostgreSQL or Redis: the bracketed figure) used over ${MACHINE_MAX_OTHERS * 100} % of a core during the step.`,
  );
  lines.push('');
  for (const r of results) {
    const sus = sustainedOf(r.steps);
    lines.push(`### ${r.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL + Redis'}: ${r.connected} members connected; sustained **${sus.cell} msg/s** (${sus.cell.replace(/\d+/, String(r.sustainedPerSec * (r.membersPerSpace - 1)))} decrypted deliveries/s)`);
    lines.push('');
    if (sus.stoppedBy !== undefined) lines.push(`Not a capacity: ${sus.stoppedBy}.`, '');
    lines.push(
      table(
        ['offered msg/s', 'achieved msg/s', 'deliveries', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'send p50 / p99 ms', 'server CPU', 'load-gen CPU (loop lag p99)', 'other processes CPU (unrelated)'],
        r.steps.map((s) => [offeredCell(s), s.achievedPerSec, `${s.deliveriesReceived}/${s.deliveriesExpected}`, fmt(s.p50Ms), fmt(s.p90Ms), fmt(s.p99Ms), fmt(s.maxMs), `${fmt(s.sendP50Ms)} / ${fmt(s.sendP99Ms)}`, `${s.serverCpuPct}%`, `${s.loadgenCpuPct}% (${fmt(s.generatorLagP99Ms, 0)} ms)`, `${s.othersCpuPct}% (${s.foreignCpuPct}%)`]),
      ),
    );
    lines.push('');
  }
  if (results.length === 2) {
    const [a, b] = results as [FanoutResult, FanoutResult];
    const common = a.steps.filter((s) => b.steps.some((t) => t.offeredPerSec === s.offeredPerSec));
    lines.push('### SQLite / PostgreSQL ratios (same run)');
    lines.push('');
    const sa = sustainedOf(a.steps);
    const sb = sustainedOf(b.steps);
    lines.push(
      sa.stoppedBy !== undefined || sb.stoppedBy !== undefined || b.sustainedPerSec === 0
        ? `Sustained msg/s: ${sa.cell} / ${sb.cell} — no ratio: a ladder stopped on a refused step or at zero, so at least one side's limit is unknown.`
        : `Sustained msg/s: ${a.sustainedPerSec} / ${b.sustainedPerSec} = **${fmt(a.sustainedPerSec / b.sustainedPerSec, 2)}**.`,
    );
    lines.push('');
    lines.push(
      table(
        ['offered msg/s', 'p50 SQLite / PG', 'p99 SQLite / PG'],
        common.map((s) => {
          const t = b.steps.find((x) => x.offeredPerSec === s.offeredPerSec)!;
          return [s.offeredPerSec, fmt(s.p50Ms / t.p50Ms, 2), fmt(s.p99Ms / t.p99Ms, 2)];
        }),
      ),
    );
    lines.push('');
  }
  return { json: { part: 'fanout', options, results }, markdown: lines.join('\n') };
}
