/**
 * The org, its policy, roles, licences and bots (SPEC ID-2, ID-4, ID-7, ID-9).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { LIMITS, organizations } from '@flint/protocol';
import type { Actor, Core } from '../../core.ts';
import { ApiError } from '../../errors.ts';
import { createBot } from '../../identity/org-admin.ts';
import { getOrg, listDomains, listLicenses, parsePolicy, updateOrg } from '../../identity/orgs.ts';
import { presentOrg } from '../../identity/presenters.ts';
import type { OrgRow } from '../../db/schema.ts';
import { deleteOrgLogo, getOrgLogo, setOrgLogo } from '../../admin/org-logo.ts';
import { REPLY_SENT, route } from '../route.ts';

export const ROLES = [
  { id: 'org_admin', name: 'Organization administrator' },
  { id: 'compliance_officer', name: 'Compliance officer' },
];

async function present(core: Core, actor: Actor, org: OrgRow) {
  return presentOrg(org, actor.isAdmin ? { domains: await listDomains(core.db, org.id), policy: parsePolicy(org) } : undefined, core.config.publicUrl);
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
    return present(core, actor, await updateOrg(core, actor, body));
  });

  // The logo arrives as the raw image: people.ts registers the image/* body parser (up to the
  // avatar limit); setOrgLogo refuses more than the logo's own limit with a 413 before storing.
  route(
    app,
    core,
    organizations.setOrgLogo,
    async ({ actor, params, req }) => {
      if (params.id !== actor.orgId) throw ApiError.notFound('organization');
      if (!Buffer.isBuffer(req.body)) throw new ApiError('unsupported_media_type', 'Send the logo as the raw image with its image/* Content-Type.');
      return present(core, actor, await setOrgLogo(core, actor, params.id, req.headers['content-type'], req.body));
    },
    { bodyLimit: LIMITS.avatarBytes },
  );

  route(app, core, organizations.deleteOrgLogo, async ({ actor, params }) => {
    await deleteOrgLogo(core, actor, params.id);
  });

  route(app, core, organizations.getOrgLogo, async ({ actor, params, reply }) => {
    const logo = await getOrgLogo(core, actor, params.id);
    // Always the WebP the server made; nosniff so no browser second-guesses it.
    void reply
      .code(200)
      .header('Content-Type', logo.contentType)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', "default-src 'none'; sandbox")
      .header('Cache-Control', 'private, max-age=86400')
      .send(Buffer.from(logo.data));
    return REPLY_SENT;
  });

  route(app, core, organizations.listRoles, async () => ({ items: ROLES }));

  route(app, core, organizations.listLicenses, async ({ actor }) => ({ items: await listLicenses(core.db, actor.orgId) }));

  route(app, core, organizations.createBot, async ({ actor, body }) => {
    const { person, token } = await createBot(core, actor, body.displayName);
    return { personId: person.id, email: person.email, token };
  });
}
