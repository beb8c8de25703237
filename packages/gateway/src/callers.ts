/**
 * The gateway acts *as the caller* (DESIGN §1: it holds plaintext on behalf of API clients, and
 * nothing more): each bearer token gets its own SDK client against the core's native API, its own
 * KMS session (a `spark:kms` token exchanged from the caller's own token, so the KMS authorizes and
 * audits the caller, never the gateway), and a `SecureClient` that seals and opens content.
 *
 * Building that costs a few round trips (who am I, token exchange, KMS handshake), so callers are
 * cached: at most `callersCached`, least recently used first out, dropped after `callerIdleMs`
 * unused and rebuilt at least every `callerMaxAgeMs`. The cache never vouches for a token: every
 * call to the core presents it again, so a revoked token fails at once (and drops its entry).
 * Entries are keyed by the token's SHA-256, never by the token itself.
 * @module
 */
import { sha256Hex } from '@flint/crypto';
import type { Person } from '@flint/protocol';
import { FlintClient, KmsClient, KmsRelay, SearchClient, SecureClient, tokenDeviceSecret, type FetchLike, type KmsTransport, type WebSocketConstructor, type KmsDiscovery } from '@flint/sdk';
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
  /** The SDK client signed in with the caller's token. */
  client: FlintClient;
  /** Seals and opens content with the caller's own KMS access. */
  secure: SecureClient;
  /** Blinds what the caller sends into search tokens (SPEC SR-2), under the caller's own keys. */
  search: SearchClient;
  /** The caller as the core answered when the entry was built. */
  me: Person;
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
  private discovery: { info: KmsDiscovery; at: number } | undefined;

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

  private async kmsInfo(client: FlintClient, personId: string): Promise<KmsDiscovery> {
    if (this.discovery !== undefined && this.now() - this.discovery.at < 10 * 60_000) return this.discovery.info;
    const info = await KmsRelay.discover(client, personId);
    this.discovery = { info, at: this.now() };
    return info;
  }

  private async build(token: string, key: string, closers: (() => void)[]): Promise<Caller> {
    const client = new FlintClient({ baseUrl: this.core.url(), clientVersion: 'flint-gateway/0.1', ...(this.core.fetch ? { fetch: this.core.fetch } : {}) });
    client.useToken(token);
    const me = await client.people.me();
    const deviceId = `gw-${key.slice(0, 32)}`;
    // The caller's KMS device is their token (HKDF; the core keeps only its SHA-256): a bot's first
    // use enrolls it; a person's token is a new device, which the KMS takes only on the person's
    // first use or once one of their devices approved it (docs/threat-model.md).
    const credential = { device: await tokenDeviceSecret(token, me.id) };
    let kms: KmsClient;
    if (this.core.kmsTransport !== undefined) {
      const info = await this.kmsInfo(client, me.id);
      kms = new KmsClient({ transport: this.core.kmsTransport, kmsCluster: info.kmsCluster, rsaPublicKey: info.rsaPublicKey, bearer: () => client.auth.kmsToken(), userId: me.id, clientId: deviceId, credential });
    } else {
      const relay = await KmsRelay.connect(client, { deviceId, ...(this.core.WebSocket ? { WebSocket: this.core.WebSocket } : {}) });
      closers.push(() => relay.close());
      kms = relay.kmsClient(client, credential);
    }
    const secure = new SecureClient(client, kms, me.id);
    closers.push(() => secure.close());
    try {
      await kms.connect();
    } catch (error) {
      for (const c of closers) c();
      throw error;
    }
    return { client, secure, search: new SearchClient(secure), me, deviceId, directRooms: new Map() };
  }
}
