/**
 * The KMS side of a space's encryption: a space owns one KMS resource (KRO) whose authorization
 * list mirrors its membership, and a chain of keys bound to it — the newest is the space's current
 * key (`encryptionKeyUrl`), the older ones stay retrievable so later members can read the history.
 * @module
 */
import type { KmsClient, KmsKey } from '../kms/client.ts';

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

  /** Forgets every key held here (sign-out); the KMS client's own cache is cleared by its owner. */
  clear(): void {
    this.own.clear();
    this.inflight.clear();
  }
}
