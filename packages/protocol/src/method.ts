/**
 * A method is the single definition of one HTTP endpoint: its path, verb, input schemas and answer.
 * The server registers handlers by method object and the SDK calls by method object, so the two
 * can never disagree about a path or a field (habit: "the schema object is the route key").
 * @module
 */
import type { Static, TSchema } from 'typebox';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a method: anyone, any signed-in principal, or an org admin. */
export type MethodAuth = 'none' | 'person' | 'admin';

export interface MethodSpec {
  /** Stable id, `resource.verb`, used in logs, metrics and the OpenAPI operationId. */
  readonly id: string;
  readonly verb: HttpVerb;
  /** Fastify-style path with `:param` placeholders. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly auth: MethodAuth;
  readonly params?: TSchema;
  readonly query?: TSchema;
  readonly body?: TSchema;
  /** The success answer's schema; `null` for an empty answer. */
  readonly response: TSchema | null;
  /** The success status code (Webex: 200 for GET/POST/PUT, 204 for DELETE). */
  readonly status: 200 | 201 | 202 | 204;
}

export function defineMethod<const T extends MethodSpec>(spec: T): T {
  return spec;
}

type StaticOr<S, Fallback> = S extends TSchema ? Static<S> : Fallback;

export type MethodParams<M extends MethodSpec> = StaticOr<M['params'], undefined>;
export type MethodQuery<M extends MethodSpec> = StaticOr<M['query'], undefined>;
export type MethodBody<M extends MethodSpec> = StaticOr<M['body'], undefined>;
export type MethodResult<M extends MethodSpec> = M['response'] extends TSchema ? Static<M['response']> : void;

/** Fills `:param` placeholders of a method path. Values are URI-encoded. */
export function methodPath(path: string, params: Record<string, string> | undefined): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new TypeError(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}
