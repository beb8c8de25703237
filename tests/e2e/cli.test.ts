/**
 * The two commands a newcomer meets: `flint serve` (one process, embedded defaults, SIGTERM) and
 * `flint admin …` (first-run and operator tasks), run as real processes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSession } from '@flint/sdk';
import { collect, createTestDatabase, freePort, invitationTokenFrom, raw, type TestDatabase } from '@flint/testkit';

/** The sources' entry, through tsx (`npm run flint`): the main `flint serve` below runs it. */
const FLINT = fileURLToPath(new URL('../../packages/cli/bin/flint.mjs', import.meta.url));
/** What `npm start` runs: the compiled bundle. */
const FLINT_COMPILED = fileURLToPath(new URL('../../packages/cli/dist/flint.mjs', import.meta.url));
const BUILD = fileURLToPath(new URL('../../scripts/build-cli.mjs', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** An admin task, run by the compiled entry (the runner rebuilt it from these sources): a second of CPU each, not five. */
function run(args: string[], env: Record<string, string>, stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FLINT_COMPILED, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

function startServe(args: string[], env: Record<string, string>, entry = FLINT): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, 'serve', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`flint serve did not become ready:\n${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('"msg":"Flint is ready"')) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`flint serve exited with ${code}:\n${output}`));
    });
  });
}

describe('flint serve and flint admin', () => {
  let dir: string;
  let db: TestDatabase;
  let env: Record<string, string>;
  let port: number;
  let serve: { child: ChildProcess; output: () => string };
  let url: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-cli-'));
    db = await createTestDatabase(dir);
    port = await freePort();
    env = { FLINT_DATA_DIR: join(dir, 'data'), DATABASE_URL: db.url, FLINT_ARGON2_MEMORY_KIB: '1024', FLINT_LOG_LEVEL: 'info' };
    serve = await startServe(['--port', String(port)], env);
    url = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves health, the API and the web shell on the flags and defaults it was given', async () => {
    assert.equal((await raw(url, 'GET', '/health')).status, 200);
    const home = await raw(url, 'GET', '/');
    assert.equal(home.status, 200);
    assert.match(home.text, /<title>Flint<\/title>/);
    assert.equal((await raw(url, 'GET', '/kms/health')).status, 200);
    const ada = createSession({ baseUrl: url }).api;
    await ada.auth.signup({ email: 'ada@example.com', password: 'correct horse battery staple', displayName: 'Ada' });
    assert.deepEqual((await ada.people.me()).roles, ['org_admin']);
  });

  it('creates an org with domains and a person with a password read from stdin, as admin', async () => {
    const org = await run(['admin', '--json', 'org', 'create', '--name', 'Partner Inc', '--domain', 'partner.test', 'partner.example'], env);
    assert.equal(org.code, 0, org.stderr);
    const created = JSON.parse(org.stdout) as { id: string; domains: string[] };
    assert.deepEqual(created.domains.sort(), ['partner.example', 'partner.test']);
    const person = await run(['admin', '--json', 'person', 'create', '--email', 'pat@partner.test', '--name', 'Pat', '--password-stdin', '--admin'], env, 'pats initial password\n');
    assert.equal(person.code, 0, person.stderr);
    const pat = createSession({ baseUrl: url }).api;
    await pat.auth.login({ email: 'pat@partner.test', password: 'pats initial password' });
    const me = await pat.people.me();
    assert.deepEqual(me.roles, ['org_admin']);
    assert.equal(me.orgId, created.id);
    // The password never reaches the command line, so `ps` cannot show it.
    assert.ok(!person.stdout.includes('pats initial password'));
  });

  it('creates a person by invitation: the e-mail lands in the outbox and its token signs them up', async () => {
    const r = await run(['admin', '--json', 'person', 'create', '--email', 'quinn@partner.test', '--name', 'Quinn'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { invited: boolean }).invited, true);
    const { readdir, readFile } = await import('node:fs/promises');
    const outbox = join(dir, 'data', 'outbox');
    const mails = await Promise.all((await readdir(outbox)).map((n) => readFile(join(outbox, n), 'utf8')));
    const mail = mails.find((m) => m.includes('quinn@partner.test'));
    assert.ok(mail);
    const quinn = createSession({ baseUrl: url }).api;
    await quinn.auth.signup({ email: 'quinn@partner.test', password: 'quinns password!', displayName: 'Quinn', invitationToken: invitationTokenFrom(mail.replace(/=\r?\n/g, '')) });
    assert.equal((await quinn.people.me()).isGuest, undefined);
  });

  it('makes someone an org admin and takes it back', async () => {
    const grant = await run(['admin', 'person', 'make-admin', 'quinn@partner.test'], env);
    assert.equal(grant.code, 0, grant.stderr);
    const quinn = createSession({ baseUrl: url }).api;
    await quinn.auth.login({ email: 'quinn@partner.test', password: 'quinns password!' });
    assert.deepEqual((await quinn.people.me()).roles, ['org_admin']);
    // The operator's action is in the org's admin audit log, as the operator's (CP-5).
    const log = await raw(url, 'GET', '/api/admin/audit/events?eventCategories=ROLES', { token: quinn.session!.accessToken });
    const [entry] = (log.json as { items: { action: string; actorId?: string; actorName: string; actorUserAgent?: string; targetName: string; changes?: unknown }[] }).items;
    assert.equal(entry?.action, 'person.roles');
    assert.equal(entry.actorName, 'Operator (flint admin)');
    assert.equal(entry.actorId, undefined);
    assert.equal(entry.actorUserAgent, 'flint admin');
    assert.equal(entry.targetName, 'quinn@partner.test');
    assert.deepEqual(entry.changes, { roles: { from: [], to: ['org_admin'] } });
    assert.equal((await run(['admin', 'person', 'make-admin', 'quinn@partner.test', '--revoke'], env)).code, 0);
    assert.deepEqual((await quinn.people.me()).roles, []);
  });

  it('resets a password: a generated one is printed, the old one fails and every session ends', async () => {
    const pat = createSession({ baseUrl: url }).api;
    await pat.auth.login({ email: 'pat@partner.test', password: 'pats initial password' });
    const r = await run(['admin', '--json', 'person', 'reset-password', 'pat@partner.test'], env);
    assert.equal(r.code, 0, r.stderr);
    const { password } = JSON.parse(r.stdout) as { password: string };
    assert.ok(password.length >= 16);
    await assert.rejects(pat.people.me(), { status: 401 });
    await assert.rejects(createSession({ baseUrl: url }).api.auth.login({ email: 'pat@partner.test', password: 'pats initial password' }), { status: 401 });
    await createSession({ baseUrl: url }).api.auth.login({ email: 'pat@partner.test', password });
  });

  it('creates a bot and prints a token that works on the API', async () => {
    const r = await run(['admin', '--json', 'bot', 'create', '--name', 'Deploy Bot', '--org', 'partner.test'], env);
    assert.equal(r.code, 0, r.stderr);
    const { token } = JSON.parse(r.stdout) as { token: string };
    const me = await raw(url, 'GET', '/api/people/me', { token });
    assert.equal(me.status, 200);
    assert.equal((me.json as { type: string; displayName: string }).displayName, 'Deploy Bot');
  });

  it('the KMS operator reads who asked (device, address) and resets a person’s KMS devices (issue 14)', async () => {
    const bot = JSON.parse((await run(['admin', '--json', 'bot', 'create', '--name', 'Vault Bot', '--org', 'partner.test'], env)).stdout) as { id: string; token: string };
    // The bot's first use of the KMS (through /v1) enrolls its token's device.
    assert.equal((await raw(url, 'POST', '/v1/rooms', { token: bot.token, body: { title: 'Vault' } })).status, 200);
    const audit = await run(['kms', 'audit', '--user', bot.id], env);
    assert.equal(audit.code, 0, audit.stderr);
    const enroll = audit.stdout.split('\n').find((l) => l.includes('\tdevice.enroll\t'));
    assert.ok(enroll !== undefined, audit.stdout);
    assert.match(enroll, /\tdevice=[0-9a-f-]{36}\t/);
    assert.match(audit.stdout, /\tresource\.create\t.*\tdevice=[0-9a-f-]{36}\t/);
    const reset = await run(['kms', 'reset-credentials', bot.id], env);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /^1 credential\(s\) of /);
    assert.match((await run(['kms', 'audit', '--user', bot.id, '--action', 'credentials.reset'], env)).stdout, /credentials\.reset\t200/);
  });

  it('says what is wrong when an admin task cannot be done', async () => {
    const r = await run(['admin', 'person', 'make-admin', 'nobody@nowhere.test'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no person with e-mail nobody@nowhere.test/);
    const taken = await run(['admin', 'org', 'create', '--name', 'Copycat', '--domain', 'partner.test'], env);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /belongs to another organization/);
  });

  it('reports every bad setting by name at start-up and exits 2', async () => {
    const r = await run(['serve', '--port', 'http'], { ...env, FLINT_LOG_LEVEL: 'loud', REDIS_URL: 'nowhere' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--port: expected a whole number/);
    assert.match(r.stderr, /FLINT_LOG_LEVEL/);
    assert.match(r.stderr, /REDIS_URL/);
  });

  it('flint kms reads its settings once, typed: every bad one is reported by name and it exits 2', async () => {
    const r = await run(['kms', '--database-url', 'mysql://db/kms', 'audit'], { ...env, FLINT_KMS_LINK_SECRET: 'too short' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--database-url: the KMS database URL must start with/);
    assert.match(r.stderr, /FLINT_KMS_LINK_SECRET: at least 32 characters/);
  });

  it('stops gracefully on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => serve.child.on('exit', (code) => resolve(code)));
    serve.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(serve.output(), /"msg":"stopped"/);
  });
});

describe('npm start: flint serve compiled to JavaScript', () => {
  it('builds one bundle with no TypeScript loader, which serves the API, the web app and the event stream, and stops on SIGTERM', async () => {
    const built = spawn(process.execPath, [BUILD, '--if-stale'], { stdio: 'inherit' });
    assert.equal(await new Promise((r) => built.once('exit', r)), 0);
    const dist = dirname(FLINT_COMPILED);
    for (const file of (await readdir(dist)).filter((f) => f.endsWith('.mjs'))) {
      const bundle = await readFile(join(dist, file), 'utf8');
      assert.ok(!/from "[^"]*tsx[/"]/.test(bundle) && !bundle.includes('tsx/esm'), `no tsx at run time (${file})`);
      assert.ok(!/from "@flint\//.test(bundle), `our packages are compiled in, not loaded as TypeScript (${file})`);
    }
    // What `flint serve` loads before it answers: the entry and the chunks it imports statically.
    // None of the libraries a server uses only when configured or asked is among them (issue 15).
    const loaded = new Set<string>();
    const staticImports = async (file: string): Promise<void> => {
      if (loaded.has(file)) return;
      loaded.add(file);
      const code = await readFile(join(dist, file), 'utf8');
      for (const [, target] of code.matchAll(/^(?:import|export)\s[^;]*?["']([^"']+)["'];?$/gm)) if (target!.startsWith('./chunk-')) await staticImports(target!.slice(2));
      for (const [, target] of code.matchAll(/^(?:import|export)\s[^;]*?["']([^"']+node_modules\/[^"']+)["'];?$/gm)) loaded.add(target!.replace(/^.*node_modules\//, ''));
      // A bundled dependency is marked by esbuild's comment naming its file.
      for (const [, source] of code.matchAll(/^\/\/ (?:packages\/[^/]+\/)?node_modules\/(.+)$/gm)) loaded.add(source!);
    };
    await staticImports('flint.mjs');
    const atStart = [...loaded].join('\n');
    for (const lazy of ['@aws-sdk/', 'ioredis/', 'pg/', '@node-saml/', '@xmldom/', 'openid-client/', 'web-push/', 'nodemailer/', '@peculiar/x509/', 'cli-progress/', 'yazl/', 'csv-stringify/']) {
      assert.ok(!atStart.split('\n').some((m) => m.startsWith(lazy)), `flint serve does not load ${lazy} at start`);
    }
    assert.ok(atStart.includes('\n@node-rs/argon2/') && atStart.includes('\nfastify/'), 'the check sees the packages left as imports and those bundled');
    const dir = await mkdtemp(join(tmpdir(), 'flint-compiled-'));
    const db = await createTestDatabase(dir);
    const port = await freePort();
    const serve = await startServe(['--port', String(port)], { FLINT_DATA_DIR: join(dir, 'data'), DATABASE_URL: db.url, FLINT_ARGON2_MEMORY_KIB: '1024', FLINT_LOG_LEVEL: 'info' }, FLINT_COMPILED);
    try {
      const url = `http://127.0.0.1:${port}`;
      assert.equal((await raw(url, 'GET', '/health')).status, 200);
      assert.match((await raw(url, 'GET', '/')).text, /<title>Flint<\/title>/);
      assert.equal((await raw(url, 'GET', '/kms/health')).status, 200);
      const ada = createSession({ baseUrl: url }).api;
      await ada.auth.signup({ email: 'ada@example.com', password: 'correct horse battery staple', displayName: 'Ada' });
      const device = await collect(ada);
      const room = await ada.rooms.create({ title: 'ciphertext:compiled' });
      const sent = await ada.messages.create({ roomId: room.id, text: 'ciphertext:hello' });
      const got = await device.waitFor((e) => e.type === 'message.created');
      assert.equal((got.data as { id: string }).id, sent.id);
      device.stop();
      const exited = new Promise<number | null>((resolve) => serve.child.on('exit', (code) => resolve(code)));
      serve.child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
