/**
 * An org admin's domains, proved by DNS TXT records (SPEC ID-2).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { adminDomains } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { claimDomain, listOrgDomains, presentDomain, removeDomain, verifyDomain } from '../../admin/domains.ts';
import { route } from '../route.ts';

export function adminDomainRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, adminDomains.listDomains, async ({ actor }) => ({ items: (await listOrgDomains(core, actor)).map(presentDomain) }));
  route(app, core, adminDomains.addDomain, async ({ actor, body }) => presentDomain(await claimDomain(core, actor, body.domain)));
  route(app, core, adminDomains.verifyDomain, async ({ actor, params }) => presentDomain(await verifyDomain(core, actor, params.domain)));
  route(app, core, adminDomains.removeDomain, async ({ actor, params }) => {
    await removeDomain(core, actor, params.domain);
  });
}
