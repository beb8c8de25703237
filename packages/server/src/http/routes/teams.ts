/**
 * Teams and team memberships (SPEC SP-3).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { spaces } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { addTeamMember, createTeam, deleteTeam, getTeam, listTeamMemberships, listTeams, removeTeamMember, renameTeam, setTeamModerator } from '../../spaces/teams.ts';
import { pageSize } from '../paging.ts';
import { route } from '../route.ts';

export function teamRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, spaces.createTeam, async ({ actor, body }) => createTeam(core, actor, body));
  route(app, core, spaces.listTeams, async ({ actor }) => ({ items: await listTeams(core, actor) }));
  route(app, core, spaces.getTeam, async ({ actor, params }) => getTeam(core, actor, params.id));
  route(app, core, spaces.updateTeam, async ({ actor, params, body }) => renameTeam(core, actor, params.id, body));
  route(app, core, spaces.deleteTeam, async ({ actor, params }) => {
    await deleteTeam(core, actor, params.id);
  });
  route(app, core, spaces.listTeamMemberships, async ({ actor, query }) => ({ items: await listTeamMemberships(core, actor, query.teamId, pageSize(query.max)) }));
  route(app, core, spaces.createTeamMembership, async ({ actor, body }) => addTeamMember(core, actor, body));
  route(app, core, spaces.updateTeamMembership, async ({ actor, params, body }) => setTeamModerator(core, actor, params.id, body.isModerator));
  route(app, core, spaces.deleteTeamMembership, async ({ actor, params }) => {
    await removeTeamMember(core, actor, params.id);
  });
}
