/**
 * The client side of the Cisco KMS protocol: the ECDHE handshake with the KMS's static key,
 * requests sealed under the ephemeral key, and the key, resource and authorization operations.
 * Isomorphic (WebCrypto through @flint/crypto). Keys fetched are cached by URI.
 * @module
 */
import {
  compactKind,
  decryptDir,
  deriveEphemeralKey,
  encryptDir,
  encryptRsaOaep,
  generateEcdhKeyPair,
  JoseError,
  keyFromOctJwk,
  protectedHeader,
  randomBytes,
  toBase64Url,
  toHex,
  utf8,
  verifyJws,
  type Jwk,
} from '@flint/crypto';
import type { ErrorCode, kms as kmsProtocol, KmsAuthorizationObject, KmsCredentialObject, KmsEphemeralKeyObject, KmsHoldObject, KmsKeyObject, KmsRequestOf, KmsResourceBinding as KmsResourceBindingObject, KmsResourceObject, KmsResponseOf } from '@flint/protocol';
import { kms as kmsValues } from '@flint/protocol';
import { FlintError } from '../errors.ts';
import type { KmsTransport } from './transport.ts';
import { newDeviceSecret, type KmsDeviceCredential } from './credentials.ts';

export interface KmsClientOptions {
  transport: KmsTransport;
  /** From discovery: the cluster URI and the static public key (a JWK, or the JSON string the discovery answer carries). */
  kmsCluster: string;
  rsaPublicKey: string | Jwk;
  /** The KMS-scoped bearer (asked for on every request, so a refreshed token is picked up). */
  bearer: () => string | Promise<string>;
  /** Advisory: the KMS identifies the user from the bearer. */
  userId?: string;
  /** This device's id (the Webex SDK uses its device URL). */
  clientId: string;
  /**
   * This device's KMS credential (see credentials.ts). Default: a fresh device secret for this
   * object's lifetime, which the KMS enrolls only if the person has no device yet.
   */
  credential?: KmsDeviceCredential;
  now?: () => number;
}

export interface KmsKey {
  uri: string;
  /** The 32-byte A256GCM key. */
  key: Uint8Array;
  userId: string;
  clientId: string;
  createDate: string;
  expirationDate: string;
  resourceUri?: string;
  bindDate?: string;
}

/** A resource (KRO) and an authorization, as the KMS protocol carries them (`@flint/protocol`). */
export type KmsResource = KmsResourceObject;
export type KmsAuthorization = KmsAuthorizationObject;
/** The room (and team) a KMS resource protects, as bound at the KMS. */
export type KmsResourceBinding = KmsResourceBindingObject;
/** A legal hold at the KMS (Flint's extension, SPEC CP-4). */
export type KmsHold = KmsHoldObject;
/** One of the person's KMS credentials (never its secret). */
export type KmsDevice = KmsCredentialObject;

interface Channel {
  uri: string;
  key: Uint8Array;
  /** Renegotiate this long before the KMS's expiry, as the Webex SDK does. */
  renewAt: number;
}

type Body = Record<string, unknown>;
type Operations = typeof kmsProtocol.KMS_OPERATIONS;
/** What an operation's request holds besides what `request()` adds (its requestId and client). */
type RequestOf<N extends keyof Operations> = Omit<KmsRequestOf<Operations[N]>, 'requestId' | 'client'>;
/** An operation's answer when it succeeded. */
type AnswerOf<N extends keyof Operations> = KmsResponseOf<Operations[N]>;

const CODE_BY_STATUS: Record<number, ErrorCode> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict' };
const RESET = 499;

function uuid(): string {
  const h = toHex(randomBytes(16));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20)}`;
}

export class KmsClient {
  private readonly staticKey: Jwk;
  private readonly staticKid: string;
  private channel: Promise<Channel> | undefined;
  private readonly keys = new Map<string, KmsKey>();
  private readonly now: () => number;
  private readonly credential: KmsDeviceCredential;

  constructor(private readonly options: KmsClientOptions) {
    this.credential = options.credential ?? { device: newDeviceSecret() };
    this.staticKey = typeof options.rsaPublicKey === 'string' ? (JSON.parse(options.rsaPublicKey) as Jwk) : options.rsaPublicKey;
    if (typeof this.staticKey.kid !== 'string') throw FlintError.invalid('The KMS static key has no kid.');
    this.staticKid = this.staticKey.kid;
    this.now = options.now ?? Date.now;
  }

  /** The `client` member: the bearer and the device credential; the password credential only in the handshake (where a new device enrolls). */
  private async client(handshake = false): Promise<kmsProtocol.KmsClientInfo> {
    const credential: kmsProtocol.KmsClientInfo['credential'] = { bearer: await this.options.bearer(), device: this.credential.device };
    if (handshake && this.credential.password !== undefined) credential.password = this.credential.password;
    if (handshake && this.credential.recovery !== undefined) credential.recovery = this.credential.recovery;
    if (handshake && this.credential.idp !== undefined) credential.idp = this.credential.idp;
    if (this.options.userId !== undefined) credential.userId = this.options.userId;
    return { clientId: this.options.clientId, credential };
  }

  private fail(body: Body): never {
    const status = typeof body['status'] === 'number' ? body['status'] : 0;
    const reason = typeof body['reason'] === 'string' ? body['reason'] : 'KMS request failed';
    throw FlintError.refused(status, `KMS: ${reason} (status ${status}, requestId ${String(body['requestId'])})`, { code: CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'bad_request') });
  }

  /** Sends one message and picks its answer by requestId, whatever order the transport keeps. */
  private async exchange(wire: string, requestId: string, open: (reply: string) => Promise<Body | undefined>): Promise<Body> {
    const isMine = async (reply: string): Promise<boolean> => {
      if ((await open(reply))?.['requestId'] === requestId) return true;
      // A reset cannot name our request; whoever waits takes it and re-handshakes.
      return (await this.openSigned(reply))?.['status'] === RESET;
    };
    const replies = await this.options.transport([wire], isMine);
    for (const reply of replies) {
      const body = await open(reply);
      if (body !== undefined && body['requestId'] === requestId) return body;
    }
    // A reset carries a server-made requestId (the KMS could not read ours).
    for (const reply of replies) {
      const body = await this.openSigned(reply);
      if (body?.['status'] === RESET) return body;
    }
    throw FlintError.network('No answer from the KMS for this request.');
  }

  private async openSigned(reply: string): Promise<Body | undefined> {
    if (compactKind(reply) !== 'jws') return undefined;
    try {
      const { payload, header } = await verifyJws(this.staticKey, reply);
      if (header['kid'] !== this.staticKid) return undefined;
      return JSON.parse(utf8.decode(payload)) as Body;
    } catch (error) {
      if (error instanceof JoseError || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  private async handshake(): Promise<Channel> {
    const mine = await generateEcdhKeyPair();
    const requestId = uuid();
    const request: KmsRequestOf<typeof kmsProtocol.KMS_HANDSHAKE> = { uri: `${this.options.kmsCluster}/ecdhe`, method: 'create', jwk: mine.publicJwk, requestId, client: await this.client(true) };
    const wire = await encryptRsaOaep(this.staticKey, JSON.stringify(request), this.staticKid);
    const body = await this.exchange(wire, requestId, (reply) => this.openSigned(reply));
    if (body['status'] !== 201) this.fail(body);
    // Checked field by field: a KMS answer is not trusted to match its schema.
    const key = body['key'] as Partial<Record<keyof KmsEphemeralKeyObject, unknown>> | undefined;
    if (typeof key?.uri !== 'string') throw FlintError.refused(502, 'The KMS handshake answer has no key.', { code: 'unavailable' });
    const expires = typeof key.expirationDate === 'string' ? Date.parse(key.expirationDate) : NaN;
    const renewAt = Number.isNaN(expires) ? this.now() + 60_000 : expires - 30_000;
    return { uri: key.uri, key: await deriveEphemeralKey(mine.privateKey, key.jwk), renewAt };
  }

  private current(): Promise<Channel> {
    const existing = this.channel;
    const fresh = () => {
      const p = this.handshake();
      this.channel = p;
      // A failed handshake is not kept: the next request tries again.
      p.catch(() => {
        if (this.channel === p) this.channel = undefined;
      });
      return p;
    };
    if (existing === undefined) return fresh();
    return existing.then((c) => (c.renewAt > this.now() ? c : this.channel === existing ? fresh() : this.current()));
  }

  /** Opens the channel now rather than on the first request. */
  async connect(): Promise<void> {
    await this.current();
  }

  /** One request under the ephemeral key; re-handshakes once if the KMS answers with a reset. */
  async request(body: Body): Promise<Body> {
    for (let attempt = 0; ; attempt++) {
      const channel = await this.current();
      const requestId = uuid();
      const wire = await encryptDir(channel.key, JSON.stringify({ ...body, requestId, client: await this.client() }), channel.uri);
      const answer = await this.exchange(wire, requestId, async (reply) => {
        if (compactKind(reply) !== 'jwe' || protectedHeader(reply)['kid'] !== channel.uri) return undefined;
        try {
          return JSON.parse(utf8.decode((await decryptDir(channel.key, reply)).plaintext)) as Body;
        } catch (error) {
          if (error instanceof JoseError || error instanceof SyntaxError) return undefined;
          throw error;
        }
      });
      if (answer['status'] === RESET && attempt === 0) {
        if (this.channel !== undefined && (await this.channel.catch(() => undefined)) === channel) this.channel = undefined;
        continue;
      }
      if (typeof answer['status'] !== 'number' || answer['status'] >= 400) this.fail(answer);
      return answer;
    }
  }

  private toKey(raw: unknown): KmsKey {
    const k = raw as KmsKeyObject;
    const key: KmsKey = { uri: k.uri, key: keyFromOctJwk(k.jwk), userId: k.userId, clientId: k.clientId, createDate: k.createDate, expirationDate: k.expirationDate };
    if (k.resourceUri !== undefined) key.resourceUri = k.resourceUri;
    if (k.bindDate !== undefined) key.bindDate = k.bindDate;
    this.keys.set(key.uri, key);
    return key;
  }

  async ping(): Promise<void> {
    await this.request({ method: 'update', uri: '/ping' } satisfies RequestOf<'ping'>);
  }

  /** New unbound keys, owned by this user and device until bound to a resource. */
  async createKeys(count = 1): Promise<KmsKey[]> {
    const answer = (await this.request({ method: 'create', uri: '/keys', count } satisfies RequestOf<'createKeys'>)) as AnswerOf<'createKeys'>;
    return answer.keys.map((k) => this.toKey(k));
  }

  /** A key by URI (from the cache when already fetched). */
  async retrieveKey(uri: string, options: { fresh?: boolean } = {}): Promise<KmsKey> {
    const cached = this.keys.get(uri);
    if (cached !== undefined && cached.resourceUri !== undefined && options.fresh !== true) return cached;
    return this.toKey(((await this.request({ method: 'retrieve', uri } satisfies RequestOf<'retrieveKey'>)) as AnswerOf<'retrieveKey'>).key);
  }

  async bindKey(keyUri: string, resourceUri: string): Promise<KmsKey> {
    return this.toKey(((await this.request({ method: 'update', uri: keyUri, resourceUri } satisfies RequestOf<'bindKey'>)) as AnswerOf<'bindKey'>).key);
  }

  async createResource(input: { userIds?: string[]; authIds?: string[]; keyUris?: string[] }): Promise<KmsResource> {
    const answer = (await this.request({ method: 'create', uri: '/resources', userIds: input.userIds ?? [], ...(input.authIds ? { authIds: input.authIds } : {}), keyUris: input.keyUris ?? [] } satisfies RequestOf<'createResource'>)) as AnswerOf<'createResource'>;
    return answer.resource;
  }

  async retrieveResource(uri: string): Promise<KmsResource> {
    return ((await this.request({ method: 'retrieve', uri } satisfies RequestOf<'retrieveResource'>)) as AnswerOf<'retrieveResource'>).resource;
  }

  /** The resource's bound keys; with `count`, the most recently bound. */
  async resourceKeys(resourceUri: string, options: { count?: number } = {}): Promise<KmsKey[]> {
    const query = options.count !== undefined ? `?count=${options.count}` : '';
    return ((await this.request({ method: 'retrieve', uri: `${resourceUri}/keys${query}` } satisfies RequestOf<'retrieveResourceKeys'>)) as AnswerOf<'retrieveResourceKeys'>).keys.map((k) => this.toKey(k));
  }

  async addAuthorizations(resourceUri: string, userIds: string[]): Promise<KmsAuthorization[]> {
    return ((await this.request({ method: 'create', uri: '/authorizations', resourceUri, userIds } satisfies RequestOf<'createAuthorizations'>)) as AnswerOf<'createAuthorizations'>).authorizations;
  }

  async listAuthorizations(resourceUri: string): Promise<KmsAuthorization[]> {
    return ((await this.request({ method: 'retrieve', uri: `${resourceUri}/authorizations` } satisfies RequestOf<'listAuthorizations'>)) as AnswerOf<'listAuthorizations'>).authorizations;
  }

  async removeAuthorization(resourceUri: string, authId: string): Promise<KmsAuthorization> {
    const answer = (await this.request({ method: 'delete', uri: `${resourceUri}/authorizations?authId=${encodeURIComponent(authId)}` } satisfies RequestOf<'removeResourceAuthorization'>)) as AnswerOf<'removeResourceAuthorization'>;
    return answer.authorizations[0]!;
  }

  /** Names the room (and team) a resource protects, once (any authorized principal; the same binding again is a success). */
  async bindResource(resourceUri: string, boundTo: KmsResourceBinding): Promise<KmsResourceBinding> {
    const answer = (await this.request({ method: 'update', uri: resourceUri, boundTo } satisfies RequestOf<'bindResource'>)) as AnswerOf<'bindResource'>;
    return answer.resource.boundTo;
  }

  /** Approves another device of this person, by the SHA-256 hex of its secret (`deviceCredentialHash`). */
  async approveDevice(credentialHash: string, label?: string): Promise<KmsDevice> {
    return ((await this.request({ method: 'create', uri: '/devices', credentialHash, ...(label !== undefined ? { label } : {}) } satisfies RequestOf<'approveDevice'>)) as AnswerOf<'approveDevice'>).device;
  }

  /** This person's KMS credentials. */
  async listDevices(): Promise<KmsDevice[]> {
    return ((await this.request({ method: 'retrieve', uri: '/devices' } satisfies RequestOf<'listDevices'>)) as AnswerOf<'listDevices'>).devices;
  }

  /** Removes one of this person's credentials (a lost device). */
  async removeDevice(id: string): Promise<KmsDevice> {
    return ((await this.request({ method: 'delete', uri: `/devices/${encodeURIComponent(id)}` } satisfies RequestOf<'removeDevice'>)) as AnswerOf<'removeDevice'>).device;
  }

  /** Sets the person's recovery key (`newRecoveryKey()`, shown to the person once), replacing any earlier one. */
  async setRecoveryKey(recovery: string): Promise<void> {
    await this.request({ method: 'update', uri: '/recovery', recovery } satisfies RequestOf<'setRecovery'>);
  }

  /** Sets the person's password credential (after a password change: `passwordCredential(newPassword, userId)`). */
  async setPasswordCredential(password: string): Promise<void> {
    await this.request({ method: 'update', uri: '/password', password } satisfies RequestOf<'setPassword'>);
  }

  /**
   * Voicemail to e-mail (Flint's extension, SPEC CL-3; docs/voicemail.md): hands audio this device
   * decrypted to the realm's mail relay, in parts inside this channel's encryption, then asks for it
   * to be sent — to this person's own address, which the KMS knows (the request cannot name one).
   */
  async mailVoicemail(audio: Uint8Array, details: { sha256: string; type: string; callerName: string; durationMs: number; created: string }): Promise<void> {
    const id = toBase64Url(randomBytes(18));
    const text = toBase64Url(audio);
    const size = kmsValues.KMS_MAIL_LIMITS.partChars;
    const parts = Math.max(1, Math.ceil(text.length / size));
    for (let index = 0; index < parts; index++) {
      await this.request({ method: 'update', uri: `/mail/${id}`, index, data: text.slice(index * size, (index + 1) * size) } satisfies RequestOf<'appendMail'>);
    }
    await this.request({ method: 'create', uri: `/mail/${id}/send`, kind: 'voicemail', parts, ...details } satisfies RequestOf<'sendMail'>);
  }

  /**
   * Places a legal hold at the KMS (Flint's extension, SPEC CP-4): while it exists, the KMS's own
   * retention rule deletes no key of the room, or of the person's spaces. Answers the hold's URI.
   */
  async placeHold(target: { roomId: string } | { userId: string }): Promise<KmsHold> {
    return ((await this.request({ method: 'create', uri: '/holds', ...target } satisfies RequestOf<'createHold'>)) as AnswerOf<'createHold'>).hold;
  }

  /** Releases a hold one placed (or, as the org's compliance officer, any of the org's). */
  async releaseHold(uri: string): Promise<KmsHold> {
    return ((await this.request({ method: 'delete', uri } satisfies RequestOf<'deleteHold'>)) as AnswerOf<'deleteHold'>).hold;
  }

  /** The KMS's own retention rule for one's organization (days; null: keys are kept). */
  async retentionRule(): Promise<number | null> {
    return ((await this.request({ method: 'retrieve', uri: '/retention' } satisfies RequestOf<'retrieveRetention'>)) as AnswerOf<'retrieveRetention'>).retention.messageDays;
  }

  /** Forgets cached keys (e.g. after sign-out). */
  clearCache(): void {
    this.keys.clear();
  }
}
