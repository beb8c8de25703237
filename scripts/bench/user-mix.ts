/**
 * The usual-user mix of Mattermost's load test (issue 9 part 7): how many scripted users one
 * `flint serve` on this 2-core machine holds with p99 < 500 ms and errors < 0.025 %.
 *
 * The user is Mattermost's "simulative" controller (mattermost-load-test-ng,
 * loadtest/control/simulcontroller): after each action it idles min 1 s + an exponential wait
 * with a 20 s mean overall, then picks its next action with the controller's relative frequencies.
 * Actions with a Flint counterpart keep their frequencies (see MIX); the rest (reactions, the
 * global threads view, custom statuses, surveys, sidebar categories…, 0.76 of 13.5 in all) have
 * none and are left out. Every user is built on the SDK: a session (KMS over HTTP) seals what it
 * sends (with blinded search tokens) and opens what it reads
 * and searches on them, and an event stream delivers live messages, which it opens too.
 *
 * Users come in blocks of 100, each block with 8 group spaces of 50 members (a user is in 4) and
 * 50 direct spaces, every group space seeded with 10 messages (a direct one with 1). The ramp doubles the users (300, 600,
 * 1,200, …) and measures each level for a window; after the first level that fails it bisects
 * between the last good level and it (users beyond a level are paused: offline, not acting).
 * Set-up of a level is not measured; every action started inside the window is.
 * @module
 */
import type { Message } from '@flint/protocol';
import { createSession, type EventStream, type Session } from '@flint/sdk';
import { NodeWebSocket } from '@flint/testkit';
import { cpuSeconds, createPeople, fmt, founder, machineLine, percentile, pool, round, sleep, table, waitForQuiet, withServer, type Member, type Server } from './common.ts';

/** Mattermost's simulcontroller frequencies, for the actions Flint has. */
const MIX = [
  { name: 'SwitchChannel', frequency: 6.5219, flint: 'open another of one’s spaces: newest 30 messages, opened; mark read' },
  { name: 'ScrollChannel', frequency: 1.9873, flint: 'the 30 messages before the oldest one shown, opened' },
  { name: 'UnreadCheck', frequency: 1, flint: '`GET /api/rooms?filter=unread`' },
  { name: 'CreatePost', frequency: 1, flint: 'send a sealed message with its search tokens; 18 % are thread replies' },
  { name: 'OpenDirectOrGroupChannel', frequency: 0.9843, flint: 'open one’s direct space: newest 30, opened; mark read' },
  { name: 'UpdateThreadRead', frequency: 0.3236, flint: 'mark the current space read' },
  { name: 'ClickPermalink', frequency: 0.3, flint: 'get one message by id, opened, and the page before it' },
  { name: 'ViewThread', frequency: 0.2841, flint: 'a thread’s replies (`parentId`), opened' },
  { name: 'ReconnectWebSocket', frequency: 0.144, flint: 'drop the event stream and resume from the last event id' },
  { name: 'EditPost', frequency: 0.04, flint: 'edit one’s own recent message (sealed, new search tokens)' },
  { name: 'SearchUsers', frequency: 0.032, flint: '`GET /api/people?displayName=…`' },
  { name: 'ClickUserProfile', frequency: 0.03, flint: '`GET /api/people/{id}`' },
  { name: 'SearchPosts', frequency: 0.0218, flint: 'encrypted search of one word in one’s spaces, hits opened' },
  { name: 'SearchChannels', frequency: 0.0354, flint: 'list one’s spaces, titles opened (SearchChannels + SearchGroupChannels)' },
  { name: 'DeletePost', frequency: 0.0049, flint: 'delete one’s own recent message' },
] as const;
type ActionName = (typeof MIX)[number]['name'];
const TOTAL_FREQUENCY = MIX.reduce((a, m) => a + m.frequency, 0);
const MIN_IDLE_MS = 1000;
const AVG_IDLE_MS = 20_000;
const P99_LIMIT_MS = 500;
const ERROR_LIMIT = 0.00025;
const BLOCK = 100;
const SPACES_PER_BLOCK = 8;
const SEED_MESSAGES = 10;
const WORDS = ['launch', 'budget', 'review', 'deploy', 'design', 'meeting', 'customer', 'roadmap', 'invoice', 'hiring', 'release', 'incident', 'travel', 'lunch', 'report'];

const pickAction = (): ActionName => {
  let x = Math.random() * TOTAL_FREQUENCY;
  for (const m of MIX) if ((x -= m.frequency) < 0) return m.name;
  return 'SwitchChannel';
};
const idleMs = () => MIN_IDLE_MS + -Math.log(1 - Math.random()) * (AVG_IDLE_MS - MIN_IDLE_MS);
const sentence = () => Array.from({ length: 8 + Math.floor(Math.random() * 12) }, () => WORDS[Math.floor(Math.random() * WORDS.length)]).join(' ');

interface User extends Member {
  session: Session;
  stream?: EventStream;
  spaces: string[];
  direct?: string;
  current: string;
  oldestSeen?: string;
  recent: Message[];
  mine: string[];
  /** Paused users (beyond the level being measured) are offline: no loop, no stream. */
  active: boolean;
  /**
   * Bumped at every activation; a loop runs only while it holds the current one. Without it, a user
   * paused and resumed while its old loop slept ran two loops (twice the actions) from then on.
   */
  generation: number;
  deviceId: string;
}

interface Sample {
  action: ActionName;
  start: number;
  ms: number;
  error?: string;
}

interface World {
  users: User[];
  samples: Sample[];
  deliveries: number;
  deliveryErrors: number;
  running: boolean;
  loops: Promise<void>[];
}

async function addBlock(server: Server, admin: Member, world: World, block: number): Promise<void> {
  const people = await createPeople(server.url, admin, BLOCK, `b${block}u`, 16);
  const users: User[] = await pool(people.length, 16, async (i) => {
    const m = people[i]!;
    const session = createSession({ baseUrl: server.url, auth: { token: m.client.transport.accessToken! }, device: { id: `mix-${block}-${i}` }, kms: { url: server.url } });
    await session.connect();
    return { ...m, session, spaces: [], current: '', recent: [], mine: [], active: true, generation: 0, deviceId: `mix-${block}-${i}` };
  });
  // 8 group spaces of 50: users of even index in spaces 0, 2, 4, 6; odd in 1, 3, 5, 7.
  await pool(SPACES_PER_BLOCK, 8, async (s) => {
    const members = users.filter((_, j) => j % 2 === s % 2);
    const owner = members[0]!;
    const room = await owner.session.spaces.create({ title: `Block ${block} space ${s}` });
    await pool(members.length - 1, 4, (j) => owner.session.members.add(room.id, { personId: members[j + 1]!.personId }));
    for (const u of members) u.spaces.push(room.id);
    for (let k = 0; k < SEED_MESSAGES; k++) await owner.session.messages.send({ roomId: room.id, text: sentence() });
  });
  // A direct space per pair (0–1, 2–3, …), seeded too.
  await pool(BLOCK / 2, 8, async (p) => {
    const a = users[2 * p]!;
    const b = users[2 * p + 1]!;
    const room = await a.session.spaces.direct({ personId: b.personId });
    a.direct = room.id;
    b.direct = room.id;
    await a.session.messages.send({ roomId: room.id, text: sentence() });
  });
  // Clients fetch their spaces' keys once at start, as a client does when it first loads its spaces.
  await pool(users.length, 16, async (i) => {
    const u = users[i]!;
    for (const id of [...u.spaces, u.direct!]) await u.session.messages.list({ roomId: id, max: 1 });
    u.current = u.spaces[0]!;
  });
  await pool(users.length, 16, async (i) => {
    const u = users[i]!;
    u.stream = streamFor(u, world, u.deviceId);
    await u.stream.start();
  });
  world.users.push(...users);
  for (const u of users) world.loops.push(userLoop(u, world));
}

/** Makes exactly the first `n` users active: the others stop acting and go offline. */
async function setActive(world: World, n: number): Promise<void> {
  await pool(world.users.length, 16, async (i) => {
    const u = world.users[i]!;
    if (i < n && !u.active) {
      u.active = true;
      u.generation++;
      u.stream = streamFor(u, world, u.deviceId);
      await u.stream.start();
      world.loops.push(userLoop(u, world));
    } else if (i >= n && u.active) {
      u.active = false;
      u.stream?.stop();
    }
  });
}

function streamFor(u: User, world: World, deviceId: string): EventStream {
  return u.client.events({
    WebSocket: NodeWebSocket,
    deviceId,
    onEvent: (e) => {
      if (e.type !== 'message.created') return;
      const d = e.data as { personId?: string; text?: string; encryptionKeyUrl?: string };
      if (d.personId === u.personId || d.text === undefined || d.encryptionKeyUrl === undefined) return;
      u.session.messages.openText(d.encryptionKeyUrl, d.text).then(
        () => world.deliveries++,
        () => world.deliveryErrors++,
      );
    },
  });
}

async function act(u: User, world: World, action: ActionName): Promise<void> {
  const other = (list: string[]) => list[Math.floor(Math.random() * list.length)]!;
  const open = async (roomId: string) => {
    const page = await u.session.messages.list({ roomId, max: 30 });
    u.current = roomId;
    u.recent = page.items;
    u.oldestSeen = page.items.at(-1)?.id;
    const newest = page.items[0];
    if (newest !== undefined) await u.client.rooms.markRead(roomId, newest.id);
  };
  switch (action) {
    case 'SwitchChannel':
      return open(other(u.spaces.filter((s) => s !== u.current)));
    case 'OpenDirectOrGroupChannel':
      return open(u.direct!);
    case 'ScrollChannel': {
      const page = await u.session.messages.list({ roomId: u.current, max: 30, ...(u.oldestSeen !== undefined ? { beforeMessage: u.oldestSeen } : {}) });
      u.oldestSeen = page.items.at(-1)?.id ?? u.oldestSeen;
      return;
    }
    case 'UnreadCheck':
      await u.client.rooms.list({ filter: 'unread', max: 100 });
      return;
    case 'CreatePost': {
      const roots = u.recent.filter((m) => m.parentId === undefined);
      const parent = Math.random() < 0.18 && roots.length > 0 ? other(roots.map((m) => m.id)) : undefined;
      const sent = await u.session.messages.send({ roomId: u.current, text: sentence(), ...(parent !== undefined ? { parentId: parent } : {}) });
      u.mine.push(sent.id);
      if (u.mine.length > 20) u.mine.shift();
      return;
    }
    case 'UpdateThreadRead': {
      const newest = u.recent[0];
      if (newest !== undefined) await u.client.rooms.markRead(u.current, newest.id);
      return;
    }
    case 'ClickPermalink': {
      const target = u.recent.length > 0 ? other(u.recent.map((m) => m.id)) : undefined;
      if (target === undefined) return open(u.current);
      const message = await u.session.messages.get(target);
      await u.session.messages.list({ roomId: message.roomId, max: 30, beforeMessage: target });
      return;
    }
    case 'ViewThread': {
      const roots = u.recent.filter((m) => m.parentId === undefined);
      if (roots.length === 0) return open(u.current);
      await u.session.messages.list({ roomId: u.current, parentId: other(roots.map((m) => m.id)), max: 30 });
      return;
    }
    case 'ReconnectWebSocket': {
      const old = u.stream;
      old?.stop();
      u.stream = streamFor(u, world, `${u.personId}-r${Date.now()}`);
      await u.stream.start();
      return;
    }
    case 'EditPost': {
      const id = u.mine.at(-1);
      if (id === undefined) return;
      await u.session.messages.edit(id, { text: sentence() });
      return;
    }
    case 'DeletePost': {
      const id = u.mine.pop();
      if (id === undefined) return;
      await u.client.messages.delete(id);
      return;
    }
    case 'SearchUsers':
      await u.client.people.list({ displayName: `b${Math.floor(Math.random() * 3)}u`, max: 20 });
      return;
    case 'ClickUserProfile':
      await u.client.people.get(u.personId);
      return;
    case 'SearchPosts':
      await u.session.search.messages(other(WORDS), { roomIds: u.spaces, max: 20 });
      return;
    case 'SearchChannels':
      await u.session.spaces.list({ max: 100 });
      return;
  }
}

async function userLoop(u: User, world: World): Promise<void> {
  const generation = u.generation;
  await sleep(Math.random() * AVG_IDLE_MS); // users do not start in step
  while (world.running && u.active && u.generation === generation) {
    const action = pickAction();
    const start = performance.now();
    try {
      await act(u, world, action);
      world.samples.push({ action, start, ms: performance.now() - start });
    } catch (error) {
      world.samples.push({ action, start, ms: performance.now() - start, error: String(error).slice(0, 200) });
    }
    await sleep(idleMs());
  }
}

interface Level {
  users: number;
  windowSeconds: number;
  actions: number;
  actionsPerSec: number;
  errors: number;
  errorRate: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  deliveries: number;
  serverCpuPct: number;
  loadgenCpuPct: number;
  othersWaitedCpuPct: number;
  ok: boolean;
  byAction: Record<string, { n: number; p50Ms: number; p99Ms: number; errors: number }>;
  firstError?: string;
}

async function measure(server: Server, world: World, windowSeconds: number): Promise<Level> {
  const { others } = await waitForQuiet([server.pid]);
  const from = performance.now();
  const deliveries0 = world.deliveries;
  const cpu0 = await cpuSeconds(server.pid);
  const load0 = process.cpuUsage();
  await sleep(windowSeconds * 1000);
  const to = performance.now();
  const serverCpu = (await cpuSeconds(server.pid)) - cpu0;
  const load = process.cpuUsage(load0);
  // Actions started in the window; wait (bounded) for the ones still running to finish.
  const deadline = performance.now() + 10_000;
  const inWindow = () => world.samples.filter((s) => s.start >= from && s.start < to);
  let samples = inWindow();
  while (performance.now() < deadline) {
    await sleep(500);
    const again = inWindow();
    if (again.length === samples.length) break;
    samples = again;
  }
  const sorted = samples.map((s) => (s.error !== undefined ? Infinity : s.ms)).sort((a, b) => a - b);
  const errors = samples.filter((s) => s.error !== undefined);
  const byAction: Level['byAction'] = {};
  for (const m of MIX) {
    const xs = samples.filter((s) => s.action === m.name);
    const t = xs.map((s) => (s.error !== undefined ? Infinity : s.ms)).sort((a, b) => a - b);
    byAction[m.name] = { n: xs.length, p50Ms: round(percentile(t, 50)), p99Ms: round(percentile(t, 99)), errors: xs.filter((s) => s.error !== undefined).length };
  }
  const p99 = percentile(sorted, 99);
  const errorRate = samples.length > 0 ? errors.length / samples.length : 0;
  const wall = (to - from) / 1000;
  return {
    users: world.users.filter((u) => u.active).length,
    windowSeconds,
    actions: samples.length,
    actionsPerSec: round(samples.length / wall, 1),
    errors: errors.length,
    errorRate,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(p99),
    maxMs: round(sorted.at(-1) ?? NaN),
    deliveries: world.deliveries - deliveries0,
    serverCpuPct: round((serverCpu / wall) * 100, 0),
    loadgenCpuPct: round(((load.user + load.system) / 1e6 / wall) * 100, 0),
    othersWaitedCpuPct: round(others * 100, 0),
    ok: samples.length > 0 && p99 < P99_LIMIT_MS && errorRate < ERROR_LIMIT,
    byAction,
    ...(errors[0]?.error !== undefined ? { firstError: errors[0].error } : {}),
  };
}

export async function userMix(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const maxUsers = Number(process.env['FLINT_BENCH_MIX_MAX_USERS'] ?? 2400);
  const windowSeconds = Number(process.env['FLINT_BENCH_MIX_WINDOW_S'] ?? 20);
  const start = Number(process.env['FLINT_BENCH_MIX_START'] ?? 300);
  const bisections = Number(process.env['FLINT_BENCH_MIX_BISECTIONS'] ?? 1);
  // The part's bound: no new level starts once this much time has gone (set-up included).
  const budgetMs = Number(process.env['FLINT_BENCH_MIX_BUDGET_S'] ?? 300) * 1000;
  const partStart = performance.now();
  let budgetHit = false;
  const result = await withServer({ engine: 'sqlite' }, async (server) => {
    const admin = await founder(server.url);
    const world: World = { users: [], samples: [], deliveries: 0, deliveryErrors: 0, running: true, loops: [] };
    const levels: Level[] = [];
    const setupSeconds: number[] = [];
    const grow = async (target: number) => {
      const t0 = performance.now();
      // Everyone already there pauses while new blocks are set up: the set-up then does not compete
      // with a running load (it took 180 s instead of 57 s for 600 more users that way).
      if (world.users.length < target) await setActive(world, 0);
      while (world.users.length < target) await addBlock(server, admin, world, world.users.length / BLOCK);
      await setActive(world, target);
      setupSeconds.push(round((performance.now() - t0) / 1000));
    };
    try {
      let target = Math.max(BLOCK, Math.round(start / BLOCK) * BLOCK);
      let lastOk = 0;
      let doublings = 0;
      let firstBad = Infinity;
      for (;;) {
        // A level starts only if its set-up (blocks still to add, at the pace of those so far) and its
        // window fit in what is left of the budget.
        const blocksSoFar = world.users.length / BLOCK;
        const perBlockMs = blocksSoFar > 0 ? (setupSeconds.reduce((a, b) => a + b, 0) * 1000) / blocksSoFar : 0;
        const projectedMs = performance.now() - partStart + Math.max(0, target / BLOCK - blocksSoFar) * perBlockMs + (windowSeconds + 10) * 1000;
        if (levels.length > 0 && projectedMs > budgetMs) {
          budgetHit = true;
          console.log(`  time budget of ${budgetMs / 1000} s: level ${target} would end at ~${Math.round(projectedMs / 1000)} s, not started`);
          break;
        }
        await grow(target);
        await sleep(5000); // let the new users' first actions spread out
        let level = await measure(server, world, windowSeconds);
        // The same second-chance rule as the fan-out ladder, for a level near the limit only (one far
        // over it would only cost another window).
        if (!level.ok && level.p99Ms < 2 * P99_LIMIT_MS) level = await measure(server, world, windowSeconds);
        levels.push(level);
        console.log(`  ${level.users} users: ${level.actions} actions (${level.actionsPerSec}/s), p50 ${fmt(level.p50Ms)} ms, p99 ${fmt(level.p99Ms)} ms, errors ${level.errors}, server CPU ${level.serverCpuPct}%, load-gen CPU ${level.loadgenCpuPct}% → ${level.ok ? 'ok' : 'over'}`);
        if (level.ok) lastOk = Math.max(lastOk, level.users);
        else firstBad = Math.min(firstBad, level.users);
        if (level.ok && firstBad === Infinity) {
          if (target * 2 > maxUsers) break;
          target *= 2;
          continue;
        }
        doublings ||= levels.length;
        // Bisection between the last good level and the first bad one (users beyond the level are paused).
        const mid = Math.round((lastOk + firstBad) / 2 / BLOCK) * BLOCK;
        if (levels.length - doublings >= bisections || mid <= lastOk || mid >= firstBad) break;
        target = mid;
      }
      return { levels, setupSeconds, capacity: lastOk, firstBad: Number.isFinite(firstBad) ? firstBad : undefined, deliveryErrors: world.deliveryErrors, budgetHit };
    } finally {
      world.running = false;
      for (const u of world.users) u.stream?.stop();
      await Promise.race([Promise.allSettled(world.loops), sleep(15_000)]);
    }
  });
  const knee = result.levels.find((l) => l.users === result.capacity);
  const lines = [
    '## The usual-user mix (Mattermost\'s load-test user): users one machine holds',
    '',
    machineLine(),
    `Command: \`npm run bench user-mix\` (one \`flint serve\` on SQLite and one load-generator process holding every user, on the same 2 cores; users added in blocks of ${BLOCK}, doubling until a level misses, then up to ${bisections} bisection steps with the users beyond the level paused (offline); each level measured for ${windowSeconds} s after its set-up (the users already there paused during it); no level starts that would end (set-up at the pace so far, then its window) after ${budgetMs / 1000} s; figures from one run).`,
    '',
    `**Capacity: ${result.firstBad === undefined ? '≥ ' : ''}${result.capacity} users** with p99 < ${P99_LIMIT_MS} ms and errors < ${ERROR_LIMIT * 100} % (the first level over: ${result.firstBad ?? (result.budgetHit ? 'none before the time budget ran out' : `none up to ${maxUsers}`)}). A level that misses by less than 2× the p99 limit is measured once more, the same second-chance rule as the fan-out ladder. Latency is per *action* as the user sees it — its requests plus the sealing and opening on the client — which is stricter than Mattermost's per-request p99.`,
    '',
    table(
      ['users', 'actions (per s)', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'live deliveries opened', 'server CPU', 'load-gen CPU', 'within limits'],
      result.levels.map((l) => [l.users, `${l.actions} (${l.actionsPerSec})`, fmt(l.p50Ms), fmt(l.p99Ms), fmt(l.maxMs), `${l.errors} (${fmt(l.errorRate * 100, 3)} %)`, l.deliveries, `${l.serverCpuPct}%`, `${l.loadgenCpuPct}%`, l.ok ? 'yes' : '**no**']),
    ),
    '',
    '**The user.** Mattermost\'s simulative controller (mattermost-load-test-ng, `loadtest/control/simulcontroller`): after each action it idles at least 1 s, 20 s on average (exponential), then picks its next action with these relative frequencies — those with a Flint counterpart; reactions, the global threads view, custom statuses, sidebar categories and the rarer actions have none and are left out. Users are built on the SDK (a session each, an event stream each, every live message opened), so encryption and decryption count.',
    '',
    table(
      ['Mattermost action', 'frequency', 'share', 'what the Flint user does', knee ? `p50 / p99 ms at ${knee.users} users` : 'p50 / p99 ms'],
      MIX.map((m) => [m.name, m.frequency, `${fmt((m.frequency / TOTAL_FREQUENCY) * 100)} %`, m.flint, knee ? `${fmt(knee.byAction[m.name]!.p50Ms)} / ${fmt(knee.byAction[m.name]!.p99Ms)} (n=${knee.byAction[m.name]!.n})` : '']),
    ),
    '',
    `Set-up per block of ${BLOCK} users: people created and signed in, a KMS channel each, ${SPACES_PER_BLOCK} group spaces of 50 (everyone in 4) and ${BLOCK / 2} direct spaces, ${SEED_MESSAGES} seeded messages per group space (1 per direct space), every key fetched once, an event stream each. Set-up times per level (s): ${result.setupSeconds.join(', ')}.`,
    '',
  ];
  const firstError = result.levels.find((l) => l.firstError !== undefined)?.firstError;
  if (firstError !== undefined) lines.push(`First error seen: \`${firstError}\``, '');
  return { json: { part: 'user-mix', mix: MIX, minIdleMs: MIN_IDLE_MS, avgIdleMs: AVG_IDLE_MS, ...result }, markdown: lines.join('\n') };
}
