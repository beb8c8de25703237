/**
 * Directory sync's settings in the console (issue 18): the SCIM token, the groups' mappings, and
 * the team key shares a moderator's client finishes.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { directory } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { ApiError } from '../../errors.ts';
import { groupSummaries } from '../../identity/scim-groups.ts';
import { setGroupMapping } from '../../identity/scim-mapping.ts';
import { createScimToken, revokeScimToken, scimTokenInfo } from '../../identity/scim-token.ts';
import { clearTeamKeyShare, listTeamKeyShares } from '../../spaces/team-key-shares.ts';
import { route } from '../route.ts';

export function directoryRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, directory.getScim, async ({ actor }) => {
    const token = await scimTokenInfo(core, actor);
    return { baseUrl: `${core.config.publicUrl}/identity/scim/${actor.orgId}/v2`, ...(token !== undefined ? { token } : {}), groups: await groupSummaries(core, actor.orgId) };
  });
  route(app, core, directory.createToken, async ({ actor }) => createScimToken(core, actor));
  route(app, core, directory.revokeToken, async ({ actor }) => {
    await revokeScimToken(core, actor);
  });
  route(app, core, directory.mapGroup, async ({ actor, params, body }) => {
    await setGroupMapping(core, actor, params.id, { role: body.role, teamId: body.teamId });
    const [summary] = await groupSummaries(core, actor.orgId, params.id);
    if (summary === undefined) throw ApiError.notFound('group');
    return summary;
  });
  route(app, core, directory.listKeyShares, async ({ actor }) => ({ items: await listTeamKeyShares(core, actor) }));
  route(app, core, directory.clearKeyShare, async ({ actor, params }) => {
    await clearTeamKeyShare(core, actor, params.id);
  });
}
