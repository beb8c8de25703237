/**
 * Large space: one space of 5,000 members (the most Webex allows). People are created by an admin
 * (POST /api/people with a password) and signed in; their memberships are inserted straight into
 * the database (adding them one by one through the API would append an event for every existing
 * member each time: 12.5 M event rows). As many members as asked connect to the event stream, each
 * with its own KMS channel; then messages are sent one at a time and we time until every connected
 * member holds the decrypted plaintext.
 * @module
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { EventStream } from '@flint/sdk';
import { openText, sealText, type KmsClient } from '@flint/sdk/testing/kms';
import { NodeWebSocket } from '@flint/testkit';
import { createPeople, fmt, founder, kmsClientFor, machineLine, median, percentile, pool, round, sleep, table, withServer, type Engine, type Member, type Server } from './common.ts';

async function insertMemberships(server: Server, roomId: string, personIds: string[]): Promise<void> {
  const now = Date.now();
  const rows = personIds.map((personId) => ({ id: randomUUID(), personId }));
  if (server.engine === 'sqlite') {
    const db = new Database(server.databaseUrl.replace(/^sqlite:/, ''));
    try {
      db.pragma('busy_timeout = 10000');
      const stmt = db.prepare('insert into memberships (id, space_id, person_id, is_moderator, created_at) values (?, ?, ?, 0, ?)');
      db.transaction(() => {
        for (const r of rows) stmt.run(r.id, roomId, r.personId, now);
      })();
    } finally {
      db.close();
    }
    return;
  }
  const c = new pg.Client({ connectionString: server.databaseUrl });
  await c.connect();
  try {
    await c.query('insert into memberships (id, space_id, person_id, is_moderator, created_at) select unnest($1::text[]), $2, unnest($3::text[]), 0, $4', [rows.map((r) => r.id), roomId, rows.map((r) => r.personId), now]);
  } finally {
    await c.end();
  }
}

export async function largeSpace(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const engine = (process.env['FLINT_BENCH_LARGE_ENGINE'] ?? 'sqlite') as Engine;
  const members = Number(process.env['FLINT_BENCH_LARGE_MEMBERS'] ?? 5000);
  const connectTarget = Math.min(members, Number(process.env['FLINT_BENCH_LARGE_CONNECT'] ?? members));
  const messages = Number(process.env['FLINT_BENCH_LARGE_MESSAGES'] ?? 8);
  const result = await withServer({ engine }, async (server) => {
    const t0 = performance.now();
    const admin = await founder(server.url);
    const people = await createPeople(server.url, admin, members - 1, 'l', 8);
    const createSeconds = (performance.now() - t0) / 1000;
    console.log(`  ${members} people created and signed in: ${round(createSeconds)} s`);
    const adminKms = await kmsClientFor(server.url, admin, 'large-admin');
    const [key] = await adminKms.createKeys(1);
    const resource = await adminKms.createResource({ keyUris: [key!.uri] });
    for (let i = 0; i < people.length; i += 500) await adminKms.addAuthorizations(resource.uri, people.slice(i, i + 500).map((p) => p.personId));
    const title = await sealText(key!, 'All hands');
    const room = await admin.client.rooms.create({ title: title.ciphertext, encryptionKeyUrl: key!.uri, kroUri: resource.uri });
    await insertMemberships(server, room.id, people.map((p) => p.personId));
    const page = await admin.client.memberships.list({ roomId: room.id, max: 1 });
    if (page.items.length !== 1) throw new Error('membership insert not visible');

    // Connect: the admin (sender) plus connectTarget − 1 receivers, each with a KMS channel and the space key.
    const t1 = performance.now();
    const receivers = people.slice(0, connectTarget - 1);
    const got = new Map<number, number[]>();
    const sentAt = new Map<number, number>();
    let decryptErrors = 0;
    const connected: { m: Member; kms: KmsClient; stream: EventStream }[] = [];
    let connectFailures = 0;
    await pool(receivers.length, 16, async (i) => {
      const m = receivers[i]!;
      try {
        const kms = await kmsClientFor(server.url, m, `large-${i}`);
        await kms.retrieveKey(key!.uri);
        const stream = m.client.events({
          WebSocket: NodeWebSocket,
          deviceId: `large-${i}`,
          onEvent: (e) => {
            if (e.type !== 'message.created') return;
            const d = e.data as { text?: string; encryptionKeyUrl?: string };
            if (d.text === undefined || d.encryptionKeyUrl === undefined) return;
            openText(kms, { ciphertext: d.text, encryptionKeyUrl: d.encryptionKeyUrl }).then(
              (plain) => {
                const done = performance.now();
                const seq = (JSON.parse(plain) as { seq: number }).seq;
                got.get(seq)?.push(done - sentAt.get(seq)!);
              },
              () => decryptErrors++,
            );
          },
        });
        await Promise.race([stream.start(), sleep(30_000).then(() => Promise.reject(new Error('stream start timed out')))]);
        connected.push({ m, kms, stream });
      } catch (error) {
        if (connectFailures++ === 0) console.error('  first connect failure:', error);
      }
    });
    const connectSeconds = (performance.now() - t1) / 1000;
    console.log(`  ${connected.length} receivers connected in ${round(connectSeconds)} s (${connectFailures} failed)`);
    try {
      await sleep(3000);
      const perMessage: { allMs: number; p50Ms: number; p99Ms: number; received: number; sendMs: number }[] = [];
      const pad = 'x'.repeat(170);
      for (let seq = 0; seq < messages; seq++) {
        got.set(seq, []);
        const at = performance.now();
        sentAt.set(seq, at);
        const sealed = await sealText(key!, JSON.stringify({ seq, pad }));
        await admin.client.messages.create({ roomId: room.id, text: sealed.ciphertext, encryptionKeyUrl: sealed.encryptionKeyUrl });
        const sendMs = performance.now() - at;
        const deadline = performance.now() + 30_000;
        while (got.get(seq)!.length < connected.length && performance.now() < deadline) await sleep(5);
        const lat = [...got.get(seq)!].sort((a, b) => a - b);
        const complete = lat.length >= connected.length;
        perMessage.push({ allMs: complete ? round(lat[lat.length - 1]!) : Infinity, p50Ms: round(percentile(lat, 50)), p99Ms: round(percentile(lat, 99)), received: lat.length, sendMs: round(sendMs) });
        console.log(`  message ${seq}: ${lat.length}/${connected.length} in ${fmt(perMessage.at(-1)!.allMs)} ms (p50 ${fmt(perMessage.at(-1)!.p50Ms)} ms)`);
        await sleep(2000);
      }
      return { engine, members, createSeconds: round(createSeconds), connectSeconds: round(connectSeconds), connected: connected.length + 1, connectFailures, decryptErrors, perMessage };
    } finally {
      for (const c of connected) c.stream.stop();
    }
  });
  const pm = result.perMessage;
  const markdown = [
    `## Large space: one space of ${result.members} members`,
    '',
    machineLine(),
    `Command: \`npm run bench large-space\` (${result.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL + Redis'}; ${result.members} people created by an admin via \`POST /api/people\` with a password and signed in, FLINT_ARGON2_MEMORY_KIB=1024; memberships inserted straight into the database; ${result.connected} members on the event stream (the sender plus ${result.connected - 1} receivers), each with its own KMS channel; ${pm.length} messages of ~200 plaintext characters, one at a time, 2 s apart).`,
    '',
    `Set-up: people created and signed in ${result.createSeconds} s; ${result.connected - 1} receivers connected (KMS handshake + key + event stream) in ${result.connectSeconds} s (${result.connectFailures} failures).`,
    '',
    table(
      ['', 'median over messages', 'worst message'],
      [
        ['time until every connected member holds the decrypted message', `**${fmt(median(pm.map((p) => p.allMs)))} ms**`, `${fmt(Math.max(...pm.map((p) => p.allMs)))} ms`],
        ['p50 across receivers', `${fmt(median(pm.map((p) => p.p50Ms)))} ms`, `${fmt(Math.max(...pm.map((p) => p.p50Ms)))} ms`],
        ['p99 across receivers', `${fmt(median(pm.map((p) => p.p99Ms)))} ms`, `${fmt(Math.max(...pm.map((p) => p.p99Ms)))} ms`],
        ['sender: POST /api/messages answered', `${fmt(median(pm.map((p) => p.sendMs)))} ms`, `${fmt(Math.max(...pm.map((p) => p.sendMs)))} ms`],
      ],
    ),
    '',
    'All receivers are in the one load-generator process, which also decrypts every copy: the "every member" time includes decrypting ~5,000 copies on one core.',
    '',
  ].join('\n');
  return { json: { part: 'large-space', ...result }, markdown };
}
