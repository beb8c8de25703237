/**
 * The SDK session behind every chat command (SPEC PL-1): the CLI talks to Flint through it and
 * nothing else. `login` signs in with the password and enrolls this machine as a KMS device;
 * every later command resumes from the saved sign-in, trading the refresh token for a new pair
 * first (refresh tokens are single-use, so the new pair is saved before anything else happens).
 * @module
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createSession, FlintError, newDeviceSecret, passwordCredential, type Session, type WebSocketConstructor } from '@flint/sdk';
import { ChatError } from './chat-error.ts';
import { loadCredentials, saveCredentials, withCredentialsLock, type Credentials } from './credentials.ts';

/** Renew the access token when it has less than this left (a command, or a `tail` between checks). */
const RENEW_BEFORE_MS = 10 * 60_000;

const CLIENT_VERSION = 'flint-cli/0.1.0';

/** Turns the SDK's error into the CLI's, by kind (never by message text). */
export function chatErrorOf(error: unknown): unknown {
  if (!(error instanceof FlintError)) return error;
  if (error.kind === 'network') return new ChatError('network', `The server did not answer: ${error.message}`);
  if (error.kind === 'decrypt') return new ChatError('integrity', `Could not decrypt: ${error.message}`);
  if (error.kind === 'refused' && error.status === 401) return new ChatError('signed-out', 'The server no longer accepts this sign-in: run `flint login` again.');
  return new ChatError('refused', error.message);
}

function normalizeServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ChatError('usage', `Not a URL: ${server}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ChatError('usage', `The server must be an http(s) URL: ${server}`);
  return url.origin;
}

function open(server: string, deviceId: string, credential: Parameters<typeof createSession>[0]['kmsCredential'], auth?: Credentials): Session {
  return createSession({
    baseUrl: server,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    clientVersion: CLIENT_VERSION,
    device: { id: deviceId },
    ...(credential !== undefined ? { kmsCredential: credential } : {}),
    ...(auth !== undefined ? { auth: { token: auth.accessToken, refreshToken: auth.refreshToken } } : {}),
  });
}

/**
 * Signs in with the password, enrolls this machine's KMS device (a new secret, with the password
 * credential derived here and never sent to the core), and saves the sign-in.
 */
export async function login(dir: string, input: { server: string; email: string; password: string }): Promise<Credentials> {
  const server = normalizeServer(input.server);
  const deviceId = `cli-${randomBytes(12).toString('hex')}`;
  const deviceSecret = newDeviceSecret();
  const password = input.password;
  const session = open(server, deviceId, async (personId) => ({ device: deviceSecret, password: await passwordCredential(password, personId) }));
  try {
    const signedIn = await session.signIn({ email: input.email, password });
    // Enroll now, so a refused device shows at login rather than at the first read.
    await session.connect();
    const credentials: Credentials = {
      v: 1,
      server,
      personId: signedIn.personId,
      email: input.email,
      accessToken: signedIn.accessToken,
      refreshToken: signedIn.refreshToken,
      accessExpires: Date.now() + signedIn.expiresIn * 1000,
      deviceId,
      deviceSecret,
    };
    await saveCredentials(dir, credentials);
    return credentials;
  } catch (error) {
    // At login a 401 is the password (or an SSO-only account), not an expired sign-in.
    if (error instanceof FlintError && error.kind === 'refused' && error.status === 401) throw new ChatError('refused', `Not signed in: ${error.message}`);
    throw chatErrorOf(error);
  } finally {
    session.close();
  }
}

/**
 * The saved sign-in with an access token good for at least `RENEW_BEFORE_MS`: renewed under the
 * lock when needed (re-read under it, since another command may just have renewed it).
 */
export async function freshCredentials(dir: string): Promise<Credentials> {
  const saved = await loadCredentials(dir);
  if (saved.accessExpires - Date.now() > RENEW_BEFORE_MS) return saved;
  return withCredentialsLock(dir, async () => {
    const current = await loadCredentials(dir);
    if (current.accessExpires - Date.now() > RENEW_BEFORE_MS) return current;
    const session = open(current.server, current.deviceId, undefined);
    try {
      const renewed = await session.api.auth.refresh(current.refreshToken);
      const credentials: Credentials = { ...current, accessToken: renewed.accessToken, refreshToken: renewed.refreshToken, accessExpires: Date.now() + renewed.expiresIn * 1000 };
      await saveCredentials(dir, credentials);
      return credentials;
    } catch (error) {
      throw chatErrorOf(error);
    } finally {
      session.close();
    }
  });
}

/**
 * A session resumed from the saved sign-in. With `keepFresh` (a long `tail`), the access token is
 * renewed as it nears expiry and the session switched to the new one. Close it when done.
 */
export async function resume(dir: string, options: { keepFresh?: boolean } = {}): Promise<{ session: Session; credentials: Credentials; close: () => void }> {
  const credentials = await freshCredentials(dir);
  const session = open(credentials.server, credentials.deviceId, { device: credentials.deviceSecret }, credentials);
  let timer: NodeJS.Timeout | undefined;
  if (options.keepFresh === true) {
    let expires = credentials.accessExpires;
    timer = setInterval(() => {
      if (expires - Date.now() > RENEW_BEFORE_MS) return;
      freshCredentials(dir).then(
        (next) => {
          expires = next.accessExpires;
          session.api.useToken(next.accessToken, next.refreshToken);
        },
        () => undefined, // tried again at the next tick; the stream reports its own failures
      );
    }, 60_000);
    timer.unref();
  }
  const close = (): void => {
    if (timer !== undefined) clearInterval(timer);
    session.close();
  };
  return { session, credentials, close };
}

/** Signs out at the server (the tokens die) when it answers; the local file goes either way. */
export async function logout(dir: string): Promise<void> {
  const { session } = await resume(dir);
  // signOut closes the session itself.
  try {
    await session.signOut();
  } catch (error) {
    throw chatErrorOf(error);
  }
}
