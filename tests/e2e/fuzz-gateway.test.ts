/**
 * Property-based fuzzing of the Webex-compatible gateway (issue 14; SPEC PL-2, SEC-3): every route
 * the gateway plugin registers (`/v1`, and the listen() services: catalog, device registration,
 * metrics) — found by registering the plugin on a throwaway Fastify and listening for its routes, so
 * a new route is fuzzed without anyone listing it — gets random ids (real ones of the fixture,
 * well-formed ones of nothing, garbage), query strings and bodies made from Webex's field names
 * with values of every kind, malformed JSON, and missing or broken tokens. No answer may be a 5xx,
 * every 4xx is in the Webex shape, and a request answered with a 4xx changes nothing in the core's
 * database. Seeded and bounded like fuzz-api.test.ts (FLINT_FUZZ_SEED, FLINT_FUZZ_RUNS).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import fc from 'fast-check';
import { gatewayPlugin, loopbackCoreAccess } from '@flint/gateway';
import { toHydraId } from '@flint/protocol';
import { changedTables, settledDigest, startFlint, stateDigest, type StateDigest, type TestFlint } from '@flint/testkit';
import { assertNoServerError, assertWebexClientError, percentEncode, RAW_SEGMENTS, send, type FuzzRequest } from './fuzz/requests.ts';

const SEED = Number(process.env['FLINT_FUZZ_SEED'] ?? 14_2026);
const RUNS = Number(process.env['FLINT_FUZZ_RUNS'] ?? 12);
const ONLY = process.env['FLINT_FUZZ_ONLY']?.split(',');

interface GatewayRoute {
  verb: string;
  path: string;
}

/** Every HTTP route the gateway plugin registers (not the WebSocket), without its trailing-slash twins. */
async function gatewayRoutes(): Promise<GatewayRoute[]> {
  const app = Fastify();
  const found = new Map<string, GatewayRoute>();
  app.addHook('onRoute', (route) => {
    if ((route as { websocket?: boolean }).websocket === true || route.url.endsWith('/')) return;
    for (const verb of [route.method].flat()) if (verb !== 'HEAD' || route.url.startsWith('/v1/contents')) found.set(`${verb} ${route.url}`, { verb, path: route.url });
  });
  await app.register(gatewayPlugin({ core: loopbackCoreAccess({ address: () => null }) }));
  await app.ready();
  await app.close();
  return [...found.values()].filter((r) => ONLY === undefined || ONLY.includes(`${r.verb} ${r.path}`));
}

/** Webex's field and query names: what a bot or SDK sends, so bodies reach past "unknown field". */
const FIELDS = [
  'title', 'teamId', 'isLocked', 'isAnnouncementOnly', 'roomId', 'personId', 'personEmail', 'isModerator', 'isRoomHidden', 'text',
  'markdown', 'html', 'files', 'attachments', 'parentId', 'toPersonId', 'toPersonEmail', 'name', 'targetUrl', 'resource', 'event',
  'filter', 'secret', 'status', 'ownedBy', 'type', 'messageId', 'inputs', 'displayName', 'emails', 'firstName', 'lastName',
  'nickName', 'roles', 'loginEnabled', 'orgId', 'id', 'deviceType', 'model', 'name',
] as const;
const QUERY = ['max', 'roomId', 'personId', 'personEmail', 'teamId', 'type', 'sortBy', 'cursor', 'before', 'beforeMessage', 'parentId', 'mentionedPeople', 'email', 'displayName', 'id', 'orgId', 'roles', 'callingData'] as const;

describe('fuzz: the gateway, every route', () => {
  let flint: TestFlint;
  let token: string;
  let ids: string[] = [];
  let routes: GatewayRoute[] = [];

  before(async () => {
    routes = await gatewayRoutes();
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open', FLINT_RATE_LIMIT_PER_MINUTE: '1000000', FLINT_LOG_LEVEL: 'warn' } });
    const ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    const bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob' });
    token = ada.session!.accessToken;
    // The fixture is made through /v1 itself, so its ids are the ones a bot holds.
    const v1 = async (path: string, json: unknown) => {
      const r = await send(flint.url, { verb: 'POST', path, body: { json }, token });
      assert.equal(r.status, 200, r.text);
      return r.json as { id: string };
    };
    const bobId = toHydraId('PEOPLE', bob.session!.personId);
    const room = await v1('/v1/rooms', { title: 'Fuzz' });
    const membership = await v1('/v1/memberships', { roomId: room.id, personId: bobId });
    const message = await v1('/v1/messages', { roomId: room.id, text: 'hello' });
    const team = await v1('/v1/teams', { name: 'Fuzzers' });
    const org = toHydraId('ORGANIZATION', (await ada.people.me()).orgId!);
    ids = [room.id, membership.id, message.id, team.id, bobId, org];
  });
  after(async () => flint?.stop());

  const id = () =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...ids) },
      fc.constantFrom('ROOM', 'MESSAGE', 'PEOPLE', 'TEAM', 'MEMBERSHIP', 'WEBHOOK', 'CONTENT', 'ORGANIZATION').map((t) => toHydraId(t as never, randomUUID())),
      fc.uuid(),
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 20, unit: 'binary' }),
    );
  const value = (): fc.Arbitrary<unknown> =>
    fc.oneof(id(), fc.string({ maxLength: 60 }), fc.string({ maxLength: 20, unit: 'binary' }), fc.integer(), fc.boolean(), fc.constant(null), fc.webUrl(), fc.emailAddress(), fc.array(id(), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }));
  const body = (): fc.Arbitrary<FuzzRequest['body']> =>
    fc.oneof(
      { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), value(), { maxKeys: 5 }).map((json) => ({ json })) },
      fc.jsonValue({ maxDepth: 2 }).map((json) => ({ json })),
      fc.constantFrom('{', '[1,]', '', 'nul').map((text) => ({ text })),
      fc.constant(undefined),
    );
  const query = () => fc.dictionary(fc.constantFrom(...QUERY), fc.oneof(id(), fc.string({ maxLength: 30 }), fc.integer().map(String)), { maxKeys: 3 });

  function requests(route: GatewayRoute): fc.Arbitrary<FuzzRequest> {
    const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
    return fc
      .record({
        params: fc.tuple(...names.map(() => fc.oneof({ weight: 9, arbitrary: id().map(percentEncode) }, fc.constantFrom(...RAW_SEGMENTS)))),
        query: query(),
        body: route.verb === 'POST' || route.verb === 'PUT' ? body() : fc.constant(undefined),
        auth: fc.oneof({ weight: 8, arbitrary: fc.constant('valid' as const) }, fc.constantFrom('none' as const, 'garbage' as const)),
      })
      .map(({ params, query: q, body: b, auth }) => {
        let i = 0;
        const path = route.path.replace(/:([A-Za-z0-9_]+)/g, () => params[i++]!);
        return {
          verb: route.verb,
          path,
          query: q,
          ...(b !== undefined ? { body: b } : {}),
          ...(auth === 'valid' ? { token } : auth === 'garbage' ? { token: 'gateway-garbage-token' } : {}),
        };
      });
  }

  const expectUnchanged = (before: StateDigest, after: StateDigest, what: string) =>
    assert.equal(after.hash, before.hash, `${what} changed: ${changedTables(before, after).join(', ')}`);

  it('finds the gateway’s routes', () => assert.ok(routes.length >= 40, `only ${routes.length} routes`));

  // Subtests are made once the routes are known (in `before`), one per route.
  it('fuzzes every route: never a 5xx, every 4xx in the Webex shape and changing nothing', async (t) => {
    // A first call makes the caller's cached state (its KMS token): not the fuzz's doing.
    await send(flint.url, { verb: 'GET', path: '/v1/people/me', token });
    for (const route of routes) {
      await t.test(`${route.verb} ${route.path}`, async () => {
        let before = await settledDigest(flint);
        await fc.assert(
          fc.asyncProperty(requests(route), async (r) => {
            const response = await send(flint.url, r);
            assertNoServerError(r, response);
            const after = await stateDigest(flint);
            if (response.status >= 400) {
              assertWebexClientError(r, response);
              expectUnchanged(before, after, `a request answered ${response.status} (${r.verb} ${r.path})`);
            }
            before = response.status < 400 && r.verb !== 'GET' ? await settledDigest(flint) : after;
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
      });
    }
  });
});
