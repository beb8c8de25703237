/**
 * Janus, the media server of meetings (SPEC MT-1), as a child process of `flint serve`: a config
 * written into the data folder on every start (only the VideoRoom plugin and the HTTP transport,
 * on 127.0.0.1 at a free port; `event_loops` = the machine's cores, which halved Janus's CPU per
 * packet in media.md's measurements; a random API secret and room admin key, so the core is the
 * only client that can drive it), then the core's `JanusVideoRoom` connected to it.
 * `FLINT_JANUS=off`, or no Janus installed: no media server, and meetings are refused with
 * `meetings_unavailable` (the log says why).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { JanusVideoRoom, type FlintConfig, type Logger, type MeetingMedia } from '@flint/server';

/** util-linux's setpriv (Debian's util-linux, always installed): sets the parent-death signal, then execs. */
const SETPRIV = '/usr/bin/setpriv';
/** Where distributions put Janus's plugins and transports (Debian's multiarch folders first). */
const LIB_FOLDERS = ['/usr/lib/x86_64-linux-gnu/janus', '/usr/lib/aarch64-linux-gnu/janus', '/usr/lib64/janus', '/usr/lib/janus', '/usr/local/lib/janus', '/opt/janus/lib/janus'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A jcfg string value (libconfig syntax). */
const q = (value: string) => JSON.stringify(value);

export interface JanusProcess {
  media: MeetingMedia;
  stop(): Promise<void>;
}

/** Starts Janus if configured and installed; undefined (logged) otherwise. */
export async function startJanus(config: FlintConfig, log: Logger): Promise<JanusProcess | undefined> {
  if (config.meetings.janus === 'off') {
    log.info('meetings are off (FLINT_JANUS=off): no media server');
    return undefined;
  }
  const started = performance.now();
  const bin = config.meetings.janusBin;
  const lib = LIB_FOLDERS.find((dir) => existsSync(join(dir, 'plugins', 'libjanus_videoroom.so')));
  if (lib === undefined) {
    log.warn({ janus: config.meetings.janusBin }, 'meetings are unavailable: Janus is not installed (apt-get install janus), so no media server runs');
    return undefined;
  }
  const folder = join(config.dataDir, 'janus');
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const port = await freePort();
  const apiSecret = randomBytes(24).toString('base64url');
  const adminKey = randomBytes(24).toString('base64url');
  const plugins = ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'streaming', 'textroom', 'videocall', 'voicemail'].map((p) => `libjanus_${p}.so`).join(',');
  const transports = ['mqtt', 'nanomsg', 'pfunix', 'rabbitmq', 'websockets'].map((p) => `libjanus_${p}.so`).join(',');
  const files: Record<string, string> = {
    'janus.jcfg': `general: {
  configs_folder = ${q(folder)}
  plugins_folder = ${q(join(lib, 'plugins'))}
  transports_folder = ${q(join(lib, 'transports'))}
  events_folder = ${q(join(lib, 'events'))}
  loggers_folder = ${q(join(lib, 'loggers'))}
  debug_level = 3
  api_secret = ${q(apiSecret)}
  session_timeout = 60
  event_loops = ${availableParallelism()}
  server_name = "Flint media"
}
media: {
  rtp_port_range = ${q(config.meetings.rtpPorts)}
}
nat: {
  full_trickle = false
  ignore_mdns = true
${config.meetings.iceInterfaces !== undefined ? `  ice_enforce_list = ${q(config.meetings.iceInterfaces)}\n` : ''}}
plugins: { disable = ${q(plugins)} }
transports: { disable = ${q(transports)} }
events: { broadcast = false }
loggers: { disable = "libjanus_jsonlog.so" }
`,
    'janus.transport.http.jcfg': `general: {
  base_path = "/janus"
  http = true
  port = ${port}
  ip = "127.0.0.1"
  https = false
}
admin: { admin_http = false }
cors: { }
`,
    'janus.plugin.videoroom.jcfg': `general: {
  admin_key = ${q(adminKey)}
  lock_rtp_forward = true
}
`,
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text, { mode: 0o600 });
  const args = ['--configs-folder', folder, '--config', join(folder, 'janus.jcfg'), '--disable-colors'];
  // Janus must not outlive `flint serve`, even one killed with SIGKILL (no chance to stop it): an
  // orphan would hold its ports and the API secret the next start replaces. util-linux's `setpriv`
  // sets the kernel's parent-death signal and then execs Janus, so the kernel sends it SIGTERM when
  // this process dies. Without setpriv (not Linux), Janus is stopped on a clean exit only.
  const child: ChildProcess = existsSync(SETPRIV)
    ? spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  // No such binary: spawn reports it as an error event, and the process counts as exited.
  child.once('error', (error) => {
    exited = true;
    tail += `\n${error.message}`;
  });
  child.once('exit', (code, signal) => {
    exited = true;
    if (!stopping) log.error({ code, signal, output: tail.slice(-1500) }, 'Janus (the meetings media server) exited');
  });
  let stopping = false;
  const stopChild = async () => {
    stopping = true;
    if (exited) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}/janus`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/info`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not answering yet
    }
    if (exited || Date.now() > deadline) {
      await stopChild();
      log.error({ janus: bin, output: tail.slice(-1500) }, 'meetings are unavailable: Janus did not start');
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    const media = await JanusVideoRoom.connect({ url, apiSecret, adminKey, log });
    // Its own readiness line: Janus starts beside the core, which said "ready" on its own.
    log.info({ janus: bin, port, readyMs: Math.round(performance.now() - started) }, 'meetings media server (Janus) started');
    return {
      media,
      async stop() {
        await media.close();
        await stopChild();
      },
    };
  } catch (error) {
    await stopChild();
    log.error({ err: (error as Error).message }, 'meetings are unavailable: the core could not open a Janus session');
    return undefined;
  }
}
