/**
 * `/v1/teams` and `/v1/team/memberships` (SPEC PL-2, SP-3). A team's name is sealed like a space
 * title: the team gets a KMS key and resource (KRO) on creation, shared with its general space,
 * and the KRO's authorizations follow the team's membership — added before someone joins, taken
 * away (and the keys of the spaces they leave with the team rotated) when someone is removed. The
 * team's other spaces name that KRO among their authorizations, so team members may read and join
 * them (the SDK session's `teams`).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { Team, TeamMembership } from '@flint/protocol';
import type { Caller } from '../callers.ts';
import { WebexError } from '../errors.ts';
import { fieldId, pairId, pathId } from '../ids.ts';
import { presentTeam, presentTeamMembership, type WebexTeam } from '../present.ts';
import { bodyObject, optBoolean, pageMax, queryString, reqString, setNextLink } from '../request.ts';
import { v1, type Gateway } from '../context.ts';
import { personRef } from './memberships.ts';
import { TITLE_MAX } from './rooms.ts';

async function openTeam(caller: Caller, team: Team): Promise<WebexTeam> {
  const opened = await caller.session.teams.open(team);
  return presentTeam(team, opened.name, opened.decryptError);
}

async function resolvePersonId(caller: Caller, ref: { personId: string } | { personEmail: string }): Promise<string> {
  if ('personId' in ref) return ref.personId;
  const found = (await caller.session.api.people.list({ email: ref.personEmail })).items[0];
  if (found === undefined) throw WebexError.notFound('person');
  return found.id;
}

async function findTeamMembership(caller: Caller, id: string): Promise<TeamMembership> {
  const pair = pairId('TEAM_MEMBERSHIP', id);
  if (pair === undefined) throw WebexError.notFound('team membership');
  const [personId, teamId] = pair;
  const found = (await caller.session.api.teams.memberships(teamId)).find((m) => m.personId === personId);
  if (found === undefined) throw WebexError.notFound('team membership');
  return found;
}

export function teamRoutes(app: FastifyInstance, gw: Gateway): void {
  v1(app, gw, 'GET', '/v1/teams', async ({ req, reply, caller }) => {
    const max = pageMax(req.query);
    const after = queryString(req.query, 'cursor', 40);
    const all = await caller.session.api.teams.list();
    const start = after === undefined ? 0 : all.findIndex((t) => t.id === after) + 1;
    const page = all.slice(start, start + max);
    if (start + max < all.length && page.length > 0) setNextLink(req, reply, { cursor: page.at(-1)!.id });
    return { items: await Promise.all(page.map((t) => openTeam(caller, t))) };
  });

  v1(app, gw, 'POST', '/v1/teams', async ({ req, caller }) => {
    const name = reqString(bodyObject(req), 'name', { max: TITLE_MAX });
    const team = await caller.session.teams.create({ name });
    return presentTeam({ ...team, name: '' }, name);
  });

  v1(app, gw, 'GET', '/v1/teams/:teamId', async ({ req, caller }) => openTeam(caller, await caller.session.api.teams.get(pathId('TEAM', (req.params as { teamId: string }).teamId))));

  v1(app, gw, 'PUT', '/v1/teams/:teamId', async ({ req, caller }) => {
    const id = pathId('TEAM', (req.params as { teamId: string }).teamId);
    const name = reqString(bodyObject(req), 'name', { max: TITLE_MAX });
    // Sealed with the general space's current key: one that a removed member cannot get.
    const updated = await caller.session.teams.rename(id, name);
    return presentTeam({ ...updated, name: '' }, name);
  });

  v1(app, gw, 'DELETE', '/v1/teams/:teamId', async ({ req, caller }) => {
    await caller.session.api.teams.delete(pathId('TEAM', (req.params as { teamId: string }).teamId));
  });

  v1(app, gw, 'GET', '/v1/team/memberships', async ({ req, caller }) => {
    const teamIdRaw = queryString(req.query, 'teamId');
    if (teamIdRaw === undefined) throw WebexError.badRequest('teamId: required');
    const items = await caller.session.api.teams.memberships(fieldId('TEAM', teamIdRaw, 'teamId'));
    return { items: items.slice(0, pageMax(req.query)).map(presentTeamMembership) };
  });

  v1(app, gw, 'POST', '/v1/team/memberships', async ({ req, caller }) => {
    const body = bodyObject(req);
    const teamId = fieldId('TEAM', body['teamId'], 'teamId');
    const isModerator = optBoolean(body, 'isModerator');
    const personId = await resolvePersonId(caller, personRef(body));
    // The KMS authorization on the team's KRO first: the core cannot grant it (DESIGN §2, invariant 2).
    return presentTeamMembership(await caller.session.teams.addMember(teamId, { personId }, isModerator !== undefined ? { isModerator } : {}));
  });

  v1(app, gw, 'GET', '/v1/team/memberships/:membershipId', async ({ req, caller }) => presentTeamMembership(await findTeamMembership(caller, (req.params as { membershipId: string }).membershipId)));

  v1(app, gw, 'PUT', '/v1/team/memberships/:membershipId', async ({ req, caller }) => {
    const membership = await findTeamMembership(caller, (req.params as { membershipId: string }).membershipId);
    const isModerator = optBoolean(bodyObject(req), 'isModerator');
    if (isModerator === undefined) throw WebexError.badRequest('isModerator: required');
    if (isModerator === membership.isModerator) return presentTeamMembership(membership);
    return presentTeamMembership(await caller.session.api.teams.setModerator(membership.id, isModerator));
  });

  v1(app, gw, 'DELETE', '/v1/team/memberships/:membershipId', async ({ req, caller }) => {
    const membership = await findTeamMembership(caller, (req.params as { membershipId: string }).membershipId);
    // Authorization off the team's KRO, out of the team and its spaces, their keys rotated.
    await caller.session.teams.removeMember(membership);
  });
}
