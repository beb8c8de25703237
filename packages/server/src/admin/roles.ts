/**
 * The org's roles and who holds them (SPEC ID-7), for the console's roles page. Flint models two
 * roles a person is granted, `org_admin` and `compliance_officer` (SPEC CP-1: the org's ciphertext
 * and metadata through the compliance API; keys only from the KMS); everyone else active in the
 * org is a plain `user`.
 * @module
 */
import { adminRoles, type RoleId, type RoleSummary } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';

async function holdersOf(core: Core, actor: Actor, role: RoleId) {
  return core.db
    .selectFrom('person_roles')
    .innerJoin('people', 'people.id', 'person_roles.person_id')
    .select(['people.id', 'people.display_name', 'people.email', 'people.status'])
    .where('person_roles.role', '=', role)
    .where('people.org_id', '=', actor.orgId)
    .where('people.status', '!=', 'deactivated')
    .orderBy('people.display_name')
    .orderBy('people.id')
    .execute();
}

export async function roleHolders(core: Core, actor: Actor): Promise<RoleSummary[]> {
  const admins = await holdersOf(core, actor, 'org_admin');
  const officers = await holdersOf(core, actor, 'compliance_officer');
  const everyone = await core.db
    .selectFrom('people')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', actor.orgId)
    .where('type', '=', 'person')
    .where('status', '!=', 'deactivated')
    .executeTakeFirstOrThrow();
  return [
    {
      id: 'org_admin',
      name: 'Organization administrator',
      count: admins.length,
      holders: admins.slice(0, adminRoles.ROLE_HOLDERS_MAX).map((a) => ({ id: a.id, displayName: a.display_name, email: a.email, status: a.status })),
    },
    {
      id: 'compliance_officer',
      name: 'Compliance officer',
      count: officers.length,
      holders: officers.slice(0, adminRoles.ROLE_HOLDERS_MAX).map((a) => ({ id: a.id, displayName: a.display_name, email: a.email, status: a.status })),
    },
    { id: 'user', name: 'User', count: Math.max(0, Number(everyone.n) - new Set([...admins, ...officers].map((p) => p.id)).size), holders: [] },
  ];
}
