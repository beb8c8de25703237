/**
 * Flint's configuration, read once at start-up from the environment and command-line flags,
 * validated as a whole: every bad setting is reported with its name before anything starts.
 * Nothing else in the code base reads `process.env`.
 * @module
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, resolve, sep } from 'node:path';

export type SignupMode = 'domains' | 'invitation' | 'open';
/**
 * How a sign-up for a new address finishes: `email`, by following a link mailed to the address (so
 * the answer is the same whether or not the address has an account); `immediate`, at once (the
 * answer then tells a new address from a known one: for tests and closed, trusted installs).
 */
export type SignupConfirmation = 'email' | 'immediate';

export interface MeetingsConfig {
  /** FLINT_JANUS: `auto` starts Janus when its binary is installed (meetings are refused without it), `off` never. */
  janus: 'auto' | 'off';
  /** FLINT_JANUS_BIN: the Janus binary (default `janus`, found on PATH). */
  janusBin: string;
  /** FLINT_JANUS_ICE_INTERFACES: the network interfaces Janus offers ICE candidates on (its `ice_enforce_list`); unset, all but loopback. */
  iceInterfaces: string | undefined;
  /** FLINT_JANUS_RTP_PORTS: the UDP port range Janus uses for media, `min-max`. */
  rtpPorts: string;
}
/** The SIP engine for desk phones and trunks (SPEC CL-6; docs/telephony.md). */
export interface SipConfig {
  /** FLINT_SIP: `auto` starts Kamailio when it is installed, `off` never. */
  mode: 'auto' | 'off';
  /** FLINT_KAMAILIO_BIN: the Kamailio binary (default `kamailio`, found on PATH or in /usr/sbin). */
  kamailioBin: string;
  /** FLINT_SIP_HOST: the address Kamailio listens on (UDP); 127.0.0.1 unless phones are elsewhere. */
  host: string;
  /** FLINT_SIP_PORT: its UDP port (5060). */
  port: number;
  /** FLINT_SIP_DOMAIN: the SIP domain and digest realm (default: the public URL's host name). */
  domain: string;
  /** FLINT_SIP_TRUNK: `host:port` of the PSTN provider's SIP trunk for outbound and emergency calls; unset, none. */
  trunk: string | undefined;
  /** The media relay between browsers (WebRTC) and SIP legs (plain RTP): rtpengine. */
  rtpengine: {
    /** FLINT_RTPENGINE: `auto` starts rtpengine with the SIP engine when it is installed, `off` never. */
    mode: 'auto' | 'off';
    /** FLINT_RTPENGINE_BIN: the rtpengine binary (default `rtpengine`, found on PATH or in /usr/bin, /usr/sbin). */
    bin: string;
    /** FLINT_RTPENGINE_INTERFACE: the IPv4 address it relays media on (default: FLINT_SIP_HOST). */
    address: string;
    /** FLINT_RTPENGINE_RTP_PORTS: its UDP port range, `min-max` (default 40000-44999). */
    rtpPorts: { min: number; max: number };
  };
}
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

import type { DatabaseConfig } from '@flint/db';
import type { S3Config } from '../blobs/s3-blob-store.ts';
import { parseAllowList, type AddressPolicy } from '../infra/address-policy.ts';
import { readCallsConfig, type CallsConfig } from './calls-config.ts';

export type { DatabaseConfig };

export interface FlintConfig {
  host: string;
  port: number;
  /** The URL people reach this server at; links in e-mails and `Link` headers use it. */
  publicUrl: string;
  dataDir: string;
  /**
   * The in-process KMS's folder (master key, its SQLite file): outside `dataDir`, so a copy of the
   * core's data never holds the keys to its ciphertext. Default: `<dataDir>-kms` beside it.
   */
  kmsDataDir: string;
  database: DatabaseConfig;
  /**
   * Group commit (events/event-service.ts): concurrent event-emitting writes share one transaction,
   * so one commit (one fsync when durability is `full`) serves them all. `maxBatch` 1 turns it off;
   * `windowMs` waits that long for company before a batch starts (0: only what arrived meanwhile).
   */
  groupCommit: { maxBatch: number; windowMs: number };
  redisUrl: string | undefined;
  /** Prefix of every Redis key, so several Flints (or test runs) can share one Redis. */
  redisPrefix: string;
  tls: { cert: string; key: string } | undefined;
  logLevel: LogLevel;
  /** Trust `X-Forwarded-*` from a reverse proxy (only behind one). */
  trustProxy: boolean;
  /** DNS servers (`ip[:port]`) for domain verification; undefined: the system's resolvers. */
  dnsServers: string[] | undefined;
  /** After SIGTERM, in-flight work gets this long; then the process ends whatever it is doing. */
  shutdownTimeoutMs: number;
  auth: {
    accessTokenTtlSec: number;
    refreshTokenTtlSec: number;
    /** Default idle timeout of web (cookie) sessions; an org policy may shorten it. */
    webSessionIdleMinutes: number;
    signup: SignupMode;
    /** FLINT_SIGNUP_CONFIRM: see SignupConfirmation. The first account of an empty instance is always immediate. */
    signupConfirmation: SignupConfirmation;
    /** How long a sign-up confirmation link works. */
    signupConfirmationTtlSec: number;
    invitationTtlSec: number;
    /** How long a "forgot password" link stays valid. */
    passwordResetTtlSec: number;
    /** Reset e-mails asked per address, and per client address, per hour before 429. */
    passwordResetsPerEmail: number;
    passwordResetsPerIp: number;
    /** How long a verified bearer token is remembered (identity/auth-cache.ts); 0 = never. */
    cacheMs: number;
    /**
     * Let an org's SSO provider be a plain-HTTP issuer on loopback (tests, a provider on the same
     * machine). Off by default: the core fetches the issuer's documents, and must not be steered
     * to its own machine's services by an org admin.
     */
    ssoAllowLoopbackHttp: boolean;
  };
  mail: { smtpUrl: string | undefined; from: string; outboxDir: string };
  rateLimit: {
    /** Requests per minute per principal (or per address when unauthenticated). */
    requestsPerMinute: number;
    /** Failed sign-ins per e-mail address within the window before 429. */
    loginFailuresPerEmail: number;
    /** Failed sign-ins per client address within the window before 429. */
    loginFailuresPerIp: number;
    loginWindowSec: number;
  };
  blobsDir: string;
  /** S3-compatible blob storage (`FLINT_S3_BUCKET` set); unset, blobs live in `blobsDir`. */
  s3: S3Config | undefined;
  /** Stored events older than this are pruned (a device offline longer refetches its state). */
  eventRetentionDays: number;
  /** A KMS running elsewhere (`flint kms serve`); unset, the KMS runs inside this process. */
  kmsUrl: string | undefined;
  /** With this secret, a KMS elsewhere connects out to the core (`flint kms serve --connect`). */
  kmsLinkSecret: string | undefined;
  /** The media server for meetings (MT-1; docs/meetings.md), started by `flint serve`. */
  meetings: MeetingsConfig;
  /** Calls between two people (CL-1; docs/calls.md): ring time, TURN. */
  calls: CallsConfig;
  sip: SipConfig;
  /** Argon2id cost; tests lower it, production keeps the OWASP defaults. */
  argon2: { memoryKiB: number; iterations: number; parallelism: number };
  /** Durable background jobs (jobs/): how each instance polls, how long a claim holds, how many run at once. */
  jobs: { pollMs: number; leaseMs: number; concurrency: number };
  /** Webhook deliveries (webhooks/). */
  webhooks: {
    /** Which addresses a target may resolve to (infra/address-policy.ts); also the gateway's file URLs. */
    targets: AddressPolicy;
    timeoutMs: number;
    /** Attempts per delivery, the first included. */
    attempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    /** This many failed deliveries within the window set a webhook inactive (Webex: 100 in 5 minutes). */
    disableFailures: number;
    disableWindowSec: number;
  };
  /** Notifications (notifications/; SPEC MS-5). */
  notifications: {
    /** The VAPID key pair, when configured; otherwise made once and kept in the database. */
    vapid: { publicKey: string; privateKey: string } | undefined;
    /** The VAPID `sub` claim: a mailto: or https: URL push services may contact. */
    vapidSubject: string;
    /** How long a push service keeps an undelivered push (seconds). */
    pushTtlSec: number;
    digest: { awayMinutes: number; intervalMinutes: number; scanMs: number };
  };
}


/** Every environment variable Flint reads, in one place. */
export const ENV_VARS = [
  'FLINT_PORT',
  'FLINT_HOST',
  'FLINT_DATA_DIR',
  'FLINT_KMS_DATA_DIR',
  'DATABASE_URL',
  'FLINT_DB_POOL_SIZE',
  'FLINT_DB_SYNC',
  'FLINT_GROUP_COMMIT_MAX',
  'FLINT_GROUP_COMMIT_WINDOW_MS',
  'REDIS_URL',
  'FLINT_REDIS_PREFIX',
  'FLINT_PUBLIC_URL',
  'FLINT_TLS_CERT',
  'FLINT_TLS_KEY',
  'FLINT_LOG_LEVEL',
  'FLINT_TRUST_PROXY',
  'FLINT_SHUTDOWN_TIMEOUT_MS',
  'FLINT_ACCESS_TOKEN_TTL',
  'FLINT_REFRESH_TOKEN_TTL',
  'FLINT_WEB_SESSION_IDLE_MINUTES',
  'FLINT_SIGNUP',
  'FLINT_SSO_ALLOW_LOOPBACK_HTTP',
  'FLINT_SIGNUP_CONFIRM',
  'FLINT_SIGNUP_CONFIRM_TTL',
  'FLINT_INVITATION_TTL',
  'FLINT_PASSWORD_RESET_TTL',
  'FLINT_PASSWORD_RESETS_PER_EMAIL',
  'FLINT_PASSWORD_RESETS_PER_IP',
  'FLINT_SMTP_URL',
  'FLINT_MAIL_FROM',
  'FLINT_RATE_LIMIT_PER_MINUTE',
  'FLINT_LOGIN_FAILURES_PER_EMAIL',
  'FLINT_LOGIN_FAILURES_PER_IP',
  'FLINT_LOGIN_WINDOW',
  'FLINT_ARGON2_MEMORY_KIB',
  'FLINT_KMS_URL',
  'FLINT_EVENT_RETENTION_DAYS',
  'FLINT_KMS_LINK_SECRET',
  'FLINT_JANUS',
  'FLINT_JANUS_BIN',
  'FLINT_JANUS_ICE_INTERFACES',
  'FLINT_JANUS_RTP_PORTS',
  'FLINT_CALL_RING_SECONDS',
  'FLINT_CALL_PARK_SECONDS',
  'FLINT_TURN_URLS',
  'FLINT_TURN_SECRET',
  'FLINT_TURN_USERNAME',
  'FLINT_TURN_PASSWORD',
  'FLINT_TURN_TTL',
  'FLINT_SIP',
  'FLINT_KAMAILIO_BIN',
  'FLINT_SIP_HOST',
  'FLINT_SIP_PORT',
  'FLINT_SIP_DOMAIN',
  'FLINT_SIP_TRUNK',
  'FLINT_RTPENGINE',
  'FLINT_RTPENGINE_BIN',
  'FLINT_RTPENGINE_INTERFACE',
  'FLINT_RTPENGINE_RTP_PORTS',
  'FLINT_AUTH_CACHE_MS',
  'FLINT_JOBS_POLL_MS',
  'FLINT_JOBS_LEASE_MS',
  'FLINT_JOBS_CONCURRENCY',
  'FLINT_WEBHOOK_TARGETS',
  'FLINT_DNS_SERVERS',
  'FLINT_WEBHOOK_ALLOW',
  'FLINT_WEBHOOK_TIMEOUT_MS',
  'FLINT_WEBHOOK_ATTEMPTS',
  'FLINT_WEBHOOK_RETRY_BASE_MS',
  'FLINT_WEBHOOK_RETRY_MAX_MS',
  'FLINT_WEBHOOK_DISABLE_FAILURES',
  'FLINT_WEBHOOK_DISABLE_WINDOW',
  'FLINT_VAPID_PUBLIC_KEY',
  'FLINT_VAPID_PRIVATE_KEY',
  'FLINT_VAPID_SUBJECT',
  'FLINT_PUSH_TTL',
  'FLINT_DIGEST_AWAY_MINUTES',
  'FLINT_DIGEST_INTERVAL_MINUTES',
  'FLINT_DIGEST_SCAN_MS',
  'FLINT_S3_BUCKET',
  'FLINT_S3_ENDPOINT',
  'FLINT_S3_REGION',
  'FLINT_S3_ACCESS_KEY_ID',
  'FLINT_S3_SECRET_ACCESS_KEY',
  'FLINT_S3_FORCE_PATH_STYLE',
  'FLINT_S3_PREFIX',
] as const;
export type EnvVar = (typeof ENV_VARS)[number];

/** Command-line flags override their environment variables. */
export interface ConfigFlags {
  port?: string | undefined;
  host?: string | undefined;
  data?: string | undefined;
  kmsData?: string | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): Partial<Record<EnvVar, string>> {
  const out: Partial<Record<EnvVar, string>> = {};
  for (const name of ENV_VARS) {
    const value = env[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Builds the typed config. Collects every problem rather than stopping at the first, so an
 * operator fixes them in one go. Reads the TLS files (their absence is a config problem too).
 */
export function loadConfig(
  env: Partial<Record<EnvVar, string>>,
  flags: ConfigFlags = {},
  cwd: string = process.cwd(),
): FlintConfig {
  const problems: string[] = [];
  const int = (name: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) {
      problems.push(`${name}: expected a whole number, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    const value = Number(raw);
    if (value < min || value > max) {
      problems.push(`${name}: must be between ${min} and ${max}, got ${value}`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, raw: string | undefined): boolean => {
    if (raw === undefined) return false;
    if (['1', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'false', 'no'].includes(raw)) return false;
    problems.push(`${name}: expected true or false, got ${JSON.stringify(raw)}`);
    return false;
  };

  const port = int(flags.port !== undefined ? '--port' : 'FLINT_PORT', flags.port ?? env.FLINT_PORT, 8080, 0, 65535);
  const host = flags.host ?? env.FLINT_HOST ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) problems.push(`${flags.host ? '--host' : 'FLINT_HOST'}: not a host name or address: ${JSON.stringify(host)}`);
  const rawData = flags.data ?? env.FLINT_DATA_DIR ?? './data';
  const dataDir = isAbsolute(rawData) ? rawData : resolve(cwd, rawData);
  const rawKms = flags.kmsData ?? env.FLINT_KMS_DATA_DIR;
  const kmsDataDir = rawKms === undefined ? `${dataDir.replace(/[\\/]+$/, '')}-kms` : resolve(cwd, rawKms);
  const inside = (dir: string, parent: string) => dir === parent || dir.startsWith(parent.endsWith(sep) ? parent : parent + sep);
  if (inside(kmsDataDir, dataDir) || inside(dataDir, kmsDataDir)) {
    problems.push(`${flags.kmsData !== undefined ? '--kms-data' : 'FLINT_KMS_DATA_DIR'}: the KMS's folder must be outside the core's data folder (and not contain it), so a copy of one never holds both keys and ciphertext`);
  }

  let database: DatabaseConfig = { kind: 'sqlite', file: resolve(dataDir, 'flint.db') };
  if (env.DATABASE_URL !== undefined) {
    const url = env.DATABASE_URL;
    if (/^postgres(ql)?:\/\//.test(url)) {
      try {
        new URL(url);
        database = { kind: 'postgres', url, poolSize: int('FLINT_DB_POOL_SIZE', env.FLINT_DB_POOL_SIZE, 10, 1, 500) };
      } catch {
        problems.push('DATABASE_URL: not a valid URL');
      }
    } else if (url.startsWith('sqlite:')) {
      const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
      if (file === '') problems.push('DATABASE_URL: sqlite: needs a file path');
      else database = { kind: 'sqlite', file: isAbsolute(file) ? file : resolve(cwd, file) };
    } else {
      // Never echo the URL: it may carry a password.
      problems.push('DATABASE_URL: must start with postgres://, postgresql:// or sqlite:');
    }
  }

  if (env.FLINT_DB_SYNC !== undefined) {
    if (env.FLINT_DB_SYNC === 'full' || env.FLINT_DB_SYNC === 'normal') database = { ...database, durability: env.FLINT_DB_SYNC };
    else problems.push(`FLINT_DB_SYNC: expected full or normal, got ${JSON.stringify(env.FLINT_DB_SYNC)}`);
  }
  const groupCommit = {
    maxBatch: int('FLINT_GROUP_COMMIT_MAX', env.FLINT_GROUP_COMMIT_MAX, 64, 1, 1000),
    windowMs: int('FLINT_GROUP_COMMIT_WINDOW_MS', env.FLINT_GROUP_COMMIT_WINDOW_MS, 0, 0, 50),
  };

  let redisUrl: string | undefined;
  if (env.REDIS_URL !== undefined) {
    if (/^rediss?:\/\//.test(env.REDIS_URL)) redisUrl = env.REDIS_URL;
    else problems.push('REDIS_URL: must start with redis:// or rediss://');
  }

  const redisPrefix = env.FLINT_REDIS_PREFIX ?? 'flint:';
  if (!/^[A-Za-z0-9:_-]{1,64}$/.test(redisPrefix)) problems.push('FLINT_REDIS_PREFIX: letters, digits, colons, dashes and underscores only');

  let tls: FlintConfig['tls'];
  const certPath = flags.tlsCert ?? env.FLINT_TLS_CERT;
  const keyPath = flags.tlsKey ?? env.FLINT_TLS_KEY;
  const certName = flags.tlsCert ? '--tls-cert' : 'FLINT_TLS_CERT';
  const keyName = flags.tlsKey ? '--tls-key' : 'FLINT_TLS_KEY';
  if ((certPath === undefined) !== (keyPath === undefined)) {
    problems.push(`${certPath === undefined ? certName : keyName}: TLS needs both a certificate and a key`);
  } else if (certPath !== undefined && keyPath !== undefined) {
    const read = (name: string, path: string): string => {
      try {
        return readFileSync(resolve(cwd, path), 'utf8');
      } catch (error) {
        problems.push(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
        return '';
      }
    };
    tls = { cert: read(certName, certPath), key: read(keyName, keyPath) };
    if (tls.cert !== '' && !tls.cert.includes('BEGIN CERTIFICATE')) problems.push(`${certName}: not a PEM certificate`);
    if (tls.key !== '' && !/BEGIN [A-Z ]*PRIVATE KEY/.test(tls.key)) problems.push(`${keyName}: not a PEM private key`);
  }

  const scheme = tls ? 'https' : 'http';
  let publicUrl = `${scheme}://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
  if (env.FLINT_PUBLIC_URL !== undefined) {
    try {
      const url = new URL(env.FLINT_PUBLIC_URL);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
      publicUrl = url.origin + url.pathname.replace(/\/$/, '');
    } catch {
      problems.push('FLINT_PUBLIC_URL: must be an http:// or https:// URL');
    }
  }

  const logLevel = (env.FLINT_LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`FLINT_LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}`);

  const signup = (env.FLINT_SIGNUP ?? 'domains') as SignupMode;
  if (!['domains', 'invitation', 'open'].includes(signup)) problems.push('FLINT_SIGNUP: must be domains, invitation or open');
  const signupConfirmation = (env.FLINT_SIGNUP_CONFIRM ?? 'email') as SignupConfirmation;
  if (!['email', 'immediate'].includes(signupConfirmation)) problems.push('FLINT_SIGNUP_CONFIRM: must be email or immediate');

  const smtpUrl = env.FLINT_SMTP_URL;
  if (smtpUrl !== undefined && !/^smtps?:\/\//.test(smtpUrl)) problems.push('FLINT_SMTP_URL: must start with smtp:// or smtps://');
  const from = env.FLINT_MAIL_FROM ?? 'Flint <no-reply@localhost>';

  let kmsUrl: string | undefined;
  if (env.FLINT_KMS_URL !== undefined) {
    try {
      const u = new URL(env.FLINT_KMS_URL);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      kmsUrl = u.origin + u.pathname.replace(/\/$/, '');
    } catch {
      problems.push('FLINT_KMS_URL: must be an http:// or https:// URL');
    }
  }

  if (env.FLINT_KMS_LINK_SECRET !== undefined && env.FLINT_KMS_LINK_SECRET.length < 32) problems.push('FLINT_KMS_LINK_SECRET: at least 32 characters');
  const janus = (env.FLINT_JANUS ?? 'auto') as MeetingsConfig['janus'];
  if (!['auto', 'off'].includes(janus)) problems.push('FLINT_JANUS: must be auto or off');
  const rtpPorts = env.FLINT_JANUS_RTP_PORTS ?? '20000-40000';
  const ports = /^(\d{1,5})-(\d{1,5})$/.exec(rtpPorts);
  if (ports === null || Number(ports[1]) < 1024 || Number(ports[2]) > 65535 || Number(ports[1]) >= Number(ports[2])) problems.push('FLINT_JANUS_RTP_PORTS: must be min-max, within 1024-65535, min below max');
  const iceInterfaces = env.FLINT_JANUS_ICE_INTERFACES;
  if (iceInterfaces !== undefined && !/^[A-Za-z0-9_.:,-]{1,200}$/.test(iceInterfaces)) problems.push('FLINT_JANUS_ICE_INTERFACES: interface names or addresses, comma-separated');
  const janusBin = env.FLINT_JANUS_BIN ?? 'janus';
  if (janusBin === '' || /["\n]/.test(janusBin)) problems.push('FLINT_JANUS_BIN: a path or command name');
  const sipMode = (env.FLINT_SIP ?? 'auto') as SipConfig['mode'];
  if (!['auto', 'off'].includes(sipMode)) problems.push('FLINT_SIP: must be auto or off');
  const kamailioBin = env.FLINT_KAMAILIO_BIN ?? 'kamailio';
  if (kamailioBin === '' || /["\n]/.test(kamailioBin)) problems.push('FLINT_KAMAILIO_BIN: a path or command name');
  const sipHost = env.FLINT_SIP_HOST ?? '127.0.0.1';
  if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(sipHost)) problems.push('FLINT_SIP_HOST: an IPv4 address');
  const sipDomain = env.FLINT_SIP_DOMAIN;
  if (sipDomain !== undefined && !/^[A-Za-z0-9.-]{1,253}$/.test(sipDomain)) problems.push('FLINT_SIP_DOMAIN: a host name');
  const sipTrunk = env.FLINT_SIP_TRUNK;
  if (sipTrunk !== undefined && !/^[A-Za-z0-9.-]{1,253}:\d{1,5}$/.test(sipTrunk)) problems.push('FLINT_SIP_TRUNK: host:port of the provider’s SIP trunk');
  const rtpengineMode = (env.FLINT_RTPENGINE ?? 'auto') as SipConfig['rtpengine']['mode'];
  if (!['auto', 'off'].includes(rtpengineMode)) problems.push('FLINT_RTPENGINE: must be auto or off');
  const rtpengineBin = env.FLINT_RTPENGINE_BIN ?? 'rtpengine';
  if (rtpengineBin === '' || /["\n]/.test(rtpengineBin)) problems.push('FLINT_RTPENGINE_BIN: a path or command name');
  const rtpengineAddress = env.FLINT_RTPENGINE_INTERFACE ?? sipHost;
  if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(rtpengineAddress)) problems.push('FLINT_RTPENGINE_INTERFACE: an IPv4 address');
  const rtpengineRange = /^(\d{1,5})-(\d{1,5})$/.exec(env.FLINT_RTPENGINE_RTP_PORTS ?? '40000-44999');
  if (rtpengineRange === null || Number(rtpengineRange[1]) < 1024 || Number(rtpengineRange[2]) > 65535 || Number(rtpengineRange[1]) + 10 > Number(rtpengineRange[2])) problems.push('FLINT_RTPENGINE_RTP_PORTS: must be min-max, within 1024-65535, at least 10 ports');
  if (env.FLINT_KMS_LINK_SECRET !== undefined && env.FLINT_KMS_URL !== undefined) problems.push('FLINT_KMS_LINK_SECRET: give either FLINT_KMS_URL or FLINT_KMS_LINK_SECRET, not both');

  const targetMode = env.FLINT_WEBHOOK_TARGETS ?? 'public';
  if (targetMode === 'private') problems.push('FLINT_WEBHOOK_TARGETS: `private` is gone (it admitted cloud metadata services); keep `public` and list internal hosts or ranges in FLINT_WEBHOOK_ALLOW, e.g. 10.0.0.0/8,bots.corp.example');
  else if (targetMode !== 'public' && targetMode !== 'any') problems.push('FLINT_WEBHOOK_TARGETS: must be public or any');
  const allowList = parseAllowList(env.FLINT_WEBHOOK_ALLOW);
  for (const p of allowList.problems) problems.push(`FLINT_WEBHOOK_ALLOW: ${p}`);
  const webhookTargets: AddressPolicy = { mode: targetMode === 'any' ? 'any' : 'public', allow: allowList.allow };
  const jobs = {
    pollMs: int('FLINT_JOBS_POLL_MS', env.FLINT_JOBS_POLL_MS, 1000, 10, 60_000),
    leaseMs: int('FLINT_JOBS_LEASE_MS', env.FLINT_JOBS_LEASE_MS, 60_000, 100, 3_600_000),
    concurrency: int('FLINT_JOBS_CONCURRENCY', env.FLINT_JOBS_CONCURRENCY, 8, 1, 256),
  };
  const webhooks = {
    targets: webhookTargets,
    timeoutMs: int('FLINT_WEBHOOK_TIMEOUT_MS', env.FLINT_WEBHOOK_TIMEOUT_MS, 10_000, 50, 120_000),
    attempts: int('FLINT_WEBHOOK_ATTEMPTS', env.FLINT_WEBHOOK_ATTEMPTS, 10, 1, 100),
    retryBaseMs: int('FLINT_WEBHOOK_RETRY_BASE_MS', env.FLINT_WEBHOOK_RETRY_BASE_MS, 5_000, 1, 3_600_000),
    retryMaxMs: int('FLINT_WEBHOOK_RETRY_MAX_MS', env.FLINT_WEBHOOK_RETRY_MAX_MS, 600_000, 1, 86_400_000),
    disableFailures: int('FLINT_WEBHOOK_DISABLE_FAILURES', env.FLINT_WEBHOOK_DISABLE_FAILURES, 100, 1, 1_000_000),
    disableWindowSec: int('FLINT_WEBHOOK_DISABLE_WINDOW', env.FLINT_WEBHOOK_DISABLE_WINDOW, 300, 1, 86_400),
  };
  // A delivery must end well within the claim that holds it, or a second instance would take it over.
  if (jobs.leaseMs < 2 * webhooks.timeoutMs) problems.push(`FLINT_JOBS_LEASE_MS: must be at least twice FLINT_WEBHOOK_TIMEOUT_MS (${2 * webhooks.timeoutMs})`);
  if (webhooks.retryMaxMs < webhooks.retryBaseMs) problems.push('FLINT_WEBHOOK_RETRY_MAX_MS: must not be below FLINT_WEBHOOK_RETRY_BASE_MS');
  const notifications = readNotifications(env, problems, int, from);
  const s3 = readS3(env, problems, bool);
  // Resolvers for domain verification (TXT records); by default the system's.
  const dnsServers = env.FLINT_DNS_SERVERS?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const server of dnsServers ?? []) {
    const host = server.startsWith('[') ? server.slice(1, server.indexOf(']')) : server.replace(/:\d+$/, '');
    if (isIP(host) === 0) problems.push(`FLINT_DNS_SERVERS: not an IP address (with an optional :port): ${server}`);
  }

  const config: FlintConfig = {
    host,
    port,
    publicUrl,
    dataDir,
    kmsDataDir,
    database,
    groupCommit,
    redisUrl,
    redisPrefix,
    tls,
    logLevel,
    trustProxy: bool('FLINT_TRUST_PROXY', env.FLINT_TRUST_PROXY),
    shutdownTimeoutMs: int('FLINT_SHUTDOWN_TIMEOUT_MS', env.FLINT_SHUTDOWN_TIMEOUT_MS, 25_000, 100, 600_000),
    auth: {
      accessTokenTtlSec: int('FLINT_ACCESS_TOKEN_TTL', env.FLINT_ACCESS_TOKEN_TTL, 3600, 1, 86400 * 14),
      refreshTokenTtlSec: int('FLINT_REFRESH_TOKEN_TTL', env.FLINT_REFRESH_TOKEN_TTL, 86400 * 60, 60, 86400 * 365),
      webSessionIdleMinutes: int('FLINT_WEB_SESSION_IDLE_MINUTES', env.FLINT_WEB_SESSION_IDLE_MINUTES, 60 * 24 * 14, 1, 60 * 24 * 365),
      signup,
      signupConfirmation,
      signupConfirmationTtlSec: int('FLINT_SIGNUP_CONFIRM_TTL', env.FLINT_SIGNUP_CONFIRM_TTL, 86400, 60, 86400 * 14),
      invitationTtlSec: int('FLINT_INVITATION_TTL', env.FLINT_INVITATION_TTL, 86400 * 14, 60, 86400 * 365),
      passwordResetTtlSec: int('FLINT_PASSWORD_RESET_TTL', env.FLINT_PASSWORD_RESET_TTL, 3600, 60, 86400),
      passwordResetsPerEmail: int('FLINT_PASSWORD_RESETS_PER_EMAIL', env.FLINT_PASSWORD_RESETS_PER_EMAIL, 3, 1, 1000),
      passwordResetsPerIp: int('FLINT_PASSWORD_RESETS_PER_IP', env.FLINT_PASSWORD_RESETS_PER_IP, 20, 1, 100_000),
      cacheMs: int('FLINT_AUTH_CACHE_MS', env.FLINT_AUTH_CACHE_MS, 5000, 0, 60_000),
      ssoAllowLoopbackHttp: bool('FLINT_SSO_ALLOW_LOOPBACK_HTTP', env.FLINT_SSO_ALLOW_LOOPBACK_HTTP),
    },
    mail: { smtpUrl, from, outboxDir: resolve(dataDir, 'outbox') },
    rateLimit: {
      requestsPerMinute: int('FLINT_RATE_LIMIT_PER_MINUTE', env.FLINT_RATE_LIMIT_PER_MINUTE, 1200, 1, 1_000_000),
      loginFailuresPerEmail: int('FLINT_LOGIN_FAILURES_PER_EMAIL', env.FLINT_LOGIN_FAILURES_PER_EMAIL, 5, 1, 1000),
      loginFailuresPerIp: int('FLINT_LOGIN_FAILURES_PER_IP', env.FLINT_LOGIN_FAILURES_PER_IP, 50, 1, 100_000),
      loginWindowSec: int('FLINT_LOGIN_WINDOW', env.FLINT_LOGIN_WINDOW, 900, 1, 86400),
    },
    blobsDir: resolve(dataDir, 'blobs'),
    s3,
    kmsUrl,
    kmsLinkSecret: env.FLINT_KMS_LINK_SECRET,
    meetings: { janus, janusBin, iceInterfaces, rtpPorts },
    calls: readCallsConfig(env, problems, int),
    sip: {
      mode: sipMode,
      kamailioBin,
      host: sipHost,
      port: int('FLINT_SIP_PORT', env.FLINT_SIP_PORT, 5060, 1024, 65535),
      domain: sipDomain ?? new URL(publicUrl).hostname.replace(/^\[|\]$/g, ''),
      trunk: sipTrunk,
      rtpengine: { mode: rtpengineMode, bin: rtpengineBin, address: rtpengineAddress, rtpPorts: { min: Number(rtpengineRange?.[1] ?? 40000), max: Number(rtpengineRange?.[2] ?? 44999) } },
    },
    eventRetentionDays: int('FLINT_EVENT_RETENTION_DAYS', env.FLINT_EVENT_RETENTION_DAYS, 30, 1, 3650),
    argon2: {
      memoryKiB: int('FLINT_ARGON2_MEMORY_KIB', env.FLINT_ARGON2_MEMORY_KIB, 19456, 1024, 4 * 1024 * 1024),
      iterations: 2,
      parallelism: 1,
    },
    jobs,
    webhooks,
    notifications,
    dnsServers: dnsServers !== undefined && dnsServers.length > 0 ? dnsServers : undefined,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The notification settings: VAPID keys (both or neither), the VAPID subject, push TTL, e-mail digests. */
function readNotifications(
  env: Partial<Record<EnvVar, string>>,
  problems: string[],
  int: (name: string, raw: string | undefined, fallback: number, min: number, max: number) => number,
  mailFrom: string,
): FlintConfig['notifications'] {
  const publicKey = env.FLINT_VAPID_PUBLIC_KEY;
  const privateKey = env.FLINT_VAPID_PRIVATE_KEY;
  let vapid: { publicKey: string; privateKey: string } | undefined;
  if ((publicKey === undefined) !== (privateKey === undefined)) problems.push('FLINT_VAPID_PUBLIC_KEY: give FLINT_VAPID_PUBLIC_KEY and FLINT_VAPID_PRIVATE_KEY together, or neither');
  else if (publicKey !== undefined && privateKey !== undefined) {
    if (Buffer.from(publicKey, 'base64url').length !== 65) problems.push('FLINT_VAPID_PUBLIC_KEY: must be a base64url P-256 public key (65 bytes)');
    if (Buffer.from(privateKey, 'base64url').length !== 32) problems.push('FLINT_VAPID_PRIVATE_KEY: must be a base64url P-256 private key (32 bytes)');
    vapid = { publicKey, privateKey };
  }
  // By default the sender address of Flint's e-mail, which is where an operator is reached.
  const address = /<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom.trim();
  const vapidSubject = env.FLINT_VAPID_SUBJECT ?? `mailto:${address}`;
  if (!/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/.test(vapidSubject)) problems.push('FLINT_VAPID_SUBJECT: must be a mailto: address or an https:// URL');
  return {
    vapid,
    vapidSubject,
    pushTtlSec: int('FLINT_PUSH_TTL', env.FLINT_PUSH_TTL, 86_400, 0, 2_419_200),
    digest: {
      awayMinutes: int('FLINT_DIGEST_AWAY_MINUTES', env.FLINT_DIGEST_AWAY_MINUTES, 60, 0, 43_200),
      intervalMinutes: int('FLINT_DIGEST_INTERVAL_MINUTES', env.FLINT_DIGEST_INTERVAL_MINUTES, 1440, 1, 43_200),
      scanMs: int('FLINT_DIGEST_SCAN_MS', env.FLINT_DIGEST_SCAN_MS, 60_000, 50, 3_600_000),
    },
  };
}

/** The S3 settings, when `FLINT_S3_BUCKET` is given; every other FLINT_S3_* alone is a mistake. */
function readS3(env: Partial<Record<EnvVar, string>>, problems: string[], bool: (name: string, raw: string | undefined) => boolean): S3Config | undefined {
  const others = (['FLINT_S3_ENDPOINT', 'FLINT_S3_REGION', 'FLINT_S3_ACCESS_KEY_ID', 'FLINT_S3_SECRET_ACCESS_KEY', 'FLINT_S3_FORCE_PATH_STYLE', 'FLINT_S3_PREFIX'] as const).filter((n) => env[n] !== undefined);
  const bucket = env.FLINT_S3_BUCKET;
  if (bucket === undefined) {
    if (others.length > 0) problems.push(`${others.join(', ')}: set FLINT_S3_BUCKET to store blobs in S3`);
    return undefined;
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) problems.push('FLINT_S3_BUCKET: 3-63 lowercase letters, digits, dots and hyphens');
  let endpoint: string | undefined;
  if (env.FLINT_S3_ENDPOINT !== undefined) {
    try {
      const u = new URL(env.FLINT_S3_ENDPOINT);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      if (u.username !== '' || u.password !== '') throw new Error('credentials');
      endpoint = u.origin + u.pathname.replace(/\/$/, '');
    } catch {
      problems.push('FLINT_S3_ENDPOINT: must be an http:// or https:// URL without credentials');
    }
  }
  const region = env.FLINT_S3_REGION ?? 'us-east-1';
  if (!/^[a-z0-9-]{1,32}$/.test(region)) problems.push('FLINT_S3_REGION: lowercase letters, digits and hyphens');
  const id = env.FLINT_S3_ACCESS_KEY_ID;
  const secret = env.FLINT_S3_SECRET_ACCESS_KEY;
  if ((id === undefined) !== (secret === undefined)) problems.push(`${id === undefined ? 'FLINT_S3_ACCESS_KEY_ID' : 'FLINT_S3_SECRET_ACCESS_KEY'}: give both the access key id and the secret, or neither (the AWS default credential chain)`);
  const prefix = env.FLINT_S3_PREFIX ?? '';
  if (!/^([A-Za-z0-9._-]+\/)*$/.test(prefix) || prefix.length > 256) problems.push('FLINT_S3_PREFIX: folder names of letters, digits, dots, dashes and underscores, each ending with /');
  return {
    endpoint,
    bucket,
    region,
    credentials: id !== undefined && secret !== undefined ? { accessKeyId: id, secretAccessKey: secret } : undefined,
    // Self-hosted servers rarely have a DNS name per bucket: path style unless told otherwise.
    forcePathStyle: env.FLINT_S3_FORCE_PATH_STYLE !== undefined ? bool('FLINT_S3_FORCE_PATH_STYLE', env.FLINT_S3_FORCE_PATH_STYLE) : endpoint !== undefined,
    prefix,
  };
}
