/**
 * Invitations into a space by e-mail address (issue 14, finding 6; SPEC SP-2, ID-2, ID-3), as Slack
 * Connect and Webex invite external participants. Inviting answers the same whether the address is
 * unknown, has an account in the inviter's org or in another, or is deactivated: the answer never
 * says which. Whoever signs in with the address sees the invitation and accepts or declines it; on
 * accepting, a member's device authorizes them at the KMS and admits them (the core grants no key).
 * @module
 */
import { Type, type Static } from 'typebox';
import { Email, Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';
import { Membership } from './spaces.ts';

/** What inviting answers, for every address alike. */
export const SpaceInvitationSent = Type.Object({ id: Id, roomId: Id, email: Type.String() });
export type SpaceInvitationSent = Static<typeof SpaceInvitationSent>;

/** A space's pending invitation, as its members see it. */
export const SpaceInvitation = Type.Object({
  id: Id,
  roomId: Id,
  email: Type.String(),
  invitedBy: Id,
  /** The address is outside the space's org's verified domains (from the domain alone: it says nothing of an account). */
  outsideOrg: Type.Boolean(),
  created: Timestamp,
  expires: Timestamp,
  /** Present once the invitee accepted: a member's device then admits them. */
  accepted: Type.Optional(Timestamp),
  /** The person who accepted (whom a member authorizes at the KMS and admits). */
  acceptedPersonId: Type.Optional(Id),
});
export type SpaceInvitation = Static<typeof SpaceInvitation>;

/** An invitation as its invitee sees it. The space's title is sealed: the invitee has no key yet. */
export const ReceivedSpaceInvitation = Type.Object({
  id: Id,
  roomId: Id,
  inviterName: Type.String(),
  inviterEmail: Type.String(),
  inviterOrgName: Type.String(),
  /** True when the space belongs to another org than the invitee's: they join it as an external guest. */
  external: Type.Boolean(),
  created: Timestamp,
  expires: Timestamp,
  accepted: Type.Optional(Timestamp),
});
export type ReceivedSpaceInvitation = Static<typeof ReceivedSpaceInvitation>;

export const InviteToSpaceBody = Type.Object({ email: Email }, { additionalProperties: false });

export const inviteToSpace = defineMethod({
  id: 'spaceInvitations.create',
  verb: 'POST',
  path: '/api/rooms/:id/invitations',
  summary: 'Invite an e-mail address into a space one may add people to. The answer is the same for every address.',
  tag: 'memberships',
  auth: 'person',
  params: IdParams,
  body: InviteToSpaceBody,
  response: SpaceInvitationSent,
  status: 202,
});

export const listRoomInvitations = defineMethod({
  id: 'spaceInvitations.listForRoom',
  verb: 'GET',
  path: '/api/rooms/:id/invitations',
  summary: 'The pending invitations of a space one belongs to.',
  tag: 'memberships',
  auth: 'person',
  params: IdParams,
  response: Type.Object({ items: Type.Array(SpaceInvitation) }),
  status: 200,
});

export const revokeSpaceInvitation = defineMethod({
  id: 'spaceInvitations.revoke',
  verb: 'DELETE',
  path: '/api/space-invitations/:id',
  summary: 'Withdraw a space’s pending invitation (a member who may add people).',
  tag: 'memberships',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

export const listMySpaceInvitations = defineMethod({
  id: 'spaceInvitations.listMine',
  verb: 'GET',
  path: '/api/space-invitations',
  summary: 'Invitations into spaces sent to one’s own address, pending or accepted and not yet admitted.',
  tag: 'memberships',
  auth: 'person',
  response: Type.Object({ items: Type.Array(ReceivedSpaceInvitation) }),
  status: 200,
});

export const acceptSpaceInvitation = defineMethod({
  id: 'spaceInvitations.accept',
  verb: 'POST',
  path: '/api/space-invitations/:id/accept',
  summary: 'Accept an invitation sent to one’s address; a member’s device then admits one to the space.',
  tag: 'memberships',
  auth: 'person',
  params: IdParams,
  response: ReceivedSpaceInvitation,
  status: 200,
});

export const declineSpaceInvitation = defineMethod({
  id: 'spaceInvitations.decline',
  verb: 'POST',
  path: '/api/space-invitations/:id/decline',
  summary: 'Decline an invitation sent to one’s address: it is gone, and grants nothing.',
  tag: 'memberships',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

export const listAwaitingAdmission = defineMethod({
  id: 'spaceInvitations.awaiting',
  verb: 'GET',
  path: '/api/space-invitations/awaiting',
  summary: 'Accepted invitations one should admit: those one sent, and those whose sender left the space.',
  tag: 'memberships',
  auth: 'person',
  response: Type.Object({ items: Type.Array(SpaceInvitation) }),
  status: 200,
});

export const admitSpaceInvitation = defineMethod({
  id: 'spaceInvitations.admit',
  verb: 'POST',
  path: '/api/space-invitations/:id/admit',
  summary: 'Make an accepted invitee a member (after authorizing them at the KMS: the SDK does both).',
  tag: 'memberships',
  auth: 'person',
  params: IdParams,
  response: Membership,
  status: 200,
});
