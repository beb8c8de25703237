/**
 * The console's roles page (SPEC ID-7): the roles Flint models — "org_admin" and, for everyone
 * else, the plain "user" role — with who holds them. Granting and removing the admin role is
 * `PUT /api/people/:id` with `roles` (people.updatePerson), audited as a role change.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id } from './common.ts';
import { defineMethod } from './method.ts';

/** Most holders listed for one role (the count is always exact). */
export const ROLE_HOLDERS_MAX = 200;

export const RoleHolder = Type.Object({ id: Id, displayName: Type.String(), email: Type.String(), status: Type.String() });

export const RoleSummary = Type.Object({
  /** `org_admin`, or `user` for the people (not bots, not deactivated) who hold no other role. */
  id: Type.String(),
  name: Type.String(),
  /** How many people hold it. */
  count: Type.Integer(),
  /** Who holds it, by name (at most ROLE_HOLDERS_MAX; none listed for `user`: see the People page). */
  holders: Type.Array(RoleHolder),
});
export type RoleSummary = Static<typeof RoleSummary>;

export const listRoleHolders = defineMethod({
  id: 'roles.holders',
  verb: 'GET',
  path: '/api/admin/roles',
  summary: 'Admin: the org’s roles with how many hold each and who holds the admin role.',
  tag: 'admin',
  auth: 'admin',
  response: Type.Object({ items: Type.Array(RoleSummary) }),
  status: 200,
});
