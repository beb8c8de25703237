/**
 * The KMS side of a space's encryption: a space owns one KMS resource (KRO) whose authorization
 * list mirrors its membership, and a chain of keys bound to it — the newest is the space's current
 * key (`encryptionKeyUrl`), the older ones stay retrievable so later members can read the history.
 * @module
 */
import type { KmsClient, KmsKey, KmsResourceBinding } from '../kms/client.ts';
import { FlintError } from '../errors.ts';

/** A new space's key material: the current key and the KRO that guards it. */
export interface SpaceKeyring {
  key: KmsKey;
  kroUri: string;
}

export class SpaceKeys {
  /** Keys being fetched, by URI: a page of messages under one key costs one KMS request, not one per message. */
  private readonly inflight = new Map<string, Promise<KmsKey>>();
  /** Keys this device created and bound itself, which need no round trip to read back. */
  private readonly own = new Map<string, KmsKey>();
  /** Bindings read from the KMS, by KRO: a binding never changes once made, so it is read once. */
  private readonly bindings = new Map<string, Promise<KmsResourceBinding | undefined>>();

  /** @param kms the session's KMS client, connected on first use */
  constructor(private readonly kms: () => Promise<KmsClient>) {}

  /** A key by URI, from the KMS (which checks the caller is on its resource's authorization list). */
  key(uri: string): Promise<KmsKey> {
    const mine = this.own.get(uri);
    if (mine !== undefined) return Promise.resolve(mine);
    let pending = this.inflight.get(uri);
    if (pending === undefined) {
      pending = this.kms().then((kms) => kms.retrieveKey(uri));
      this.inflight.set(uri, pending);
      // Done either way: the KMS client caches what it got, and a refusal may be lifted later
      // (someone adds the authorization), so it must not stick.
      const forget = () => this.inflight.delete(uri);
      pending.then(forget, forget);
    }
    return pending;
  }

  /**
   * A fresh key and a KRO authorizing `userIds` (the caller always is), with the key bound to it
   * in the same request.
   */
  async create(userIds: readonly string[]): Promise<SpaceKeyring> {
    const kms = await this.kms();
    const [key] = await kms.createKeys(1);
    if (key === undefined) throw new TypeError('the KMS created no key');
    const resource = await kms.createResource({ userIds: [...new Set(userIds)], keyUris: [key.uri] });
    const bound = { ...key, resourceUri: resource.uri };
    this.own.set(bound.uri, bound);
    return { key: bound, kroUri: resource.uri };
  }

  /** A fresh key bound to the KRO: the space's next current key. */
  async rotate(kroUri: string): Promise<KmsKey> {
    const kms = await this.kms();
    const [key] = await kms.createKeys(1);
    if (key === undefined) throw new TypeError('the KMS created no key');
    const bound = await kms.bindKey(key.uri, kroUri);
    this.own.set(bound.uri, bound);
    return bound;
  }

  /** Adds people to the KRO's authorization list (idempotent at the KMS). */
  async authorize(kroUri: string, userIds: readonly string[]): Promise<void> {
    await (await this.kms()).addAuthorizations(kroUri, [...userIds]);
  }

  /** Takes someone off the KRO's authorization list. */
  async deauthorize(kroUri: string, userId: string): Promise<void> {
    await (await this.kms()).removeAuthorization(kroUri, userId);
  }

  /**
   * Names the room (and team) the KRO protects, at the KMS, once: right after the core made the
   * room, so nobody can later point another room at this KRO (issue 14, finding 2).
   */
  async bind(kroUri: string, boundTo: KmsResourceBinding): Promise<void> {
    await (await this.kms()).bindResource(kroUri, boundTo);
    this.bindings.set(kroUri, Promise.resolve(boundTo));
  }

  /**
   * Throws unless the KMS says the KRO protects exactly this room (and team). The core says which
   * KRO a room uses, and the core is not trusted to: a room pointed at another space's KRO would
   * make its members authorize strangers on that space, or take its key from its members.
   */
  async requireBinding(kroUri: string, expected: KmsResourceBinding): Promise<void> {
    let pending = this.bindings.get(kroUri);
    if (pending === undefined) {
      pending = this.kms().then(async (kms) => (await kms.retrieveResource(kroUri)).boundTo);
      this.bindings.set(kroUri, pending);
      // Only a binding read is kept: a refusal or an unbound KRO is asked again next time.
      pending.then(
        (b) => {
          if (b === undefined) this.bindings.delete(kroUri);
        },
        () => this.bindings.delete(kroUri),
      );
    }
    const bound = await pending;
    if (bound === undefined) throw FlintError.invalid('The space’s KMS resource names no room: its members cannot be changed through it.', 'forbidden');
    if (bound.roomId !== expected.roomId || bound.teamId !== expected.teamId) {
      throw FlintError.invalid('The space’s KMS resource protects another room: refusing to use it for this one.', 'forbidden');
    }
  }

  /** Forgets every key held here (sign-out); the KMS client's own cache is cleared by its owner. */
  clear(): void {
    this.bindings.clear();
    this.own.clear();
    this.inflight.clear();
  }
}
