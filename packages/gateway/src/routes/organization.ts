/**
 * `/v1/organizations`, `/v1/roles` and `/v1/licenses` (SPEC PL-2, ID-7): read-only views of the
 * caller's organization, its roles and its licence usage, with hydra ids.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { parseHydraId } from '@flint/protocol';
import { WebexError } from '../errors.ts';
import { hydra, pathId } from '../ids.ts';
import { v1, type Gateway } from '../context.ts';

const ROLE_NAMES: Record<string, string> = { org_admin: 'Full Administrator', compliance_officer: 'Compliance Officer' };

export function organizationRoutes(app: FastifyInstance, gw: Gateway): void {
  v1(app, gw, 'GET', '/v1/organizations', async ({ caller }) => ({
    items: (await caller.session.api.organizations.list()).map((o) => ({ id: hydra.org(o.id), displayName: o.displayName, created: o.created })),
  }));

  v1(app, gw, 'GET', '/v1/organizations/:orgId', async ({ req, caller }) => {
    const o = await caller.session.api.organizations.get(pathId('ORGANIZATION', (req.params as { orgId: string }).orgId));
    return { id: hydra.org(o.id), displayName: o.displayName, created: o.created };
  });

  v1(app, gw, 'GET', '/v1/roles', async ({ caller }) => ({
    items: (await caller.session.api.organizations.roles()).map((r) => ({ id: hydra.role(r.id), name: ROLE_NAMES[r.id] ?? r.name })),
  }));

  v1(app, gw, 'GET', '/v1/roles/:roleId', async ({ req, caller }) => {
    const decoded = parseHydraId((req.params as { roleId: string }).roleId);
    const role = (await caller.session.api.organizations.roles()).find((r) => decoded?.type === 'ROLE' && r.id === decoded.localId);
    if (role === undefined) throw WebexError.notFound('role');
    return { id: hydra.role(role.id), name: ROLE_NAMES[role.id] ?? role.name };
  });

  const license = (l: { id: string; name: string; totalUnits: number; consumedUnits: number; consumedByUsers: number }) => ({
    id: hydra.license(l.id),
    name: l.name,
    totalUnits: l.totalUnits,
    consumedUnits: l.consumedUnits,
    consumedByUsers: l.consumedByUsers,
    consumedByWorkspaces: 0,
  });

  v1(app, gw, 'GET', '/v1/licenses', async ({ caller }) => ({ items: (await caller.session.api.organizations.licenses()).map(license) }));

  v1(app, gw, 'GET', '/v1/licenses/:licenseId', async ({ req, caller }) => {
    const decoded = parseHydraId((req.params as { licenseId: string }).licenseId);
    const found = (await caller.session.api.organizations.licenses()).find((l) => decoded?.type === 'LICENSE' && l.id === decoded.localId);
    if (found === undefined) throw WebexError.notFound('license');
    return license(found);
  });
}
