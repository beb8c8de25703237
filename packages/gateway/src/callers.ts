/**
 * The gateway acts *as the caller* (DESIGN §1: it holds plaintext on behalf of API clients, and
 * nothing more): each bearer token gets its own SDK session against the core's native API, with its
 * own KMS access (a `spark:kms` token exchanged from the caller's own token, so the KMS authorizes and
 * audits the caller, never the gateway); the session seals and opens content.
 *
 * Building that costs a few round trips (who am I, token exchange, KMS handshake), so callers are
 * cached: at most `callersCached`, least recently used first out, dropped after `callerIdleMs`
 * unused and rebuilt at least every `callerMaxAgeMs`. The cache never vouches for a token: every
 * call to the core presents it again, so a revoked token fails at once (and drops its entry).
 * Entries are keyed by the token's SHA-256, never by the token itself.
 * @module
 */
import { sha256Hex } from '@flint/crypto';
import { integrationGrantKey, oauth, type Person } from '@flint/protocol';
import { createSession, tokenDeviceSecret, type FetchLike, type KmsTransport, type Session, type WebSocketConstructor } from '@flint/sdk';
import { GATEWAY_LIMITS } from './limits.ts';

/** How the gateway reaches the core realm. */
export interface CoreAccess {
  /** The core's base URL; a function because in-process it is known only once the listener is up. */
  url: () => string;
  fetch?: FetchLike;
  /** For the event streams (the KMS relay, `listen()`): the `ws` package in Node 20. */
  WebSocket?: WebSocketConstructor;
  /**
   * A direct path to the KMS (in-process under `flint serve`, or its `/kms/messages` over HTTP).
   * Without one, KMS messages travel through the core's relay as the caller's gateway device.
   */
  kmsTransport?: KmsTransport;
}

export interface Caller {
  /** The SDK session signed in with the caller's token: seals and opens with the caller's own KMS access. */
  session: Session;
  /** The caller as the core answered when the entry was built. */
  me: Person;
  /** An integration token's OAuth scopes (issue 18); null for a person's or bot's own token. */
  scopes: readonly string[] | null;
  /** The KMS client id this entry uses: `gw-` and part of the token's hash. */
  deviceId: string;
  /** Direct spaces found or opened, by the other person's id (saves a KMS resource per message). */
  directRooms: Map<string, string>;
}

interface Entry {
  caller: Promise<Caller>;
  created: number;
  used: number;
  close: () => void;
}

export class Callers {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly core: CoreAccess,
    private readonly limits: { max: number; idleMs: number; maxAgeMs: number } = {
      max: GATEWAY_LIMITS.callersCached,
      idleMs: GATEWAY_LIMITS.callerIdleMs,
      maxAgeMs: GATEWAY_LIMITS.callerMaxAgeMs,
    },
    private readonly now: () => number = Date.now,
  ) {}

  /** The caller behind a bearer token (a 401 from the core if the token is not valid). */
  async get(token: string): Promise<Caller> {
    const key = await sha256Hex(token);
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry !== undefined && now - entry.used < this.limits.idleMs && now - entry.created < this.limits.maxAgeMs) {
      entry.used = now;
      // Re-inserting keeps the Map in least-recently-used order.
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry.caller;
    }
    if (entry !== undefined) this.drop(key);
    this.sweep(now);
    const closers: (() => void)[] = [];
    const created: Entry = { caller: this.build(token, key, closers), created: now, used: now, close: () => closers.forEach((c) => c()) };
    this.entries.set(key, created);
    created.caller.catch(() => {
      if (this.entries.get(key) === created) this.entries.delete(key);
    });
    return created.caller;
  }

  /** Forgets a token's entry (after the core refused it). */
  async forget(token: string): Promise<void> {
    this.drop(await sha256Hex(token));
  }

  get size(): number {
    return this.entries.size;
  }

  close(): void {
    for (const key of [...this.entries.keys()]) this.drop(key);
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    entry.close();
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (now - entry.used >= this.limits.idleMs || now - entry.created >= this.limits.maxAgeMs) this.drop(key);
    }
    while (this.entries.size >= this.limits.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
  }

  private async build(token: string, key: string, closers: (() => void)[]): Promise<Caller> {
    const deviceId = `gw-${key.slice(0, 32)}`;
    const session = createSession({
      baseUrl: this.core.url(),
      auth: { token },
      device: { id: deviceId },
      clientVersion: 'flint-gateway/0.1',
      ...(this.core.fetch ? { fetch: this.core.fetch } : {}),
      ...(this.core.WebSocket ? { WebSocket: this.core.WebSocket } : {}),
      // Without a direct path, KMS messages travel through the core's relay as the caller's gateway device.
      ...(this.core.kmsTransport !== undefined ? { kms: { transport: this.core.kmsTransport } } : {}),
      // The caller's KMS device is their token (HKDF; the core keeps only its SHA-256): a bot's first
      // use enrolls it; a person's token is a new device, which the KMS takes only on the person's
      // first use or once one of their devices approved it (docs/threat-model.md). Derived when the
      // KMS channel opens (lazily, on the first call that needs a key).
      // An integration's tokens all carry their grant's key, whose device the consenting browser
      // approved (issue 18): one device per grant, across refreshes.
      kmsCredential: async (personId) => ({ device: await tokenDeviceSecret(integrationGrantKey(token) ?? token, personId) }),
    });
    closers.push(() => session.close());
    try {
      const [me, info] = await Promise.all([session.people.me(), session.api.transport.call(oauth.tokenInfo, {})]);
      // The KMS channel opens on the first call that needs a key, not here: opening it mints a
      // spark:kms token at the core, and a call the core then refuses (a 403) must leave no token
      // row behind (issue 14, finding 6).
      return { session, me, scopes: info.scopes, deviceId, directRooms: new Map() };
    } catch (error) {
      for (const c of closers) c();
      throw error;
    }
  }
}
