/**
 * Invitations by e-mail (SPEC ID-3): kept until accepted; invitees outside the org join as guests.
 * @module
 */
import { Type, type Static } from 'typebox';
import { DisplayName, Email, Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

export const Invitation = Type.Object(
  {
    id: Id,
    email: Type.String(),
    orgId: Id,
    invitedBy: Id,
    /** The person the invitation will activate. */
    personId: Id,
    asGuest: Type.Boolean(),
    /** The space the invitee lands in after accepting (the inviter added them to it). */
    roomId: Type.Optional(Id),
    created: Timestamp,
    expires: Timestamp,
    accepted: Type.Optional(Timestamp),
  },

);
export type Invitation = Static<typeof Invitation>;

export const CreateInvitationBody = Type.Object(
  {
    email: Email,
    displayName: Type.Optional(DisplayName),
    /** Invite into a space one is a member of: the invitee lands there after accepting. */
    roomId: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const createInvitation = defineMethod({
  id: 'invitations.create',
  verb: 'POST',
  path: '/api/invitations',
  summary: 'Invite someone by e-mail. Someone outside the org’s domains joins as a guest.',
  tag: 'invitations',
  auth: 'person',
  body: CreateInvitationBody,
  response: Invitation,
  status: 200,
});

export const listInvitations = defineMethod({
  id: 'invitations.list',
  verb: 'GET',
  path: '/api/invitations',
  summary: 'Pending invitations: those one sent, or all of the org’s for an admin.',
  tag: 'invitations',
  auth: 'person',
  response: Type.Object({ items: Type.Array(Invitation) }),
  status: 200,
});

export const revokeInvitation = defineMethod({
  id: 'invitations.revoke',
  verb: 'DELETE',
  path: '/api/invitations/:id',
  summary: 'Withdraw a pending invitation (its sender or an admin).',
  tag: 'invitations',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

export const resendInvitation = defineMethod({
  id: 'invitations.resend',
  verb: 'POST',
  path: '/api/invitations/:id/resend',
  summary: 'Send a pending invitation again with a fresh link (the old link stops working).',
  tag: 'invitations',
  auth: 'person',
  params: IdParams,
  response: Invitation,
  status: 200,
});

/** What the invitation page shows before the invitee has an account. */
export const InvitationPreview = Type.Object({
  email: Type.String(),
  orgName: Type.String(),
  inviterName: Type.String(),
  asGuest: Type.Boolean(),
  roomId: Type.Optional(Id),
  expires: Timestamp,
});
export type InvitationPreview = Static<typeof InvitationPreview>;

export const previewInvitation = defineMethod({
  id: 'invitations.preview',
  verb: 'POST',
  path: '/api/invitations/preview',
  summary: 'Who invited the holder of an invitation token, to which org and space (the token in the body, never in a URL).',
  tag: 'invitations',
  auth: 'none',
  body: Type.Object({ invitationToken: Type.String({ minLength: 10, maxLength: 200 }) }, { additionalProperties: false }),
  response: InvitationPreview,
  status: 200,
});
