/**
 * The console's roles page (SPEC ID-7): the admin role's holders by name and the user count follow
 * grants, removals and deactivations; another org's people are not counted; non-admins are refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient } from '@flint/sdk';
import type { RoleSummary } from '@flint/protocol';
import { raw, startFlint, type TestFlint } from '@flint/testkit';

describe('roles and their holders', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let cy: FlintClient;

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob' });
    cy = await flint.signup({ email: 'cy@example.com', displayName: 'Cy' });
    await flint.signup({ email: 'zed@other.test', displayName: 'Zed' });
  });
  after(() => flint.stop());

  const roles = async () => {
    const r = await raw(flint.url, 'GET', '/api/admin/roles', { token: ada.session!.accessToken });
    assert.equal(r.status, 200, r.text);
    return Object.fromEntries((r.json as { items: RoleSummary[] }).items.map((x) => [x.id, { count: x.count, holders: x.holders.map((h) => h.email) }]));
  };

  it('lists who holds the admin and compliance officer roles, and counts the users, as grants, removals and deactivations change them', async () => {
    const none = { count: 0, holders: [] };
    assert.deepEqual(await roles(), { org_admin: { count: 1, holders: ['ada@example.com'] }, compliance_officer: none, user: { count: 2, holders: [] } });
    await ada.people.update(bob.session!.personId, { roles: ['org_admin'] });
    assert.deepEqual(await roles(), { org_admin: { count: 2, holders: ['ada@example.com', 'bob@example.com'] }, compliance_officer: none, user: { count: 1, holders: [] } });
    await ada.people.update(bob.session!.personId, { roles: [] });
    await ada.people.update(cy.session!.personId, { roles: ['compliance_officer'] });
    assert.deepEqual(await roles(), { org_admin: { count: 1, holders: ['ada@example.com'] }, compliance_officer: { count: 1, holders: ['cy@example.com'] }, user: { count: 1, holders: [] } });
    await ada.people.update(cy.session!.personId, { loginEnabled: false });
    assert.deepEqual(await roles(), { org_admin: { count: 1, holders: ['ada@example.com'] }, compliance_officer: none, user: { count: 1, holders: [] } });
  });

  it('is for admins only', async () => {
    assert.equal((await raw(flint.url, 'GET', '/api/admin/roles', { token: bob.session!.accessToken })).status, 403);
  });
});
