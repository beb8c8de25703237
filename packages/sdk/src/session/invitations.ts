/**
 * Invitations into spaces by e-mail address (issue 14, finding 6; SPEC SP-2, SEC-2). The core
 * keeps them by address and answers the inviter alike for every address; the invitee accepts or
 * declines. Accepting grants nothing by itself: a member's device authorizes the invitee at the KMS
 * (the core cannot: DESIGN §2, invariant 2) and only then admits them. The inviter's sessions do
 * it when told (`space_invitation.accepted`), and every session catches up when its stream opens
 * (`admitAwaiting`: those it sent, and those whose sender left the space).
 * @module
 */
import type { Membership, ReceivedSpaceInvitation, SpaceInvitation, SpaceInvitationSent } from '@flint/protocol';
import { FlintError } from '../errors.ts';
import { verifiedKro, type SessionContext } from './context.ts';

export class Invitations {
  constructor(private readonly ctx: SessionContext) {}

  /** Invites an address into a space. The answer is the same whether or not the address has an account. */
  send(roomId: string, email: string): Promise<SpaceInvitationSent> {
    return this.ctx.api.spaceInvitations.create(roomId, email);
  }

  /** A space's pending invitations (for its members). */
  forRoom(roomId: string): Promise<SpaceInvitation[]> {
    return this.ctx.api.spaceInvitations.forRoom(roomId);
  }

  /** Withdraws a space's invitation. */
  revoke(id: string): Promise<void> {
    return this.ctx.api.spaceInvitations.revoke(id);
  }

  /** Invitations sent to one's own address. */
  received(): Promise<ReceivedSpaceInvitation[]> {
    return this.ctx.api.spaceInvitations.mine();
  }

  /** Accepts: a member's device then admits one (the space arrives as `room.created`). */
  accept(id: string): Promise<ReceivedSpaceInvitation> {
    return this.ctx.api.spaceInvitations.accept(id);
  }

  /** Declines: the invitation is gone and grants nothing. */
  decline(id: string): Promise<void> {
    return this.ctx.api.spaceInvitations.decline(id);
  }

  /** Admits an accepted invitee: their KMS authorization first, then the membership. */
  admit(invitation: SpaceInvitation): Promise<Membership | undefined> {
    return admit(this.ctx, invitation);
  }

  /** Admits every accepted invitee this person should admit (see the module comment). */
  admitAwaiting(): Promise<void> {
    return admitAwaiting(this.ctx);
  }
}

/**
 * Authorizes the accepted invitee on the space's KRO — only one bound to this very room — then
 * makes them a member. If the core refuses the membership, the authorization is taken back, unless
 * they already were a member (rightly authorized). Answers undefined when another device was first.
 */
export async function admit(ctx: SessionContext, invitation: SpaceInvitation): Promise<Membership | undefined> {
  const personId = invitation.acceptedPersonId;
  if (invitation.accepted === undefined || personId === undefined) throw FlintError.invalid('The invitation has not been accepted yet.', 'conflict');
  const room = await ctx.api.rooms.get(invitation.roomId);
  const kroUri = await verifiedKro(ctx, room);
  await ctx.keys.authorize(kroUri, [personId]);
  try {
    return await ctx.api.spaceInvitations.admit(invitation.id);
  } catch (error) {
    if (error instanceof FlintError && error.kind === 'refused' && error.code === 'conflict' && error.status === 409) {
      // Already a member (another device admitted them first): their authorization stands.
      const member = (await ctx.api.memberships.list({ roomId: invitation.roomId, personId, max: 1 })).items[0];
      if (member !== undefined) return undefined;
    }
    if (error instanceof FlintError && error.kind === 'refused' && error.status === 404) {
      // Gone: admitted by another device (then they are a member), or withdrawn.
      const member = (await ctx.api.memberships.list({ roomId: invitation.roomId, personId, max: 1 })).items[0];
      if (member !== undefined) return undefined;
    }
    await ctx.keys.deauthorize(kroUri, personId).catch(() => undefined);
    throw error;
  }
}

export async function admitAwaiting(ctx: SessionContext): Promise<void> {
  for (const invitation of await ctx.api.spaceInvitations.awaiting()) await admit(ctx, invitation);
}
