/**
 * The chat CLI (SPEC PL-1) as a person uses it, run as real processes against a test server:
 * `flint login` (the sign-in kept owner-only), `spaces`, `read`, `send`, `tail`, `upload`,
 * `download` (byte-identical), `--json`, bad input, `logout`. Bob uses the SDK on the other side.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session } from '@flint/sdk';
import { FLINT_BIN as FLINT, startFlint, TEST_PASSWORD, type TestFlint } from '@flint/testkit';


interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { stdin?: string; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FLINT, ...args], { cwd: options.cwd ?? tmpdir(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

describe('the chat CLI: flint login, spaces, read, send, tail, upload, download', () => {
  let flint: TestFlint;
  let dir: string;
  let home: string;
  let bob: Session;
  let roomId: string;
  const title = `Launch ${randomBytes(3).toString('hex')}`;
  const cli = (args: string[], options: { stdin?: string; cwd?: string } = {}) => run([...args, '--config-dir', home], options);

  before(async () => {
    flint = await startFlint();
    dir = await mkdtemp(join(tmpdir(), 'flint-cli-chat-'));
    home = join(dir, 'config');
    await flint.signup({ email: 'ada@cli.test', displayName: 'Ada' });
    bob = flint.session(await flint.signup({ email: 'bob@cli.test', displayName: 'Bob' }), { deviceId: 'bob-laptop' });
    const space = await bob.spaces.create({ title });
    roomId = space.id;
    await bob.members.add(roomId, { personEmail: 'ada@cli.test' });
    await bob.messages.send({ roomId, text: 'first, from Bob' });
  });
  after(async () => {
    bob?.close();
    await flint?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('PL-1: a command before login says so and exits 3', async () => {
    const r = await cli(['spaces']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /flint login/);
  });

  it('PL-1: login with a wrong password is refused and keeps nothing', async () => {
    const r = await cli(['login', '--server', flint.url, '--email', 'ada@cli.test', '--password-stdin'], { stdin: 'not the password\n' });
    assert.equal(r.code, 1, r.stderr);
    await assert.rejects(stat(join(home, 'credentials.json')));
  });

  it('PL-1: login keeps the sign-in readable by its owner only, and prints no secret', async () => {
    const r = await cli(['login', '--server', flint.url, '--email', 'ada@cli.test', '--password-stdin', '--json'], { stdin: `${TEST_PASSWORD}\n` });
    assert.equal(r.code, 0, r.stderr);
    const shown = JSON.parse(r.stdout) as { email: string; deviceId: string };
    assert.equal(shown.email, 'ada@cli.test');
    const file = join(home, 'credentials.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(home)).mode & 0o777, 0o700);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { accessToken: string; refreshToken: string; deviceSecret: string };
    for (const secret of [saved.accessToken, saved.refreshToken, saved.deviceSecret]) assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret));
  });

  it('PL-1: spaces lists the space with its title decrypted, as text and as JSON', async () => {
    const text = await cli(['spaces']);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(text.stdout.includes(roomId) && text.stdout.includes(title));
    const listed = JSON.parse((await cli(['spaces', '--json'])).stdout) as { id: string; title: string }[];
    assert.deepEqual(listed.find((s) => s.id === roomId)?.title, title);
  });

  it('PL-1: read shows the messages decrypted, by title or a part of it', async () => {
    const r = await cli(['read', title.slice(0, 10).toLowerCase(), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const messages = JSON.parse(r.stdout) as { text?: string; personEmail: string }[];
    assert.deepEqual(messages.map((m) => [m.personEmail, m.text]), [['bob@cli.test', 'first, from Bob']]);
  });

  it('PL-1: send seals the text here; Bob reads it decrypted; the core holds no plaintext', async () => {
    const r = await cli(['send', title, 'hello from the *terminal*']);
    assert.equal(r.code, 0, r.stderr);
    const page = await bob.messages.list({ roomId, max: 5 });
    assert.equal(page.items[0]?.markdown, 'hello from the *terminal*');
    const stored = await flint.server.core.db.selectFrom('messages').select(['text', 'markdown']).where('space_id', '=', roomId).execute();
    assert.ok(stored.every((m) => !(m.markdown ?? '').includes('terminal') && !(m.text ?? '').includes('terminal')));
    const piped = await cli(['send', roomId, '-'], { stdin: 'from standard input\n' });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal((await bob.messages.list({ roomId, max: 1 })).items[0]?.markdown, 'from standard input');
  });

  it('PL-1: tail prints new messages as they arrive, as JSON lines, until interrupted', async () => {
    const child = spawn(process.execPath, [FLINT, 'tail', title, '--json', '--config-dir', home], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The stream is up once the first message sent after start arrives; send until one does.
    const deadline = Date.now() + 60_000;
    let n = 0;
    while (!stdout.includes('live 1') && Date.now() < deadline) {
      n++;
      await bob.messages.send({ roomId, text: `live ${n}` });
      await new Promise((r) => setTimeout(r, 500));
    }
    await bob.messages.send({ roomId, text: 'live last' });
    while (!stdout.includes('live last') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string; roomId: string });
    assert.ok(lines.length >= 2);
    assert.ok(lines.every((l) => l.roomId === roomId));
    assert.equal(lines.at(-1)?.text, 'live last');
  });

  it('PL-1: upload and download a file byte-identical, checked as it streams', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const source = join(dir, 'report.bin');
    await writeFile(source, bytes);
    const up = await cli(['upload', title, source, '--text', 'the report', '--json']);
    assert.equal(up.code, 0, up.stderr);
    const out = join(dir, 'copy.bin');
    const down = await cli(['download', title, 'report.bin', '--out', out, '--json']);
    assert.equal(down.code, 0, down.stderr);
    const copy = await readFile(out);
    assert.equal(createHash('sha256').update(copy).digest('hex'), createHash('sha256').update(bytes).digest('hex'));
    // Bob's SDK opens the same file: the CLI sent what any client reads.
    const [entry] = await bob.files.list(roomId);
    assert.equal(entry?.reference?.name, 'report.bin');
    assert.equal(entry?.reference?.size, bytes.length);
    const again = await cli(['download', title, 'report.bin', '--out', out]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /--force/);
  });

  it('PL-1: bad input gets a clear message and an exit code, and changes nothing', async () => {
    const before = (await bob.messages.list({ roomId, max: 100 })).items.length;
    const none = await cli(['read', 'no such space here']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No space/);
    assert.equal((await cli(['read', title, '--max', '0'])).code, 2);
    assert.equal((await cli(['send', title, '   '])).code, 2);
    assert.equal((await cli(['upload', title, join(dir, 'missing.bin')])).code, 2);
    assert.equal((await cli(['download', title, 'missing.bin', '--out', join(dir, 'x')])).code, 2);
    assert.equal((await bob.messages.list({ roomId, max: 100 })).items.length, before);
  });

  it('PL-1: a sign-in file others can read is refused', async () => {
    const file = join(home, 'credentials.json');
    const { chmod } = await import('node:fs/promises');
    await chmod(file, 0o644);
    const r = await cli(['spaces']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /chmod 600/);
    await chmod(file, 0o600);
  });

  it('PL-1: logout ends the sign-in at the server and forgets it here', async () => {
    const saved = JSON.parse(await readFile(join(home, 'credentials.json'), 'utf8')) as { accessToken: string };
    const r = await cli(['logout']);
    assert.equal(r.code, 0, r.stderr);
    await assert.rejects(stat(join(home, 'credentials.json')));
    const response = await fetch(`${flint.url}/api/people/me`, { headers: { authorization: `Bearer ${saved.accessToken}` } });
    assert.equal(response.status, 401);
  });
});
