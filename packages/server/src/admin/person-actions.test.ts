/**
 * An admin resets a person's password and ends their sessions (SPEC ID-5, ID-7, ID-8), audited (CP-5).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient } from '@flint/sdk';
import { adminPeople, type AuditEvent } from '@flint/protocol';
import { raw, startFlint, TEST_PASSWORD, type TestFlint } from '@flint/testkit';

describe('an admin’s actions on a person', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@example.com' });
  });
  after(() => flint.stop());

  it('lists a person’s sessions with host information, ends them, and resets the password (shown once)', async () => {
    const bob = await flint.signup({ email: 'bob@example.com' });
    const bobId = bob.session!.personId;
    const phone = flint.client({ clientVersion: 'flint-ios/9.9' });
    await phone.auth.login({ email: 'bob@example.com', password: TEST_PASSWORD });
    const sessions = (await ada.transport.call(adminPeople.listPersonSessions, { params: { id: bobId } })).items;
    assert.equal(sessions.length, 2);
    assert.ok(sessions.some((s) => s.clientVersion === 'flint-ios/9.9'));
    assert.ok(sessions.every((s) => s.ip === '127.0.0.1' && s.current === false));

    await ada.transport.call(adminPeople.endPersonSessions, { params: { id: bobId } });
    await assert.rejects(bob.people.me(), { status: 401 });
    await assert.rejects(phone.people.me(), { status: 401 });
    assert.equal((await ada.transport.call(adminPeople.listPersonSessions, { params: { id: bobId } })).items.length, 0);

    const { password } = await ada.transport.call(adminPeople.resetPassword, { params: { id: bobId } });
    assert.ok(password.length >= 20);
    const old = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } });
    assert.equal(old.status, 401, 'the old password no longer works');
    const fresh = flint.client();
    await fresh.auth.login({ email: 'bob@example.com', password });
    assert.equal((await fresh.people.me()).id, bobId);

    const audit = (await raw(flint.url, 'GET', '/api/admin/audit/events?eventCategories=USERS', { token: ada.session!.accessToken })).json as { items: AuditEvent[] };
    assert.deepEqual(audit.items.slice(0, 2).map((e) => e.action), ['person.passwordReset', 'person.sessionsRevoked']);
    assert.ok(!JSON.stringify(audit).includes(password), 'the new password is not in the log');
  });

  it('refuses oneself, bots, and people of another org', async () => {
    const me = ada.session!.personId;
    assert.equal((await raw(flint.url, 'POST', `/api/people/${me}/password-reset`, { token: ada.session!.accessToken })).status, 400);
    assert.equal((await raw(flint.url, 'DELETE', `/api/people/${me}/sessions`, { token: ada.session!.accessToken })).status, 400);
    const bot = await ada.organizations.createBot('Helper');
    assert.equal((await raw(flint.url, 'POST', `/api/people/${bot.personId}/password-reset`, { token: ada.session!.accessToken })).status, 400);
    assert.equal((await raw(flint.url, 'GET', '/api/people/00000000-0000-7000-8000-000000000000/sessions', { token: ada.session!.accessToken })).status, 404);
  });
});
