/**
 * The session's one way to the KMS: the only place a `KmsClient` (and a `KmsRelay`) is made.
 *
 * Three paths, one client: through the core's relay as this device (the default, as Webex clients
 * do: POST 202, replies on this device's event stream), over a transport the host gives (the
 * gateway under `flint serve` talks to the in-process KMS), or straight to a KMS listener over
 * HTTP (`/kms/messages`). Whatever the path, the bearer is the person's `spark:kms` token from the
 * RFC 8693 exchange (the KMS refuses API tokens), asked for per request so a refreshed one is used,
 * and the client id is this device's id. Beside the bearer, every request carries this device's KMS
 * credential (kms/credentials.ts), which the core cannot mint; with a pinned static key, discovery
 * must answer that key before anything is sent (kms/pinning.ts).
 *
 * The client connects (discovery, ECDHE handshake) on first use; a failed connection is not kept,
 * so the next use tries again.
 * @module
 */
import { encryption } from '@flint/protocol';
import type { Jwk } from '@flint/crypto';
import type { FlintClient } from '../client.ts';
import { KmsClient } from '../kms/client.ts';
import { KmsRelay, type KmsDiscovery } from '../kms/relay-transport.ts';
import type { KmsDeviceCredential } from '../kms/credentials.ts';
import { requirePinnedKmsKey } from '../kms/pinning.ts';
import { fetchKmsInfo, httpKmsTransport, type KmsTransport } from '../kms/transport.ts';
import type { FetchLike } from '../transport.ts';

/**
 * How a session reaches the KMS. Default `relay`: through the core. `transport`: KMS messages
 * handed to the host (it must answer the replies). `url`: a KMS listener's own HTTP endpoint.
 */
export type KmsPath = { relay: true } | { transport: KmsTransport } | { url: string; fetch?: FetchLike };

/**
 * This device's KMS credential: given, or made once the person is known (a web browser's kept
 * secret for that person; a bot's, derived from its token). Default: a fresh device secret for this
 * session only, which the KMS enrolls only if the person has no device yet.
 */
export type KmsCredentialSource = KmsDeviceCredential | ((personId: string) => Promise<KmsDeviceCredential>);

export interface SessionKmsOptions {
  api: FlintClient;
  deviceId: string;
  path: KmsPath;
  /** How long a relayed request waits for its reply (default 10 s). */
  timeoutMs?: number;
  personId: () => Promise<string>;
  credential?: KmsCredentialSource;
  /** The KMS's static key known from elsewhere than the core: discovery must answer it. */
  pinnedKey?: string | Jwk;
  /**
   * Hands the relay the device's events: the session's event stream feeds `relay.handleEvent`
   * and is opened (if it is not yet) before the first request, so no reply can be missed.
   */
  attachRelay: (relay: KmsRelay) => Promise<void>;
}

export class SessionKms {
  private connecting: Promise<KmsClient> | undefined;
  private relay: KmsRelay | undefined;
  private client: KmsClient | undefined;

  constructor(private readonly options: SessionKmsOptions) {}

  /** The connected KMS client (connecting now if this is the first use). */
  get(): Promise<KmsClient> {
    if (this.connecting === undefined) {
      const attempt = this.connect();
      this.connecting = attempt;
      attempt.catch(() => {
        if (this.connecting === attempt) this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  /** Where the KMS is and its static key: from the KMS itself on the `url` path, else the core's discovery. */
  private async discover(personId: string): Promise<Pick<KmsDiscovery, 'kmsCluster' | 'rsaPublicKey'>> {
    const path = this.options.path;
    if ('url' in path) return fetchKmsInfo(path.url, path.fetch);
    return this.options.api.transport.call(encryption.discoverKms, { params: { personId } });
  }

  private async connect(): Promise<KmsClient> {
    const { api, deviceId, path } = this.options;
    const personId = await this.options.personId();
    const info = await this.discover(personId);
    if (this.options.pinnedKey !== undefined) requirePinnedKmsKey(info.rsaPublicKey, this.options.pinnedKey);
    const source = this.options.credential;
    const credential = typeof source === 'function' ? await source(personId) : source;
    let transport: KmsTransport;
    if ('transport' in path) transport = path.transport;
    else if ('url' in path) transport = httpKmsTransport(path.url, path.fetch);
    else {
      this.relay?.close();
      const relay = new KmsRelay({ client: api, deviceId, destination: info.kmsCluster, ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}) });
      this.relay = relay;
      await this.options.attachRelay(relay);
      transport = relay.transport;
    }
    const client = new KmsClient({
      transport,
      kmsCluster: info.kmsCluster,
      rsaPublicKey: info.rsaPublicKey,
      bearer: () => api.auth.kmsToken(),
      userId: personId,
      clientId: deviceId,
      ...(credential !== undefined ? { credential } : {}),
    });
    await client.connect();
    this.client = client;
    return client;
  }

  /** Stops relaying, fails what still waits, and forgets every key the KMS client cached. */
  close(): void {
    this.relay?.close();
    this.relay = undefined;
    this.client?.clearCache();
    this.client = undefined;
    this.connecting = undefined;
  }
}
