/**
 * Binds a protocol method to a handler. The method object supplies path, verb, schemas (which
 * validate input and generate the OpenAPI document) and the success status; the handler only
 * calls domain functions and returns the answer.
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBody, type MethodBody, type MethodParams, type MethodQuery, type MethodResult, type MethodSpec } from '@flint/protocol';
import type { Actor, ClientInfo, Core } from '../core.ts';
import { ApiError } from '../errors.ts';
import { nulCharacterAt } from './validation.ts';

export interface RouteContext<M extends MethodSpec> {
  core: Core;
  /** Present on every method whose `auth` is not `none`. */
  actor: M['auth'] extends 'none' ? Actor | undefined : Actor;
  body: MethodBody<M>;
  query: MethodQuery<M>;
  params: MethodParams<M>;
  client: ClientInfo;
  req: FastifyRequest;
  reply: FastifyReply;
}

/** A handler may answer with the method's result, or take over the reply (binary bodies). */
export const REPLY_SENT: unique symbol = Symbol('reply-sent');

export type Handler<M extends MethodSpec> = (ctx: RouteContext<M>) => Promise<MethodResult<M> | typeof REPLY_SENT>;

export interface RouteOptions {
  bodyLimit?: number;
}

export function clientInfo(req: FastifyRequest): ClientInfo {
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return typeof v === 'string' ? v : undefined;
  };
  return { ip: req.ip, userAgent: header('user-agent'), clientVersion: header('x-flint-client') };
}

export function route<M extends MethodSpec>(app: FastifyInstance, core: Core, method: M, handler: Handler<M>, options: RouteOptions = {}): void {
  const schema: Record<string, unknown> = {
    operationId: method.id,
    summary: method.summary,
    tags: [method.tag],
    response: {
      [method.status]: method.response ?? { type: 'null', description: 'No content' },
      '4xx': ErrorBody,
      '5xx': ErrorBody,
    },
  };
  if (method.auth !== 'none') schema['security'] = [{ bearer: [] }, { cookie: [] }];
  if (method.params) schema['params'] = method.params;
  if (method.query) schema['querystring'] = method.query;
  if (method.body) schema['body'] = method.body;

  app.route({
    method: method.verb,
    url: method.path,
    schema,
    ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
    config: { methodId: method.id, auth: method.auth },
    handler: async (req, reply) => {
      const actor = req.actor;
      if (method.auth !== 'none' && actor === undefined) throw ApiError.unauthorized();
      if (method.auth === 'admin' && actor?.isAdmin !== true) throw ApiError.forbidden('This requires the organization administrator role.');
      const nul = nulCharacterAt(req.body, 'body') ?? nulCharacterAt(req.query, 'query') ?? nulCharacterAt(req.params, 'params');
      if (nul !== undefined) throw new ApiError('validation_failed', 'The request could not be understood by the server due to malformed syntax. See \'errors\' for more details.', [`${nul}: must not contain the NUL character (U+0000)`]);
      const result = await handler({
        core,
        actor: actor as RouteContext<M>['actor'],
        body: req.body as MethodBody<M>,
        query: req.query as MethodQuery<M>,
        params: req.params as MethodParams<M>,
        client: clientInfo(req),
        req,
        reply,
      });
      if (result === REPLY_SENT) return reply;
      reply.code(method.status);
      return method.status === 204 ? reply.send() : reply.send(result);
    },
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | undefined;
  }
  interface FastifyContextConfig {
    methodId?: string;
    /** `scim`: the SCIM routes, which also take the org's directory token (`identity/scim-token.ts`). */
    auth?: MethodSpec['auth'] | 'scim';
  }
}
