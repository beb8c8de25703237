/**
 * The admin audit log (SPEC CP-5), for the org's admins.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { adminAudit } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { listAuditEvents } from '../../admin/audit.ts';
import { setNextLinkParams } from '../paging.ts';
import { route } from '../route.ts';

export function adminAuditRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, adminAudit.listAuditEvents, async ({ actor, query, req, reply }) => {
    const { items, next } = await listAuditEvents(core, actor, query);
    if (next !== undefined) setNextLinkParams(req, reply, { offset: String(next.offset), to: next.to });
    return { items };
  });
}
