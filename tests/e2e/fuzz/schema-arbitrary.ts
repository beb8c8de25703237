/**
 * fast-check arbitraries from the JSON Schemas of the protocol's method objects (the subset TypeBox
 * emits for them: objects, strings with lengths, patterns and formats, integers, booleans, arrays,
 * `anyOf`, `const`, `enum`). `valid` makes values the server's validator accepts (filtered through
 * the same Ajv settings, so "valid" means valid to the server); `invalid` mutates valid values —
 * a wrong type, a missing required field, an unknown field, a value out of range — and keeps only
 * what that validator refuses.
 * @module
 */
import fc from 'fast-check';
import { validatorCompiler } from '@flint/server';

type Schema = Record<string, unknown>;
type Check = (data: unknown) => boolean;

/** The server's own validators (packages/server/src/http/validation.ts): strict for bodies, coercing for the rest. */
const compile = validatorCompiler();
const compiled = new WeakMap<object, { body: Check; text: Check }>();

/** Whether the server would accept `value` for this schema (a body strictly; query and params coerced from text). */
export function accepts(schema: object, value: unknown, part: 'body' | 'text'): boolean {
  let v = compiled.get(schema);
  if (v === undefined) {
    const make = (httpPart: string): Check => {
      const validate = compile({ schema, httpPart, method: 'POST', url: '/' });
      return (data) => !('error' in (validate(data) as object));
    };
    v = { body: make('body'), text: make('querystring') };
    compiled.set(schema, v);
  }
  // The validators may write defaults or coerce in place: check a copy.
  return v[part](structuredClone(value));
}

/** Generation stays small: long strings are only tried at their limits, by `invalid`. */
const GEN_MAX_CHARS = 80;
const GEN_MAX_ITEMS = 4;

/** Any text, including what breaks careless code: NUL, lone surrogates, bidi controls, emoji. */
const anyText = (minLength: number, maxLength: number) =>
  fc.oneof(
    fc.string({ minLength, maxLength }),
    fc.string({ minLength, maxLength, unit: 'binary' }),
    fc.constantFrom('\u0000', '\ud800', '\u202e', '💥', "'; drop table people; --", '../../etc/passwd', '%00', '{}', 'null').map((s) => s.padEnd(minLength, 'x').slice(0, Math.max(maxLength, minLength))),
  );

/**
 * Valid values of `schema`. `pool` holds real ids of the fixture (spaces, messages, people…): a
 * string field that accepts one of them gets it half the time, so requests reach past "not found".
 */
export function valid(schema: Schema, pool: readonly string[] = []): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema['const']);
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  if (Array.isArray(schema['anyOf'])) return fc.oneof(...(schema['anyOf'] as Schema[]).map((s) => valid(s, pool)));
  switch (schema['type']) {
    case 'object': {
      const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
      const required = (schema['required'] ?? []) as string[];
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, prop] of Object.entries(properties)) model[name] = valid(prop, pool);
      const arb = fc.record(model, { requiredKeys: required });
      const minProperties = typeof schema['minProperties'] === 'number' ? schema['minProperties'] : 0;
      return minProperties > 0 ? arb.filter((o) => Object.keys(o).length >= minProperties) : arb;
    }
    case 'string':
      return validString(schema, pool);
    case 'integer':
    case 'number': {
      const min = typeof schema['minimum'] === 'number' ? schema['minimum'] : -1_000_000;
      const max = typeof schema['maximum'] === 'number' ? schema['maximum'] : 1_000_000_000;
      return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = (schema['items'] ?? {}) as Schema;
      const minLength = typeof schema['minItems'] === 'number' ? schema['minItems'] : 0;
      const maxLength = Math.max(minLength, Math.min(typeof schema['maxItems'] === 'number' ? schema['maxItems'] : GEN_MAX_ITEMS, GEN_MAX_ITEMS));
      return schema['uniqueItems'] === true
        ? fc.uniqueArray(valid(items, pool), { minLength, maxLength, selector: (v) => JSON.stringify(v) })
        : fc.array(valid(items, pool), { minLength, maxLength });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function validString(schema: Schema, pool: readonly string[]): fc.Arbitrary<string> {
  const minLength = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  const maxLength = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : 10_000;
  const fits = (s: string) => accepts(schema, s, 'body');
  let base: fc.Arbitrary<string>;
  const charClass = typeof schema['pattern'] === 'string' ? /^\^(\[[^\]]+\])[+*]\$$/.exec(schema['pattern']) : null;
  // A run of one character class (`^[A-Za-z0-9_-]+$`) with a length: built to the length, since
  // matching the pattern and then filtering for 22+ characters would almost never succeed.
  if (charClass !== null) base = fc.string({ unit: fc.stringMatching(new RegExp(`^${charClass[1]}$`)), minLength, maxLength: Math.min(maxLength, Math.max(minLength, GEN_MAX_CHARS)) });
  else if (typeof schema['pattern'] === 'string') base = fc.stringMatching(new RegExp(schema['pattern']));
  else if (schema['format'] === 'email') base = fc.emailAddress();
  else if (schema['format'] === 'date-time') base = fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
  else if (schema['format'] === 'uri') base = fc.webUrl();
  else base = anyText(minLength, Math.min(maxLength, Math.max(minLength, GEN_MAX_CHARS)));
  const own = base.filter(fits);
  // Only id-shaped fields (a pattern) draw from the pool: free text stays free.
  const fromPool = typeof schema['pattern'] === 'string' ? pool.filter(fits) : [];
  return fromPool.length > 0 ? fc.oneof(own, fc.constantFrom(...fromPool)) : own;
}

/** Values of the wrong kind for anything. */
const wrongKind: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, '', 'x', [], {}, [null], { '': 1 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Values the server's validator refuses for `schema` (`part` says which validator). */
export function invalid(schema: Schema, part: 'body' | 'text', pool: readonly string[] = []): fc.Arbitrary<unknown> {
  return fc.oneof(wrongKind, mutated(schema, pool)).filter((v) => !accepts(schema, v, part));
}

function mutated(schema: Schema, pool: readonly string[]): fc.Arbitrary<unknown> {
  switch (schema['type']) {
    case 'object': {
      const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
      const required = (schema['required'] ?? []) as string[];
      const names = Object.keys(properties);
      const base = valid(schema, pool) as fc.Arbitrary<Record<string, unknown>>;
      const options: fc.Arbitrary<unknown>[] = [
        // A field the schema does not know.
        fc.tuple(base, fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !names.includes(k)), wrongKind).map(([o, k, v]) => ({ ...o, [k]: v })),
      ];
      if (required.length > 0) {
        options.push(fc.tuple(base, fc.constantFrom(...required)).map(([o, k]) => Object.fromEntries(Object.entries(o).filter(([n]) => n !== k))));
      }
      if (names.length > 0) {
        // One field invalid, the rest valid.
        options.push(
          fc.constantFrom(...names).chain((name) => fc.tuple(base, fc.oneof(wrongKind, mutated(properties[name]!, pool))).map(([o, v]) => ({ ...o, [name]: v }))),
        );
      }
      return fc.oneof(...options);
    }
    case 'string': {
      const minLength = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
      const maxLength = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : undefined;
      const options: fc.Arbitrary<unknown>[] = [anyText(0, GEN_MAX_CHARS), fc.integer(), fc.boolean()];
      if (maxLength !== undefined) options.push(fc.integer({ min: 1, max: 3 }).map((extra) => 'x'.repeat(maxLength + extra)));
      if (minLength > 0) options.push(fc.constant('x'.repeat(minLength - 1)));
      return fc.oneof(...options);
    }
    case 'integer':
    case 'number': {
      const options: fc.Arbitrary<unknown>[] = [fc.double({ noNaN: true }), fc.string({ maxLength: 8 })];
      if (typeof schema['minimum'] === 'number') options.push(fc.constant(schema['minimum'] - 1));
      if (typeof schema['maximum'] === 'number') options.push(fc.constant(schema['maximum'] + 1));
      return fc.oneof(...options);
    }
    case 'array': {
      const items = (schema['items'] ?? {}) as Schema;
      const options: fc.Arbitrary<unknown>[] = [fc.array(wrongKind, { maxLength: 3 }), fc.array(mutated(items, pool), { minLength: 1, maxLength: 3 })];
      if (typeof schema['maxItems'] === 'number') options.push(valid(items, pool).map((v) => Array.from({ length: (schema['maxItems'] as number) + 1 }, () => v)));
      return fc.oneof(...options);
    }
    default:
      return wrongKind;
  }
}

/**
 * Path parameters that the server's coercing validator refuses. A URL has exactly the declared
 * parameters (a missing or extra one is a different path), so only their values go wrong.
 */
export function invalidParams(schema: Schema, pool: readonly string[] = []): fc.Arbitrary<Record<string, string>> {
  const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
  const model: Record<string, fc.Arbitrary<string>> = {};
  for (const [name, prop] of Object.entries(properties)) model[name] = fc.oneof(valid(prop, pool), mutated(prop, pool)).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? ''));
  return fc.record(model).filter((t) => !accepts(schema, t, 'text'));
}

/** A query string's parameters, as text, that the server's coercing validator refuses. */
export function invalidText(schema: Schema, pool: readonly string[] = []): fc.Arbitrary<Record<string, string>> {
  return fc
    .oneof(wrongKind, mutated(schema, pool))
    .map(asText)
    .filter((t) => !accepts(schema, t, 'text'));
}

/** A query or path-parameter object as text, the way it arrives in a URL. */
export function asText(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) out[k] = typeof v === 'string' ? v : Array.isArray(v) ? v.map((x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x))).join(',') : JSON.stringify(v);
  return out;
}
