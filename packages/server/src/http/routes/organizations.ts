/**
 * The org, its policy, roles, licences and bots (SPEC ID-2, ID-4, ID-7, ID-9).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { organizations } from '@flint/protocol';
import type { Actor, Core } from '../../core.ts';
import { ApiError } from '../../errors.ts';
import { createBot } from '../../identity/org-admin.ts';
import { getOrg, listDomains, listLicenses, parsePolicy, updateOrg } from '../../identity/orgs.ts';
import { presentOrg } from '../../identity/presenters.ts';
import type { OrgRow } from '../../db/schema.ts';
import { route } from '../route.ts';

export const ROLES = [{ id: 'org_admin', name: 'Organization administrator' }];

async function present(core: Core, actor: Actor, org: OrgRow) {
  return presentOrg(org, actor.isAdmin ? { domains: await listDomains(core.db, org.id), policy: parsePolicy(org) } : undefined);
}

export function organizationRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, organizations.listOrganizations, async ({ actor }) => {
    const org = await getOrg(core.db, actor.orgId);
    return { items: org ? [await present(core, actor, org)] : [] };
  });

  route(app, core, organizations.getOrganization, async ({ actor, params }) => {
    const org = params.id === actor.orgId ? await getOrg(core.db, params.id) : undefined;
    if (org === undefined) throw ApiError.notFound('organization');
    return present(core, actor, org);
  });

  route(app, core, organizations.updateOrganization, async ({ actor, params, body }) => {
    if (params.id !== actor.orgId) throw ApiError.notFound('organization');
    return present(core, actor, await updateOrg(core, actor.orgId, body));
  });

  route(app, core, organizations.listRoles, async () => ({ items: ROLES }));

  route(app, core, organizations.listLicenses, async ({ actor }) => ({ items: await listLicenses(core.db, actor.orgId) }));

  route(app, core, organizations.createBot, async ({ actor, body }) => {
    const { person, token } = await createBot(core, actor.orgId, body.displayName);
    return { personId: person.id, email: person.email, token };
  });
}
