/**
 * A signed-in browser tab: its SDK session (the Flint API, end-to-end encryption with the KMS
 * through the core's relay, and the event stream, all owned by the SDK), kept signed in by the
 * cookie, and the tab's sign-in and sign-out told to the other tabs.
 *
 * What the browser keeps, and why (SPEC SEC-1, SEC-7): the session is the HttpOnly, SameSite=Strict
 * cookie the server sets at sign-in — scripts cannot read it — with a readable `flint_signed_in=1`
 * beside it that holds no secret (a first visit without it asks the server nothing). The access
 * token (for the KMS token exchange and file transfers) is minted from that cookie and held in
 * memory only; KMS keys live in the SDK's memory and are gone with the tab. localStorage holds the language and drafts sealed with
 * the space key, and this browser's KMS device secret (kms-device.ts); IndexedDB holds the encrypted
 * local cache (local-cache.ts) and, with push on, the push key store; nothing else.
 * @module
 */
import { createSession, FlintError, type FlintClient, type KmsDeviceCredential, type Session as SdkSession } from '@flint/sdk';
import { auth, sso, type Person, type ServerFrame, type StoredEvent } from '@flint/protocol';
import { randomBytes, toHex } from '@flint/crypto';
import { forgetSsoProof, hasKmsDevice, kmsDevice } from './kms-device.ts';

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

/** Set at sign-in and sign-up: the password, to enroll this browser's KMS device with the password credential. */
interface Enrollment {
  password?: string;
  /** A recovery key or the KMS operator's enrollment code (normalized), to enroll this browser. */
  recovery?: string;
  /**
   * The password signed in with, kept until the KMS session is up, when this browser already held
   * a device: that (enrolled) device then sets the KMS's password credential to it. After a
   * "forgot password" reset the core has the new password but the KMS still the old credential,
   * and only an enrolled device may change it (docs/threat-model.md); doing it at every password
   * sign-in on such a browser also covers a reset made from another browser.
   */
  kmsPassword?: string;
}

/**
 * An SDK session riding on this browser's session cookie, as a device of its own (one per tab),
 * whose KMS credential is this browser's KMS device (kms-device.ts): with the password credential
 * when it signed in with the password, so the KMS enrolls a browser it does not know yet.
 */
function newSession(enrollment: Enrollment = {}): SdkSession {
  return createSession({
    baseUrl: window.location.origin,
    auth: { cookie: true },
    clientVersion: CLIENT_VERSION,
    device: { id: `web-${toHex(randomBytes(12))}` },
    kmsCredential: async (personId): Promise<KmsDeviceCredential> => {
      const password = enrollment.password;
      delete enrollment.password;
      const recovery = enrollment.recovery;
      delete enrollment.recovery;
      if (password !== undefined && hasKmsDevice(personId)) enrollment.kmsPassword = password;
      return kmsDevice(personId, password, recovery);
    },
  });
}

/** A bare API client for calls that need no sign-in (the invitation page's preview); it connects nothing. */
export function newClient(): FlintClient {
  return newSession().api;
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
/** Dispatched on `window` when this tab's person deleted their account. */
export const ACCOUNT_DELETED = 'flint:account-deleted';

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

/** Whether the server said at sign-in that this browser holds a session (the readable hint cookie). */
function maySignedIn(): boolean {
  return document.cookie.split(';').some((c) => c.trim().startsWith(`${auth.SIGNED_IN_HINT_COOKIE}=`));
}

/** Drops the hint once the server has refused the session, so the next visit asks nothing. */
function forgetSignedIn(): void {
  document.cookie = `${auth.SIGNED_IN_HINT_COOKIE}=; Max-Age=0; path=/; SameSite=Strict`;
}

export class Session {
  me!: Person;
  /** The org's language and time zone for people who have not chosen (SPEC AD-4). */
  orgDefaults: { language?: 'en' | 'fr'; timezone: string } | undefined;
  /** The org's name and logo URL for the header (issue 16); the admin console updates it. */
  orgBranding: { name: string; logo?: string | undefined } | undefined;
  /** The org's app passcode policy (SPEC SEC-7), which this app enforces on the device; none without an org. */
  appLock: { passcodeRequired: boolean; idleMinutes: number } = { passcodeRequired: false, idleMinutes: 15 };
  private tokenExpires = 0;
  private tokenTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Set as sign-out begins: the server ends the session and the SDK stops the stream, whose "closed" is then no news. */
  private ending = false;
  private readonly onOffline = () => this.sdk.events.drop();
  private readonly onOnline = () => this.sdk.events.reconnectNow();

  private constructor(
    readonly sdk: SdkSession,
    private readonly enrollment: Enrollment = {},
  ) {}

  /** The typed API underneath (what has nothing to seal: read state, flags, typing, sessions…). */
  get client(): FlintClient {
    return this.sdk.api;
  }

  get deviceId(): string {
    return this.sdk.deviceId;
  }

  /** The session of this browser's cookie, if it is still valid; undefined means "sign in". */
  static async resume(enrollment: Pick<Enrollment, 'recovery'> = {}): Promise<Session | undefined> {
    // No hint, no session: a first visit sends no request that can only fail (a 401 in the console).
    if (!maySignedIn()) return undefined;
    const session = new Session(newSession({ ...enrollment }));
    try {
      await session.mintToken();
    } catch (error) {
      if (error instanceof FlintError && error.kind === 'refused' && (error.status === 401 || error.status === 403)) {
        forgetSignedIn();
        return undefined;
      }
      throw error;
    }
    return session;
  }

  static async signIn(email: string, password: string): Promise<Session> {
    const enrollment: Enrollment = { password };
    const sdk = newSession(enrollment);
    const result = await sdk.signIn({ email, password });
    const session = new Session(sdk, enrollment);
    session.adoptToken(result.expiresIn);
    announceAuth('signed-in');
    return session;
  }

  static async signUp(input: { email: string; password: string; displayName: string; invitationToken?: string }): Promise<Session> {
    const sdk = newSession({ password: input.password });
    const result = await sdk.signUp(input);
    const session = new Session(sdk);
    session.adoptToken(result.expiresIn);
    announceAuth('signed-in');
    return session;
  }

  /**
   * Sign-up as the server answers it: a signed-in session, or `mailed` — a mail went to the address
   * (a confirmation link, or "you have an account"), and nothing says which.
   */
  static async register(input: { email: string; password: string; displayName: string }): Promise<Session | 'mailed'> {
    const sdk = newSession({ password: input.password });
    const outcome = await sdk.register(input);
    if ('mailed' in outcome) return 'mailed';
    const session = new Session(sdk);
    session.adoptToken(outcome.signedIn.expiresIn);
    announceAuth('signed-in');
    return session;
  }

  /** Finishes a mailed sign-up (`#/confirm/<token>`) with the password chosen at sign-up, and signs in. */
  static async confirmSignUp(token: string, password: string): Promise<Session> {
    const sdk = newSession({ password });
    const result = await sdk.confirmSignUp({ token, password });
    const session = new Session(sdk);
    session.adoptToken(result.expiresIn);
    announceAuth('signed-in');
    return session;
  }

  /**
   * Connects the event stream and signs this tab into the KMS (ECDHE through the relay). One
   * stream per tab carries both the app's events and this device's KMS replies; it rides on the
   * cookie (no token in `hello`), so it never needs the hourly access token.
   */
  async open(handlers: StreamHandlers): Promise<void> {
    this.me = await this.sdk.people.me();
    if (this.me.orgId !== undefined) {
      const org = await this.sdk.api.organizations.get(this.me.orgId);
      this.orgDefaults = org.defaults;
      this.orgBranding = { name: org.displayName, logo: org.logo };
      if (org.appLock !== undefined) this.appLock = org.appLock;
    }
    this.sdk.events.on(handlers.onEvent);
    this.sdk.events.onSignal(handlers.onSignal);
    this.sdk.events.onReset(handlers.onReset);
    // Once this session is closed its stream's last "closed" is not news: the app asks the server
    // whether the session still holds on every "closed", and answering that by closing again
    // (stop() reports "closed" once more) was a loop of web-token requests after sign-out.
    this.sdk.events.onState((state) => {
      if (!this.closed && !this.ending) handlers.onState(state);
    });
    // The browser knows as soon as the network goes (or comes back), long before a heartbeat would
    // tell: give the connection up at once (the person sees it), and reconnect without back-off.
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
    await this.sdk.events.start();
    await this.sdk.connect();
    const kmsPassword = this.enrollment.kmsPassword;
    delete this.enrollment.kmsPassword;
    // Not fatal: the browser works either way; the next password sign-in here tries again.
    if (kmsPassword !== undefined) await this.sdk.updateKmsPassword(kmsPassword).catch(() => undefined);
  }

  /** The language and time zone this person's apps use (SPEC AD-4): theirs, else the org's; undefined: keep the browser's. */
  preferences(): { language: 'en' | 'fr' | undefined; timezone: string | undefined } {
    return { language: this.me.language ?? this.orgDefaults?.language, timezone: this.me.timezone ?? this.orgDefaults?.timezone };
  }

  /** A bearer that is valid for at least a few minutes (after a sleeping tab, it may have lapsed). */
  async freshToken(): Promise<void> {
    if (Date.now() > this.tokenExpires - TOKEN_MARGIN_MS) await this.mintToken();
  }

  private async mintToken(): Promise<void> {
    const result = await this.sdk.api.auth.webToken();
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

  /**
   * Signs out: first asks where the org's identity provider ends its own session (SAML single
   * logout, OIDC RP-initiated logout) — asked while this session still exists — then ends the Flint
   * session. Returns that URL, for the app to go to, or undefined.
   */
  async signOut(): Promise<string | undefined> {
    this.ending = true;
    let providerLogout: string | undefined;
    try {
      providerLogout = (await this.client.transport.call(sso.singleLogout, {})).redirectUrl;
    } catch {
      // The provider's logout is a courtesy: the Flint session ends whatever happens.
    }
    try {
      await this.sdk.signOut();
      return providerLogout;
    } finally {
      forgetSignedIn();
      forgetSsoProof();
      this.close();
      announceAuth('signed-out');
    }
  }

  /**
   * Deletes the person's account (SPEC ID-10; the SDK checks, removes KMS authorizations and
   * credentials, then the core deletes), then ends here as a sign-out does, and tells the app.
   */
  async deleteAccount(email: string): Promise<void> {
    await this.sdk.deleteAccount(email);
    this.ending = true;
    forgetSignedIn();
    this.close();
    announceAuth('signed-out');
    window.dispatchEvent(new Event(ACCOUNT_DELETED));
  }

  /** Stops the stream and the KMS relay and forgets every key (the SDK session's close). */
  close(): void {
    // Closing twice is a no-op: every path that ends a session may run after another one did.
    if (this.closed) return;
    this.closed = true;
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
    if (this.tokenTimer !== undefined) clearTimeout(this.tokenTimer);
    this.sdk.close();
  }
}
