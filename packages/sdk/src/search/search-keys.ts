/**
 * Search keys, one per key epoch of a space (SPEC SR-2, DESIGN §4), served — indirectly — by the KMS.
 *
 * A space's content keys form a chain bound to its KMS resource (KRO): the first made with the
 * space, a new one at each rotation (when a member is removed). Each content key defines a search
 * *epoch*: its search key is derived with HKDF-SHA-256 (info `flint-search-v1`, salt the KRO URI)
 * from that content key, and a message's tokens are blinded under the epoch of the key its content
 * is sealed with. So:
 * - exactly the people the KMS gives a content key to can blind for its epoch — search follows
 *   membership with no new KMS concept and no core-side registry the core could swap;
 * - a member removed from the space (deauthorized, then the key rotated) cannot obtain the new
 *   epoch's key, so cannot blind a query that matches anything sent after the removal — even with
 *   the core's help; the epochs they held keys for stay what they could read anyway;
 * - remaining members search the whole history by blinding each query term once per epoch
 *   (`retrieve <kro>/keys` gives all of a space's keys in one KMS request, cached here);
 * - HKDF keeps the AES-GCM content key and the HMAC search key independent, and the salt keeps two
 *   spaces' tokens for one word unrelated.
 * @module
 */
import type { Room } from '@flint/protocol';
import { deriveSearchKey } from '@flint/crypto';
import type { KmsClient, KmsKey } from '../kms/client.ts';
import { FlintError } from '../errors.ts';

/** One epoch's search key, named by the content key it is derived from. */
export interface SearchEpoch {
  keyUri: string;
  key: CryptoKey;
}

function noKro(): FlintError {
  return FlintError.invalid('The space has no KMS resource, so no search key.');
}

export class SearchKeys {
  /** Derived search keys, by content key URI. */
  private readonly derived = new Map<string, Promise<CryptoKey>>();
  /** The content key URIs of each space's epochs (oldest first), by KRO URI. */
  private readonly epochs = new Map<string, Promise<string[]>>();

  constructor(private readonly kms: () => Promise<KmsClient>) {}

  private derive(key: KmsKey, kroUri: string): Promise<CryptoKey> {
    let pending = this.derived.get(key.uri);
    if (pending === undefined) {
      pending = deriveSearchKey(key.key, kroUri);
      this.derived.set(key.uri, pending);
    }
    return pending;
  }

  /** The search key of the epoch `key` belongs to: what content sealed with `key` is indexed under. */
  forKey(key: KmsKey, room: Pick<Room, 'kroUri'>): Promise<CryptoKey> {
    if (room.kroUri === undefined) return Promise.reject(noKro());
    return this.derive(key, room.kroUri);
  }

  /**
   * Every epoch of a space one can search. Fetched once from the KMS and again when the room names
   * a current key not seen yet (a rotation). Throws a FlintError when the KMS refuses (not, or no
   * longer, authorized): one cannot search what one cannot read.
   */
  async forRoom(room: Pick<Room, 'kroUri' | 'encryptionKeyUrl'>): Promise<SearchEpoch[]> {
    const kroUri = room.kroUri;
    if (kroUri === undefined) throw noKro();
    let pending = this.epochs.get(kroUri);
    const known = pending !== undefined ? await pending.catch(() => undefined) : undefined;
    if (known === undefined || (room.encryptionKeyUrl !== undefined && !known.includes(room.encryptionKeyUrl))) {
      pending = this.fetch(kroUri);
      this.epochs.set(kroUri, pending);
      // A refusal must not stick: an authorization may be added later.
      pending.catch(() => this.epochs.delete(kroUri));
    }
    const uris = await pending!;
    return Promise.all(uris.map(async (keyUri) => ({ keyUri, key: await this.derived.get(keyUri)! })));
  }

  private async fetch(kroUri: string): Promise<string[]> {
    // The KMS lists a resource's bound keys oldest first (at most its newest 1,000: docs/search.md).
    const keys = await (await this.kms()).resourceKeys(kroUri);
    if (keys.length === 0) throw FlintError.invalid('The space’s KMS resource has no key.');
    for (const key of keys) void this.derive(key, kroUri);
    return keys.map((k) => k.uri);
  }

  /** Forgets every key (sign-out, or after leaving spaces). */
  clear(): void {
    this.derived.clear();
    this.epochs.clear();
  }
}
