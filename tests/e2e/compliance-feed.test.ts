/**
 * SPEC CP-3 (issue 19): `flint compliance feed`, a real process signed in as the officer, streams the
 * seeded org's activities decrypted — to a folder (JSON lines, the file's bytes beside), killed with
 * SIGKILL mid-stream and restarted: everything exactly as in the seed, repeats only from the batch in
 * flight, nothing of another org — and to an HTTP receiver on 127.0.0.1 whose signatures verify and
 * whose refusal (503) is retried. Following, it picks up new activity and stops cleanly on SIGTERM.
 * The core still holds no plaintext. Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grantKmsOfficer } from '@flint/kms';
import { FLINT_BIN, TEST_PASSWORD, scanForPlaintext, startFlint, type TestFlint, until } from '@flint/testkit';
import { seedOrg, type Seed } from './compliance-seed.ts';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Line {
  id: string;
  resource: string;
  type: string;
  orgId: string;
  roomId: string;
  data: Record<string, unknown>;
  files?: { blobId: string; name?: string; size?: number; sha256?: string; path?: string }[];
  decryptError?: unknown;
}

function feedRun(args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [FLINT_BIN, 'compliance', 'feed', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(`${TEST_PASSWORD}\n`);
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

async function linesIn(folder: string): Promise<Line[]> {
  const names = (await readdir(folder)).filter((n) => /^events-\d{4}-\d{2}-\d{2}\.jsonl$/.test(n)).sort();
  const lines: Line[] = [];
  for (const name of names) {
    for (const text of (await readFile(join(folder, name), 'utf8')).split('\n')) if (text !== '') lines.push(JSON.parse(text) as Line);
  }
  return lines;
}


/** The feed is a separate process that signs in and catches up first: on a loaded machine, minutes. */
const FEED_WAIT = 120_000;

describe('flint compliance feed (CP-3)', () => {
  let flint: TestFlint;
  let seed: Seed;
  let dir = '';
  /** Every event id of the org, oldest first, as the core lists them to the officer. */
  let truth: string[] = [];
  const officer = (to: string, extra: string[] = []) => ['--url', flint.url, '--org', 'acme.test', '--to', to, '--email', 'carol@acme.test', '--password-stdin', ...extra];

  async function orgEventIds(): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await seed.secure['carol']!.compliance.events({ max: 1000, ...(cursor !== undefined ? { cursor } : {}) });
      ids.push(...page.items.map((e) => e.id));
      cursor = page.next;
    } while (cursor !== undefined);
    return ids;
  }

  /** What the seed did, as the feed must show it in clear. */
  function checkContent(lines: Line[]): void {
    for (const l of lines) {
      assert.equal(l.orgId, seed.orgId);
      assert.equal(l.decryptError, undefined, `event ${l.id} opened`);
    }
    const messages = lines.filter((l) => l.resource === 'messages');
    for (const t of seed.createdTexts) assert.ok(messages.some((l) => l.type === 'created' && l.data['text'] === t), t);
    assert.ok(messages.some((l) => l.type === 'updated' && l.data['text'] === seed.editedText));
    assert.ok(messages.some((l) => l.type === 'deleted' && l.data['id'] === seed.deletedMessageId));
    const dave = lines.filter((l) => l.resource === 'memberships' && l.data['personEmail'] === 'dave@acme.test').map((l) => l.type);
    assert.deepEqual(dave, ['created', 'deleted'], 'Dave came and went, in order');
    assert.ok(lines.some((l) => l.resource === 'rooms' && l.type === 'created' && l.data['title'] === seed.boardTitle));
    const text = lines.map((l) => JSON.stringify(l)).join('\n');
    for (const foreign of ['other org hotel', 'Other org india', seed.otherRoomId]) assert.ok(!text.includes(foreign), foreign);
    // In order per space: ids grow within each space.
    for (const roomId of seed.orgRoomIds) {
      const ids = lines.filter((l) => l.roomId === roomId).map((l) => Number(l.id));
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    }
  }

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    seed = await seedOrg(flint);
    const carolId = seed.plain['carol']!.session!.personId;
    await seed.plain['alice']!.people.update(carolId, { displayName: 'Carol Tester', roles: ['compliance_officer'] });
    await grantKmsOfficer({ dataDir: flint.config.kmsDataDir }, { orgId: seed.orgId, userId: carolId, label: 'carol@acme.test' });
    await seed.secure['carol']!.updateKmsPassword(TEST_PASSWORD);
    dir = await mkdtemp(join(tmpdir(), 'flint-compliance-feed-'));
    truth = await orgEventIds();
    assert.ok(truth.length >= 12, `the seed made ${truth.length} events`);
  });

  after(async () => {
    for (const s of Object.values(seed?.secure ?? {})) s.close();
    await flint?.stop();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('to a folder, killed with SIGKILL mid-stream and restarted: every activity, repeats only from the batch in flight', async () => {
    const folder = join(dir, 'lines');
    const args = officer(`dir:${folder}`, ['--batch', '1', '--once']);
    const first = feedRun(args);
    // Kill it as soon as it has saved its place once (a batch acknowledged).
    const statePath = join(folder, '.flint-feed-state.json');
    const saved = await until('the first saved place', async () => {
      const state = await readFile(statePath, 'utf8').then((t) => JSON.parse(t) as { after?: string }, () => undefined);
      return state?.after !== undefined ? state : undefined;
    }, FEED_WAIT);
    assert.equal(first.child.exitCode, null, 'still running when killed');
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');
    const placeAtKill = (JSON.parse(await readFile(statePath, 'utf8')) as { after: string }).after;
    assert.ok(Number(placeAtKill) >= Number(saved.after));
    const before = await linesIn(folder);
    assert.ok(before.length < truth.length, `killed mid-stream (${before.length} of ${truth.length})`);

    const second = await feedRun(args).done;
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^Fed \d+ events to dir:/);
    const lines = await linesIn(folder);
    const ids = lines.map((l) => l.id);
    assert.deepEqual([...new Set(ids)], truth, 'every event, in the log’s order');
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    // At most the one batch (of 1) written but not yet acknowledged when killed: the event after the saved place.
    assert.ok(repeated.length <= 1, `repeats: ${repeated.join(',')}`);
    for (const id of repeated) assert.equal(id, truth[truth.indexOf(placeAtKill) + 1]);
    checkContent(lines);

    // The file: metadata on the line, the decrypted bytes beside, byte-identical.
    const withFile = lines.find((l) => l.resource === 'messages' && l.type === 'created' && (l.files?.length ?? 0) > 0)!;
    const file = withFile.files![0]!;
    assert.equal(file.name, seed.file.name);
    assert.equal(file.size, seed.file.bytes.length);
    assert.equal(file.sha256, seed.file.sha256);
    assert.equal(withFile.data['files'], undefined, 'no sealed references on the line');
    const bytes = await readFile(join(folder, file.path!));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), seed.file.sha256);

    // Run again: nothing new, nothing repeated.
    const third = await feedRun(args).done;
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, /^Fed 0 events/);
    assert.equal((await linesIn(folder)).length, lines.length);
  });

  it('to an HTTP receiver on 127.0.0.1: signed batches that verify, a refused batch retried, nothing twice', async () => {
    const secret = 'feed-secret-0123456789abcdef';
    const secretFile = join(dir, 'secret');
    await writeFile(secretFile, `${secret}\n`);
    const received: { body: Buffer; ok: boolean; signature: string }[] = [];
    let requests = 0;
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const signature = String(req.headers['x-flint-signature'] ?? '');
        const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
        const valid = signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
        requests += 1;
        // The second delivery is refused once: it must come again, the same.
        const ok = valid && requests !== 2;
        received.push({ body, ok, signature });
        res.writeHead(ok ? 200 : valid ? 503 : 401).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const url = `http://127.0.0.1:${port}/siem/flint`;
      const statePath = join(dir, 'http-state.json');

      const refused = await feedRun(officer(url, ['--secret-file', secretFile, '--state', statePath, '--once'])).done;
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /127\.0\.0\.1.*loopback address.*--allow-internal/);
      assert.equal(requests, 0, 'nothing sent to a loopback address without --allow-internal');

      const run = await feedRun(officer(url, ['--secret-file', secretFile, '--state', statePath, '--batch', '5', '--once', '--allow-internal'])).done;
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /HTTP 503/);
      assert.ok(received.every((r) => r.signature.startsWith('sha256=') && r.body.length > 0));
      assert.ok(received.every((r, i) => r.ok || i === 1), 'every signature verified');
      assert.deepEqual(received[2]!.body, received[1]!.body, 'the refused batch was sent again as it was');
      const acknowledged = received.filter((r) => r.ok).flatMap((r) => (JSON.parse(r.body.toString('utf8')) as { orgId: string; events: Line[] }).events);
      assert.deepEqual(acknowledged.map((l) => l.id), truth, 'every event once, in order');
      checkContent(acknowledged);
      const withFile = acknowledged.find((l) => (l.files?.length ?? 0) > 0)!;
      assert.equal(withFile.files![0]!.sha256, seed.file.sha256);
      assert.equal(withFile.files![0]!.path, undefined, 'over HTTPS a file is its metadata');
      const state = JSON.parse(await readFile(statePath, 'utf8')) as { after: string; orgId: string };
      assert.equal(state.after, truth[truth.length - 1]);
      assert.equal(state.orgId, seed.orgId);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('following: new activity arrives without a restart, and SIGTERM stops it cleanly', async () => {
    const folder = join(dir, 'follow');
    const run = feedRun(officer(folder, ['--poll', '1']));
    await until('the backlog', async () => ((await linesIn(folder).catch(() => [])).length >= truth.length ? true : undefined), FEED_WAIT);
    const sent = await seed.secure['alice']!.messages.send({ roomId: seed.boardId, text: 'followed message juliet' });
    const line = await until('the new message', async () => (await linesIn(folder)).find((l) => l.resource === 'messages' && l.data['id'] === sent.id), FEED_WAIT);
    assert.equal(line.data['text'], 'followed message juliet');
    run.child.kill('SIGTERM');
    const done = await run.done;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^Fed \d+ events to dir:.*; the feed’s place is after event \d+\./);
    truth = await orgEventIds();
    const ids = (await linesIn(folder)).map((l) => l.id);
    assert.deepEqual(ids, truth);
  });

  it('bad arguments are refused clearly, and the core still holds no plaintext', async () => {
    const s3 = await feedRun(officer('s3://bucket/flint')).done;
    assert.equal(s3.code, 1);
    assert.match(s3.stderr, /S3 buckets are not supported yet/);
    const batch = await feedRun(officer(join(dir, 'x'), ['--batch', '0'])).done;
    assert.equal(batch.code, 1);
    assert.match(batch.stderr, /--batch: a whole number from 1 to 1000/);
    const secretless = await feedRun(officer('https://siem.example.test/in', ['--state', join(dir, 's.json')])).done;
    assert.equal(secretless.code, 1);
    assert.match(secretless.stderr, /--secret-file/);

    // The core's `after` (an event id, the feed's place): the events after it; not with a cursor, nor a non-id.
    const carol = seed.secure['carol']!.compliance;
    assert.deepEqual((await carol.events({ after: truth[0]!, max: 2 })).items.map((e) => e.id), truth.slice(1, 3));
    const page = await carol.events({ max: 1 });
    await assert.rejects(carol.events({ after: truth[0]!, cursor: page.next! }), (e: { status: number; message: string }) => e.status === 400 && /after: not with cursor/.test(e.message));
    await assert.rejects(carol.events({ after: 'abc' }), (e: { status: number }) => e.status === 400);

    const scan = await scanForPlaintext(flint, [...seed.createdTexts, seed.editedText, seed.boardTitle, seed.file.name, 'followed message juliet'], 'carol@acme.test');
    assert.ok(scan.controlInDatabase);
    assert.deepEqual(scan.inDatabase, []);
    assert.deepEqual(scan.inFiles, []);
    assert.deepEqual(scan.inLogs, []);
  });
});
