/**
 * A private ejabberd for the peer parts: Debian's package (a prerequisite the bench never installs itself),
 * run by `ejabberdctl foreground` with its own config file, spool, log folder and Erlang node name
 * in a fresh temporary directory, listening on loopback on free ports — never the system service.
 *
 * What is configured, and why (the fairness rules of issue 9 part 6):
 * - storage on SQL with SQLite (`erlang-p1-sqlite3`): accounts, rooms and the message archive
 *   (mod_mam, `default: always`, every room created with `mam: true`), so every message is stored
 *   durably, as Flint stores every message; after start the one SQLite connection of its pool is
 *   put in the same mode as Flint's (`journal_mode = WAL`, `synchronous = NORMAL`) and read back;
 * - no traffic shaper anywhere (`shaper: none` on the listener, `c2s_shaper: none`, no MUC message
 *   or presence shapers, no minimum interval between messages);
 * - a connection backlog of 1,024, more than the members connecting at once;
 * - accounts and rooms are made through mod_http_api on loopback (`register`,
 *   `create_room_with_opts`), which is scripted and fast, instead of one `ejabberdctl register`
 *   (one Erlang VM start) per account.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@flint/testkit';
import { sleep } from './common.ts';

export const XMPP_DOMAIN = 'bench.localhost';
export const MUC_SERVICE = `conference.${XMPP_DOMAIN}`;
const EJABBERDCTL = '/usr/sbin/ejabberdctl';
const PACKAGES = ['ejabberd', 'erlang-p1-sqlite3'];

/** Whether Debian's ejabberd and its SQLite driver are installed. */
export function ejabberdInstalled(): boolean {
  const q = spawnSync('dpkg-query', ['-W', '-f=${Status}\n', ...PACKAGES], { encoding: 'utf8' });
  return q.status === 0 && q.stdout.split('\n').filter((l) => l.endsWith('install ok installed')).length === PACKAGES.length;
}

/** What to run to get the peer: the bench never installs anything by itself. */
export const EJABBERD_PREREQUISITE = `apt-get install -y ${PACKAGES.join(' ')}`;

/** Throws a clear message when the peer is not installed (the bench installs nothing by itself); answers false. */
export function ensureEjabberd(): boolean {
  if (!ejabberdInstalled()) throw new Error(`ejabberd is not installed; the peer part needs it: ${EJABBERD_PREREQUISITE} (as root)`);
  return false;
}

function config(c2sPort: number, httpPort: number, dbFile: string, maxUsers: number): string {
  return `# Written by scripts/bench/ejabberd-server.ts for one bench run.
loglevel: warning
hosts:
  - ${XMPP_DOMAIN}
listen:
  -
    port: ${c2sPort}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    shaper: none
    access: all
    backlog: 1024
  -
    port: ${httpPort}
    ip: "127.0.0.1"
    module: ejabberd_http
    request_handlers:
      /api: mod_http_api
default_db: sql
sql_type: sqlite
sql_database: "${dbFile}"
auth_method: sql
auth_password_format: plain
shaper_rules:
  c2s_shaper: none
  max_user_sessions: 10
api_permissions:
  "bench on loopback":
    who:
      ip: 127.0.0.1/8
    what:
      - "*"
modules:
  mod_mam:
    db_type: sql
    default: always
  mod_muc:
    db_type: sql
    access: all
    access_create: all
    access_persistent: all
    history_size: 0
    max_users: ${maxUsers}
    max_user_conferences: 1000
    max_users_presence: ${maxUsers}
    min_message_interval: 0
    min_presence_interval: 0
    default_room_options:
      mam: true
      persistent: true
      max_users: ${maxUsers}
  mod_muc_admin: {}
`;
}

export interface Ejabberd {
  c2sPort: number;
  /** The Erlang VM's process id (for CPU readings). */
  pid: number;
  dbFile: string;
  /** journal_mode and synchronous as read back from ejabberd's SQLite connection. */
  sqliteMode: { journalMode: string; synchronous: string };
  api(command: string, body: Record<string, unknown>): Promise<unknown>;
  output(): string;
  stop(): Promise<void>;
}

/** Runs `erl` as the ejabberd user (it holds the Erlang cookie) and evaluates `expr` against the node. */
function erlEval(node: string, expr: string): string {
  const r = spawnSync('su', ['-s', '/bin/sh', '-c', '"$0" "$@"', 'ejabberd', '--', 'erl', '-sname', `flintbenchq${randomBytes(3).toString('hex')}`, '-hidden', '-noinput', '-eval', `N = '${node}', ${expr}, halt().`], {
    encoding: 'utf8',
    cwd: '/',
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`erl -eval failed: ${r.stderr}`);
  return r.stdout;
}

async function findBeam(node: string): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes('beam') && cmd.includes(node)) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}

export async function startEjabberd(maxUsers: number, synchronous: 'normal' | 'full' = 'normal'): Promise<Ejabberd> {
  const dir = await mkdtemp(join(tmpdir(), 'flint-bench-ejabberd-'));
  const [c2sPort, httpPort] = [await freePort(), await freePort()];
  const node = `flintbench${randomBytes(4).toString('hex')}@localhost`;
  const dbFile = join(dir, 'spool', 'ejabberd.db');
  await mkdir(join(dir, 'spool'));
  await mkdir(join(dir, 'logs'));
  await writeFile(join(dir, 'ejabberd.yml'), config(c2sPort, httpPort, dbFile, maxUsers));
  await writeFile(join(dir, 'ejabberdctl.cfg'), '# private: defaults\n');
  await writeFile(join(dir, 'inetrc'), '');
  spawnSync('chown', ['-R', 'ejabberd:ejabberd', dir]);
  const ctl = ['--config-dir', dir, '--config', join(dir, 'ejabberd.yml'), '--ctl-config', join(dir, 'ejabberdctl.cfg'), '--logs', join(dir, 'logs'), '--spool', join(dir, 'spool'), '--node', node];
  const child: ChildProcess = spawn(EJABBERDCTL, [...ctl, 'foreground'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  const base = `http://127.0.0.1:${httpPort}/api`;
  const api = async (command: string, body: Record<string, unknown>) => {
    const res = await fetch(`${base}/${command}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`ejabberd ${command}: ${res.status} ${text}`);
    return JSON.parse(text) as unknown;
  };
  let beam: number | undefined;
  const stop = async () => {
    if (!exited) {
      spawnSync(EJABBERDCTL, [...ctl, 'stop'], { cwd: '/', timeout: 30_000 });
      const timer = setTimeout(() => {
        if (beam !== undefined) process.kill(beam, 'SIGKILL');
        child.kill('SIGKILL');
      }, 30_000);
      await exit;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (exited) throw new Error(`ejabberd exited while starting:\n${output}`);
      if (Date.now() > deadline) throw new Error(`ejabberd did not become ready:\n${output}`);
      try {
        await api('status', {});
        break;
      } catch {
        await sleep(250);
      }
    }
    beam = await findBeam(node);
    if (beam === undefined) throw new Error('ejabberd is up but its beam process was not found');
    // Pool size is 1 for SQLite, so these reach the one connection that writes the archive.
    const q = (s: string) => `rpc:call(N, ejabberd_sql, sql_query, [<<"${XMPP_DOMAIN}">>, [<<"${s}">>]])`;
    const out = erlEval(node, `io:format("~p~n", [{${q('pragma journal_mode = wal')}, ${q(`pragma synchronous = ${synchronous}`)}, ${q('pragma journal_mode')}, ${q('pragma synchronous')}, rpc:call(N, ejabberd_option, sql_pool_size, [<<"${XMPP_DOMAIN}">>])}])`);
    const journalMode = /<<"journal_mode">>\]\s*,\s*\[\[<<"(\w+)">>\]\]\}\s*,\s*\{selected,\s*\[<<"synchronous">>\]/.exec(out.replace(/\s+/g, ' '))?.[1];
    const sync = /<<"synchronous">>\]\s*,\s*\[\[<<"(\d)">>\]\]/.exec(out.replace(/\s+/g, ' '))?.[1];
    const poolSize = /,\s*(\d+)\}\]?\s*$/.exec(out.trim())?.[1];
    if (journalMode !== 'wal' || sync !== (synchronous === 'full' ? '2' : '1') || poolSize !== '1') throw new Error(`could not put ejabberd's SQLite in WAL/${synchronous} mode: ${out}`);
    return { c2sPort, pid: beam, dbFile, sqliteMode: { journalMode, synchronous: synchronous.toUpperCase() }, api, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
