/**
 * Starts a whole Flint in-process for tests — core, KMS skeleton, HTTP on a free loopback port —
 * on a fresh database and data folder, and hands out SDK clients.
 * @example
 * await using flint = await startFlint();
 * const ada = await flint.signup({ email: 'ada@example.com' });
 * @module
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createServer as createNetServer } from 'node:net';
import { loadConfig, readEnv, type FlintConfig, type FlintServer } from '@flint/server';
import { loadKmsPolicy, readKmsEnv } from '@flint/kms';
import { composeFlint, type ComposeOptions } from '@flint/cli/compose';
import { createSession, newDeviceSecret, type FlintClient, type KmsDeviceCredential, type Session, type SessionOptions } from '@flint/sdk';
import { NodeWebSocket } from './events.ts';
import type { FastifyInstance } from 'fastify';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { seedKmsIdentity } from './kms-identity.ts';

export interface StartOptions {
  /** Extra environment settings (FLINT_*), applied over the test defaults. */
  env?: Record<string, string>;
  /** Add routes before the app is sealed (e.g. a slow route for the shutdown test). */
  extend?: (app: FastifyInstance) => void;
  /** Serve a built web app from this folder (browser tests). */
  webRoot?: string;
  /** Gateway settings (e.g. let `files: [url]` fetch from a loopback test server). */
  gateway?: ComposeOptions['gateway'];
}

export interface TestFlint extends AsyncDisposable {
  url: string;
  config: FlintConfig;
  server: FlintServer;
  dataDir: string;
  engine: 'sqlite' | 'postgres';
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /** The raw log text, for scanning for secrets. */
  logText(): string;
  /** The typed API of a new SDK session (no sealing): for tests of the core's own rules. */
  client(options?: { clientVersion?: string }): FlintClient;
  /** Signs someone up and answers the typed API of their signed-in session. */
  signup(input: { email: string; password?: string; displayName?: string; invitationToken?: string }): Promise<FlintClient>;
  /**
   * An SDK session (end-to-end encryption, events) on this server: signed in as the person behind
   * `as` (an API from `signup`/`client`, sharing its token), or not signed in. Node's WebSocket is
   * set; the KMS is reached through the core's relay unless `options.kms` says otherwise.
   */
  session(as?: FlintClient, options?: Partial<SessionOptions> & { deviceId?: string }): Session;
  /** `session`, signed into the KMS already (so a failure shows here). */
  connect(as: FlintClient, options?: Partial<SessionOptions> & { deviceId?: string }): Promise<Session>;
  /** The e-mails written to the outbox, oldest first. */
  outbox(): Promise<{ to: string; subject: string; text: string }[]>;
  /**
   * Stops the server gracefully and starts a new one on the same database, data folder and port
   * (a restart); `server` then names the new one. Clients keep working (their tokens are stored).
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export const TEST_PASSWORD = 'correct horse battery staple';
/** The in-process KMS's cluster name for every test server. */
const KMS_CLUSTER = 'kms://127.0.0.1';

export async function startFlint(options: StartOptions = {}): Promise<TestFlint> {
  const dataDir = await mkdtemp(join(tmpdir(), 'flint-test-'));
  let database: TestDatabase | undefined;
  try {
    database = await createTestDatabase(dataDir);
    // A fixed port (found free) rather than 0, so the public URL in links and avatars is the real one.
    const port = await freePort();
    const config = loadConfig(
      readEnv({
        FLINT_PORT: String(port),
        FLINT_HOST: '127.0.0.1',
        FLINT_DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        FLINT_LOG_LEVEL: 'info',
        // Argon2 at its floor keeps the suite fast; the production cost is tested in passwords.test.ts.
        FLINT_ARGON2_MEMORY_KIB: '1024',
        // Sign-up finishes at once, as the suite's hundreds of tests expect; the e-mailed
        // confirmation (the production default) is tested with FLINT_SIGNUP_CONFIRM=email.
        FLINT_SIGNUP_CONFIRM: 'immediate',
        // No media server unless a test asks for one (FLINT_JANUS=auto): Janus costs a process and a second of start-up.
        FLINT_JANUS: 'off',
        // No SIP engine either unless a test asks for one (FLINT_SIP=auto, with a free FLINT_SIP_PORT).
        FLINT_SIP: 'off',
        // Nor the media relay (rtpengine) that starts with it: a test asks with FLINT_RTPENGINE=auto.
        FLINT_RTPENGINE: 'off',
        ...(process.env['FLINT_TEST_REDIS_URL'] ? { REDIS_URL: process.env['FLINT_TEST_REDIS_URL'], FLINT_REDIS_PREFIX: `flint-test-${port}:` } : {}),
        ...options.env,
      }),
    );
    let logText = '';
    const logs: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        const text = chunk.toString('utf8');
        logText += text;
        for (const line of text.split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    // A test that asks for Janus (FLINT_JANUS=auto) gets it ready or known missing: `flint serve`
    // answers before Janus is up (meetings say `starting`), which tests/e2e/cli.test.ts checks.
    if (config.kmsUrl === undefined && config.kmsLinkSecret === undefined) await seedKmsIdentity(config.kmsDataDir, KMS_CLUSTER);
    const boot = async () => {
      const server = await composeFlint(config, {
        logDestination: destination,
        kmsCluster: KMS_CLUSTER,
        // The in-process KMS's policy, from the same env (FLINT_KMS_FIRST_DEVICE…), read as `flint serve` reads it.
        kmsPolicy: loadKmsPolicy(readKmsEnv(options.env ?? {})),
        ...(options.extend ? { extend: options.extend } : {}),
        ...(options.webRoot !== undefined ? { webRoot: options.webRoot } : {}),
        ...(options.gateway ? { gateway: options.gateway } : {}),
      });
      await server.mediaSettled;
      return server;
    };
    const server = await boot();
    const url = await server.listen();
    const db = database;
    let stopped: Promise<void> | undefined;
    // Every SDK session made here, closed at stop: a session left open keeps reconnecting its event
    // stream to the stopped server, and that kept a finished test file alive (CI waited on it).
    const sessions = new Set<Session>();
    const stop = () =>
      (stopped ??= (async () => {
        for (const session of sessions) session.close();
        await flint.server.close();
        await db.drop();
        await rm(dataDir, { recursive: true, force: true });
        await rm(config.kmsDataDir, { recursive: true, force: true });
      })());
    // One KMS device per person, as a person's one computer: the KMS enrolls only a person's first
    // device (or one the password or an enrolled device vouches for), so every session of a person
    // here carries the same device credential unless the test gives another (`kmsCredential`).
    const devices = new Map<string, KmsDeviceCredential>();
    const deviceOf = async (personId: string): Promise<KmsDeviceCredential> => {
      let device = devices.get(personId);
      if (device === undefined) {
        device = { device: newDeviceSecret() };
        devices.set(personId, device);
      }
      return device;
    };
    const flint: TestFlint = {
      url,
      config,
      server,
      dataDir,
      engine: database.engine,
      logs,
      logText: () => logText,
      client: (o = {}) => createSession({ baseUrl: url, clientVersion: o.clientVersion ?? 'flint-testkit/0.1' }).api,
      session(as, o = {}) {
        const { deviceId, ...rest } = o;
        const token = as?.transport.accessToken;
        const session = createSession({
          baseUrl: url,
          clientVersion: 'flint-testkit/0.1',
          WebSocket: NodeWebSocket,
          ...(token !== undefined ? { auth: { token, ...(as?.session?.refreshToken !== undefined ? { refreshToken: as.session.refreshToken } : {}) } } : {}),
          ...(deviceId !== undefined ? { device: { id: deviceId } } : {}),
          kmsCredential: deviceOf,
          ...rest,
        });
        sessions.add(session);
        return session;
      },
      async connect(as, o = {}) {
        const session = flint.session(as, o);
        try {
          await session.connect();
        } catch (error) {
          // A refused connection (the KMS did not take this device) must not leave its event stream running.
          session.close();
          throw error;
        }
        return session;
      },
      async signup(input) {
        const client = flint.client();
        await client.auth.signup({
          email: input.email,
          password: input.password ?? TEST_PASSWORD,
          displayName: input.displayName ?? input.email.split('@')[0] ?? 'someone',
          ...(input.invitationToken !== undefined ? { invitationToken: input.invitationToken } : {}),
        });
        return client;
      },
      async outbox() {
        const dir = config.mail.outboxDir;
        let names: string[];
        try {
          names = (await readdir(dir)).sort();
        } catch {
          return [];
        }
        const mails = [];
        for (const name of names) {
          const raw = await readFile(join(dir, name), 'utf8');
          const [head = '', ...rest] = raw.split('\n\n');
          const header = (h: string) => new RegExp(`^${h}: (.*)$`, 'mi').exec(head)?.[1]?.trim() ?? '';
          mails.push({ to: header('To'), subject: header('Subject'), text: decodeQuotedPrintable(rest.join('\n\n')) });
        }
        return mails;
      },
      async restart() {
        await flint.server.close();
        flint.server = await boot();
        await flint.server.listen();
      },
      stop,
      [Symbol.asyncDispose]: stop,
    };
    return flint;
  } catch (error) {
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(`${dataDir}-kms`, { recursive: true, force: true });
    throw error;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** The invitation token inside an invitation e-mail. */
export function invitationTokenFrom(mailText: string): string {
  const match = /fli_[A-Za-z0-9_-]{43}/.exec(mailText);
  if (match === null) throw new Error('no invitation token in the e-mail');
  return match[0];
}
