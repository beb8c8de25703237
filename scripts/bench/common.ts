/**
 * Shared helpers for `npm run bench`: starting and stopping `flint serve` (optionally under
 * `--cpu-prof`), fresh PostgreSQL databases, populating people and spaces through the SDK,
 * statistics, and process resource readings from /proc.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createSession, type FlintClient } from '@flint/sdk';
import { KmsClient, fetchKmsInfo, httpKmsTransport, newDeviceSecret } from '@flint/sdk/testing/kms';
import { freePort } from '@flint/testkit';

export const root = fileURLToPath(new URL('../..', import.meta.url));
/** The development entry: TypeScript compiled through tsx's loader at start. */
export const FLINT = join(root, 'packages/cli/bin/flint.mjs');
/** What `npm start` runs: the compiled bundle (scripts/build-cli.mjs). */
export const FLINT_COMPILED = join(root, 'packages/cli/dist/flint.mjs');

/** Rebuilds the compiled bundle if a source is newer, so a bench never measures stale code. */
export async function buildCompiled(): Promise<void> {
  await buildCompiledAt(root);
}

/** Builds the compiled bundle of a checkout (this one, or a baseline from `checkout`) with that checkout's own build script. */
export async function buildCompiledAt(flintRoot: string): Promise<void> {
  const child = spawn(process.execPath, [join(flintRoot, 'scripts/build-cli.mjs'), '--if-stale'], { stdio: 'inherit', cwd: flintRoot });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`scripts/build-cli.mjs failed in ${flintRoot}`);
}
export const PG_URL = process.env['FLINT_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env['FLINT_BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const PASSWORD = 'bench password correct horse';
export const DOMAIN = 'bench.example';

export type Engine = 'sqlite' | 'postgres';

export const machine = () => ({
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? '?',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
});

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile of an already sorted array (Infinity entries count as "never arrived"). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const round = (x: number, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);
export const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? String(round(x, digits)) : Number.isNaN(x) ? '–' : '∞');

export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
}

/** CPU seconds (user + system) a process has used so far. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs `fn` with at most `limit` in flight. */
export async function pool<T>(count: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return out;
}

export interface Server {
  url: string;
  port: number;
  pid: number;
  engine: Engine;
  dataDir: string;
  databaseUrl: string;
  output(): string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  engine: Engine;
  env?: Record<string, string>;
  nodeArgs?: string[];
  /** Another checkout of Flint to run (see `checkout`); this one by default. */
  flintRoot?: string;
  /** PostgreSQL: join this database (and the Redis prefix in `env`) as a further instance, instead of a fresh one. */
  databaseUrl?: string;
}

/**
 * The sources of an earlier commit (`git archive`, so the repository is not touched) in a
 * temporary folder, wired to this checkout's installed dependencies: every entry of node_modules
 * is linked, except the workspace's own packages, which point at the old sources. For before/after
 * measurements in one run. Dependencies are today's, so only Flint's own code differs.
 */
export async function checkout(ref: string): Promise<{ root: string; commit: string; remove: () => Promise<void> }> {
  const { execFileSync } = await import('node:child_process');
  const { mkdir, readdir, symlink } = await import('node:fs/promises');
  const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: root, encoding: 'utf8' }).trim();
  const dir = await mkdtemp(join(tmpdir(), 'flint-bench-baseline-'));
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${dir}"`], { cwd: root });
  await mkdir(join(dir, 'node_modules', '@flint'), { recursive: true });
  for (const entry of await readdir(join(root, 'node_modules'))) {
    if (entry === '@flint' || entry === '.bin') continue;
    await symlink(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  for (const pkg of await readdir(join(dir, 'packages'))) await symlink(join(dir, 'packages', pkg), join(dir, 'node_modules', '@flint', pkg));
  for (const pkg of await readdir(join(root, 'packages'))) {
    const nested = join(root, 'packages', pkg, 'node_modules');
    try {
      await readdir(nested);
      await symlink(nested, join(dir, 'packages', pkg, 'node_modules')).catch(() => undefined);
    } catch {
      // no nested dependencies
    }
  }
  return { root: dir, commit, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A fresh PostgreSQL database; `drop` removes it. */
export async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `flint_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** `flint serve` on a fresh data directory (and, for PostgreSQL, a fresh database and a Redis prefix), loopback only. */
export async function startServer(options: ServerOptions): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'flint-bench-'));
  const port = await freePort();
  let drop: (() => Promise<void>) | undefined;
  const env: Record<string, string> = {
    FLINT_LOG_LEVEL: 'warn',
    FLINT_RATE_LIMIT_PER_MINUTE: '1000000',
    FLINT_ARGON2_MEMORY_KIB: '1024',
    FLINT_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...options.env,
  };
  let databaseUrl = `sqlite:${join(dir, 'data', 'flint.db')}`;
  if (options.engine === 'postgres') {
    if (options.databaseUrl !== undefined) {
      databaseUrl = options.databaseUrl;
    } else {
      const db = await createPgDatabase();
      drop = db.drop;
      databaseUrl = db.url;
    }
    env['DATABASE_URL'] = databaseUrl;
    env['REDIS_URL'] = REDIS_URL;
    env['FLINT_REDIS_PREFIX'] = options.env?.['FLINT_REDIS_PREFIX'] ?? `flint-bench-${randomBytes(4).toString('hex')}:`;
  } else {
    env['DATABASE_URL'] = databaseUrl;
  }
  const base = { ...process.env };
  delete base['NODE_OPTIONS'];
  const flintRoot = options.flintRoot ?? root;
  // The server as deployed (`npm start`): the compiled bundle; a baseline checkout without one runs its sources.
  if (flintRoot === root) await buildCompiled();
  const compiled = join(flintRoot, 'packages/cli/dist/flint.mjs');
  const entry = flintRoot === root || existsSync(compiled) ? compiled : join(flintRoot, 'packages/cli/bin/flint.mjs');
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), entry, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', join(dir, 'data')], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: flintRoot,
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.once('exit', (code, signal) => {
      exited = true;
      output += `\n[flint serve exited: code ${code}, signal ${signal}]`;
      r();
    }),
  );
  const cleanup = async () => {
    if (drop) await drop().catch((e: unknown) => console.error('could not drop bench database:', e));
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited || Date.now() > deadline) {
      if (!exited) child.kill('SIGKILL');
      await exit;
      await cleanup();
      throw new Error(`flint serve did not become ready:\n${output}`);
    }
    try {
      if ((await fetch(`${url}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  return {
    url,
    port,
    pid: child.pid!,
    engine: options.engine,
    dataDir: join(dir, 'data'),
    databaseUrl,
    output: () => output,
    stop: async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exit;
        clearTimeout(timer);
      }
      await cleanup();
    },
  };
}

/** Starts a server, runs `fn`, and always stops it. */
export async function withServer<T>(options: ServerOptions, fn: (server: Server) => Promise<T>): Promise<T> {
  const server = await startServer(options);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

export interface Member {
  client: FlintClient;
  personId: string;
  email: string;
}

/** The founding admin (first sign-up of a fresh install). */
export async function founder(url: string): Promise<Member> {
  const client = createSession({ baseUrl: url }).api;
  const email = `admin@${DOMAIN}`;
  const result = await client.auth.signup({ email, password: PASSWORD, displayName: 'Bench Admin' });
  return { client, personId: result.personId, email };
}

/** `count` people created by the admin with a password (POST /api/people), each then signed in. */
export async function createPeople(url: string, admin: Member, count: number, prefix: string, concurrency = 6, login = true): Promise<Member[]> {
  return pool(count, concurrency, async (i) => {
    const email = `${prefix}${i}@${DOMAIN}`;
    const person = await admin.client.people.create({ emails: [email], displayName: `${prefix} ${i}`, password: PASSWORD });
    const client = createSession({ baseUrl: url }).api;
    if (login) await client.auth.login({ email, password: PASSWORD });
    return { client, personId: person.id, email };
  });
}

/** Each bench person's one KMS device (the KMS enrolls a person's first device only; see docs/threat-model.md). */
const kmsDevices = new Map<string, { device: string }>();
export function kmsDeviceOf(member: Pick<Member, 'personId'>): { device: string } {
  let credential = kmsDevices.get(member.personId);
  if (credential === undefined) kmsDevices.set(member.personId, (credential = { device: newDeviceSecret() }));
  return credential;
}

export async function kmsClientFor(url: string, member: Member, deviceId: string): Promise<KmsClient> {
  const info = await fetchKmsInfo(url);
  return new KmsClient({
    credential: kmsDeviceOf(member),
    transport: httpKmsTransport(url),
    kmsCluster: info.kmsCluster,
    rsaPublicKey: info.rsaPublicKey,
    bearer: () => member.client.auth.kmsToken(),
    clientId: deviceId,
  });
}

/** A fixed-width markdown table. */
export function table(header: string[], rows: (string | number)[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function machineLine(): string {
  const m = machine();
  return `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB RAM, Node ${m.node}; date ${new Date().toISOString().slice(0, 10)}.`;
}

/** Machine-wide busy CPU seconds (all cores) so far, from /proc/stat. */
export async function machineBusySeconds(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - idle) / 100;
}

/**
 * CPU seconds used so far by every process whose command name is in `names` (e.g. `postgres`,
 * `redis-server`: services the system under test uses), per pid, read from /proc.
 */
export async function cpuByName(names: readonly string[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (names.length === 0) return out;
  const { readdir } = await import('node:fs/promises');
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!names.includes(comm)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** CPU seconds the processes of `after` used since `before` (a process new since then counts from zero). */
export function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, s] of after) sum += Math.max(0, s - (before.get(pid) ?? 0));
  return sum;
}

export interface Quiet {
  /** CPU (share of one core) used by unrelated processes over the last second measured. */
  others: number;
  /** Whether that fell under the threshold before the deadline. */
  quiet: boolean;
  waitedSeconds: number;
}

/**
 * Waits (at most `maxMs`, so a busy machine delays a step by a bounded time) until processes other
 * than `pids`, this one and the services named in `serviceNames` use less than `threshold` of a
 * core over one second. The caller decides what to do when the machine never went quiet.
 */
export async function waitForQuiet(pids: number[], maxMs = 20_000, threshold = 0.25, serviceNames: readonly string[] = []): Promise<Quiet> {
  const started = Date.now();
  const deadline = started + maxMs;
  for (;;) {
    const m0 = await machineBusySeconds();
    const p0 = await Promise.all(pids.map((p) => cpuSeconds(p).catch(() => 0)));
    const s0 = await cpuByName(serviceNames);
    const l0 = process.cpuUsage();
    await sleep(1000);
    const m1 = await machineBusySeconds();
    const p1 = await Promise.all(pids.map((p) => cpuSeconds(p).catch(() => 0)));
    const s1 = await cpuByName(serviceNames);
    const l = process.cpuUsage(l0);
    const ours = p1.reduce((a, b, i) => a + b - p0[i]!, 0) + (l.user + l.system) / 1e6 + cpuSince(s0, s1);
    const others = Math.max(0, m1 - m0 - ours);
    const quiet = others < threshold;
    if (quiet || Date.now() >= deadline) return { others, quiet, waitedSeconds: round((Date.now() - started) / 1000) };
  }
}
