/**
 * A peer side by side (issue 9 part 6): the fan-out workload against Flint and against ejabberd
 * (Debian's package; see ejabberd-server.ts for its configuration), in the same run and the same
 * load-generator process. Same members (spaces of 100, everyone online, member 0 in every space),
 * same open-loop offered rates, same plaintext sealed the same way (A256GCM JWE with the space's
 * key) and opened by every receiver, so message sizes on the wire and client-side work match.
 * On XMPP the space is a multi-user chat room; a member's message is a groupchat stanza whose body
 * is the JWE, and the send counts as accepted when the room's echo reaches the sender.
 *
 * At each rate the two sides run one after the other (the order alternates from rate to rate, so
 * a drift in the shared machine's load does not favour one side); every step first waits for the
 * machine to be quiet. A side stops at its first step that misses p99 ≤ 250 ms.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { client as xmppClient, xml, type Element, type XmppClient } from '@xmpp/client';
import { openWithKey, sealText } from '@flint/sdk/testing/kms';
import type { KmsKey } from '@flint/sdk';
import { fmt, machineLine, pool, round, sleep, table, withServer } from './common.ts';
import { ensureEjabberd, MUC_SERVICE, startEjabberd, XMPP_DOMAIN, type Ejabberd } from './ejabberd-server.ts';
import {
  buildWorld,
  fanoutOptions,
  flintDriver,
  newRecorder,
  offeredCell,
  runStepTwice,
  P99_LIMIT_MS,
  PLAINTEXT_CHARS,
  recordDecryptError,
  recordDelivery,
  runStep,
  stepOk,
  sustainedOf,
  type Driver,
  type Recorder,
  type StepResult,
} from './fanout.ts';

const PASSWORD = 'bench password correct horse';
const ECHO_TIMEOUT_MS = 30_000;

interface XmppMember {
  nick: string;
  xmpp: XmppClient;
}

type Waiters = Map<string, { resolve: () => void; reject: (e: Error) => void }>;

interface XmppWorld {
  members: XmppMember[];
  /** Sends waiting for the room's echo, by stanza id. */
  echo: Waiters;
  rooms: { jid: string; key: KmsKey; members: number[] }[];
  stop(): Promise<void>;
}

/** A space key held by the clients only (ejabberd has no KMS): the same JWE sealing as Flint's SDK. */
function localKey(space: number): KmsKey {
  const now = new Date().toISOString();
  return { uri: `local:space-${space}`, key: new Uint8Array(randomBytes(32)), userId: 'bench', clientId: 'bench', createDate: now, expirationDate: now };
}

async function buildXmppWorld(server: Ejabberd, spacesCount: number, membersPerSpace: number, rec: Recorder): Promise<XmppWorld> {
  const users = 1 + spacesCount * (membersPerSpace - 1);
  await pool(users, 8, (i) => server.api('register', { user: `u${i}`, host: XMPP_DOMAIN, password: PASSWORD }));
  const rooms: XmppWorld['rooms'] = [];
  const roomOf = new Map<string, number>();
  for (let s = 0; s < spacesCount; s++) {
    const name = `space${s}`;
    await server.api('create_room_with_opts', {
      name,
      service: MUC_SERVICE,
      host: XMPP_DOMAIN,
      options: [
        { name: 'persistent', value: 'true' },
        { name: 'mam', value: 'true' },
        { name: 'max_users', value: String(membersPerSpace + 50) },
      ],
    });
    const jid = `${name}@${MUC_SERVICE}`;
    roomOf.set(jid, s);
    rooms.push({ jid, key: localKey(s), members: [0, ...Array.from({ length: membersPerSpace - 1 }, (_, j) => 1 + s * (membersPerSpace - 1) + j)] });
  }
  const roomsOfUser = (i: number) => rooms.filter((r) => r.members.includes(i)).map((r) => r.jid);
  const members: XmppMember[] = [];
  const joinWaiters: Waiters = new Map();
  const echoWaiters: Waiters = new Map();
  await pool(users, 16, async (i) => {
    const nick = `u${i}`;
    const x = xmppClient({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: XMPP_DOMAIN, username: nick, password: PASSWORD, resource: 'bench' });
    x.reconnect.stop();
    x.on('error', (error) => {
      rec.firstError ??= `xmpp ${nick}: ${String(error)}`;
    });
    x.on('stanza', (stanza: Element) => {
      const from = stanza.attrs['from'] ?? '';
      const slash = from.indexOf('/');
      const room = slash < 0 ? from : from.slice(0, slash);
      const fromNick = slash < 0 ? '' : from.slice(slash + 1);
      if (stanza.is('presence')) {
        if (fromNick !== nick) return;
        const waiter = joinWaiters.get(`${nick} ${room}`);
        if (waiter === undefined) return;
        joinWaiters.delete(`${nick} ${room}`);
        if (stanza.attrs['type'] === 'error') waiter.reject(new Error(`join ${room} refused for ${nick}`));
        else waiter.resolve();
        return;
      }
      if (!stanza.is('message') || stanza.attrs['type'] !== 'groupchat') return;
      const body = stanza.getChildText('body');
      if (body === null) return;
      if (fromNick === nick) {
        const id = stanza.attrs['id'] ?? '';
        echoWaiters.get(id)?.resolve();
        echoWaiters.delete(id);
        return;
      }
      const s = roomOf.get(room);
      if (s === undefined) return;
      openWithKey(rooms[s]!.key, body).then(
        (plain) => recordDelivery(rec, plain),
        (error: unknown) => recordDecryptError(rec, error),
      );
    });
    await x.start();
    for (const jid of roomsOfUser(i)) {
      const joined = new Promise<void>((resolve, reject) => joinWaiters.set(`${nick} ${jid}`, { resolve, reject }));
      await x.send(xml('presence', { to: `${jid}/${nick}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxstanzas: '0' }))));
      await joined;
    }
    members[i] = { nick, xmpp: x };
  });
  return {
    members,
    echo: echoWaiters,
    rooms,
    stop: async () => {
      await Promise.allSettled(members.map((m) => m.xmpp.stop()));
    },
  };
}

function xmppDriver(server: Ejabberd, world: XmppWorld): Driver {
  const echo = world.echo;
  return {
    serverPids: () => [server.pid],
    send: async (seq, plaintext) => {
      const room = world.rooms[seq % world.rooms.length]!;
      const sender = world.members[room.members[Math.floor(Math.random() * room.members.length)]!]!;
      const sealed = await sealText(room.key, plaintext);
      const id = `m${seq}`;
      const echoed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          echo.delete(id);
          reject(new Error(`no echo of ${id} within ${ECHO_TIMEOUT_MS} ms`));
        }, ECHO_TIMEOUT_MS);
        echo.set(id, {
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject,
        });
      });
      await sender.xmpp.send(xml('message', { to: room.jid, type: 'groupchat', id }, xml('body', {}, sealed.ciphertext)));
      await echoed;
      return room.members.length - 1;
    },
  };
}

function countRows(file: string, sql: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const sustained = (steps: StepResult[]) => sustainedOf(steps).perSec;

export async function ejabberd(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const options = fanoutOptions();
  const installedNow = ensureEjabberd();
  const rec = newRecorder();
  const state = { seq: 0 };
  const result = await withServer({ engine: 'sqlite' }, async (flint) => {
    const ej = await startEjabberd(options.membersPerSpace + 50);
    try {
      const t0 = performance.now();
      const fWorld = await buildWorld(flint, options.spaces, options.membersPerSpace, rec);
      const flintSetup = round((performance.now() - t0) / 1000);
      const t1 = performance.now();
      const xWorld = await buildXmppWorld(ej, options.spaces, options.membersPerSpace, rec);
      const xmppSetup = round((performance.now() - t1) / 1000);
      console.log(`  Flint: ${fWorld.members.length} members connected (${flintSetup} s); ejabberd: ${xWorld.members.length} members in ${xWorld.rooms.length} rooms (${xmppSetup} s)`);
      try {
        const sides = [
          { name: 'Flint', driver: flintDriver(flint, fWorld), steps: [] as StepResult[], done: false },
          { name: 'ejabberd', driver: xmppDriver(ej, xWorld), steps: [] as StepResult[], done: false },
        ];
        const warmups: StepResult[] = [];
        for (const side of sides) warmups.push(await runStep(side.driver, rec, state, 5, 3, 3000)); // warm-up, not reported
        for (const [k, rate] of options.rates.entries()) {
          const order = k % 2 === 0 ? sides : [...sides].reverse();
          for (const side of order) {
            if (side.done) continue;
            await sleep(1500);
            const r = await runStepTwice(side.driver, rec, state, rate, options.stepSeconds);
            side.steps.push(r);
            console.log(`  [${side.name}] offered ${rate}/s: sent ${r.achievedPerSec}/s, delivered ${r.deliveriesReceived}/${r.deliveriesExpected}, p50 ${fmt(r.p50Ms)} ms, p99 ${fmt(r.p99Ms)} ms, server CPU ${r.serverCpuPct}%, load-gen CPU ${r.loadgenCpuPct}%, others ${r.othersCpuPct}%`);
            if (!stepOk(r)) side.done = true;
          }
          if (sides.every((s) => s.done)) break;
        }
        await sleep(1000);
        const flintStored = countRows(flint.databaseUrl.replace(/^sqlite:/, ''), 'select count(*) as n from messages');
        const xmppStored = countRows(ej.dbFile, "select count(*) as n from archive where username like '%@" + MUC_SERVICE + "'");
        const sent = sides.map((s, i) => s.steps.reduce((a, b) => a + b.sent, 0) + warmups[i]!.sent);
        return {
          flint: { setupSeconds: flintSetup, connected: fWorld.members.length, steps: sides[0]!.steps, sustainedPerSec: sustained(sides[0]!.steps), stored: flintStored, sentReported: sent[0]! },
          ejabberd: { setupSeconds: xmppSetup, connected: xWorld.members.length, steps: sides[1]!.steps, sustainedPerSec: sustained(sides[1]!.steps), stored: xmppStored, sentReported: sent[1]!, sqliteMode: ej.sqliteMode },
          firstError: rec.firstError?.slice(0, 300),
        };
      } finally {
        for (const m of fWorld.members) m.stream?.stop();
        await xWorld.stop();
      }
    } finally {
      await ej.stop();
    }
  });
  const version = /ejabberd ([\d.]+-?\d*)/.exec(spawnSync('dpkg-query', ['-W', '-f=ejabberd ${Version}', 'ejabberd'], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
  const f = result.flint;
  const e = result.ejabberd;
  const rows = (steps: StepResult[]) =>
    steps.map((s) => [offeredCell(s), s.achievedPerSec, `${s.deliveriesReceived}/${s.deliveriesExpected}`, fmt(s.p50Ms), fmt(s.p99Ms), fmt(s.maxMs), `${fmt(s.sendP50Ms)} / ${fmt(s.sendP99Ms)}`, `${s.serverCpuPct}%`, `${s.loadgenCpuPct}% (${fmt(s.generatorLagP99Ms, 0)} ms)`, `${s.othersCpuPct}% (${s.foreignCpuPct}%)`]);
  const header = ['offered msg/s', 'achieved msg/s', 'deliveries', 'p50 ms', 'p99 ms', 'max ms', 'accepted p50 / p99 ms', 'server CPU', 'load-gen CPU (loop lag p99)', 'other processes CPU (unrelated)'];
  const fs = sustainedOf(f.steps);
  const es = sustainedOf(e.steps);
  const refusedNote = [fs.stoppedBy !== undefined ? `Flint: ${fs.stoppedBy}.` : '', es.stoppedBy !== undefined ? `ejabberd: ${es.stoppedBy}.` : ''].filter((x) => x !== '').join(' ');
  const common = f.steps.filter((s) => e.steps.some((t) => t.offeredPerSec === s.offeredPerSec));
  const lines = [
    `## A peer side by side: Flint vs ejabberd ${version}, spaces of ${options.membersPerSpace} members`,
    '',
    machineLine(),
    `Command: \`npm run bench ejabberd\` (${options.spaces} spaces × ${options.membersPerSpace} members on each side, all online; steps of ${options.stepSeconds} s; Flint on SQLite and ejabberd on SQLite, both started fresh by the part; figures are from one run).` +
      (installedNow ? ' ejabberd was installed by this run (`apt-get install -y ejabberd erlang-p1-sqlite3`).' : ''),
    '',
    '**How the comparison is made fair.**',
    '',
    `- *Same workload.* The fan-out part's workload, unchanged: the same members (${options.spaces} spaces of ${options.membersPerSpace}, one member in every space, everyone connected before the first step), the same open-loop offered rates, a random member of the space sends, ~${PLAINTEXT_CHARS}-character plaintext sealed as the same A256GCM JWE with the space's key and opened by every receiver — so the bytes on the wire and the client-side work are the same. On ejabberd the space is a multi-user chat room and the JWE is a groupchat \`<body>\`; its key is held by the clients (ejabberd has no KMS), Flint's comes from its KMS and is cached after the first fetch.`,
    `- *Both store every message durably, on SQLite, in the same mode.* ejabberd uses its SQL backend with SQLite (\`erlang-p1-sqlite3\`) for accounts, rooms and the message archive: mod_mam with \`default: always\`, every room created with \`mam: true\`. Flint stores each message and its event-log rows in SQLite. Both databases run \`journal_mode = WAL\`, \`synchronous = NORMAL\` (Flint's settings; ejabberd's one SQLite connection was set so after start and read back: ${e.sqliteMode.journalMode} / ${e.sqliteMode.synchronous}), on the same disk. Checked after the run: Flint's \`messages\` table holds ${f.stored} rows for ${f.sentReported} accepted sends (warm-up included), ejabberd's \`archive\` holds ${e.stored} room messages for ${e.sentReported} accepted sends.`,
    '- *No throttling on the peer.* ejabberd\'s traffic shaper is off (`shaper: none` on the listener, `c2s_shaper: none`, no MUC message or presence shaper, `min_message_interval: 0`); the listener\'s connection backlog is 1,024; room history on join is off (`history_size: 0`), as Flint members get no replay at join either. Flint runs with its rate limit raised out of the way, as in the fan-out part.',
    '- *Same process layout.* One server process per side (`flint serve`: core and KMS in one Node process; ejabberd: one Erlang VM, its own private config, spool and node name, on loopback, not the system service) and one load-generator process that holds both sides\' clients (the SDK over HTTP + WebSocket; `@xmpp/client` over TCP, no TLS on either side), all on the same 2 cores.',
    '- *Same measurement.* Latency runs from the intended send time to the moment a receiver holds the plaintext; deliveries missing 6 s after the step count as infinitely late. At each rate the two sides run back to back, the order alternating from rate to rate, and every step first waits (up to 20 s) for the rest of the machine to be quiet; a side stops at its first rate that fails twice in a row (the same rule for both). A step that misses is *refused* rather than failed — and its side\'s ladder stops with "≥" — when it measured the load generator or the machine instead of the server: the generator issued under 90 % of the scheduled sends on time, its event loop lagged over 100 ms at p99, or unrelated processes used over half a core during the step (the bracketed CPU figures); no ratio is reported from a refused ladder. "Accepted" is `POST /api/messages` answered for Flint and the room\'s echo reaching the sender for ejabberd.',
    '',
    `### Ratios (Flint / ejabberd, same run)`,
    '',
    refusedNote === '' && e.sustainedPerSec > 0
      ? `Sustained rate (p99 ≤ ${P99_LIMIT_MS} ms, no errors, every delivery made): Flint **${f.sustainedPerSec} msg/s**, ejabberd **${e.sustainedPerSec} msg/s**: ratio **${fmt(f.sustainedPerSec / e.sustainedPerSec, 2)}**.`
      : `Sustained rate (p99 ≤ ${P99_LIMIT_MS} ms, no errors, every delivery made): Flint **${fs.cell} msg/s**, ejabberd **${es.cell} msg/s**: no ratio, as a side's limit is unknown. ${refusedNote}`,
    '',
    table(
      ['offered msg/s', 'p50 Flint / ejabberd', 'p99 Flint / ejabberd', 'p99 Flint / ejabberd ms'],
      common.map((s) => {
        const t = e.steps.find((x) => x.offeredPerSec === s.offeredPerSec)!;
        return [s.offeredPerSec, fmt(s.p50Ms / t.p50Ms, 2), `**${fmt(s.p99Ms / t.p99Ms, 2)}**`, `${fmt(s.p99Ms)} / ${fmt(t.p99Ms)}`];
      }),
    ),
    '',
    `### Flint (SQLite): ${f.connected} members connected; sustained ${fs.cell} msg/s`,
    '',
    table(header, rows(f.steps)),
    '',
    `### ejabberd (SQLite, mod_mam): ${e.connected} members connected; sustained ${es.cell} msg/s`,
    '',
    table(header, rows(e.steps)),
    '',
  ];
  if (result.firstError !== undefined) lines.push(`First error seen: \`${result.firstError}\``, '');
  return { json: { part: 'ejabberd', options, ejabberdVersion: version, ...result }, markdown: lines.join('\n') };
}
