/**
 * A space's search key (SPEC SR-1, DESIGN §4), served — indirectly — by the KMS.
 *
 * Choice: the key is derived with HKDF (info `flint-search-v1`, salt the KRO URI) from the **first
 * key bound to the space's KRO** — the key the space was created with. Why this one:
 * - exactly the people on the KRO's authorization list can obtain it (the KMS checks, as for any
 *   content key), so search follows membership with no new KMS concept and no core-side registry
 *   the core could swap;
 * - it does not change when the content key rotates: tokens of the whole history stay matchable
 *   with one key per space (deriving from the *current* key would split a space's index at every
 *   rotation and make a query blind itself once per past key);
 * - HKDF keeps the AES-GCM content key and the HMAC search key independent.
 * The cost (docs/search.md): a removed member may keep the search key, so removal does not hide
 * future *tokens* from someone who colludes with the core — the core still refuses them queries,
 * and content stays sealed under the rotated content key.
 * @module
 */
import type { Room } from '@flint/protocol';
import { deriveSearchKey } from '@flint/crypto';
import type { KmsClient } from '../kms/client.ts';
import { FlintError } from '../errors.ts';

export class SearchKeys {
  /** Derived keys by KRO URI; a failed fetch is not kept (an authorization may be added later). */
  private readonly keys = new Map<string, Promise<CryptoKey>>();

  constructor(private readonly kms: KmsClient) {}

  /** The search key of a space; throws a FlintError when the space has no KRO or the KMS refuses. */
  forRoom(room: Pick<Room, 'kroUri'>): Promise<CryptoKey> {
    const kroUri = room.kroUri;
    if (kroUri === undefined) return Promise.reject(new FlintError(0, 'bad_request', 'The space has no KMS resource, so no search key.', undefined, undefined));
    let pending = this.keys.get(kroUri);
    if (pending === undefined) {
      pending = this.derive(kroUri);
      this.keys.set(kroUri, pending);
      pending.catch(() => this.keys.delete(kroUri));
    }
    return pending;
  }

  private async derive(kroUri: string): Promise<CryptoKey> {
    // The KMS lists a resource's keys oldest first (at most its newest 1,000: see docs/search.md).
    const [first] = await this.kms.resourceKeys(kroUri);
    if (first === undefined) throw new FlintError(0, 'bad_request', 'The space’s KMS resource has no key.', undefined, undefined);
    return deriveSearchKey(first.key, kroUri);
  }

  /** Forgets every key (sign-out, or after leaving spaces). */
  clear(): void {
    this.keys.clear();
  }
}
