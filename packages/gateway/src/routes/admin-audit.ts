/**
 * `/v1/adminAudit/events` (SPEC CP-5, PL-2): the org's admin audit log in Webex's shape. `from`,
 * `to` and `orgId` are required as Webex requires them; the core checks that the caller is an admin.
 * Webex writes `id`, `actorId` and `targetId` as base64 of the bare UUID (not hydra ids) and the
 * org ids as hydra ids; categories and target types as `EventCategory.X` and `TargetResourceType.X`.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { adminAudit, fromHydraId, type AuditEvent } from '@flint/protocol';
import { nextLink } from '@flint/sdk';
import { WebexError } from '../errors.ts';
import { hydra } from '../ids.ts';
import { linkParam, pageMax, queryList, queryString, setNextLink } from '../request.ts';
import { v1, type Gateway } from '../context.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function present(e: AuditEvent) {
  const org = hydra.org(e.orgId);
  return {
    id: b64(e.id),
    ...(e.actorId !== undefined ? { actorId: b64(e.actorId) } : {}),
    actorOrgId: org,
    // The Python SDK's model reads `orgId` where the spec has `actorOrgId`: both.
    orgId: org,
    created: e.created,
    data: {
      actorName: e.actorName,
      ...(e.actorEmail !== undefined ? { actorEmail: e.actorEmail } : {}),
      ...(e.actorIp !== undefined ? { actorIp: e.actorIp } : {}),
      ...(e.actorUserAgent !== undefined ? { actorUserAgent: e.actorUserAgent } : {}),
      ...(e.trackingId !== undefined ? { trackingId: e.trackingId } : {}),
      adminRoles: e.actorId !== undefined ? ['Full_Admin'] : [],
      actionText: e.actionText,
      eventCategory: `EventCategory.${e.category}`,
      eventDescription: e.description,
      targetId: e.targetType === 'USER' || e.targetType === 'INVITATION' ? b64(e.targetId) : e.targetId,
      targetName: e.targetName,
      targetType: `TargetResourceType.${e.targetType}`,
      targetOrgId: org,
    },
  };
}

function requiredTime(query: unknown, name: string): string {
  const value = queryString(query, name, 40);
  if (value === undefined) throw WebexError.badRequest(`${name}: required (ISO-8601)`);
  if (Number.isNaN(Date.parse(value))) throw WebexError.badRequest(`${name}: not an ISO-8601 time`);
  return new Date(value).toISOString();
}

export function adminAuditRoutes(app: FastifyInstance, gw: Gateway): void {
  v1(app, gw, 'GET', '/v1/adminAudit/events', async ({ req, reply, caller }) => {
    const orgParam = queryString(req.query, 'orgId', 200);
    if (orgParam === undefined) throw WebexError.badRequest('orgId: required');
    const orgId = fromHydraId('ORGANIZATION', orgParam);
    if (orgId === undefined) throw WebexError.badRequest('orgId: not an organization id');
    const from = requiredTime(req.query, 'from');
    const to = requiredTime(req.query, 'to');
    const offsetRaw = queryString(req.query, 'offset', 12);
    if (offsetRaw !== undefined && !/^\d+$/.test(offsetRaw)) throw WebexError.badRequest('offset: a non-negative integer');
    const actorParam = queryString(req.query, 'actorId', 200);
    const actorId = actorParam === undefined ? undefined : (fromHydraId('PEOPLE', actorParam) ?? Buffer.from(actorParam, 'base64').toString('utf8'));
    const categories = queryList(req.query, 'eventCategories');
    const me = caller.me;
    // Another org's log: the same answer as a non-admin's, so it tells nothing.
    if (me.orgId !== orgId) throw new WebexError('forbidden', 'This requires the organization administrator role.');
    const response = await caller.session.api.transport.send(adminAudit.listAuditEvents, {
      query: {
        from,
        to,
        max: pageMax(req.query, 100, adminAudit.AUDIT_PAGE_MAX),
        ...(offsetRaw !== undefined ? { offset: Number(offsetRaw) } : {}),
        ...(actorId !== undefined ? { actorId } : {}),
        ...(categories !== undefined ? { eventCategories: categories.join(',') } : {}),
      },
    });
    const body = (await response.json()) as { items: AuditEvent[] };
    const nextOffset = linkParam(nextLink(response), 'offset');
    if (nextOffset !== undefined) setNextLink(req, reply, { offset: nextOffset });
    return { items: body.items.map(present) };
  });

  v1(app, gw, 'GET', '/v1/adminAudit/eventCategories', async () => ({
    eventCategories: ['USERS', 'ROLES', 'ORG_SETTINGS', 'DOMAINS', 'BOTS', 'INVITATIONS', 'COMPLIANCE'],
  }));
}
