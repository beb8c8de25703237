/**
 * Request validation. Bodies are checked strictly — no type coercion, unknown fields rejected —
 * so a wrong type or a stray field is a 400, never silently "fixed". Query strings and path
 * parameters arrive as text and are coerced to their declared types.
 * @module
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

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
    const validate: ValidateFunction = ajv.compile(schema as object);
    return (data: unknown) => (validate(data) ? { value: data } : { error: Object.assign(new Error('validation failed'), { validation: validate.errors ?? [] }) });
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
