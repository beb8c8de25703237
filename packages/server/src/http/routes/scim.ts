/**
 * SCIM 2.0 at the Webex path `/identity/scim/{orgId}/v2/…` (issue 18). SCIM is its own protocol —
 * media type `application/scim+json`, its own error body `{schemas, status, scimType, detail}`,
 * attribute names the client chooses — so these routes live in their own Fastify scope with their
 * own error handler, and are not protocol method objects (the native API's Webex error shape and
 * strict schemas would be wrong here). The handlers stay thin: `identity/scim.ts` does the work.
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, Core } from '../../core.ts';
import { ApiError } from '../../errors.ts';
import { createUser, deleteUser, getUser, listUsers, patchUser, replaceUser, resourceTypes, schemas, SCIM_ERROR, ScimError, serviceProviderConfig } from '../../identity/scim.ts';
import { createGroup, deleteGroup, getGroup, listGroups, patchGroup, replaceGroup } from '../../identity/scim-groups.ts';

const SCIM_JSON = 'application/scim+json';

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(SCIM_JSON).send(body);
}

function actorOf(req: FastifyRequest): Actor {
  if (req.actor === undefined) throw new ScimError(401, 'The request requires the org’s SCIM token or an administrator’s bearer token.');
  return req.actor;
}

type P = { orgId: string; id: string };
type Q = { filter?: string; startIndex?: string; count?: string; excludedAttributes?: string; attributes?: string };

export function scimRoutes(app: FastifyInstance, core: Core): void {
  void app.register(
    async (scope) => {
      // Both media types carry JSON; Fastify's own parser (prototype-poisoning safe) reads them.
      scope.addContentTypeParser(SCIM_JSON, { parseAs: 'string', bodyLimit: 256 * 1024 }, scope.getDefaultJsonParser('error', 'error'));

      scope.setErrorHandler((error, req, reply) => {
        if (error instanceof ScimError) {
          return send(reply, error.status, { schemas: [SCIM_ERROR], status: String(error.status), ...(error.scimType ? { scimType: error.scimType } : {}), detail: error.message });
        }
        const api = ApiError.from(error);
        if (api.status >= 500) req.log.error({ err: error }, 'SCIM request failed');
        const status = api.status;
        // A body that is not JSON is SCIM's invalidSyntax (RFC 7644 §3.12).
        const scimType = api.code === 'malformed_json' ? 'invalidSyntax' : undefined;
        if (api.retryAfterSec !== undefined) void reply.header('Retry-After', String(api.retryAfterSec));
        return send(reply, status, { schemas: [SCIM_ERROR], status: String(status), ...(scimType ? { scimType } : {}), detail: status >= 500 ? 'Internal error.' : api.message });
      });

      // `scim`: an org admin's token, or the org's SCIM token (which no other route accepts).
      const config = (id: string) => ({ methodId: `scim.${id}`, auth: 'scim' as const });

      scope.get<{ Params: P; Querystring: Q }>('/Users', { config: config('users.list') }, async (req, reply) =>
        send(reply, 200, await listUsers(core, actorOf(req), req.params.orgId, req.query)),
      );
      scope.post<{ Params: P }>('/Users', { config: config('users.create') }, async (req, reply) => {
        const user = await createUser(core, actorOf(req), req.params.orgId, req.body);
        void reply.header('Location', user.meta.location);
        return send(reply, 201, user);
      });
      scope.get<{ Params: P }>('/Users/:id', { config: config('users.get') }, async (req, reply) => send(reply, 200, await getUser(core, actorOf(req), req.params.orgId, req.params.id)));
      scope.put<{ Params: P }>('/Users/:id', { config: config('users.replace') }, async (req, reply) =>
        send(reply, 200, await replaceUser(core, actorOf(req), req.params.orgId, req.params.id, req.body)),
      );
      scope.patch<{ Params: P }>('/Users/:id', { config: config('users.patch') }, async (req, reply) =>
        send(reply, 200, await patchUser(core, actorOf(req), req.params.orgId, req.params.id, req.body)),
      );
      scope.delete<{ Params: P }>('/Users/:id', { config: config('users.delete') }, async (req, reply) => {
        await deleteUser(core, actorOf(req), req.params.orgId, req.params.id);
        return reply.code(204).send();
      });
      scope.get<{ Params: P; Querystring: Q }>('/Groups', { config: config('groups.list') }, async (req, reply) =>
        send(reply, 200, await listGroups(core, actorOf(req), req.params.orgId, req.query)),
      );
      scope.post<{ Params: P }>('/Groups', { config: config('groups.create') }, async (req, reply) => {
        const group = await createGroup(core, actorOf(req), req.params.orgId, req.body);
        void reply.header('Location', group.meta.location);
        return send(reply, 201, group);
      });
      scope.get<{ Params: P; Querystring: Q }>('/Groups/:id', { config: config('groups.get') }, async (req, reply) =>
        send(reply, 200, await getGroup(core, actorOf(req), req.params.orgId, req.params.id, req.query)),
      );
      scope.put<{ Params: P }>('/Groups/:id', { config: config('groups.replace') }, async (req, reply) =>
        send(reply, 200, await replaceGroup(core, actorOf(req), req.params.orgId, req.params.id, req.body)),
      );
      scope.patch<{ Params: P }>('/Groups/:id', { config: config('groups.patch') }, async (req, reply) =>
        send(reply, 200, await patchGroup(core, actorOf(req), req.params.orgId, req.params.id, req.body)),
      );
      scope.delete<{ Params: P }>('/Groups/:id', { config: config('groups.delete') }, async (req, reply) => {
        await deleteGroup(core, actorOf(req), req.params.orgId, req.params.id);
        return reply.code(204).send();
      });
      // Discovery (RFC 7644 §4), behind the same token: it names the org.
      const discovery = (path: string, body: (orgId: string) => unknown) =>
        scope.get<{ Params: P }>(path, { config: config(`discovery${path}`) }, async (req, reply) => {
          const actor = actorOf(req);
          if (actor.orgId !== req.params.orgId) throw new ScimError(404, 'No such organization.');
          return send(reply, 200, body(req.params.orgId));
        });
      discovery('/ServiceProviderConfig', (orgId) => serviceProviderConfig(core, orgId));
      discovery('/ResourceTypes', (orgId) => resourceTypes(core, orgId));
      discovery('/Schemas', (orgId) => schemas(core, orgId));
    },
    { prefix: '/identity/scim/:orgId/v2' },
  );
}
