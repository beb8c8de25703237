/**
 * Route schemas are compiled on a route's first use (issue 15: start-up): nothing is compiled before,
 * each is compiled once, and what is accepted, refused and sent is what Fastify's own compilers give.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { lazySerializerFactory, onFirstUse, validatorCompiler } from './validation.ts';

const schema = { type: 'object', properties: { id: { type: 'string' }, n: { type: 'integer' } }, required: ['id'], additionalProperties: false };
const route = { schema, method: 'GET', url: '/x', httpStatus: '200' };

describe('schemas compiled on first use', () => {
  it('compiles once, on the first call, never before', () => {
    let compiled = 0;
    const fn = onFirstUse(() => {
      compiled++;
      return (x: number) => x * 2;
    });
    assert.equal(compiled, 0);
    assert.equal(fn(2), 4);
    assert.equal(fn(5), 10);
    assert.equal(compiled, 1);
  });

  it('serializes exactly as Fastify’s default serializer (unknown fields left out)', () => {
    const lazy = lazySerializerFactory()(undefined, {})(route);
    const eager = SerializerSelector()(undefined, {})(route);
    for (const value of [{ id: 'a', n: 3 }, { id: 'b', n: 3, secret: 'not in the schema' }, { id: 'c' }]) assert.equal(lazy(value), eager(value));
    assert.equal(lazy({ id: 'b', secret: 'x' }), '{"id":"b"}');
  });

  it('validates bodies strictly and query strings with coercion, as before', () => {
    const compile = validatorCompiler();
    const body = compile({ schema, method: 'POST', url: '/x', httpPart: 'body' }) as (d: unknown) => { value?: unknown; error?: Error };
    const query = compile({ schema, method: 'GET', url: '/x', httpPart: 'querystring' }) as (d: unknown) => { value?: unknown; error?: Error };
    assert.deepEqual(body({ id: 'a', n: 1 }), { value: { id: 'a', n: 1 } });
    assert.ok(body({ id: 'a', n: '1' }).error, 'no coercion in a body');
    assert.ok(body({ id: 'a', extra: 1 }).error, 'unknown field refused');
    assert.deepEqual(query({ id: 'a', n: '1' }), { value: { id: 'a', n: 1 } });
  });
});
