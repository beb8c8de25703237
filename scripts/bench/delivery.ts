/**
 * Delivery to a large space (issue 15): one space of 1,000 and of 5,000 members, every member but
 * the sender on the event stream as a bare WebSocket that only reads each frame's event id — no
 * KMS channel and no decryption, so the load generator does as little as it can per copy — and,
 * on PostgreSQL + Redis, the same with the sockets spread over two instances on one database.
 * Messages are sent one at a time; we time until the last socket has the frame.
 * @module
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { insertMemberships } from './large-space.ts';
import { createPeople, fmt, founder, machineLine, median, percentile, pool, round, sleep, startServer, table, type Engine, type Server } from './common.ts';

const SIZES = (process.env['FLINT_BENCH_DELIVERY_SIZES'] ?? '1000,5000').split(',').map(Number);
const PG_SIZES = (process.env['FLINT_BENCH_DELIVERY_PG_SIZES'] ?? SIZES.join(',')).split(',').map(Number);
const MESSAGES = Number(process.env['FLINT_BENCH_DELIVERY_MESSAGES'] ?? 8);

interface Result {
  engine: Engine;
  instances: number;
  members: number;
  connected: number;
  perMessage: { lastMs: number; p50Ms: number; p99Ms: number; received: number; sendMs: number }[];
}

async function run(engine: Engine, instances: number, members: number): Promise<Result> {
  const prefix = `flint-bench-${randomBytes(4).toString('hex')}:`;
  const first = await startServer({ engine, env: { FLINT_REDIS_PREFIX: prefix } });
  const servers: Server[] = [first];
  try {
    for (let i = 1; i < instances; i++) servers.push(await startServer({ engine, databaseUrl: first.databaseUrl, env: { FLINT_REDIS_PREFIX: prefix } }));
    const admin = await founder(first.url);
    const people = await createPeople(first.url, admin, members - 1, `d${members}x${instances}-`, 8);
    const room = await admin.client.rooms.create({ title: 'ciphertext:all hands' });
    await insertMemberships(first, room.id, people.map((p) => p.personId));
    const arrivals = new Map<string, number[]>();
    const sockets: WebSocket[] = [];
    let failures = 0;
    await pool(people.length, 32, async (i) => {
      const server = servers[i % servers.length]!;
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}/api/events`);
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no ready')), 30_000);
          socket.once('error', reject);
          socket.once('open', () => socket.send(JSON.stringify({ type: 'hello', token: people[i]!.client.session!.accessToken })));
          socket.once('message', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        socket.on('message', (data: Buffer) => {
          const at = performance.now();
          const frame = JSON.parse(data.toString('utf8')) as { type: string; event?: { type: string; data: { id?: string } } };
          if (frame.type !== 'event' || frame.event?.type !== 'message.created') return;
          const id = frame.event.data.id!;
          let list = arrivals.get(id);
          if (list === undefined) arrivals.set(id, (list = []));
          list.push(at);
        });
        sockets.push(socket);
      } catch {
        failures++;
        socket.terminate();
      }
    });
    console.log(`  ${engine} ×${instances}, ${members} members: ${sockets.length} sockets connected (${failures} failed)`);
    try {
      await sleep(2000);
      const perMessage: Result['perMessage'] = [];
      for (let seq = 0; seq < MESSAGES; seq++) {
        const sentAt = performance.now();
        const message = await admin.client.messages.create({ roomId: room.id, text: `ciphertext:${seq}` });
        const sendMs = performance.now() - sentAt;
        const deadline = performance.now() + 30_000;
        while ((arrivals.get(message.id)?.length ?? 0) < sockets.length && performance.now() < deadline) await sleep(2);
        const lat = (arrivals.get(message.id) ?? []).map((t) => t - sentAt).sort((a, b) => a - b);
        const complete = lat.length >= sockets.length;
        perMessage.push({ lastMs: complete ? round(lat[lat.length - 1]!) : Infinity, p50Ms: round(percentile(lat, 50)), p99Ms: round(percentile(lat, 99)), received: lat.length, sendMs: round(sendMs) });
        console.log(`    message ${seq}: ${lat.length}/${sockets.length}, last after ${fmt(perMessage.at(-1)!.lastMs)} ms`);
        await sleep(1000);
      }
      return { engine, instances, members, connected: sockets.length, perMessage };
    } finally {
      for (const s of sockets) s.terminate();
    }
  } finally {
    for (const server of servers.slice(1)) await server.stop();
    await first.stop();
  }
}

export async function delivery(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const engines = (process.env['FLINT_BENCH_ENGINES'] ?? 'sqlite,postgres').split(',') as Engine[];
  const results: Result[] = [];
  for (const engine of engines) for (const members of engine === 'postgres' ? PG_SIZES : SIZES) for (const instances of engine === 'postgres' ? [1, 2] : [1]) results.push(await run(engine, instances, members));
  const rows = results.map((r) => {
    const pm = r.perMessage;
    return [
      r.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL + Redis',
      r.instances,
      r.members,
      r.connected,
      `**${fmt(median(pm.map((p) => p.lastMs)))} ms**`,
      `${fmt(Math.max(...pm.map((p) => p.lastMs)))} ms`,
      `${fmt(median(pm.map((p) => p.p50Ms)))} ms`,
      `${fmt(median(pm.map((p) => p.sendMs)))} ms`,
    ];
  });
  const markdown = [
    '## Delivery to a large space',
    '',
    machineLine(),
    `Command: \`npm run bench delivery\` (one space each of ${SIZES.join(' and ')} members (PostgreSQL: ${PG_SIZES.join(' and ')}): people created via \`POST /api/people\` and signed in, memberships inserted into the database; every member but the sender on the event stream as a bare WebSocket in the one load-generator process that reads each frame's event id and decrypts nothing; with two instances the sockets alternate between them and the sender posts to the first; ${MESSAGES} messages one at a time, 1 s apart).`,
    '',
    table(['engine', 'instances', 'members', 'sockets', 'last socket has it (median)', 'worst message', 'p50 socket', 'POST /api/messages'], rows),
    '',
  ].join('\n');
  return { json: { part: 'delivery', results }, markdown };
}
