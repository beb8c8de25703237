/**
 * The compliance query API (SPEC CP-1, CP-2): the org's ciphertext and metadata for its compliance
 * officers. Thin: each route is one domain function (compliance/queries.ts) and Link paging.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { compliance } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { getOrgMessage, listOrgEvents, listOrgFiles, listOrgMemberships, listOrgMessages, listOrgSpaces, searchOrg } from '../../compliance/queries.ts';
import { setNextLink } from '../paging.ts';
import { route } from '../route.ts';

export function complianceRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, compliance.listSpaces, async ({ actor, query, req, reply }) => {
    const { items, next } = await listOrgSpaces(core, actor, query);
    if (next !== undefined) setNextLink(req, reply, next);
    return { items };
  });
  route(app, core, compliance.listMemberships, async ({ actor, query, req, reply }) => {
    const { items, next } = await listOrgMemberships(core, actor, query);
    if (next !== undefined) setNextLink(req, reply, next);
    return { items };
  });
  route(app, core, compliance.listMessages, async ({ actor, query, req, reply }) => {
    const { items, next } = await listOrgMessages(core, actor, query);
    if (next !== undefined) setNextLink(req, reply, next);
    return { items };
  });
  route(app, core, compliance.getMessage, async ({ actor, params }) => getOrgMessage(core, actor, params.id));
  route(app, core, compliance.listEvents, async ({ actor, query, req, reply }) => {
    const { items, next } = await listOrgEvents(core, actor, query);
    if (next !== undefined) setNextLink(req, reply, next);
    return { items };
  });
  route(app, core, compliance.listFiles, async ({ actor, query, req, reply }) => {
    const { items, next } = await listOrgFiles(core, actor, query);
    if (next !== undefined) setNextLink(req, reply, next);
    return { items };
  });
  route(app, core, compliance.searchMessages, async ({ actor, body }) => searchOrg(core, actor, body));
}
