/**
 * The configuration of a KMS run on its own (`flint kms serve|connect|audit`), read once from the
 * environment and the command's flags and validated as a whole: every bad setting is reported by
 * name. (Under `flint serve` the KMS takes its settings from the core's config instead.) The CLI
 * hands `readKmsEnv()` to `loadKmsConfig`; nothing else in the KMS reads `process.env`.
 * @module
 */
import { isAbsolute, resolve } from 'node:path';
import type { DatabaseConfig } from '@flint/db';
import { databaseConfigFromUrl } from './storage/database.ts';
import type { FirstDevicePolicy } from './context.ts';

export const KMS_ENV_VARS = ['FLINT_DATA_DIR', 'FLINT_KMS_DATA_DIR', 'FLINT_KMS_DATABASE_URL', 'FLINT_KMS_LINK_SECRET', 'FLINT_KMS_FIRST_DEVICE', 'FLINT_KMS_IDP_ALLOW_LOOPBACK_HTTP', 'FLINT_KMS_SMTP_URL', 'FLINT_KMS_MAIL_FROM'] as const;
export type KmsEnvVar = (typeof KMS_ENV_VARS)[number];

export interface KmsConfig {
  /** The KMS's folder: its SQLite file (unless `database` says otherwise) and its sealed master key. */
  dataDir: string;
  /** The KMS's own database; undefined: SQLite in `dataDir`. */
  database: DatabaseConfig | undefined;
  /** The secret shared with the core for `flint kms connect` (at least 32 characters). */
  linkSecret: string | undefined;
  policy: KmsPolicySettings;
}

/**
 * The security realm's own policy, the same whether the KMS runs alone or inside `flint serve`
 * (which reads it here too, never from the core's config).
 */
export interface KmsPolicySettings {
  /** FLINT_KMS_FIRST_DEVICE: `open` (default: a person's first device enrolls on first use) or `approval` (only with an operator's enrollment code or the org IdP's proof). */
  firstDevice: FirstDevicePolicy;
  /** FLINT_KMS_IDP_ALLOW_LOOPBACK_HTTP=true: identity providers over plain http on loopback (tests). */
  idpAllowLoopbackHttp: boolean;
  /** FLINT_KMS_SMTP_URL (smtp:// or smtps://): the realm's own mail relay for voicemail to e-mail; unset: none. */
  mailSmtpUrl?: string | undefined;
  /** FLINT_KMS_MAIL_FROM: the relay's From address. */
  mailFrom?: string | undefined;
}

function policyOf(env: Partial<Record<KmsEnvVar, string>>, problems: string[]): KmsPolicySettings {
  const first = env.FLINT_KMS_FIRST_DEVICE ?? 'open';
  if (first !== 'open' && first !== 'approval') problems.push('FLINT_KMS_FIRST_DEVICE: open or approval');
  const loopback = env.FLINT_KMS_IDP_ALLOW_LOOPBACK_HTTP ?? 'false';
  if (loopback !== 'true' && loopback !== 'false') problems.push('FLINT_KMS_IDP_ALLOW_LOOPBACK_HTTP: true or false');
  const smtp = env.FLINT_KMS_SMTP_URL;
  if (smtp !== undefined && !/^smtps?:\/\/[^\s]+$/.test(smtp)) problems.push('FLINT_KMS_SMTP_URL: an smtp:// or smtps:// URL');
  const from = env.FLINT_KMS_MAIL_FROM;
  if (from !== undefined && (from.length > 200 || /[\r\n]/.test(from))) problems.push('FLINT_KMS_MAIL_FROM: one line, at most 200 characters');
  return { firstDevice: first === 'approval' ? 'approval' : 'open', idpAllowLoopbackHttp: loopback === 'true', ...(smtp !== undefined ? { mailSmtpUrl: smtp } : {}), ...(from !== undefined ? { mailFrom: from } : {}) };
}

/** The policy alone (for `flint serve`, whose KMS keeps its data where the core's config says). */
export function loadKmsPolicy(env: Partial<Record<KmsEnvVar, string>>): KmsPolicySettings {
  const problems: string[] = [];
  const policy = policyOf(env, problems);
  if (problems.length > 0) throw new KmsConfigError(problems);
  return policy;
}

/** Command-line flags override their environment variables. */
export interface KmsConfigFlags {
  data?: string | undefined;
  databaseUrl?: string | undefined;
}

export class KmsConfigError extends Error {
  override readonly name = 'KmsConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid KMS configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function readKmsEnv(env: NodeJS.ProcessEnv = process.env): Partial<Record<KmsEnvVar, string>> {
  const out: Partial<Record<KmsEnvVar, string>> = {};
  for (const name of KMS_ENV_VARS) {
    const value = env[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

export function loadKmsConfig(env: Partial<Record<KmsEnvVar, string>>, flags: KmsConfigFlags = {}, cwd: string = process.cwd()): KmsConfig {
  const problems: string[] = [];
  const rawData = flags.data ?? env.FLINT_KMS_DATA_DIR ?? `${resolve(cwd, env.FLINT_DATA_DIR ?? './data')}-kms`;
  const dataDir = isAbsolute(rawData) ? rawData : resolve(cwd, rawData);
  let database: DatabaseConfig | undefined;
  const url = flags.databaseUrl ?? env.FLINT_KMS_DATABASE_URL;
  if (url !== undefined) {
    try {
      database = databaseConfigFromUrl(url);
    } catch (error) {
      problems.push(`${flags.databaseUrl !== undefined ? '--database-url' : 'FLINT_KMS_DATABASE_URL'}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const linkSecret = env.FLINT_KMS_LINK_SECRET;
  if (linkSecret !== undefined && linkSecret.length < 32) problems.push('FLINT_KMS_LINK_SECRET: at least 32 characters, the same as on the core');
  const policy = policyOf(env, problems);
  if (problems.length > 0) throw new KmsConfigError(problems);
  return { dataDir, database, linkSecret, policy };
}
