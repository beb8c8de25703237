/**
 * The admin audit log (SPEC CP-5): administrative actions are appended with actor, time, address,
 * user agent, target and changes; the table refuses UPDATE and DELETE; admins only; paging.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { FlintClient } from '@flint/sdk';
import type { AuditEvent } from '@flint/protocol';
import { raw, startFlint, TEST_PASSWORD, type TestFlint } from '@flint/testkit';

const UA = 'AuditTest/1.0 (admin console)';

describe('admin audit log', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bea: FlintClient;
  let adaToken: string;

  const audit = async (query = '', token = adaToken) => {
    const r = await raw(flint.url, 'GET', `/api/admin/audit/events${query}`, { token });
    assert.equal(r.status, 200, r.text);
    return { items: (r.json as { items: AuditEvent[] }).items, link: r.headers.get('link') };
  };
  const admin = (method: string, path: string, body?: unknown) =>
    raw(flint.url, method, path, { token: adaToken, headers: { 'user-agent': UA }, ...(body !== undefined ? { body } : {}) });

  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Admin' });
    bea = await flint.signup({ email: 'bea@example.com', displayName: 'Bea' });
    adaToken = ada.session!.accessToken;
  });
  after(() => flint.stop());

  it('records people, roles, policy, bots and invitations with actor, address, user agent, target and changes', async () => {
    const beaId = bea.session!.personId;
    const orgId = (await ada.people.me()).orgId;
    assert.equal((await admin('POST', '/api/people', { emails: ['cyd@example.com'], displayName: 'Cyd', password: 'a long enough password' })).status, 200);
    assert.equal((await admin('PUT', `/api/people/${beaId}`, { displayName: 'Bea B', roles: ['org_admin'] })).status, 200);
    assert.equal((await admin('PUT', `/api/people/${beaId}`, { roles: [], loginEnabled: false })).status, 200);
    assert.equal((await admin('PUT', `/api/people/${beaId}`, { loginEnabled: true })).status, 200);
    assert.equal((await admin('PUT', `/api/organizations/${orgId}`, { policy: { membersMayInvite: false } })).status, 200);
    assert.equal((await admin('POST', '/api/bots', { displayName: 'Deploy bot' })).status, 200);
    const invitation = await admin('POST', '/api/invitations', { email: 'gus@partner.test' });
    assert.equal(invitation.status, 200);
    assert.equal((await admin('DELETE', `/api/invitations/${(invitation.json as { id: string }).id}`)).status, 204);

    const { items } = await audit();
    const actions = items.map((e) => e.action).reverse();
    assert.deepEqual(actions, [
      'person.create',
      'person.update',
      'person.roles',
      'person.roles',
      'person.deactivate',
      'person.reactivate',
      'org.update',
      'bot.create',
      'invitation.create',
      'invitation.revoke',
    ]);
    for (const e of items) {
      assert.equal(e.actorId, ada.session!.personId);
      assert.equal(e.actorName, 'Ada Admin');
      assert.equal(e.actorEmail, 'ada@example.com');
      assert.equal(e.actorUserAgent, UA);
      assert.match(e.actorIp ?? '', /^(::ffff:)?127\.0\.0\.1$|^::1$/);
      assert.equal(e.orgId, orgId);
      assert.match(e.trackingId ?? '', /^FLINT_/);
    }
    const update = items.find((e) => e.action === 'person.update')!;
    assert.deepEqual(update.changes, { displayName: { from: 'Bea', to: 'Bea B' } });
    assert.equal(update.targetType, 'USER');
    assert.equal(update.targetId, beaId);
    assert.equal(update.targetName, 'bea@example.com');
    assert.equal(update.actionText, 'Ada Admin updated bea@example.com');
    const roles = items.filter((e) => e.action === 'person.roles').reverse();
    assert.deepEqual(roles.map((e) => e.changes), [{ roles: { from: [], to: ['org_admin'] } }, { roles: { from: ['org_admin'], to: [] } }]);
    const policy = items.find((e) => e.action === 'org.update')!;
    assert.equal(policy.category, 'ORG_SETTINGS');
    assert.deepEqual(policy.changes, { 'policy.membersMayInvite': { from: true, to: false } });
    const created = items.find((e) => e.action === 'person.create')!;
    assert.equal(created.targetName, 'cyd@example.com');
    assert.ok(!JSON.stringify(items).includes('a long enough password'), 'no password in the log');
    // A change that changes nothing is not an entry.
    assert.equal((await admin('PUT', `/api/organizations/${orgId}`, { policy: { membersMayInvite: false } })).status, 200);
    assert.equal((await audit()).items.length, items.length);
  });

  it('filters by category, actor and time, and pages with Link (offset, to pinned)', async () => {
    const { items: all } = await audit();
    const users = await audit('?eventCategories=USERS,EventCategory.ROLES');
    assert.ok(users.items.length > 0);
    assert.ok(users.items.every((e) => e.category === 'USERS' || e.category === 'ROLES'));
    assert.equal((await audit(`?actorId=${bea.session!.personId}`)).items.length, 0);
    const future = new Date(Date.now() + 60_000).toISOString();
    assert.equal((await audit(`?from=${encodeURIComponent(future)}&to=${encodeURIComponent(new Date(Date.now() + 120_000).toISOString())}`)).items.length, 0);

    const first = await audit('?max=3');
    assert.equal(first.items.length, 3);
    const next = /<([^>]+)>; rel="next"/.exec(first.link ?? '')?.[1];
    assert.ok(next, 'a Link to the next page');
    // An entry appended meanwhile does not shift the following page.
    await admin('POST', '/api/bots', { displayName: 'Another bot' });
    const u = new URL(next);
    const second = await audit(u.search);
    assert.deepEqual(second.items.map((e) => e.id), all.slice(3, 6).map((e) => e.id));
  });

  it('refuses bad queries with 400 and changes nothing', async () => {
    const bad = ['?from=yesterday', '?from=2020-01-01T00:00:00.000Z&to=2022-01-01T00:00:00.000Z', '?from=2024-02-01T00:00:00.000Z&to=2024-01-01T00:00:00.000Z', '?eventCategories=NOPE', '?offset=-1', '?color=red'];
    for (const q of bad) {
      const r = await raw(flint.url, 'GET', `/api/admin/audit/events${q}`, { token: adaToken });
      assert.equal(r.status, 400, q);
      assert.equal(typeof (r.json as { message: string }).message, 'string');
    }
  });

  it('is for admins only', async () => {
    // Bea's sessions ended when she was deactivated above.
    await bea.auth.login({ email: 'bea@example.com', password: TEST_PASSWORD });
    const r = await raw(flint.url, 'GET', '/api/admin/audit/events', { token: bea.session!.accessToken });
    assert.equal(r.status, 403);
    assert.equal((await raw(flint.url, 'GET', '/api/admin/audit/events')).status, 401);
  });

  it('cannot be changed or deleted, even with SQL (the table’s triggers refuse)', async () => {
    const db = flint.server.core.db;
    const before = await db.selectFrom('admin_audit').selectAll().orderBy('id').execute();
    assert.ok(before.length > 0);
    await assert.rejects(db.updateTable('admin_audit').set({ actor_name: 'Mallory' }).execute(), /append-only/);
    await assert.rejects(db.deleteFrom('admin_audit').execute(), /append-only/);
    if (flint.server.core.engine === 'postgres') await assert.rejects(sql`TRUNCATE admin_audit`.execute(db), /append-only/);
    assert.deepEqual(await db.selectFrom('admin_audit').selectAll().orderBy('id').execute(), before);
  });
});
