/**
 * A space's members, with the KMS following the membership (SPEC SP-2, SEC-2). The order of
 * operations carries the security (DESIGN §2):
 * - adding a member authorizes them at the KMS first — the core cannot (invariant 2);
 * - removing a member takes their authorization away, then the membership, then rotates the space
 *   key, so nothing sent afterwards is under a key they could obtain (invariant 3);
 * - leaving takes one's membership and one's own authorization; the leaver cannot rotate (they
 *   would know the new key), so a remaining member's session does it on the `membership.deleted`
 *   event (see `events.ts`).
 * @module
 */
import type { Membership, MethodQuery, spaces as spaceMethods } from '@flint/protocol';
import type { Page } from '../client.ts';
import { FlintError } from '../errors.ts';
import { protects, resolvePerson, rotateSpaceKey, tolerateMissing, verifiedKro, type SessionContext } from './context.ts';
import type { PersonRef } from './types.ts';

export class Members {
  constructor(private readonly ctx: SessionContext) {}

  /** One page of a space's members. */
  async list(query: MethodQuery<typeof spaceMethods.listMemberships>): Promise<Page<Membership>> {
    return this.ctx.api.memberships.list(query);
  }

  get(id: string): Promise<Membership> {
    return this.ctx.api.memberships.get(id);
  }

  setModerator(id: string, isModerator: boolean): Promise<Membership> {
    return this.ctx.api.memberships.update(id, isModerator);
  }

  /**
   * Adds someone: their KMS authorization first (the core cannot grant it), then the membership.
   * If the membership is refused, the authorization is taken back.
   */
  async add(roomId: string, person: PersonRef, options: { isModerator?: boolean } = {}): Promise<Membership> {
    const personId = await resolvePerson(this.ctx, person);
    const room = await this.ctx.api.rooms.get(roomId);
    // Only through a KRO that protects this very room (a room pointed at another space's KRO would
    // authorize the newcomer on that space).
    const kroUri = await verifiedKro(this.ctx, room);
    await this.ctx.keys.authorize(kroUri, [personId]);
    try {
      return await this.ctx.api.memberships.create({ roomId, personId, ...(options.isModerator !== undefined ? { isModerator: options.isModerator } : {}) });
    } catch (error) {
      // A conflict means they already were a member, and so rightly authorized: keep it.
      if (!(error instanceof FlintError && error.code === 'conflict')) await this.ctx.keys.deauthorize(kroUri, personId).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Removes a member: their KMS authorization, then the membership, then a key rotation, so
   * nothing sent afterwards is sealed with a key they can obtain. One's own membership: leaving.
   */
  async remove(membershipId: string): Promise<void> {
    const membership = await this.ctx.api.memberships.get(membershipId);
    const room = await this.ctx.api.rooms.get(membership.roomId);
    if (room.kroUri === undefined) {
      await this.ctx.api.memberships.delete(membershipId);
      return;
    }
    const me = await this.ctx.personId();
    if (membership.personId === me) {
      await this.ctx.api.memberships.delete(membershipId);
      // One always may leave; but only a KRO that protects this very room is left, so a room
      // pointed at another space's KRO cannot take that space away.
      if (await protects(this.ctx, room, room.kroUri)) await tolerateMissing(this.ctx.keys.deauthorize(room.kroUri, me));
      return;
    }
    const kroUri = await verifiedKro(this.ctx, room);
    await tolerateMissing(this.ctx.keys.deauthorize(kroUri, membership.personId));
    await this.ctx.api.memberships.delete(membershipId);
    await rotateSpaceKey(this.ctx, membership.roomId);
  }

  /** Leaves a space: one's membership, then one's own authorization (a remaining member rotates). */
  async leave(roomId: string): Promise<void> {
    const mine = (await this.ctx.api.memberships.list({ roomId, personId: await this.ctx.personId(), max: 1 })).items[0];
    if (mine === undefined) throw FlintError.invalid('Not a member of this space.', 'not_found');
    await this.remove(mine.id);
  }
}
