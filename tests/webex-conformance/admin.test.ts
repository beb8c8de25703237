/**
 * SPEC PL-2, ID-7, CP-5: the admin side of `/v1` with plain HTTP, as Webex documents it (the JS
 * SDK's people plugin only reads): `/v1/people` create, update and delete, `/v1/organizations`,
 * `/v1/roles`, `/v1/licenses`, and `/v1/adminAudit/events` with its paging. A non-admin is refused
 * every admin call with 403.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { raw, startFlint, type TestFlint } from '@flint/testkit';

const decode = (id: string) => Buffer.from(id, 'base64').toString('utf8');
const HYDRA = /^[A-Za-z0-9_-]+$/;
const UA = 'ConformanceAdmin/2.0';

interface WebexPerson {
  id: string;
  emails: string[];
  displayName: string;
  firstName?: string;
  lastName?: string;
  orgId: string;
  roles: string[];
  licenses: string[];
  type: string;
  loginEnabled?: boolean;
  invitePending?: boolean;
  created: string;
}

interface AuditItem {
  id: string;
  actorId?: string;
  actorOrgId: string;
  orgId: string;
  created: string;
  data: Record<string, unknown>;
}

describe('the Webex admin API (/v1 people, organizations, roles, licences, adminAudit)', () => {
  let flint: TestFlint;
  let admin: string;
  let member: string;
  let orgId: string;
  const v1 = (token: string, method: string, path: string, body?: unknown) =>
    raw(flint.url, method, path, { token, headers: { 'user-agent': UA }, ...(body !== undefined ? { body } : {}) });

  before(async () => {
    flint = await startFlint();
    admin = (await flint.signup({ email: 'ada@admin.example', displayName: 'Ada Admin' })).session!.accessToken;
    member = (await flint.signup({ email: 'bob@admin.example', displayName: 'Bob' })).session!.accessToken;
    const me = await v1(admin, 'GET', '/v1/people/me');
    orgId = (me.json as WebexPerson).orgId;
  });
  after(() => flint.stop());

  it('GET /v1/organizations, /v1/organizations/{id}', async () => {
    const list = await v1(admin, 'GET', '/v1/organizations');
    assert.equal(list.status, 200);
    const [org] = (list.json as { items: { id: string; displayName: string; created: string }[] }).items;
    assert.ok(org);
    assert.equal(org.id, orgId);
    assert.match(decode(org.id), /^ciscospark:\/\/us\/ORGANIZATION\/[0-9a-f-]{36}$/);
    assert.equal(typeof org.displayName, 'string');
    assert.ok(!Number.isNaN(Date.parse(org.created)));
    const one = await v1(admin, 'GET', `/v1/organizations/${org.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.json, org);
    assert.equal((await v1(admin, 'GET', `/v1/organizations/${Buffer.from('ciscospark://us/ORGANIZATION/00000000-0000-0000-0000-000000000000').toString('base64url')}`)).status, 404);
  });

  it('GET /v1/roles, /v1/roles/{id}; GET /v1/licenses, /v1/licenses/{id}', async () => {
    const roles = (await v1(admin, 'GET', '/v1/roles')).json as { items: { id: string; name: string }[] };
    const full = roles.items.find((r) => r.name === 'Full Administrator');
    assert.ok(full, 'the full administrator role');
    assert.match(full.id, HYDRA);
    assert.match(decode(full.id), /^ciscospark:\/\/us\/ROLE\//);
    assert.deepEqual((await v1(admin, 'GET', `/v1/roles/${full.id}`)).json, full);
    assert.equal((await v1(admin, 'GET', `/v1/roles/${Buffer.from('ciscospark://us/ROLE/nope').toString('base64url')}`)).status, 404);

    const licenses = await v1(admin, 'GET', '/v1/licenses');
    assert.equal(licenses.status, 200);
    const [license] = (licenses.json as { items: { id: string; name: string; totalUnits: number; consumedUnits: number; consumedByUsers: number; consumedByWorkspaces: number }[] }).items;
    assert.ok(license);
    assert.match(decode(license.id), /^ciscospark:\/\/us\/LICENSE\//);
    assert.equal(license.consumedUnits, 2, 'two people use it');
    assert.equal(license.consumedByUsers, 2);
    assert.equal(license.consumedByWorkspaces, 0);
    assert.deepEqual((await v1(admin, 'GET', `/v1/licenses/${license.id}`)).json, license);
    assert.equal((await v1(member, 'GET', '/v1/licenses')).status, 403);
  });

  it('POST, PUT and DELETE /v1/people (admin), and 403 for a non-admin', async () => {
    const created = await v1(admin, 'POST', '/v1/people', { emails: ['cy@admin.example'], firstName: 'Cy', lastName: 'Young' });
    assert.equal(created.status, 200, created.text);
    const cy = created.json as WebexPerson;
    assert.match(decode(cy.id), /^ciscospark:\/\/us\/PEOPLE\//);
    assert.deepEqual(cy.emails, ['cy@admin.example']);
    assert.equal(cy.displayName, 'Cy Young');
    assert.equal(cy.invitePending, true, 'created without a password: invited');
    assert.equal(cy.orgId, orgId);
    assert.equal((await flint.outbox()).filter((m) => m.to === 'cy@admin.example').length, 1, 'the invitation e-mail');

    const roles = (await v1(admin, 'GET', '/v1/roles')).json as { items: { id: string }[] };
    const updated = await v1(admin, 'PUT', `/v1/people/${cy.id}`, { displayName: 'Cy Y.', roles: [roles.items[0]!.id] });
    assert.equal(updated.status, 200, updated.text);
    assert.equal((updated.json as WebexPerson).displayName, 'Cy Y.');
    assert.deepEqual((updated.json as WebexPerson).roles, [roles.items[0]!.id]);
    assert.equal((await v1(admin, 'PUT', `/v1/people/${cy.id}`, { roles: [] })).status, 400, 'Webex requires displayName on PUT');

    assert.equal((await v1(member, 'POST', '/v1/people', { emails: ['dee@admin.example'] })).status, 403);
    assert.equal((await v1(member, 'PUT', `/v1/people/${cy.id}`, { displayName: 'x' })).status, 403);
    assert.equal((await v1(member, 'DELETE', `/v1/people/${cy.id}`)).status, 403);

    assert.equal((await v1(admin, 'DELETE', `/v1/people/${cy.id}`)).status, 204);
    const after = (await v1(admin, 'GET', `/v1/people/${cy.id}`)).json as WebexPerson;
    assert.equal(after.loginEnabled, false);
  });

  it('GET /v1/adminAudit/events: the admin’s actions in the Webex shape, with Link paging', async () => {
    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const q = (extra = '') => `/v1/adminAudit/events?orgId=${orgId}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}${extra}`;
    const r = await v1(admin, 'GET', q());
    assert.equal(r.status, 200, r.text);
    const items = (r.json as { items: AuditItem[] }).items;
    const descriptions = items.map((e) => e.data['eventDescription']);
    // Newest first: the deactivation, the update (name, then roles), the creation and its invitation.
    assert.deepEqual(descriptions, ['Person deactivated', 'Roles changed', 'Person updated', 'Person created', 'Invitation sent']);
    const adaId = decode(((await v1(admin, 'GET', '/v1/people/me')).json as WebexPerson).id).split('/').pop()!;
    for (const e of items) {
      assert.equal(decode(e.id).length, 36, 'id: base64 of a bare UUID');
      assert.equal(decode(e.actorId!), adaId);
      assert.equal(e.actorOrgId, orgId);
      assert.equal(e.orgId, orgId);
      assert.match(e.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(e.data['actorName'], 'Ada Admin');
      assert.equal(e.data['actorEmail'], 'ada@admin.example');
      assert.equal(e.data['actorUserAgent'] !== undefined, true);
      assert.equal(typeof e.data['actorIp'], 'string');
      assert.match(String(e.data['eventCategory']), /^EventCategory\.(USERS|ROLES|INVITATIONS)$/);
      assert.match(String(e.data['targetType']), /^TargetResourceType\.(USER|INVITATION)$/);
      assert.equal(typeof e.data['actionText'], 'string');
      assert.equal(typeof e.data['targetId'], 'string');
      assert.equal(typeof e.data['targetName'], 'string');
    }
    const deactivated = items[0]!;
    assert.equal(deactivated.data['targetName'], 'cy@admin.example');
    assert.equal(deactivated.data['actionText'], 'Ada Admin deactivated cy@admin.example');

    // Paging: max=2 and the Link header, which the Python SDK follows.
    const page1 = await v1(admin, 'GET', q('&max=2&offset=0'));
    assert.equal((page1.json as { items: AuditItem[] }).items.length, 2);
    const next = /<([^>]+)>; rel="next"/.exec(page1.headers.get('link') ?? '')?.[1];
    assert.ok(next);
    assert.equal(new URL(next).origin, flint.url);
    const page2 = await v1(admin, 'GET', new URL(next).pathname + new URL(next).search);
    assert.deepEqual((page2.json as { items: AuditItem[] }).items.map((e) => e.id), items.slice(2, 4).map((e) => e.id));
    const users = await v1(admin, 'GET', q('&eventCategories=USERS'));
    assert.ok((users.json as { items: AuditItem[] }).items.every((e) => e.data['eventCategory'] === 'EventCategory.USERS'));
    const categories = await v1(admin, 'GET', '/v1/adminAudit/eventCategories');
    assert.ok((categories.json as { eventCategories: string[] }).eventCategories.includes('USERS'));
  });

  it('GET /v1/adminAudit/events: 400 without orgId, from or to; 403 for a non-admin and for another org', async () => {
    const now = new Date().toISOString();
    assert.equal((await v1(admin, 'GET', `/v1/adminAudit/events?from=${now}&to=${now}`)).status, 400);
    assert.equal((await v1(admin, 'GET', `/v1/adminAudit/events?orgId=${orgId}&to=${now}`)).status, 400);
    assert.equal((await v1(admin, 'GET', `/v1/adminAudit/events?orgId=${orgId}&from=${now}`)).status, 400);
    const bad = await v1(admin, 'GET', `/v1/adminAudit/events?orgId=${orgId}&from=2020-01-01T00:00:00.000Z&to=2023-01-01T00:00:00.000Z`);
    assert.equal(bad.status, 400);
    assert.ok(Array.isArray((bad.json as { errors: unknown[] }).errors));
    assert.equal((await v1(member, 'GET', `/v1/adminAudit/events?orgId=${orgId}&from=${now}&to=${now}`)).status, 403);
    const other = Buffer.from('ciscospark://us/ORGANIZATION/00000000-0000-0000-0000-000000000000').toString('base64url');
    assert.equal((await v1(admin, 'GET', `/v1/adminAudit/events?orgId=${other}&from=${now}&to=${now}`)).status, 403);
  });
});
