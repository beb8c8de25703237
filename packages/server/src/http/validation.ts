/**
 * Request validation and response serialization. Bodies are checked strictly — no type coercion,
 * unknown fields rejected — so a wrong type or a stray field is a 400, never silently "fixed". Query
 * strings and path parameters arrive as text and are coerced to their declared types.
 *
 * Both compile a route's schemas on the route's first use rather than when the app starts: compiling
 * all of them (a few hundred routes, each with input schemas and 2–3 response schemas) was about 1.5 s
 * of CPU and tens of MB of heap at every start, for routes a given server may never be asked.
 * The compiled functions are the same ones, so what is accepted, refused and sent is unchanged.
 * @module
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';

/** `compile()` on the first call of the returned function, then that function. */
export function onFirstUse<A extends unknown[], R>(compile: () => (...args: A) => R): (...args: A) => R {
  let compiled: ((...args: A) => R) | undefined;
  return (...args) => (compiled ??= compile())(...args);
}

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    coerceTypes: coerce ? 'array' : false,
    strict: false,
  });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
    return onFirstUse(() => {
      const validate: ValidateFunction = ajv.compile(schema as object);
      return (data: unknown) => (validate(data) ? { value: data } : { error: Object.assign(new Error('validation failed'), { validation: validate.errors ?? [] }) });
    });
  };
}

type SerializerFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer']>;

/** Fastify's own response serializer factory (fast-json-stringify), each route's serializer built on its first reply. */
export function lazySerializerFactory(): SerializerFactory {
  const fastifyDefault = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = fastifyDefault(externalSchemas, options);
    return (route) => onFirstUse(() => compile(route));
  };
}

/**
 * Where a request's parsed input holds U+0000 (`body.title`, `query.email`…), if anywhere. No field
 * of the API has a use for it and PostgreSQL cannot store it in text, so it is refused at the edge
 * on both engines alike, rather than failing (500) deep in a write on one of them.
 */
export function nulCharacterAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = key.includes('\u0000') ? path : nulCharacterAt(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
