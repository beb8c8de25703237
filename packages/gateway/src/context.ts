/**
 * What every `/v1` route needs: the caller behind the request's bearer token, and a way to
 * register a Webex route (both with and without a trailing slash, since the SDK asks for
 * `/v1/people/`), answering Webex's status codes (200 with JSON, or 204 with nothing).
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FlintError } from '@flint/sdk';
import type { Caller, Callers, CoreAccess } from './callers.ts';
import type { MercuryCursors } from './listen/cursors.ts';
import { bearerOf } from './request.ts';
import { assertScope, routeScope } from './scopes.ts';

export interface GatewayLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface Gateway {
  callers: Callers;
  core: CoreAccess;
  log: GatewayLog;
  /** Where each `listen()` device left off, to resume after a reconnect. */
  cursors: MercuryCursors;
}

export interface V1Context {
  req: FastifyRequest;
  reply: FastifyReply;
  caller: Caller;
  gateway: Gateway;
}

type Verb = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';

/** The caller of a request; a token the core refuses is forgotten at once. */
export async function callerOf(gateway: Gateway, req: FastifyRequest): Promise<Caller> {
  const token = bearerOf(req);
  try {
    return await gateway.callers.get(token);
  } catch (error) {
    if (error instanceof FlintError && error.status === 401) await gateway.callers.forget(token);
    throw error;
  }
}

/** What a handler answers when it has sent the reply itself (a reply is a thenable: never return it). */
export const REPLY_SENT: unique symbol = Symbol('reply-sent');

/**
 * Registers a `/v1` route. The handler answers the JSON body (200), `undefined` for a DELETE (204),
 * or sends the reply itself (binary contents) and answers `REPLY_SENT`.
 */
export function v1(
  app: FastifyInstance,
  gateway: Gateway,
  verb: Verb,
  path: string,
  handler: (ctx: V1Context) => Promise<unknown>,
  options: { bodyLimit?: number } = {},
): void {
  // Every route declares the scope an integration's token needs (scopes.ts), or registering fails.
  const needed = routeScope(verb, path);
  const run = async (req: FastifyRequest, reply: FastifyReply) => {
    const caller = await callerOf(gateway, req);
    assertScope(caller.scopes, needed);
    try {
      const result = await handler({ req, reply, caller, gateway });
      if (result === REPLY_SENT) return reply;
      if (verb === 'DELETE') return reply.code(204).send();
      return reply.code(200).send(result);
    } catch (error) {
      if (error instanceof FlintError && error.status === 401) await gateway.callers.forget(bearerOf(req));
      throw error;
    }
  };
  const paths = path.endsWith('/') ? [path] : [path, `${path}/`];
  for (const url of paths) app.route({ method: verb, url, handler: run, schema: { hide: true }, ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}) });
}
