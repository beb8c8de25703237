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
    created: Timestamp,
    expires: Timestamp,
    accepted: Type.Optional(Timestamp),
  },

);
export type Invitation = Static<typeof Invitation>;

export const CreateInvitationBody = Type.Object(
  { email: Email, displayName: Type.Optional(DisplayName) },
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
