/**
 * DESIGN §2 invariant 6: bad input gets a clear 4xx with a machine-readable body, never a 500,
 * and changes nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES } from '@flint/protocol';
import { raw, startFlint, TEST_PASSWORD, type RawResponse, type TestFlint } from '@flint/testkit';

const TABLES = ['orgs', 'org_domains', 'people', 'person_roles', 'sessions', 'access_tokens', 'invitations'] as const;

describe('bad input', () => {
  let flint: TestFlint;
  let token: string;
  let adaId: string;
  before(async () => {
    flint = await startFlint();
    const ada = await flint.signup({ email: 'ada@example.com' });
    token = ada.session!.accessToken;
    adaId = ada.session!.personId;
  });
  after(() => flint.stop());

  /** Every row of every table, so "changes nothing" is checked to the byte. */
  async function snapshot(): Promise<string> {
    const db = flint.server.core.db;
    const parts: unknown[] = [];
    for (const table of TABLES) parts.push(await db.selectFrom(table).selectAll().orderBy(table === 'org_domains' ? 'domain' : table === 'access_tokens' ? 'hash' : table === 'person_roles' ? 'person_id' : 'id').execute());
    return JSON.stringify(parts);
  }

  function assertClientError(r: RawResponse, status: number, code?: string): void {
    assert.equal(r.status, status, r.text);
    const body = r.json as { message?: unknown; errors?: unknown; trackingId?: unknown; code?: unknown };
    assert.equal(typeof body.message, 'string');
    assert.ok(Array.isArray(body.errors) && body.errors.length > 0);
    for (const e of body.errors as { description?: unknown }[]) assert.equal(typeof e.description, 'string');
    assert.equal(body.trackingId, r.headers.get('trackingid'));
    assert.ok((ERROR_CODES as readonly string[]).includes(body.code as string), `code ${String(body.code)}`);
    if (code !== undefined) assert.equal(body.code, code);
  }

  const cases: { name: string; method: string; path: string; auth?: boolean; body?: unknown; contentType?: string; status: number; code?: string; mention?: RegExp }[] = [
    { name: 'malformed JSON on sign-up', method: 'POST', path: '/api/auth/signup', body: '{"email": "x@example.com",', status: 400, code: 'malformed_json' },
    { name: 'malformed JSON on a profile update', method: 'PUT', path: '/api/people/me', auth: true, body: '{displayName: Ada}', status: 400, code: 'malformed_json' },
    { name: 'an empty JSON body', method: 'POST', path: '/api/auth/login', body: '', status: 400 },
    { name: 'a JSON array instead of an object', method: 'POST', path: '/api/auth/login', body: '[]', status: 400, code: 'validation_failed' },
    { name: 'a number where an e-mail goes', method: 'POST', path: '/api/auth/signup', body: { email: 5, password: TEST_PASSWORD, displayName: 'X' }, status: 400, code: 'validation_failed', mention: /email/ },
    { name: 'a string where a boolean goes', method: 'PUT', path: '/api/people/me', auth: true, body: { notificationPrefs: { email: 'yes' } }, status: 400, code: 'validation_failed' },
    { name: 'a malformed e-mail', method: 'POST', path: '/api/auth/signup', body: { email: 'not-an-email', password: TEST_PASSWORD, displayName: 'X' }, status: 400 },
    { name: 'a too-short password', method: 'POST', path: '/api/auth/signup', body: { email: 'bob@example.com', password: 'short', displayName: 'Bob' }, status: 400 },
    { name: 'a too-long display name', method: 'PUT', path: '/api/people/me', auth: true, body: { displayName: 'x'.repeat(129) }, status: 400 },
    { name: 'a blank display name', method: 'PUT', path: '/api/people/me', auth: true, body: { displayName: '   ' }, status: 400 },
    { name: 'an unknown field on sign-up (no self-made admins)', method: 'POST', path: '/api/auth/signup', body: { email: 'bob@example.com', password: TEST_PASSWORD, displayName: 'Bob', roles: ['org_admin'] }, status: 400, code: 'validation_failed', mention: /unknown field 'roles'/ },
    { name: 'an unknown field on a profile update (e-mail is not self-service)', method: 'PUT', path: '/api/people/me', auth: true, body: { email: 'eve@example.com' }, status: 400, mention: /unknown field 'email'/ },
    { name: 'an empty profile update', method: 'PUT', path: '/api/people/me', auth: true, body: {}, status: 400 },
    { name: 'an unknown role', method: 'PUT', path: `/api/people/ADA`, auth: true, body: { roles: ['superuser'] }, status: 400 },
    { name: 'a non-numeric max', method: 'GET', path: '/api/people?max=lots', auth: true, status: 400 },
    { name: 'a zero max', method: 'GET', path: '/api/people?max=0', auth: true, status: 400 },
    { name: 'an unknown query parameter', method: 'GET', path: '/api/people?admin=1', auth: true, status: 400 },
    { name: 'a malformed id in the path', method: 'GET', path: '/api/people/../../etc/passwd', auth: true, status: 404 },
    { name: 'a non-UUID id', method: 'GET', path: '/api/people/12345', auth: true, status: 400 },
    { name: 'a malformed id list', method: 'GET', path: '/api/people?id=1,2', auth: true, status: 400 },
    { name: 'text/plain where JSON goes', method: 'POST', path: '/api/auth/login', body: 'email=ada@example.com', contentType: 'text/plain', status: 415, code: 'unsupported_media_type' },
    { name: 'an oversized JSON body', method: 'POST', path: '/api/auth/signup', body: JSON.stringify({ email: 'big@example.com', password: TEST_PASSWORD, displayName: 'x'.repeat(1024 * 1024 + 10) }), status: 413, code: 'payload_too_large' },
    { name: 'an unknown route', method: 'GET', path: '/api/nothing-here', auth: true, status: 404, code: 'not_found' },
    { name: 'an invitation for a malformed address', method: 'POST', path: '/api/invitations', auth: true, body: { email: 'a@@b' }, status: 400 },
    { name: 'an org policy with a wrong value', method: 'PUT', path: '/api/organizations/ORG', auth: true, body: { policy: { signup: 'everyone' } }, status: 400 },
    { name: 'a refresh token of the wrong type', method: 'POST', path: '/api/auth/refresh', body: { refreshToken: 12345678901 }, status: 400 },
  ];

  for (const c of cases) {
    it(`answers ${c.status} to ${c.name}, and changes nothing`, async () => {
      const orgId = flint.server.core.config && (await flint.server.core.db.selectFrom('orgs').select('id').executeTakeFirstOrThrow()).id;
      const path = c.path.replace('ADA', adaId).replace('ORG', orgId);
      const before = await snapshot();
      const r = await raw(flint.url, c.method, path, {
        ...(c.auth ? { token } : {}),
        ...(c.body !== undefined ? { body: c.body } : {}),
        ...(c.contentType !== undefined ? { contentType: c.contentType } : {}),
      });
      assertClientError(r, c.status, c.code);
      if (c.mention) assert.match(JSON.stringify(r.json), c.mention);
      assert.equal(await snapshot(), before);
    });
  }

  it('carries a TrackingID on every answer, and echoes a well-formed one the client sent', async () => {
    for (const path of ['/health', '/api/people/me', '/nope', '/metrics']) {
      const r = await raw(flint.url, 'GET', path, { token });
      assert.match(r.headers.get('trackingid') ?? '', /^FLINT_[0-9a-f-]{36}$/, path);
    }
    const echoed = await raw(flint.url, 'GET', '/api/people/me', { token, headers: { trackingid: 'webex-js-sdk_abc_1' } });
    assert.equal(echoed.headers.get('trackingid'), 'webex-js-sdk_abc_1');
    const rejected = await raw(flint.url, 'GET', '/api/people/me', { token, headers: { trackingid: 'bad id with spaces' } });
    assert.match(rejected.headers.get('trackingid') ?? '', /^FLINT_/);
  });

  it('rate-limits a principal past its requests per minute with 429 and Retry-After', async () => {
    await using limited = await startFlint({ env: { FLINT_RATE_LIMIT_PER_MINUTE: '5' } });
    const client = await limited.signup({ email: 'ada@example.com' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await raw(limited.url, 'GET', '/api/people/me', { token: client.session!.accessToken })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    const r = await raw(limited.url, 'GET', '/api/people/me', { token: client.session!.accessToken });
    assertClientError(r, 429, 'rate_limited');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal((await raw(limited.url, 'GET', '/health')).status, 200, 'health checks are not rate-limited');
  });
});
