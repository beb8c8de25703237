/**
 * The one way a client uses Flint (SPEC PL-1, SEC-1, SEC-2): a session owns the transport and
 * sign-in state, the KMS client and its key caches, and the event stream with resume, and
 * exposes the domain — spaces, members, teams, messages, files, search, people, events — in
 * plaintext, sealing and opening as it goes. The web app, the gateway (one session per caller),
 * the CLI, bots and the tests all use it; none of them assembles the layers underneath.
 * @example
 * const session = createSession({ baseUrl: 'https://flint.example.com' });
 * await session.signIn({ email: 'ada@example.com', password: '…' });
 * const space = await session.spaces.create({ title: 'Launch plans' });
 * session.events.on((event) => console.log(event.type));
 * await session.events.start();
 * await session.messages.send({ roomId: space.id, text: 'hello' });
 * @module
 */
import { randomBytes, toHex } from '@flint/crypto';
import type { AuthResult, MeetingKnock, MethodBody, auth as authMethods } from '@flint/protocol';
import { FlintClient } from './client.ts';
import { FlintError } from './errors.ts';
import type { WebSocketConstructor } from './event-stream.ts';
import { runConnectionTest, type ConnectionTestOptions, type ConnectionTestResult } from './connection-test.ts';
import { SpaceKeys } from './secure/space-keys.ts';
import { SearchKeys } from './search/search-keys.ts';
import { Compliance } from './session/compliance.ts';
import type { FetchLike } from './transport.ts';
import type { KmsClient } from './kms/client.ts';
import { protects, tolerateMissing, type SessionContext } from './session/context.ts';
import { SessionKms, type KmsCredentialSource, type KmsPath } from './session/kms.ts';
import type { KmsDevice } from './kms/client.ts';
import { deviceCredentialHash, newRecoveryKey, passwordCredential, tokenDeviceSecret } from './kms/credentials.ts';
import type { Jwk } from '@flint/crypto';
import { Events, type SessionStorage } from './session/events.ts';
import { Spaces } from './session/spaces.ts';
import { Members } from './session/members.ts';
import { Invitations } from './session/invitations.ts';
import { Care } from './session/care.ts';
import { Meetings } from './session/meetings.ts';
import { Calls } from './session/calls.ts';
import { VoicemailBox } from './session/voicemail.ts';
import { Scheduling } from './session/scheduling.ts';
import { Teams } from './session/teams.ts';
import { Messages } from './session/messages.ts';
import { Files } from './session/files.ts';
import { Reactions } from './session/reactions.ts';
import { Whiteboards } from './session/whiteboards.ts';
import { Search } from './session/search.ts';
import { People } from './session/people.ts';

/** How the session is signed in to start with: a kept or bot token, or the browser's cookie. */
export type SessionAuth = { token: string; refreshToken?: string } | { cookie: true };

export interface SessionOptions {
  baseUrl: string;
  /** Start signed in (a bot's token, tokens kept from an earlier sign-in, or the web cookie). */
  auth?: SessionAuth;
  /**
   * This device: its id names it to the core (KMS replies come back to this device only) and to
   * the KMS (its client id). 1–64 of A-Z a-z 0-9 _ -. By default one kept in `storage`, else a new one.
   */
  device?: { id?: string };
  /** Keeps the device id and the last event id across restarts (`localStorage`, or any of its shape). */
  storage?: SessionStorage;
  /** For runtimes without a global WebSocket (Node 20: the `ws` package). */
  WebSocket?: WebSocketConstructor;
  /** Talks to the core (tests, proxies; the gateway's loopback). */
  fetch?: FetchLike;
  /** Sent as X-Flint-Client and recorded on the sign-in's session (SPEC ID-8). */
  clientVersion?: string;
  /** How to reach the KMS; by default through the core's relay, as this device. */
  kms?: KmsPath;
  /** How long a relayed KMS request waits for its reply (default 10 s). */
  kmsTimeoutMs?: number;
  /**
   * This device's KMS credential (docs/threat-model.md): `newDeviceSecret()` kept by the device,
   * with `passwordCredential` at the first sign-in on it; or a function of the person's id that
   * answers it once the person is known. Default: a fresh device for this session only, which the
   * KMS enrolls only if the person has no device yet.
   */
  kmsCredential?: KmsCredentialSource;
  /**
   * The KMS's static public key (a JWK or its JSON), known from elsewhere than the core: discovery
   * must answer the same key, else nothing is sent to the KMS (kms/pinning.ts).
   */
  kmsPublicKey?: string | Jwk;
  /** How long search reuses the list of one's spaces (default 30 s). */
  searchRoomsTtlMs?: number;
  /** The event stream's silence before a ping (default 20 s). */
  heartbeatMs?: number;
  /** The longest wait between reconnection attempts of the event stream (default: the stream's). */
  maxBackoffMs?: number;
}

const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const DEVICE_KEY = 'flint.deviceId';

function deviceIdOf(options: SessionOptions): string {
  const given = options.device?.id;
  if (given !== undefined) {
    if (!DEVICE_ID.test(given)) throw FlintError.invalid('device.id must be 1–64 of A-Z a-z 0-9 _ -');
    return given;
  }
  const kept = options.storage?.getItem(DEVICE_KEY);
  if (kept !== null && kept !== undefined && DEVICE_ID.test(kept)) return kept;
  const fresh = `dev-${toHex(randomBytes(12))}`;
  try {
    options.storage?.setItem(DEVICE_KEY, fresh);
  } catch {
    // Not kept: a new device id next time.
  }
  return fresh;
}

export class Session {
  /**
   * The typed Flint API underneath (every method object, in its wire shapes, no sealing): for what
   * has no content to seal — sessions, invitations, webhooks, organizations, flags, read state.
   */
  readonly api: FlintClient;
  readonly deviceId: string;
  readonly spaces: Spaces;
  readonly members: Members;
  /** Invitations into spaces by address: sending, accepting, declining, admitting (issue 14). */
  readonly invitations: Invitations;
  /** The care assistant (SPEC SP-7): help-desk queues, asking in an encrypted space, taking, handing off, resolving. */
  readonly care: Care;
  /**
   * Telephony configuration (SPEC CL-4, CL-5, CL-6): numbering, hunt groups, attendants, SIP phones.
   * Nothing here is content (PSTN and SIP legs are not end-to-end encrypted), so it is the client's
   * API group as is.
   */
  readonly telephony: FlintClient['telephony'];
  /** Meetings in a space (SPEC MT-1): join, the media negotiation through the core, the meeting's media key. */
  readonly meetings: Meetings;
  /** Calls between two people (SPEC CL-1, CL-2): dial, answer, hold, transfer, the negotiation through the core, the call's media key. */
  readonly calls: Calls;
  /** Voicemail (SPEC CL-3): leaving one (recorded and encrypted on this device), one's mailbox, playback decrypted here, the PIN. */
  readonly voicemail: VoicemailBox;
  /** Scheduled meetings and personal rooms (SPEC MT-3, MT-4): their encrypted spaces, iCalendar invitations by the core. */
  readonly scheduling: Scheduling;
  readonly teams: Teams;
  readonly messages: Messages;
  readonly files: Files;
  readonly reactions: Reactions;
  /** Whiteboards of a space, drawn together as sealed Yjs updates (issue 21). */
  readonly whiteboards: Whiteboards;
  readonly search: Search;
  readonly people: People;
  readonly events: Events;
  /** A compliance officer's reads of the org (SPEC CP-1, CP-2). */
  readonly compliance: Compliance;
  private readonly kms: SessionKms;
  private readonly ctx: SessionContext;
  private readonly spaceKeys: SpaceKeys;
  private readonly searchKeys: SearchKeys;
  private me: Promise<string> | undefined;
  private readonly cookie: boolean;
  private readonly WebSocketCtor: WebSocketConstructor | undefined;

  constructor(options: SessionOptions) {
    const cookie = options.auth !== undefined && 'cookie' in options.auth;
    this.cookie = cookie;
    this.WebSocketCtor = options.WebSocket;
    this.api = new FlintClient({
      baseUrl: options.baseUrl,
      ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
      ...(options.clientVersion !== undefined ? { clientVersion: options.clientVersion } : {}),
      ...(cookie ? { useCookie: true } : {}),
    });
    if (options.auth !== undefined && 'token' in options.auth) this.api.useToken(options.auth.token, options.auth.refreshToken);
    this.deviceId = deviceIdOf(options);
    this.spaceKeys = new SpaceKeys(() => this.kms.get());
    this.searchKeys = new SearchKeys(() => this.kms.get());
    const ctx: SessionContext = {
      api: this.api,
      deviceId: this.deviceId,
      personId: () => this.personId(),
      kms: () => this.kms.get(),
      keys: this.spaceKeys,
      searchKeys: this.searchKeys,
    };
    this.ctx = ctx;
    this.events = new Events(ctx, {
      cookie,
      ...(options.WebSocket !== undefined ? { WebSocket: options.WebSocket } : {}),
      ...(options.storage !== undefined ? { storage: options.storage } : {}),
      ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
      ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
    });
    // The one place the KMS client is set up (its path, bearer and device).
    this.kms = new SessionKms({
      api: this.api,
      deviceId: this.deviceId,
      path: options.kms ?? { relay: true },
      ...(options.kmsTimeoutMs !== undefined ? { timeoutMs: options.kmsTimeoutMs } : {}),
      ...(options.kmsCredential !== undefined ? { credential: options.kmsCredential } : {}),
      ...(options.kmsPublicKey !== undefined ? { pinnedKey: options.kmsPublicKey } : {}),
      personId: () => this.personId(),
      attachRelay: (relay) => this.events.attachRelay(relay),
    });
    this.spaces = new Spaces(ctx);
    this.members = new Members(ctx);
    this.invitations = new Invitations(ctx);
    this.teams = new Teams(ctx);
    this.messages = new Messages(ctx);
    this.care = new Care(ctx, this.spaces, this.messages, this.members);
    this.telephony = ctx.api.telephony;
    this.meetings = new Meetings(ctx);
    this.calls = new Calls(ctx, this.spaces, this.members);
    this.voicemail = new VoicemailBox(ctx, this.spaces);
    this.scheduling = new Scheduling(ctx, this.spaces, this.members);
    this.files = new Files(ctx);
    this.reactions = new Reactions(ctx);
    this.whiteboards = new Whiteboards(ctx, this.events);
    this.people = new People(ctx);
    this.compliance = new Compliance(ctx);
    this.search = new Search(ctx, this.people, options.searchRoomsTtlMs !== undefined ? { roomsTtlMs: options.searchRoomsTtlMs } : {});
  }

  /**
   * The content key at `uri` as a decrypt-only, non-extractable WebCrypto key (SPEC MS-5): for a
   * service worker that opens a pushed message while no tab is open. The web app keeps these in
   * IndexedDB; scripts can use them to decrypt but never read their bytes (docs/threat-model.md).
   */
  async contentDecryptionKey(uri: string): Promise<CryptoKey> {
    const key = await this.spaceKeys.key(uri);
    return globalThis.crypto.subtle.importKey('raw', key.key as Uint8Array<ArrayBuffer>, { name: 'AES-GCM', length: 256 }, false, ['decrypt']);
  }

  /** Measures the connection to the server (SPEC AD-3): HTTPS and WebSocket round trips, download and upload speed. */
  connectionTest(options: Omit<ConnectionTestOptions, 'WebSocket' | 'cookie'> = {}): Promise<ConnectionTestResult> {
    return runConnectionTest(this.api, { ...options, cookie: this.cookie, ...(this.WebSocketCtor !== undefined ? { WebSocket: this.WebSocketCtor } : {}) });
  }

  /** The current sign-in (tokens and who), when this session signed in or up itself. */
  get auth(): AuthResult | undefined {
    return this.api.session;
  }

  /** The signed-in person's id (asked of the core once per sign-in). */
  personId(): Promise<string> {
    if (this.me === undefined) {
      const known = this.api.session?.personId;
      const pending = known !== undefined ? Promise.resolve(known) : this.api.people.me().then((p) => p.id);
      this.me = pending;
      pending.catch(() => {
        if (this.me === pending) this.me = undefined;
      });
    }
    return this.me;
  }

  async signIn(credentials: MethodBody<typeof authMethods.login>): Promise<AuthResult> {
    this.forget();
    return this.api.auth.login(credentials);
  }

  async signUp(input: MethodBody<typeof authMethods.signup>): Promise<AuthResult> {
    this.forget();
    return this.api.auth.signup(input);
  }

  /** Sign-up that may end in "check your e-mail" (the server's default): see `api.auth.register`. */
  async register(input: MethodBody<typeof authMethods.signup>): Promise<{ signedIn: AuthResult } | { mailed: string }> {
    this.forget();
    return this.api.auth.register(input);
  }

  /** Finishes a mailed sign-up (the link's token, the password chosen at sign-up) and signs in. */
  async confirmSignUp(input: MethodBody<typeof authMethods.confirmSignup>): Promise<AuthResult> {
    this.forget();
    return this.api.auth.confirmSignup(input);
  }

  /** Signs out at the core (the sign-in's tokens die) and closes the session. */
  async signOut(): Promise<void> {
    try {
      await this.api.auth.logout();
    } finally {
      this.close();
    }
  }

  /**
   * Signs this device into the KMS now (discovery, the event stream for the relay, the ECDHE
   * handshake) rather than on first use, so a failure shows at once.
   */
  async connect(): Promise<void> {
    await this.kms.get();
  }

  /**
   * This session's KMS protocol client, connected: for tools and tests that must speak the KMS
   * protocol directly as this person and device (audits, invariant checks). Everything a client
   * does with keys, the domain parts already do.
   */
  kmsClient(): Promise<KmsClient> {
    return this.kms.get();
  }

  /**
   * Lets one of this person's API tokens reach the KMS through the `/v1` gateway, which uses the
   * token's derived device (`tokenDeviceSecret`): this enrolled device approves it. Without this, a
   * person's token other than their very first KMS use is refused by the KMS (docs/threat-model.md).
   */
  async approveToken(token: string, label = 'api token'): Promise<KmsDevice> {
    const kms = await this.kms.get();
    return kms.approveDevice(await deviceCredentialHash(await tokenDeviceSecret(token, await this.personId())), label);
  }

  /**
   * Removes this person's KMS devices carrying `label` (an integration's grant devices, labelled
   * `integration:<id>` when approved at consent): after the integration is revoked its grant keys
   * open nothing, even with a token forged elsewhere. Answers how many were removed.
   */
  async removeDevicesLabelled(label: string): Promise<number> {
    const kms = await this.kms.get();
    const devices = (await kms.listDevices()).filter((d) => d.kind === 'device' && d.label === label);
    for (const d of devices) await kms.removeDevice(d.id);
    return devices.length;
  }

  /**
   * Makes the person's recovery key and gives it to the KMS from this (enrolled) device, replacing
   * any earlier one; answers it, to be shown to the person once (the KMS keeps only its SHA-256).
   * With it, a new device enrolls without another device (`kmsCredential.recovery`).
   */
  async createRecoveryKey(): Promise<string> {
    const kms = await this.kms.get();
    const key = newRecoveryKey();
    await kms.setRecoveryKey(key);
    return key;
  }

  /** This person's credentials at the KMS (devices, password, recovery key), never their secrets. */
  async kmsDevices(): Promise<KmsDevice[]> {
    return (await this.kms.get()).listDevices();
  }

  /** Enrolls another device of this person, by the SHA-256 hex of its secret (an approval screen's request, checked first). */
  async approveDevice(credentialHash: string, label?: string): Promise<KmsDevice> {
    return (await this.kms.get()).approveDevice(credentialHash, label);
  }

  /**
   * After a password change: moves the KMS's password credential to the new password, set by this
   * (enrolled) device, so the new password enrolls new devices and the old one no longer does.
   */
  async updateKmsPassword(newPassword: string): Promise<void> {
    const kms = await this.kms.get();
    await kms.setPasswordCredential(await passwordCredential(newPassword, await this.personId()));
  }

  /**
   * Deletes one's own account (SPEC ID-10), confirmed with one's own address. The core checks first
   * (a wrong address, the org's last administrator: nothing changes); then, while still signed in,
   * this device removes the person's own KMS authorizations on their spaces' resources and their
   * KMS credentials (devices, password), each where the KMS allows; then the core deletes the
   * account and this session closes. Answers what happened to the messages (the org's policy).
   */
  async deleteAccount(email: string): Promise<{ messages: 'keep' | 'delete' }> {
    await this.api.people.deleteAccount({ email, dryRun: true });
    const me = await this.personId();
    try {
      const kms = await this.kms.get();
      for (let page: Awaited<ReturnType<FlintClient['rooms']['list']>> | undefined = await this.api.rooms.list({ max: 1000 }); page !== undefined; page = page.next === undefined ? undefined : await this.api.nextPage(page)) {
        for (const room of page.items) {
          if (room.kroUri === undefined) continue;
          // Only a resource that protects this very room: a room pointed at another's KRO takes nothing away.
          await (async () => {
            if (await protects(this.ctx, room, room.kroUri!)) await tolerateMissing(this.spaceKeys.deauthorize(room.kroUri!, me));
          })().catch(() => undefined);
        }
      }
      // Every credential of the person at the KMS (devices and the password), each where the KMS allows.
      const credentials = await kms.listDevices().catch(() => []);
      for (const credential of credentials) await kms.removeDevice(credential.id).catch(() => undefined);
    } catch {
      // The KMS cannot be reached: the account goes all the same; the KMS keeps what it holds.
    }
    const result = await this.api.people.deleteAccount({ email });
    this.close();
    return result;
  }

  /** Stops the event stream and the KMS relay and forgets every key held. */
  close(): void {
    this.events.stop();
    this.forget();
  }

  private forget(): void {
    this.kms.close();
    this.spaceKeys.clear();
    this.searchKeys.clear();
    this.search.refresh();
    this.me = undefined;
  }
}

/** A session against a Flint server; nothing is sent until it is used. */
export function createSession(options: SessionOptions): Session {
  return new Session(options);
}

/**
 * Opens a meeting link as a guest (docs/meetings.md "Guests"): an ephemeral guest account and its
 * one session, knocking at the meeting's lobby. The session reaches only the guest's meeting routes,
 * its event stream and the KMS (as a device of its own, enrolled as the guest's first); wait with
 * `session.meetings.waitForAdmission()`. `token` is the link's secret (after `#` in its URL).
 */
export async function joinMeetingAsGuest(options: Omit<SessionOptions, 'auth'>, token: string, displayName: string): Promise<{ session: Session; knock: MeetingKnock }> {
  const session = new Session(options);
  const { knock } = await session.api.meetingGuests.join(token, displayName);
  return { session, knock };
}
