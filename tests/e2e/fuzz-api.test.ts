/**
 * Property-based fuzzing of the native API (issue 14; SPEC SEC-3; "bad input → 4xx, never 500, and
 * changes nothing"). Every method object the protocol exports is fuzzed from its own schemas:
 *
 * - invalid input (a body, query string or path parameter the schema refuses, malformed JSON, a
 *   missing or broken token) must get a 4xx in the Webex shape, and a whole batch of such requests
 *   must leave every table of the database exactly as it was;
 * - well-formed input (random, but valid by the schema, with ids of real rows mixed in) must never
 *   get a 5xx, and whenever it gets a 4xx, that request must have changed nothing either.
 *
 * Seeded and bounded: FLINT_FUZZ_SEED and FLINT_FUZZ_RUNS (runs per method and phase) reproduce or
 * widen a run. Runs on SQLite, and on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { MethodSpec } from '@flint/protocol';
import { changedTables, settledDigest, startFlint, stateDigest, TEST_PASSWORD, type StateDigest, type TestFlint } from '@flint/testkit';
import { protocolMethods } from './fuzz/methods.ts';
import { asText, invalid, invalidParams, invalidText, valid } from './fuzz/schema-arbitrary.ts';
import { assertNoServerError, assertWebexClientError, percentEncode, RAW_SEGMENTS, send, type FuzzRequest } from './fuzz/requests.ts';

const SEED = Number(process.env['FLINT_FUZZ_SEED'] ?? 14_2026);
const RUNS = Number(process.env['FLINT_FUZZ_RUNS'] ?? 8);
/** A comma-separated list of method ids to fuzz alone (reproducing a failure). */
const ONLY = process.env['FLINT_FUZZ_ONLY']?.split(',');
const methods = protocolMethods().filter((m) => ONLY === undefined || ONLY.includes(m.id));

type Schema = Record<string, unknown>;
const schemaOf = (s: unknown) => s as Schema;

describe('fuzz: the native API, every method from its schemas', () => {
  let flint: TestFlint;
  let token: string;
  let pool: string[] = [];
  const c = (s: string) => `ciphertext:${s}`;

  /** Signs the fuzzing admin in again (a fuzzed request may sign it out or revoke its session). */
  const signIn = async () => {
    const ada = flint.client();
    await ada.auth.login({ email: 'ada@example.com', password: TEST_PASSWORD });
    token = ada.session!.accessToken;
  };

  before(async () => {
    flint = await startFlint({
      env: {
        FLINT_SIGNUP: 'open',
        FLINT_RATE_LIMIT_PER_MINUTE: '1000000',
        FLINT_LOGIN_FAILURES_PER_IP: '100000',
        FLINT_LOGIN_FAILURES_PER_EMAIL: '1000',
        FLINT_LOG_LEVEL: 'warn',
      },
    });
    // A small world with real ids to aim at: a space with a member and a message, a team, a file.
    const ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    const bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob' });
    token = ada.session!.accessToken;
    const room = await ada.rooms.create({ title: c('fuzz') });
    const membership = await ada.memberships.create({ roomId: room.id, personId: bob.session!.personId });
    const message = await ada.messages.create({ roomId: room.id, text: c('hello') });
    const team = await ada.teams.create({ name: 'Fuzzers' });
    const me = await ada.people.me();
    // Not Ada's own person id: the fuzzer must not deactivate the account it fuzzes with.
    pool = [room.id, membership.id, message.id, team.id, team.generalRoomId, bob.session!.personId, me.orgId!];
  });
  after(async () => flint?.stop());

  const tokenArb = (m: MethodSpec): fc.Arbitrary<'valid' | 'none' | 'garbage'> =>
    m.auth === 'none' ? fc.constant('valid') : fc.oneof({ weight: 8, arbitrary: fc.constant('valid' as const) }, fc.constantFrom('none' as const, 'garbage' as const));

  function request(m: MethodSpec, parts: { params?: Record<string, string>; rawParams?: Record<string, string>; query?: Record<string, string>; body?: FuzzRequest['body'] }, auth: 'valid' | 'none' | 'garbage'): FuzzRequest {
    const path = m.path.replace(/:([A-Za-z0-9_]+)/g, (_, n: string) => parts.rawParams?.[n] ?? percentEncode(parts.params?.[n] ?? n));
    return {
      verb: m.verb,
      path,
      ...(parts.query !== undefined ? { query: parts.query } : {}),
      ...(parts.body !== undefined ? { body: parts.body } : {}),
      ...(auth === 'valid' ? { token } : auth === 'garbage' ? { token: 'not-a-token-at-all' } : {}),
    };
  }

  const validParts = (m: MethodSpec) =>
    fc.record({
      params: m.params ? valid(schemaOf(m.params), pool).map(asText) : fc.constant(undefined),
      query: m.query ? valid(schemaOf(m.query), pool).map(asText) : fc.constant(undefined),
      body: m.body ? valid(schemaOf(m.body), pool).map((json) => ({ json })) : fc.constant(undefined),
    });

  /** Requests with at least one part the server must refuse. */
  function invalidRequests(m: MethodSpec): fc.Arbitrary<Parameters<typeof request>> | undefined {
    const broken: fc.Arbitrary<Parameters<typeof request>[1]>[] = [];
    if (m.params) {
      broken.push(invalidParams(schemaOf(m.params), pool).map((params) => ({ params })));
      const names = Object.keys(schemaOf(m.params)['properties'] ?? {});
      broken.push(fc.tuple(fc.constantFrom(...names), fc.constantFrom(...RAW_SEGMENTS)).map(([name, raw]) => ({ rawParams: { [name]: raw } })));
    }
    if (m.query) broken.push(invalidText(schemaOf(m.query), pool).map((query) => ({ query })));
    if (m.body) broken.push(invalid(schemaOf(m.body), 'body', pool).map((json) => ({ body: { json } })));
    if (m.verb === 'POST' || m.verb === 'PUT' || m.verb === 'PATCH') {
      broken.push(fc.constantFrom('{', '{"a":', 'nul', '[1,]', '\u0000', '').map((text) => ({ body: { text } })));
    }
    if (broken.length === 0) return undefined;
    return fc.tuple(validParts(m), fc.oneof(...broken), tokenArb(m)).map(([ok, bad, auth]) => [m, { ...ok, ...bad }, auth] as Parameters<typeof request>);
  }

  const settled = () => settledDigest(flint);

  const expectUnchanged = (before: StateDigest, after: StateDigest, what: string) =>
    assert.equal(after.hash, before.hash, `${what} changed: ${changedTables(before, after).join(', ')}`);

  for (const m of methods) {
    describe(`${m.id} (${m.verb} ${m.path})`, () => {
      const bad = invalidRequests(m);
      it('invalid input: a 4xx in the Webex shape, and nothing changes', { skip: bad === undefined ? 'no input to get wrong (no body, query or parameters)' : false }, async () => {
        const before = await settled();
        await fc.assert(
          fc.asyncProperty(bad!, async (args) => {
            const r = request(...args);
            assertWebexClientError(r, await send(flint.url, r));
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
        expectUnchanged(before, await stateDigest(flint), 'a batch of invalid requests');
      });

      it('well-formed input: never a 5xx, and a 4xx changes nothing', async () => {
        let before = await settled();
        await fc.assert(
          fc.asyncProperty(validParts(m), async (parts) => {
            const r = request(m, parts, 'valid');
            const response = await send(flint.url, r);
            assertNoServerError(r, response);
            const after = await stateDigest(flint);
            if (response.status >= 400) {
              assertWebexClientError(r, response);
              expectUnchanged(before, after, `a request answered ${response.status} (${r.verb} ${r.path})`);
            }
            // Work a success started may land after its answer: wait for it before the next request.
            before = response.status < 400 && r.verb !== 'GET' ? await settled() : after;
            if (response.status === 401 && r.token !== undefined && (await send(flint.url, { verb: 'GET', path: '/api/people/me', token })).status === 401) {
              await signIn();
              before = await stateDigest(flint);
            }
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
      });
    });
  }
});
