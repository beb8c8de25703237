/**
 * One's sessions with host information, and revocation (SPEC ID-5, ID-8).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSession } from '@flint/sdk';
import { raw, startFlint, TEST_PASSWORD, type TestFlint } from '@flint/testkit';

describe('sessions', () => {
  let flint: TestFlint;
  before(async () => {
    flint = await startFlint();
  });
  after(() => flint.stop());

  it('records IP, user agent and client version per session, and lists them newest first (ID-8)', async () => {
    const laptop = await flint.signup({ email: 'ada@example.com' });
    const phone = createSession({ baseUrl: flint.url, clientVersion: 'flint-ios/2.3.1' }).api;
    await phone.auth.login({ email: 'ada@example.com', password: TEST_PASSWORD });
    const list = await laptop.sessions.list();
    assert.equal(list.length, 2);
    assert.equal(list[0]?.clientVersion, 'flint-ios/2.3.1');
    assert.equal(list[0]?.current, false);
    assert.equal(list[1]?.current, true);
    assert.equal(list[1]?.clientVersion, 'flint-testkit/0.1');
    for (const s of list) {
      assert.equal(s.ip, '127.0.0.1');
      assert.equal(s.kind, 'password');
      assert.ok(s.userAgent !== undefined && s.userAgent.length > 0);
      assert.ok(Date.parse(s.expires!) > Date.now());
    }
  });

  it('revokes another of one’s sessions: its tokens stop at once, and it leaves the list (ID-5)', async () => {
    const laptop = flint.client();
    await laptop.auth.login({ email: 'ada@example.com', password: TEST_PASSWORD });
    const stolen = flint.client();
    const s = await stolen.auth.login({ email: 'ada@example.com', password: TEST_PASSWORD });
    await laptop.sessions.revoke(s.sessionId);
    await assert.rejects(stolen.people.me(), { status: 401 });
    await assert.rejects(stolen.auth.refresh(), { status: 401 });
    assert.ok(!(await laptop.sessions.list()).some((x) => x.id === s.sessionId));
    await assert.rejects(laptop.sessions.revoke(s.sessionId), { status: 404 });
  });

  it('does not let anyone revoke someone else’s session', async () => {
    const bob = await flint.signup({ email: 'bob@example.com' });
    const ada = flint.client();
    const adaSession = await ada.auth.login({ email: 'ada@example.com', password: TEST_PASSWORD });
    const attempt = await raw(flint.url, 'DELETE', `/api/sessions/${adaSession.sessionId}`, { token: bob.session!.accessToken });
    assert.equal(attempt.status, 404);
    assert.equal((await ada.people.me()).emails[0], 'ada@example.com');
  });
});

describe('web session timeout policy (ID-5)', () => {
  it('ends an idle web session after the org’s idle limit, and the server’s, whichever is shorter', async () => {
    await using flint = await startFlint();
    const ada = await flint.signup({ email: 'ada@example.com' });
    const [org] = await ada.organizations.list();
    await ada.organizations.update(org!.id, { policy: { webSessionIdleMinutes: 30 } });
    const login = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'ada@example.com', password: TEST_PASSWORD } });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const sessionId = (login.json as { sessionId: string }).sessionId;
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie } })).status, 200);
    const db = flint.server.core.db;
    await db.updateTable('sessions').set({ last_seen_at: Date.now() - 29 * 60_000 }).where('id', '=', sessionId).execute();
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie } })).status, 200, 'active within the limit');
    await db.updateTable('sessions').set({ last_seen_at: Date.now() - 31 * 60_000 }).where('id', '=', sessionId).execute();
    const idle = await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie } });
    assert.equal(idle.status, 401);
    assert.match((idle.json as { message: string }).message, /timed out/);
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { headers: { cookie } })).status, 401, 'and stays ended');
  });
});
