/**
 * The chat CLI's sign-in on this machine (SPEC PL-1): the server, the person, the current token pair
 * and this device's KMS device secret, in one JSON file readable by its owner only (0600, in a 0700
 * folder). The device secret is what the KMS checks beside the core's token (docs/threat-model.md),
 * so it is as sensitive as the tokens; nothing here is ever printed.
 * @module
 */
import { chmod, mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ChatError } from './chat-error.ts';

export interface Credentials {
  v: 1;
  server: string;
  personId: string;
  email: string;
  accessToken: string;
  refreshToken: string;
  /** When the access token expires (ms since the epoch). */
  accessExpires: number;
  /** This CLI's device id (the core and the KMS name it so). */
  deviceId: string;
  /** This CLI's KMS device secret, enrolled at `flint login` with the password credential. */
  deviceSecret: string;
}

/** `--config-dir`, else `~/.config/flint` (the person's own folder). */
export function configDir(option: string | undefined): string {
  return option ?? join(homedir(), '.config', 'flint');
}

const fileOf = (dir: string): string => join(dir, 'credentials.json');

export async function saveCredentials(dir: string, credentials: Credentials): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = fileOf(dir);
  const temporary = `${file}.${process.pid}.tmp`;
  // Written whole under another name, then renamed: a crash never leaves half a token pair.
  await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

export async function loadCredentials(dir: string): Promise<Credentials> {
  const file = fileOf(dir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ChatError('signed-out', 'Not signed in: run `flint login` first.');
  }
  const info = await stat(file);
  // Like ssh with a private key: refuse a file others may read rather than use a leaked secret.
  if ((info.mode & 0o077) !== 0) throw new ChatError('unsafe', `${file} is readable by others (mode ${(info.mode & 0o777).toString(8)}): run \`chmod 600 ${file}\`.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ChatError('signed-out', `${file} is not valid JSON: run \`flint login\` again.`);
  }
  const c = parsed as Partial<Credentials>;
  const strings = ['server', 'personId', 'email', 'accessToken', 'refreshToken', 'deviceId', 'deviceSecret'] as const;
  if (c.v !== 1 || strings.some((k) => typeof c[k] !== 'string') || typeof c.accessExpires !== 'number') throw new ChatError('signed-out', `${file} is not a Flint sign-in: run \`flint login\` again.`);
  return c as Credentials;
}

export async function removeCredentials(dir: string): Promise<void> {
  await rm(fileOf(dir), { force: true });
}

const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 20_000;

/**
 * Runs `fn` holding the sign-in's lock, a folder made atomically beside the file. Refresh tokens
 * are single-use and the server revokes the whole sign-in when a spent one comes back, so two
 * commands run at once (a `flint tail` and a `flint send`) must not both renew the same pair.
 */
export async function withCredentialsLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = join(dir, 'credentials.lock');
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(lock, { mode: 0o700 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A holder that crashed leaves its lock behind; past this age nobody can still be holding it.
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > LOCK_STALE_MS) await rmdir(lock).catch(() => undefined);
      else if (Date.now() - started > LOCK_WAIT_MS) throw new ChatError('unsafe', `Another flint command holds ${lock}; if none is running, remove it.`);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}
