/**
 * A signed-in browser tab: the Flint client, its end-to-end encryption (the KMS through the core's
 * relay) and its event stream.
 *
 * What the browser keeps, and why (SPEC SEC-1, SEC-7): the session is the HttpOnly, SameSite=Strict
 * cookie the server sets at sign-in — scripts cannot read it. The access token (for the KMS token
 * exchange and file transfers) is minted from that cookie and held in memory only; KMS keys live in
 * the SDK's memory and are gone with the tab. localStorage holds the language, drafts sealed with
 * the space key, and this browser's KMS device secret (kms-device.ts); nothing else.
 * @module
 */
import { EventStream, FlintClient, FlintError, KmsRelay, SearchClient, SecureClient, type KmsClient, type KmsDeviceCredential } from '@flint/sdk';
import type { Person, ServerFrame, StoredEvent } from '@flint/protocol';
import { randomBytes, toHex } from '@flint/crypto';
import { kmsDevice } from './kms-device.ts';

const CLIENT_VERSION = 'flint-web/0.1.0';
/** Mint a new access token this long before the current one expires. */
const TOKEN_MARGIN_MS = 5 * 60_000;
const AUTH_CHANNEL = 'flint-auth';

export interface StreamHandlers {
  onEvent: (event: StoredEvent) => void;
  onSignal: (frame: Extract<ServerFrame, { type: 'typing' | 'presence' }>) => void;
  onReset: () => void;
  onState: (state: 'connecting' | 'open' | 'closed') => void;
}

export function newClient(): FlintClient {
  return new FlintClient({ baseUrl: window.location.origin, useCookie: true, clientVersion: CLIENT_VERSION });
}

/**
 * This tab, in its announcements: a BroadcastChannel delivers a message to every other channel
 * object of that name, the sender's own tab included, and a tab that followed its own sign-in
 * would start a second session (a second event stream and KMS device).
 */
const TAB_ID = toHex(randomBytes(8));

interface AuthAnnouncement {
  kind: 'signed-in' | 'signed-out';
  tab: string;
}

/** Tells the other tabs of this browser that the person signed in or out, so they follow. */
export function announceAuth(kind: 'signed-in' | 'signed-out'): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const channel = new BroadcastChannel(AUTH_CHANNEL);
  channel.postMessage({ kind, tab: TAB_ID } satisfies AuthAnnouncement);
  channel.close();
}

export function onAuthAnnouncement(handler: (kind: 'signed-in' | 'signed-out') => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => undefined;
  const channel = new BroadcastChannel(AUTH_CHANNEL);
  channel.onmessage = (ev: MessageEvent<unknown>) => {
    const message = ev.data as Partial<AuthAnnouncement> | null;
    if (message === null || typeof message !== 'object' || message.tab === TAB_ID) return;
    if (message.kind === 'signed-in' || message.kind === 'signed-out') handler(message.kind);
  };
  return () => channel.close();
}

export class Session {
  secure!: SecureClient;
  search!: SearchClient;
  stream!: EventStream;
  me!: Person;
  readonly deviceId = `web-${toHex(randomBytes(12))}`;
  private relay: KmsRelay | undefined;
  /** Set at sign-in and sign-up: the device credential with the password credential, to enroll this browser. */
  private kmsCredential: KmsDeviceCredential | undefined;
  private tokenExpires = 0;
  private tokenTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly onOffline = () => this.stream.drop();
  private readonly onOnline = () => this.stream.reconnectNow();

  private constructor(readonly client: FlintClient) {}

  /** The session of this browser's cookie, if it is still valid; undefined means "sign in". */
  static async resume(): Promise<Session | undefined> {
    const client = newClient();
    const session = new Session(client);
    try {
      await session.mintToken();
    } catch (error) {
      if (error instanceof FlintError && (error.status === 401 || error.status === 403)) return undefined;
      throw error;
    }
    return session;
  }

  static async signIn(email: string, password: string): Promise<Session> {
    const client = newClient();
    const result = await client.auth.login({ email, password });
    const session = new Session(client);
    session.adoptToken(result.expiresIn);
    session.kmsCredential = await kmsDevice(result.personId, password);
    announceAuth('signed-in');
    return session;
  }

  static async signUp(input: { email: string; password: string; displayName: string }): Promise<Session> {
    const client = newClient();
    const result = await client.auth.signup(input);
    const session = new Session(client);
    session.adoptToken(result.expiresIn);
    session.kmsCredential = await kmsDevice(result.personId, input.password);
    announceAuth('signed-in');
    return session;
  }

  /** Connects the event stream and signs this tab into the KMS (ECDHE through the relay). */
  async open(handlers: StreamHandlers): Promise<void> {
    this.me = await this.client.people.me();
    const info = await KmsRelay.discover(this.client, this.me.id);
    const relay = new KmsRelay({ client: this.client, deviceId: this.deviceId, destination: info.kmsCluster });
    relay.info = info;
    relay.personId = this.me.id;
    this.relay = relay;
    // One stream per tab carries both the app's events and this device's KMS replies. It rides on
    // the cookie (no token in `hello`), so it never needs the hourly access token.
    this.stream = new EventStream({
      baseUrl: this.client.transport.baseUrl,
      token: () => undefined,
      deviceId: this.deviceId,
      onEvent: (event) => {
        relay.handleEvent(event);
        if (event.type !== 'encryption.kms_message') handlers.onEvent(event);
      },
      onSignal: handlers.onSignal,
      onReset: handlers.onReset,
      onStateChange: handlers.onState,
    });
    // The browser knows as soon as the network goes (or comes back), long before a heartbeat would
    // tell: give the connection up at once (the person sees it), and reconnect without back-off.
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
    await this.stream.start();
    const kms: KmsClient = relay.kmsClient(this.client, this.kmsCredential ?? (await kmsDevice(this.me.id)));
    this.kmsCredential = undefined;
    await kms.connect();
    this.secure = new SecureClient(this.client, kms, this.me.id);
    this.search = new SearchClient(this.secure);
  }

  /** A bearer that is valid for at least a few minutes (after a sleeping tab, it may have lapsed). */
  async freshToken(): Promise<void> {
    if (Date.now() > this.tokenExpires - TOKEN_MARGIN_MS) await this.mintToken();
  }

  private async mintToken(): Promise<void> {
    const result = await this.client.auth.webToken();
    this.adoptToken(result.expiresIn);
  }

  private adoptToken(expiresInSec: number): void {
    this.tokenExpires = Date.now() + expiresInSec * 1000;
    if (this.tokenTimer !== undefined) clearTimeout(this.tokenTimer);
    const wait = Math.max(30_000, expiresInSec * 1000 - TOKEN_MARGIN_MS);
    this.tokenTimer = setTimeout(() => {
      if (!this.closed) void this.mintToken().catch(() => undefined);
    }, wait);
  }

  async signOut(): Promise<void> {
    try {
      await this.client.auth.logout();
    } finally {
      this.close();
      announceAuth('signed-out');
    }
  }

  close(): void {
    this.closed = true;
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
    if (this.tokenTimer !== undefined) clearTimeout(this.tokenTimer);
    this.stream?.stop();
    this.relay?.close();
    this.secure?.keys.clear();
    this.search?.keys.clear();
  }
}
