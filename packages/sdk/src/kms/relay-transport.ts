/**
 * KMS messages through the core's relay, as Webex clients send them (SPEC SEC-2; kms-protocol.md
 * §9): `POST /encryption/api/v1/kms/messages` answers 202 at once, and the KMS's replies arrive
 * later as `encryption.kms_message` events on the event stream of the device named by the
 * `X-Flint-Device-Id` header.
 *
 * The relay cannot read the replies (they are sealed for this device), and an event carries no
 * correlation id, so replies are matched to waiting requests by the KMS client's own matcher
 * (which opens each reply and compares its `requestId`). Replies may therefore come back in any
 * order and in any grouping, and requests made in the same tick share one POST.
 * @module
 */
import { encryption, type MethodResult, type StoredEvent } from '@flint/protocol';
import type { FlintClient } from '../client.ts';
import { FlintError } from '../errors.ts';
import type { EventStream, WebSocketConstructor } from '../event-stream.ts';
import { KmsClient } from './client.ts';
import type { KmsDeviceCredential } from './credentials.ts';
import type { KmsReplyMatcher, KmsTransport } from './transport.ts';

/** The discovery answer: the cluster, its static key (a JWK as a JSON string) and the CA roots. */
export type KmsDiscovery = MethodResult<typeof encryption.discoverKms>;

export interface KmsRelayOptions {
  /** A signed-in client: the relay POST goes out with its credentials. */
  client: FlintClient;
  /** This device's id; the core delivers the replies to this device only. */
  deviceId: string;
  /** The KMS cluster URI (the discovery answer's `kmsCluster`). */
  destination: string;
  /** How long a request waits for its reply before failing (default 10 s; Webex's first try is 6 s). */
  timeoutMs?: number;
  /** How long to gather requests into one POST (default 0: those made in the same tick). */
  batchWaitMs?: number;
}

export interface KmsRelayConnectOptions {
  deviceId: string;
  /** For runtimes without a global WebSocket (Node 20: the `ws` package). */
  WebSocket?: WebSocketConstructor;
  timeoutMs?: number;
  batchWaitMs?: number;
}

interface Pending {
  /** How many replies this call waits for (one per message it sent). */
  expected: number;
  replies: string[];
  isMine: KmsReplyMatcher | undefined;
  resolve: (replies: string[]) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const MAX_BATCH = encryption.KMS_RELAY_MAX_MESSAGES;
const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The relay path to the KMS for one device. Feed it the device's events (`handleEvent`), or let
 * `KmsRelay.connect` open a dedicated event stream; hand `transport` to a `KmsClient`.
 */
export class KmsRelay {
  /** The transport to give a `KmsClient`. */
  readonly transport: KmsTransport;
  readonly deviceId: string;
  /** Set by `connect`: the discovery answer and the person signed in. */
  info: KmsDiscovery | undefined;
  personId: string | undefined;
  private readonly pending: Pending[] = [];
  private queue: { message: string; owner: Pending }[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** Events are dispatched one after the other, so a reply is never offered to two callers at once. */
  private inbox: Promise<void> = Promise.resolve();
  private stream: EventStream | undefined;
  private closed = false;

  constructor(private readonly options: KmsRelayOptions) {
    // The core ignores a malformed device id and then fans the replies out to every device.
    if (!DEVICE_ID.test(options.deviceId)) throw new TypeError('deviceId must be 1–64 of A-Z a-z 0-9 _ -');
    this.deviceId = options.deviceId;
    this.transport = (kmsMessages, isMine) => this.send(kmsMessages, isMine);
  }

  /** `GET /encryption/api/v1/kms/{personId}`: where the KMS is and its static key. */
  static async discover(client: FlintClient, personId: string): Promise<KmsDiscovery> {
    return client.transport.call(encryption.discoverKms, { params: { personId } });
  }

  /**
   * Discovers the KMS, opens this device's event stream (so no reply can be missed), and answers
   * a relay ready to carry messages.
   */
  static async connect(client: FlintClient, options: KmsRelayConnectOptions): Promise<KmsRelay> {
    const personId = client.session?.personId ?? (await client.people.me()).id;
    const info = await KmsRelay.discover(client, personId);
    const relay = new KmsRelay({
      client,
      deviceId: options.deviceId,
      destination: info.kmsCluster,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.batchWaitMs !== undefined ? { batchWaitMs: options.batchWaitMs } : {}),
    });
    relay.info = info;
    relay.personId = personId;
    const stream = client.events({
      deviceId: options.deviceId,
      ...(options.WebSocket !== undefined ? { WebSocket: options.WebSocket } : {}),
      onEvent: (event) => relay.handleEvent(event),
    });
    relay.stream = stream;
    await stream.start();
    return relay;
  }

  /**
   * A KMS client speaking through this relay, as the signed-in person and this device. Its bearer
   * is the person's `spark:kms` token (the KMS refuses API tokens), asked for per request so a
   * refreshed one is used; `credential` is this device's KMS credential (see credentials.ts).
   */
  kmsClient(client: FlintClient, credential?: KmsDeviceCredential): KmsClient {
    if (this.info === undefined) throw new TypeError('KmsRelay.kmsClient needs a relay made by KmsRelay.connect');
    return new KmsClient({
      ...(credential !== undefined ? { credential } : {}),
      transport: this.transport,
      kmsCluster: this.info.kmsCluster,
      rsaPublicKey: this.info.rsaPublicKey,
      bearer: () => client.auth.kmsToken(),
      ...(this.personId !== undefined ? { userId: this.personId } : {}),
      clientId: this.deviceId,
    });
  }

  /** Give every event of this device's stream here; the relay keeps the `encryption.kms_message` ones. */
  handleEvent(event: StoredEvent): void {
    if (event.type !== 'encryption.kms_message') return;
    const replies = (event as StoredEvent<'encryption.kms_message'>).data.encryption.kmsMessages;
    this.inbox = this.inbox.then(() => this.dispatch(replies)).catch(() => undefined);
  }

  /** Stops the event stream (if `connect` opened it) and fails whatever still waits. */
  close(): void {
    this.closed = true;
    this.stream?.stop();
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.queue = [];
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(FlintError.network('The KMS relay was closed.'));
    }
  }

  private send(kmsMessages: string[], isMine: KmsReplyMatcher | undefined): Promise<string[]> {
    if (this.closed) return Promise.reject(FlintError.network('The KMS relay was closed.'));
    if (kmsMessages.length === 0) return Promise.resolve([]);
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    return new Promise<string[]>((resolve, reject) => {
      const owner: Pending = {
        expected: kmsMessages.length,
        replies: [],
        isMine,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.settle(owner);
          reject(FlintError.network(`No answer from the KMS through the relay within ${timeoutMs} ms.`));
        }, timeoutMs),
      };
      // Registered before the POST leaves: the reply event may overtake the 202.
      this.pending.push(owner);
      for (const message of kmsMessages) this.queue.push({ message, owner });
      this.flushTimer ??= setTimeout(() => this.flush(), this.options.batchWaitMs ?? 0);
    });
  }

  private flush(): void {
    this.flushTimer = undefined;
    const queued = this.queue.splice(0);
    for (let i = 0; i < queued.length; i += MAX_BATCH) {
      const batch = queued.slice(i, i + MAX_BATCH);
      const headers = { 'x-flint-device-id': this.deviceId };
      const body = { destination: this.options.destination, kmsMessages: batch.map((q) => q.message) };
      this.options.client.transport.send(encryption.relayKmsMessages, { body }, undefined, headers).then(
        () => undefined,
        (error: unknown) => {
          const failure = error instanceof Error ? error : FlintError.network(String(error));
          for (const owner of new Set(batch.map((q) => q.owner))) {
            if (this.settle(owner)) owner.reject(failure);
          }
        },
      );
    }
  }

  /** Removes a waiting call; false if it had already finished. */
  private settle(owner: Pending): boolean {
    const at = this.pending.indexOf(owner);
    if (at < 0) return false;
    this.pending.splice(at, 1);
    clearTimeout(owner.timer);
    return true;
  }

  private take(owner: Pending, reply: string): void {
    owner.replies.push(reply);
    if (owner.replies.length >= owner.expected && this.settle(owner)) owner.resolve(owner.replies);
  }

  private async dispatch(replies: readonly string[]): Promise<void> {
    for (const reply of replies) {
      let claimed = false;
      for (const owner of [...this.pending]) {
        if (owner.isMine === undefined) continue;
        let mine = false;
        try {
          mine = await owner.isMine(reply);
        } catch {
          mine = false;
        }
        if (mine && this.pending.includes(owner)) {
          this.take(owner, reply);
          claimed = true;
          break;
        }
      }
      if (claimed) continue;
      // A caller without a matcher takes, oldest first, replies nobody else recognised: correct
      // as long as it is the only one waiting, which is all such a caller can expect.
      const blind = this.pending.find((p) => p.isMine === undefined);
      if (blind !== undefined) this.take(blind, reply);
    }
  }
}
