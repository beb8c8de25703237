/**
 * `/v1/people` (SPEC PL-2, ID-2, ID-7): oneself, the directory (by e-mail, display-name prefix or
 * up to 85 ids — raw UUIDs too, answered in hydra form, as the Webex SDK's batcher needs), one
 * person, and the admin calls.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { fromHydraId, parseHydraId, type RoleId } from '@flint/protocol';
import { WebexError } from '../errors.ts';
import { hydra, pathId } from '../ids.ts';
import { GATEWAY_LIMITS } from '../limits.ts';
import { presentPerson } from '../present.ts';
import { bodyObject, linkParam, optBoolean, optString, pageMax, queryList, queryString, reqString, setNextLink } from '../request.ts';
import { v1, type Gateway } from '../context.ts';

const ROLES: readonly RoleId[] = ['org_admin', 'compliance_officer'];

/** Webex role ids (hydra ROLE, or the bare name) → Flint's role names. */
function rolesOf(body: Record<string, unknown>): RoleId[] | undefined {
  const roles = body['roles'];
  if (roles === undefined || roles === null) return undefined;
  if (!Array.isArray(roles) || roles.length > 10) throw WebexError.badRequest('roles: a list of role ids');
  return roles.map((r) => {
    const name = typeof r === 'string' ? (parseHydraId(r)?.type === 'ROLE' ? parseHydraId(r)!.localId : r) : '';
    if (!(ROLES as readonly string[]).includes(name)) throw WebexError.badRequest(`roles: unknown role ${String(r).slice(0, 80)}`);
    return name as RoleId;
  });
}

export function peopleRoutes(app: FastifyInstance, gw: Gateway): void {
  v1(app, gw, 'GET', '/v1/people/me', async ({ caller }) => presentPerson(await caller.session.api.people.me()));

  v1(app, gw, 'GET', '/v1/people', async ({ req, reply, caller }) => {
    const ids = queryList(req.query, 'id');
    const email = queryString(req.query, 'email', 254);
    const displayName = queryString(req.query, 'displayName', 128);
    if (ids !== undefined) {
      if (ids.length > GATEWAY_LIMITS.peopleIds) throw WebexError.badRequest(`id: at most ${GATEWAY_LIMITS.peopleIds} ids`);
      const wanted = ids.map((given) => ({ given, uuid: fromHydraId('PEOPLE', given) }));
      const uuids = [...new Set(wanted.flatMap((w) => (w.uuid === undefined ? [] : [w.uuid])))];
      const found = uuids.length === 0 ? { items: [], notFoundIds: [] } : await caller.session.api.people.list({ id: uuids.join(',') });
      const notFound = [
        // Always in hydra form: the SDK matches them against the hydra form of what it asked for.
        ...(found.notFoundIds ?? []).map(hydra.person),
        ...wanted.filter((w) => w.uuid === undefined).map((w) => w.given),
      ];
      return { items: found.items.map(presentPerson), notFoundIds: notFound };
    }
    if (email === undefined && displayName === undefined) throw WebexError.badRequest('Give email, displayName or id.');
    const page = await caller.session.api.people.list({
      ...(email !== undefined ? { email } : {}),
      ...(displayName !== undefined ? { displayName } : {}),
      max: pageMax(req.query),
      ...(queryString(req.query, 'cursor', 200) !== undefined ? { cursor: queryString(req.query, 'cursor', 200)! } : {}),
    });
    const cursor = linkParam(page.next, 'cursor');
    if (cursor !== undefined) setNextLink(req, reply, { cursor });
    return { items: page.items.map(presentPerson), notFoundIds: [] };
  });

  v1(app, gw, 'GET', '/v1/people/:personId', async ({ req, caller }) => {
    const id = pathId('PEOPLE', (req.params as { personId: string }).personId);
    return presentPerson(await caller.session.api.people.get(id));
  });

  v1(app, gw, 'POST', '/v1/people', async ({ req, caller }) => {
    const body = bodyObject(req);
    const emails = body['emails'];
    if (!Array.isArray(emails) || emails.length !== 1 || typeof emails[0] !== 'string') throw WebexError.badRequest('emails: a list of one e-mail address');
    const roles = rolesOf(body);
    const firstName = optString(body, 'firstName', { max: 64 });
    const lastName = optString(body, 'lastName', { max: 64 });
    const displayName = optString(body, 'displayName', { max: 128 }) ?? ([firstName, lastName].filter(Boolean).join(' ') || emails[0].split('@')[0]!);
    const person = await caller.session.api.people.create({
      emails: [emails[0]],
      displayName,
      ...(firstName !== undefined ? { firstName } : {}),
      ...(lastName !== undefined ? { lastName } : {}),
      ...(roles !== undefined ? { roles } : {}),
    });
    return presentPerson(person);
  });

  v1(app, gw, 'PUT', '/v1/people/:personId', async ({ req, caller }) => {
    const id = pathId('PEOPLE', (req.params as { personId: string }).personId);
    const body = bodyObject(req);
    const roles = rolesOf(body);
    const firstName = optString(body, 'firstName', { max: 64 });
    const lastName = optString(body, 'lastName', { max: 64 });
    const nickName = optString(body, 'nickName', { max: 64 });
    const loginEnabled = optBoolean(body, 'loginEnabled');
    const person = await caller.session.api.people.update(id, {
      // Webex requires displayName on PUT.
      displayName: reqString(body, 'displayName', { max: 128 }),
      ...(firstName !== undefined ? { firstName } : {}),
      ...(lastName !== undefined ? { lastName } : {}),
      ...(nickName !== undefined ? { nickName } : {}),
      ...(roles !== undefined ? { roles } : {}),
      ...(loginEnabled !== undefined ? { loginEnabled } : {}),
    });
    return presentPerson(person);
  });

  v1(app, gw, 'DELETE', '/v1/people/:personId', async ({ req, caller }) => {
    await caller.session.api.people.deactivate(pathId('PEOPLE', (req.params as { personId: string }).personId));
  });
}
