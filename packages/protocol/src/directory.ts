/**
 * Directory sync's settings (issue 18, SPEC ID-5/ID-6): the org's SCIM token (created, rotated and
 * revoked by an org admin; shown once), its SCIM groups and what each is mapped to (the
 * `org_admin` role or a team), and the team key shares that a group mapped to a team leaves for a
 * team moderator's client to finish at the KMS (the core cannot).
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

export const ScimGroupSummary = Type.Object({
  id: Id,
  displayName: Type.String(),
  externalId: Type.Optional(Type.String()),
  /** How many people the directory put in it. */
  members: Type.Integer(),
  /** Mapped to the org administrator role. */
  role: Type.Optional(Type.Literal('org_admin')),
  /** Mapped to this team (its name is sealed: the console opens it with the admin's own keys). */
  teamId: Type.Optional(Id),
});
export type ScimGroupSummary = Static<typeof ScimGroupSummary>;

export const ScimSettings = Type.Object({
  /** The SCIM base URL to give the directory: `<public URL>/identity/scim/<orgId>/v2`. */
  baseUrl: Type.String(),
  /** The org's SCIM token, if one exists (never the token itself). */
  token: Type.Optional(Type.Object({ created: Timestamp, createdBy: Type.Optional(Type.String()), lastUsed: Type.Optional(Timestamp) })),
  groups: Type.Array(ScimGroupSummary),
});
export type ScimSettings = Static<typeof ScimSettings>;

export const getScim = defineMethod({
  id: 'directory.get',
  verb: 'GET',
  path: '/api/admin/scim',
  summary: 'Admin: the SCIM base URL, whether a SCIM token exists, and the directory’s groups with their mappings.',
  tag: 'admin',
  auth: 'admin',
  response: ScimSettings,
  status: 200,
});

export const createToken = defineMethod({
  id: 'directory.token.create',
  verb: 'POST',
  path: '/api/admin/scim/token',
  summary: 'Admin: create the org’s SCIM token, or rotate it (the old one stops at once). The token is in this answer only.',
  tag: 'admin',
  auth: 'admin',
  response: Type.Object({ token: Type.String(), created: Timestamp }),
  status: 200,
});

export const revokeToken = defineMethod({
  id: 'directory.token.revoke',
  verb: 'DELETE',
  path: '/api/admin/scim/token',
  summary: 'Admin: revoke the org’s SCIM token.',
  tag: 'admin',
  auth: 'admin',
  response: null,
  status: 204,
});

export const mapGroup = defineMethod({
  id: 'directory.group.map',
  verb: 'PUT',
  path: '/api/admin/scim/groups/:id/mapping',
  summary: 'Admin: map a SCIM group to the org administrator role, to a team (its moderator only), or to nothing ({}).',
  tag: 'admin',
  auth: 'admin',
  params: IdParams,
  body: Type.Object({ role: Type.Optional(Type.Literal('org_admin')), teamId: Type.Optional(Id) }, { additionalProperties: false }),
  response: ScimGroupSummary,
  status: 200,
});

export const TeamKeyShare = Type.Object({
  id: Id,
  teamId: Id,
  personId: Id,
  /** `add`: authorize the person on the team's KMS resource, then add the team membership; `remove`: they are out of the team, remove their KMS authorization and rotate `spaceIds`' keys. */
  op: Type.Union([Type.Literal('add'), Type.Literal('remove')]),
  spaceIds: Type.Array(Id),
  created: Timestamp,
});
export type TeamKeyShare = Static<typeof TeamKeyShare>;

export const listKeyShares = defineMethod({
  id: 'teamKeyShares.list',
  verb: 'GET',
  path: '/api/team-key-shares',
  summary: 'The team changes the directory asked for in the teams one moderates, waiting for a moderator’s client to finish them at the KMS.',
  tag: 'teams',
  auth: 'person',
  response: Type.Object({ items: Type.Array(TeamKeyShare) }),
  status: 200,
});

export const clearKeyShare = defineMethod({
  id: 'teamKeyShares.clear',
  verb: 'DELETE',
  path: '/api/team-key-shares/:id',
  summary: 'A moderator’s client finished a key share (or declines an add).',
  tag: 'teams',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});
