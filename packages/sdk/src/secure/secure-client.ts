/**
 * End-to-end encryption as Webex clients do it (SPEC SEC-1, SEC-2, SEC-3): the application works
 * in plaintext, the core only ever sees ciphertext. Each space has a KMS resource (KRO) whose
 * authorization list follows its membership and a current key its content is sealed with
 * (JWE `dir`/`A256GCM`, the key's URI in `encryptionKeyUrl`).
 *
 * The order of operations carries the security (DESIGN §2):
 * - adding a member authorizes them at the KMS first — the core cannot (invariant 2);
 * - removing a member takes their authorization away, then the membership, then rotates the
 *   space key, so nothing sent afterwards is under a key they could obtain (invariant 3).
 * @example
 * const secure = await SecureClient.connect(client, { deviceId: 'laptop-1' });
 * const space = await secure.createSpace({ title: 'Launch plans' });
 * await secure.send({ roomId: space.id, text: 'hello' });
 * const { items } = await secure.listMessages({ roomId: space.id });
 * @module
 */
import type { Membership, Message, MethodBody, MethodQuery, Room, Team, TeamMembership, messages as messageMethods, spaces } from '@flint/protocol';
import type { FlintClient, Page } from '../client.ts';
import { FlintError } from '../errors.ts';
import type { WebSocketConstructor } from '../event-stream.ts';
import type { KmsClient, KmsDevice, KmsKey, KmsResourceBinding } from '../kms/client.ts';
import { deviceCredentialHash, tokenDeviceSecret, type KmsDeviceCredential } from '../kms/credentials.ts';
import { requirePinnedKmsKey } from '../kms/pinning.ts';
import type { Jwk } from '@flint/crypto';
import { openWithKey, sealText } from '../kms/content.ts';
import { KmsRelay } from '../kms/relay-transport.ts';
import { SpaceKeys } from './space-keys.ts';
import { openCards, sealCards, type Card } from './cards.ts';

/** A space with its title in plaintext; `decryptError` says why the title could not be opened. */
export type SecureRoom = Room & { decryptError?: FlintError };

/** A team with its name opened (undefined, with `decryptError`, when it does not open). */
export type SecureTeam = Omit<Team, 'name'> & { name: string | undefined; decryptError?: FlintError };

/**
 * A message with `text`, `markdown` and `html` in plaintext. When they could not be opened (key
 * refused, missing or wrong) they are absent and `decryptError` says why: one unreadable message
 * never hides the others.
 */
export type SecureMessage = Message & { decryptError?: FlintError; cards?: Card[] };

/** The content fields a message may carry, in plaintext. */
export interface MessageContent {
  text?: string;
  markdown?: string;
  html?: string;
}

type CreateMessageBody = MethodBody<typeof messageMethods.createMessage>;
type CreateRoomBody = MethodBody<typeof spaces.createRoom>;

/**
 * What `send` takes: the message body with plaintext content, to a space (by id); `cards` in
 * plaintext (sealed into `attachments` with the same key as the text; `text` or `markdown` is
 * their fallback).
 */
export type SendInput = Omit<CreateMessageBody, 'text' | 'markdown' | 'html' | 'encryptionKeyUrl' | 'roomId' | 'toPersonId' | 'toPersonEmail' | 'attachments'> &
  MessageContent & { roomId: string; cards?: Card[] };

/**
 * Options of `send` and `edit`. `searchTokens` computes the message's blinded search tokens from
 * the key it is being sealed with (and its room), so they belong to the same key epoch as the
 * content even when the space's key rotates meanwhile (see `SearchClient`).
 */
export interface SealOptions {
  searchTokens?: (key: KmsKey, room: Room) => Promise<string[]>;
}

/** What `createSpace` takes: the room body with a plaintext title. */
export type CreateSpaceInput = Omit<CreateRoomBody, 'title' | 'encryptionKeyUrl' | 'kroUri'> & { title: string };

/** Someone to add or talk to, by id or e-mail address. */
export type PersonRef = { personId: string } | { personEmail: string };

export interface SecureConnectOptions {
  /** This device's id: KMS replies come back to this device's event stream only. */
  deviceId: string;
  /** For runtimes without a global WebSocket (Node 20: the `ws` package). */
  WebSocket?: WebSocketConstructor;
  /** How long a KMS request may wait for its reply (default 10 s). */
  kmsTimeoutMs?: number;
  /**
   * This device's KMS credential (`newDeviceSecret`, kept by the device; with `passwordCredential`
   * at the first sign-in on a device). Default: a fresh device for this object only, which the KMS
   * enrolls only if the person has no device yet (see kms/credentials.ts).
   */
  kmsCredential?: KmsDeviceCredential;
  /**
   * The KMS's static public key (a JWK or its JSON), known from elsewhere than the core: discovery
   * must answer the same key, else nothing is sent (a core with a key of its own would read the
   * handshake; see kms/pinning.ts). Default: the key discovery answers.
   */
  kmsPublicKey?: string | Jwk;
}

const CONTENT_FIELDS = ['text', 'markdown', 'html'] as const;

/** The binding a room's KRO must carry: the room, and its team for a team's space. */
function bindingOf(room: Room): KmsResourceBinding {
  return room.teamId !== undefined ? { roomId: room.id, teamId: room.teamId } : { roomId: room.id };
}

function asFlintError(error: unknown): FlintError {
  if (error instanceof FlintError) return error;
  return new FlintError(0, 'internal', error instanceof Error ? error.message : String(error), undefined, undefined);
}

export class SecureClient {
  /** The KMS side: space keys and KROs. */
  readonly keys: SpaceKeys;
  private relay: KmsRelay | undefined;

  /**
   * @param client a signed-in Flint client
   * @param kms a KMS client acting as the same person (any transport)
   * @param personId the signed-in person (their KMS user id)
   */
  constructor(
    readonly client: FlintClient,
    readonly kms: KmsClient,
    readonly personId: string,
  ) {
    this.keys = new SpaceKeys(kms);
  }

  /** Signs this device into the KMS through the core's relay (discovery, event stream, handshake). */
  static async connect(client: FlintClient, options: SecureConnectOptions): Promise<SecureClient> {
    const relay = await KmsRelay.connect(client, {
      deviceId: options.deviceId,
      ...(options.WebSocket !== undefined ? { WebSocket: options.WebSocket } : {}),
      ...(options.kmsTimeoutMs !== undefined ? { timeoutMs: options.kmsTimeoutMs } : {}),
    });
    try {
      if (options.kmsPublicKey !== undefined) requirePinnedKmsKey(relay.info!.rsaPublicKey, options.kmsPublicKey);
      const kms = relay.kmsClient(client, options.kmsCredential);
      await kms.connect();
      const secure = new SecureClient(client, kms, relay.personId!);
      secure.relay = relay;
      return secure;
    } catch (error) {
      relay.close();
      throw error;
    }
  }

  /**
   * Lets one of this person's API tokens reach the KMS through the `/v1` gateway, which uses the
   * token's derived device (`tokenDeviceSecret`): this enrolled device approves it. Without this, a
   * person's token other than their very first KMS use is refused by the KMS (docs/threat-model.md).
   */
  async approveToken(token: string, label = 'api token'): Promise<KmsDevice> {
    return this.kms.approveDevice(await deviceCredentialHash(await tokenDeviceSecret(token, this.personId)), label);
  }

  /** Closes the relay's event stream (if `connect` opened it) and forgets every key. */
  close(): void {
    this.relay?.close();
    this.keys.clear();
  }

  // ── Spaces ────────────────────────────────────────────────────────────────────────────────

  /**
   * A group space: a new key and KRO authorizing the creator, the title sealed with that key. A
   * team's space also authorizes the team's KRO (that of its general space), so whoever is on the
   * team now or later may read it and join it on their own, and whoever leaves the team loses it
   * (SPEC SP-3): the KMS follows a KRO named as an authId (DESIGN §2).
   */
  async createSpace(input: CreateSpaceInput): Promise<SecureRoom> {
    const { title, ...rest } = input;
    const principals = [this.personId];
    if (input.teamId !== undefined) {
      const teamKro = (await this.teamKro(input.teamId)).kroUri;
      if (teamKro !== undefined) principals.push(teamKro);
    }
    const { key, kroUri } = await this.keys.create(principals);
    const sealed = await sealText(key, title);
    const room = await this.client.rooms.create({ ...rest, title: sealed.ciphertext, encryptionKeyUrl: key.uri, kroUri });
    await this.keys.bind(kroUri, bindingOf(room));
    return { ...room, title };
  }

  /**
   * The direct space with someone: its KRO authorizes both people from the start. If the space
   * already exists the core answers it as it is (the fresh KRO then stays unused).
   */
  async openDirect(person: PersonRef): Promise<SecureRoom> {
    const personId = await this.resolvePerson(person);
    const { key, kroUri } = await this.keys.create([this.personId, personId]);
    const room = await this.client.rooms.direct({ personId, encryptionKeyUrl: key.uri, kroUri });
    if (room.kroUri === kroUri) await this.keys.bind(kroUri, bindingOf(room));
    return this.openRoom(room);
  }

  async getSpace(id: string): Promise<SecureRoom> {
    return this.openRoom(await this.client.rooms.get(id));
  }

  /** One page of one's spaces, titles opened. */
  async listSpaces(query: MethodQuery<typeof spaces.listRooms> = {}): Promise<Page<SecureRoom>> {
    const page = await this.client.rooms.list(query);
    const items = await Promise.all(page.items.map((room) => this.openRoom(room)));
    return page.next === undefined ? { items } : { items, next: page.next };
  }

  /** A new title, sealed with the space's current key. */
  async renameSpace(id: string, title: string): Promise<SecureRoom> {
    const room = await this.client.rooms.get(id);
    const key = await this.currentKey(room);
    const updated = await this.client.rooms.update(id, { title: (await sealText(key, title)).ciphertext });
    return { ...updated, title };
  }

  /** Opens a room's title (e.g. from a `room.created` event). Never throws for a bad title. */
  async openRoom(room: Room): Promise<SecureRoom> {
    if (room.title === undefined || room.title === '' || room.type === 'direct') return room;
    if (room.encryptionKeyUrl === undefined) return { ...room, title: undefined, decryptError: new FlintError(0, 'bad_request', 'The space has no key to open its title with.', undefined, undefined) };
    try {
      return { ...room, title: await this.open(room.encryptionKeyUrl, room.title) };
    } catch (error) {
      return { ...room, title: undefined, decryptError: asFlintError(error) };
    }
  }

  /**
   * Joins a space one may see without being its member: a team's space, as a member of the team.
   * The KMS lets one in through the team's KRO, so nobody has to authorize anyone here.
   */
  async joinSpace(roomId: string): Promise<SecureRoom> {
    await this.client.memberships.create({ roomId, personId: this.personId });
    return this.getSpace(roomId);
  }

  // ── Teams ─────────────────────────────────────────────────────────────────────────────────

  /**
   * A team and its general space: one new key and KRO, the team's name and the general space's
   * title sealed with it. That KRO is the team's: its authorizations follow the team's membership,
   * and the team's other spaces name it among theirs.
   */
  async createTeam(input: { name: string }): Promise<SecureTeam> {
    const { key, kroUri } = await this.keys.create([this.personId]);
    const sealed = (await sealText(key, input.name)).ciphertext;
    const team = await this.client.teams.create({ name: sealed, generalTitle: sealed, encryptionKeyUrl: key.uri, kroUri });
    await this.keys.bind(kroUri, { roomId: team.generalRoomId, teamId: team.id });
    return { ...team, name: input.name };
  }

  /** Opens a team's name (e.g. from a `team.created` event). Never throws for a bad name. */
  async openTeam(team: Team): Promise<SecureTeam> {
    if (team.encryptionKeyUrl === undefined) return { ...team, name: undefined, decryptError: new FlintError(0, 'bad_request', 'The team has no key to open its name with.', undefined, undefined) };
    try {
      return { ...team, name: await this.open(team.encryptionKeyUrl, team.name) };
    } catch (error) {
      return { ...team, name: undefined, decryptError: asFlintError(error) };
    }
  }

  /**
   * Adds someone to a team: their authorization on the team's KRO first (the core cannot grant it),
   * then the team membership, which puts them in the general space. If the core refuses, the
   * authorization is taken back (kept on a conflict: they already were in the team).
   */
  async addTeamMember(teamId: string, person: PersonRef, options: { isModerator?: boolean } = {}): Promise<TeamMembership> {
    const personId = await this.resolvePerson(person);
    const { kroUri } = await this.teamKro(teamId);
    if (kroUri !== undefined) await this.keys.authorize(kroUri, [personId]);
    try {
      return await this.client.teams.addMember({ teamId, personId, ...(options.isModerator !== undefined ? { isModerator: options.isModerator } : {}) });
    } catch (error) {
      if (kroUri !== undefined && !(error instanceof FlintError && error.code === 'conflict')) await this.keys.deauthorize(kroUri, personId).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Removes someone from a team (or leaves it): their authorization on the team's KRO, then the
   * team membership, which the core follows by taking them out of every space of the team. The
   * remover then rotates the key of each of those spaces it is a member of (the general space at
   * least), so what is sent from now on is sealed with keys the removed person never held.
   */
  async removeTeamMember(membership: Pick<TeamMembership, 'id' | 'teamId' | 'personId'>): Promise<void> {
    const { kroUri } = await this.teamKro(membership.teamId);
    const leaving = membership.personId === this.personId;
    // The spaces they were in, known before the core takes them out.
    const theirs = leaving ? [] : await this.teamSpacesOf(membership.teamId, membership.personId);
    if (kroUri !== undefined && !leaving) await this.tolerateMissing(this.keys.deauthorize(kroUri, membership.personId));
    await this.client.teams.removeMember(membership.id);
    if (kroUri === undefined) return;
    if (leaving) {
      await this.tolerateMissing(this.keys.deauthorize(kroUri, this.personId));
      return;
    }
    for (const roomId of theirs) await this.rotateKey(roomId);
  }

  /** The team's KRO: the general space's, once the KMS confirms it protects that space of that team. */
  private async teamKro(teamId: string): Promise<{ kroUri: string | undefined; generalRoomId: string }> {
    const team = await this.client.teams.get(teamId);
    const general = await this.client.rooms.get(team.generalRoomId);
    if (general.kroUri !== undefined) await this.keys.requireBinding(general.kroUri, { roomId: general.id, teamId });
    return { kroUri: general.kroUri, generalRoomId: general.id };
  }

  /** The team spaces that `personId` and this person are both members of. */
  private async teamSpacesOf(teamId: string, personId: string): Promise<string[]> {
    const out: string[] = [];
    let page: Page<Room> | undefined = await this.client.rooms.list({ teamId, max: 100 });
    while (page !== undefined) {
      for (const room of page.items) {
        // Only the spaces this person is a member of (they carry one's membership state).
        if (room.isModerator === undefined) continue;
        const found = await this.client.memberships.list({ roomId: room.id, personId, max: 1 });
        if (found.items.length > 0) out.push(room.id);
      }
      page = await this.client.nextPage(page);
    }
    return out;
  }

  // ── Members ───────────────────────────────────────────────────────────────────────────────

  /**
   * Adds someone: their KMS authorization first (the core cannot grant it), then the membership.
   * If the membership is refused, the authorization is taken back.
   */
  async addMember(roomId: string, person: PersonRef, options: { isModerator?: boolean } = {}): Promise<Membership> {
    const personId = await this.resolvePerson(person);
    const room = await this.client.rooms.get(roomId);
    const kroUri = await this.verifiedKro(room);
    await this.keys.authorize(kroUri, [personId]);
    try {
      return await this.client.memberships.create({ roomId, personId, ...(options.isModerator !== undefined ? { isModerator: options.isModerator } : {}) });
    } catch (error) {
      // A conflict means they already were a member, and so rightly authorized: keep it.
      if (!(error instanceof FlintError && error.code === 'conflict')) await this.keys.deauthorize(kroUri, personId).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Removes a member: their KMS authorization, then the membership, then a key rotation, so
   * nothing sent afterwards is sealed with a key they can obtain. Leaving (one's own membership)
   * drops one's own authorization and cannot rotate — a remaining member should call
   * `rotateKey` on the `membership.deleted` event.
   */
  async removeMember(membershipId: string): Promise<void> {
    const membership = await this.client.memberships.get(membershipId);
    const room = await this.client.rooms.get(membership.roomId);
    if (room.kroUri === undefined) {
      await this.client.memberships.delete(membershipId);
      return;
    }
    if (membership.personId === this.personId) {
      await this.client.memberships.delete(membershipId);
      // One always may leave; but only a KRO that protects this very room is left, so a room
      // pointed at another space's KRO cannot take that space away.
      if (await this.protects(room, room.kroUri)) await this.tolerateMissing(this.keys.deauthorize(room.kroUri, this.personId));
      return;
    }
    const kroUri = await this.verifiedKro(room);
    await this.tolerateMissing(this.keys.deauthorize(kroUri, membership.personId));
    await this.client.memberships.delete(membershipId);
    await this.rotateKey(membership.roomId);
  }

  /**
   * Gives the space a new current key: created, bound to its KRO, and named in the room's
   * `encryptionKeyUrl`; the title is resealed with it, since the room names one key for it.
   */
  async rotateKey(roomId: string): Promise<KmsKey> {
    const room = await this.client.rooms.get(roomId);
    const kroUri = await this.verifiedKro(room);
    const title = room.type === 'group' && room.title !== undefined && room.title !== '' && room.encryptionKeyUrl !== undefined ? await this.open(room.encryptionKeyUrl, room.title) : undefined;
    const key = await this.keys.rotate(kroUri);
    await this.client.rooms.update(roomId, { encryptionKeyUrl: key.uri, ...(title !== undefined ? { title: (await sealText(key, title)).ciphertext } : {}) });
    return key;
  }

  // ── Messages ──────────────────────────────────────────────────────────────────────────────

  /**
   * Posts a message sealed with the space's current key. The room is read for every send, so a
   * rotation made by another member is followed at once.
   */
  async send(input: SendInput, options: SealOptions = {}): Promise<SecureMessage> {
    const room = await this.client.rooms.get(input.roomId);
    const key = await this.currentKey(room);
    const { text, markdown, html, cards, ...rest } = input;
    const sealed = await this.seal(key, { text, markdown, html });
    const tokens = options.searchTokens !== undefined ? { searchTokens: await options.searchTokens(key, room) } : {};
    const attachments = cards !== undefined && cards.length > 0 ? { attachments: await sealCards(key, cards) } : {};
    const message = await this.client.messages.create({ ...rest, ...sealed, ...attachments, encryptionKeyUrl: key.uri, ...tokens });
    return { ...message, ...this.defined({ text, markdown, html }), ...(cards !== undefined && cards.length > 0 ? { cards } : {}) };
  }

  /**
   * Edits one's message: the new content sealed with the space's current key. `searchTokens`
   * replace the message's tokens (none given: it is no longer searchable; see `SearchClient`).
   */
  async edit(messageId: string, content: MessageContent & { roomId?: string; searchTokens?: string[] }, options: SealOptions = {}): Promise<SecureMessage> {
    const roomId = content.roomId ?? (await this.client.messages.get(messageId)).roomId;
    const room = await this.client.rooms.get(roomId);
    const key = await this.currentKey(room);
    const plain = { text: content.text, markdown: content.markdown, html: content.html };
    const searchTokens = options.searchTokens !== undefined ? await options.searchTokens(key, room) : content.searchTokens;
    const tokens = searchTokens !== undefined ? { searchTokens } : {};
    const message = await this.client.messages.update(messageId, { roomId, ...(await this.seal(key, plain)), encryptionKeyUrl: key.uri, ...tokens });
    return { ...message, ...this.defined(plain) };
  }

  async getMessage(id: string): Promise<SecureMessage> {
    return this.openMessage(await this.client.messages.get(id));
  }

  /** One page of a space's messages (newest first), each opened with the key it names. */
  async listMessages(query: MethodQuery<typeof messageMethods.listMessages>): Promise<Page<SecureMessage>> {
    const page = await this.client.messages.list(query);
    const items = await Promise.all(page.items.map((m) => this.openMessage(m)));
    return page.next === undefined ? { items } : { items, next: page.next };
  }

  /** Opens a message (e.g. from a `message.created` event). Never throws for bad content. */
  async openMessage(message: Message): Promise<SecureMessage> {
    const present = CONTENT_FIELDS.filter((f) => message[f] !== undefined);
    const sealedCards = message.attachments ?? [];
    if (present.length === 0 && sealedCards.length === 0) return message;
    const stripped: SecureMessage = { ...message };
    for (const f of CONTENT_FIELDS) delete stripped[f];
    if (message.encryptionKeyUrl === undefined) return { ...stripped, decryptError: new FlintError(0, 'bad_request', 'The message names no key.', undefined, undefined) };
    try {
      const opened: MessageContent = {};
      for (const f of present) opened[f] = await this.open(message.encryptionKeyUrl, message[f]!);
      const cards = sealedCards.length > 0 ? { cards: await openCards(await this.keys.key(message.encryptionKeyUrl), sealedCards) } : {};
      return { ...stripped, ...opened, ...cards };
    } catch (error) {
      return { ...stripped, decryptError: asFlintError(error) };
    }
  }

  // ── Helpers ───────────────────────────────────────────────────────────────────────────────

  private async open(keyUrl: string, ciphertext: string): Promise<string> {
    return openWithKey(await this.keys.key(keyUrl), ciphertext);
  }

  private async seal(key: KmsKey, content: MessageContent): Promise<MessageContent> {
    const sealed: MessageContent = {};
    for (const f of CONTENT_FIELDS) {
      const plain = content[f];
      if (plain !== undefined) sealed[f] = (await sealText(key, plain)).ciphertext;
    }
    return sealed;
  }

  private defined(content: MessageContent): MessageContent {
    const out: MessageContent = {};
    for (const f of CONTENT_FIELDS) if (content[f] !== undefined) out[f] = content[f];
    return out;
  }

  /**
   * The key new content in this space is sealed with. Never plaintext: no key, no send. The key
   * must be bound to the room's KRO, and the KRO to this room, so the core cannot have one's words
   * sealed under a key someone else holds.
   */
  private async currentKey(room: Room): Promise<KmsKey> {
    if (room.encryptionKeyUrl === undefined) throw new FlintError(0, 'bad_request', 'The space has no encryption key; content cannot be sealed for it.', undefined, undefined);
    const kroUri = await this.verifiedKro(room);
    const key = await this.keys.key(room.encryptionKeyUrl);
    if (key.resourceUri !== kroUri) throw new FlintError(0, 'forbidden', 'The space’s current key is not bound to its KMS resource: refusing to seal with it.', undefined, undefined);
    return key;
  }

  /** Whether the room's KRO protects this very room (false when the KMS says otherwise, or refuses to say). */
  private async protects(room: Room, kroUri: string): Promise<boolean> {
    try {
      await this.keys.requireBinding(kroUri, bindingOf(room));
      return true;
    } catch (error) {
      if (error instanceof FlintError && error.code === 'forbidden') return false;
      throw error;
    }
  }

  /** The room's KRO, once the KMS confirms it protects this very room (see `SpaceKeys.requireBinding`). */
  private async verifiedKro(room: Room): Promise<string> {
    if (room.kroUri === undefined) throw new FlintError(0, 'bad_request', 'The space has no KMS resource; its members cannot be authorized.', undefined, undefined);
    await this.keys.requireBinding(room.kroUri, bindingOf(room));
    return room.kroUri;
  }

  private async resolvePerson(person: PersonRef): Promise<string> {
    if ('personId' in person) return person.personId;
    const found = (await this.client.people.list({ email: person.personEmail })).items[0];
    if (found === undefined) throw new FlintError(404, 'not_found', 'No such person.', undefined, undefined);
    return found.id;
  }

  /** A KMS 404 on removing an authorization means it was already gone: the goal is reached. */
  private async tolerateMissing(work: Promise<void>): Promise<void> {
    try {
      await work;
    } catch (error) {
      if (!(error instanceof FlintError && error.status === 404)) throw error;
    }
  }
}
