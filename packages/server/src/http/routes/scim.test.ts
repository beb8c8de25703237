/**
 * SCIM 2.0 users (issue 18): plain HTTP in the shape a directory's client (Okta, Entra ID) sends —
 * create, get, list with filters and paging, replace, PATCH (Entra's capitalized ops too),
 * `active:false` deactivating and ending the person's sessions, delete; discovery endpoints; SCIM
 * error bodies for malformed filters and patches, which change nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { raw, startFlint, stateDigest, settledDigest, TEST_PASSWORD, type TestFlint } from '@flint/testkit';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('SCIM 2.0 users', () => {
  let flint: TestFlint;
  let token = '';
  let bobToken = '';
  let orgId = '';
  let base = '';

  const scim = (method: string, path: string, body?: unknown, as = token) =>
    raw(flint.url, method, `${base}${path}`, { token: as, ...(body !== undefined ? { body: JSON.stringify(body), contentType: 'application/scim+json' } : {}) });
  const json = <T = Record<string, unknown>>(r: { json: unknown }) => r.json as T;

  before(async () => {
    flint = await startFlint();
    const ada = await flint.signup({ email: 'ada@example.com' });
    await flint.signup({ email: 'bob@example.com' });
    token = ada.session!.accessToken;
    bobToken = ((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } })).json as { accessToken: string }).accessToken;
    orgId = (await ada.people.me()).orgId!;
    base = `/identity/scim/${orgId}/v2`;
  });
  after(() => flint.stop());

  it('discovery: ServiceProviderConfig, ResourceTypes, Schemas', async () => {
    const spc = await scim('GET', '/ServiceProviderConfig');
    assert.equal(spc.status, 200);
    assert.match(spc.headers.get('content-type') ?? '', /application\/scim\+json/);
    assert.equal(json<{ patch: { supported: boolean } }>(spc).patch.supported, true);
    assert.equal(json<{ filter: { maxResults: number } }>(spc).filter.maxResults, 200);
    assert.equal(json<{ Resources: { id: string }[] }>(await scim('GET', '/ResourceTypes')).Resources[0]!.id, 'User');
    assert.equal(json<{ Resources: { id: string }[] }>(await scim('GET', '/Schemas')).Resources[0]!.id, USER);
  });

  it('only the org’s admins: no token 401, a member 403, another org 404 — in SCIM’s error shape', async () => {
    const none = await raw(flint.url, 'GET', `${base}/Users`);
    assert.equal(none.status, 401);
    assert.deepEqual(json(none)['schemas'], [ERROR]);
    const member = await scim('GET', '/Users', undefined, bobToken);
    assert.equal(member.status, 403);
    assert.equal(json(member)['status'], '403');
    const other = await raw(flint.url, 'GET', `/identity/scim/00000000-0000-0000-0000-000000000000/v2/Users`, { token });
    assert.equal(other.status, 404);
  });

  let cyId = '';
  it('creates a user (201, Location), refuses a duplicate (409 uniqueness), gets it', async () => {
    const created = await scim('POST', '/Users', { schemas: [USER], userName: 'Cy@Example.com', externalId: 'okta-00cy', name: { givenName: 'Cy', familyName: 'Young' }, emails: [{ value: 'cy@example.com', primary: true, type: 'work' }], active: true });
    assert.equal(created.status, 201, created.text);
    const cy = json<{ id: string; userName: string; displayName: string; active: boolean; meta: { location: string } }>(created);
    cyId = cy.id;
    assert.equal(cy.userName, 'cy@example.com');
    assert.equal(cy.displayName, 'Cy Young');
    assert.equal(cy.active, true);
    assert.equal(created.headers.get('location'), cy.meta.location);
    const dup = await scim('POST', '/Users', { schemas: [USER], userName: 'cy@example.com' });
    assert.equal(dup.status, 409);
    assert.equal(json(dup)['scimType'], 'uniqueness');
    const got = await scim('GET', `/Users/${cyId}`);
    assert.equal(json<{ externalId: string }>(got).externalId, 'okta-00cy');
    assert.equal((await scim('GET', '/Users/no-such-id')).status, 404);
  });

  it('lists with filters (userName, emails.value, externalId, and/or) and pages (startIndex, count)', async () => {
    for (const n of [1, 2, 3]) assert.equal((await scim('POST', '/Users', { schemas: [USER], userName: `p${n}@example.com`, externalId: `ext-${n}` })).status, 201);
    const list = async (q: string) => json<{ totalResults: number; startIndex: number; itemsPerPage: number; Resources: { userName: string }[] }>(await scim('GET', `/Users?${q}`));
    assert.deepEqual((await list(`filter=${encodeURIComponent('userName eq "CY@example.com"')}`)).Resources.map((r) => r.userName), ['cy@example.com']);
    assert.deepEqual((await list(`filter=${encodeURIComponent('emails.value eq "p2@example.com"')}`)).Resources.map((r) => r.userName), ['p2@example.com']);
    assert.deepEqual((await list(`filter=${encodeURIComponent('emails[value eq "p3@example.com"]')}`)).Resources.map((r) => r.userName), ['p3@example.com']);
    assert.deepEqual((await list(`filter=${encodeURIComponent('externalId eq "ext-1"')}`)).Resources.map((r) => r.userName), ['p1@example.com']);
    const or = await list(`filter=${encodeURIComponent('externalId eq "ext-1" or userName eq "p3@example.com"')}`);
    assert.deepEqual(or.Resources.map((r) => r.userName).sort(), ['p1@example.com', 'p3@example.com']);
    assert.equal((await list(`filter=${encodeURIComponent('externalId eq "ext-1" and userName eq "p3@example.com"')}`)).totalResults, 0);
    const all = await list('');
    assert.equal(all.totalResults, 6, 'ada, bob, cy, p1..p3');
    const page = await list('startIndex=2&count=2');
    assert.equal(page.totalResults, 6);
    assert.equal(page.startIndex, 2);
    assert.equal(page.itemsPerPage, 2);
    assert.deepEqual(page.Resources.map((r) => r.userName), all.Resources.slice(1, 3).map((r) => r.userName));
  });

  it('malformed or unsupported filters and patches: SCIM 400 with a scimType, and nothing changes', async () => {
    const before = await settledDigest(flint);
    for (const filter of ['userName eq', 'userName eq "x" and', '((', 'title co "x"', 'userName gt "a"']) {
      const r = await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      assert.equal(r.status, 400, filter);
      assert.equal(json(r)['scimType'], 'invalidFilter', filter);
      assert.deepEqual(json(r)['schemas'], [ERROR]);
    }
    const badPatches: [unknown, string][] = [
      [{ schemas: [PATCH], Operations: [{ op: 'explode', path: 'active', value: false }] }, 'invalidSyntax'],
      [{ schemas: [PATCH], Operations: [] }, 'invalidSyntax'],
      [{ Operations: [{ op: 'replace', path: 'active', value: false }] }, 'invalidSyntax'],
      [{ schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: 'nope' }] }, 'invalidValue'],
      [{ schemas: [PATCH], Operations: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'not-an-address' }] }, 'invalidValue'],
      [{ schemas: [PATCH], Operations: [{ op: 'remove', path: 'userName' }] }, 'invalidValue'],
    ];
    for (const [body, scimType] of badPatches) {
      const r = await scim('PATCH', `/Users/${cyId}`, body);
      assert.equal(r.status, 400, JSON.stringify(body) + r.text);
      assert.equal(json(r)['scimType'], scimType, JSON.stringify(body) + r.text);
    }
    const notJson = await raw(flint.url, 'PATCH', `${base}/Users/${cyId}`, { token, body: '{"schemas":', contentType: 'application/scim+json' });
    assert.equal(notJson.status, 400);
    assert.equal(json(notJson)['scimType'], 'invalidSyntax');
    assert.equal((await scim('POST', '/Users', { schemas: [USER], userName: 'not an address' })).status, 400);
    assert.equal((await stateDigest(flint)).hash, before.hash, 'nothing changed');
  });

  it('replaces (PUT) and patches (Okta and Entra shapes)', async () => {
    const put = await scim('PUT', `/Users/${cyId}`, { schemas: [USER], userName: 'cy@example.com', externalId: 'okta-00cy', name: { givenName: 'Cyrus', familyName: 'Young' }, displayName: 'Cyrus Young', active: true });
    assert.equal(put.status, 200, put.text);
    assert.equal(json(put)['displayName'], 'Cyrus Young');
    const entra = await scim('PATCH', `/Users/${cyId}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'name.familyName', value: 'Yang' }, { op: 'Add', path: 'displayName', value: 'Cyrus Yang' }] });
    assert.equal(entra.status, 200, entra.text);
    assert.equal(json<{ name: { familyName: string } }>(entra).name.familyName, 'Yang');
    assert.equal(json(entra)['displayName'], 'Cyrus Yang');
  });

  it('PATCH active:false deactivates the person and ends their sessions; active:true brings them back', async () => {
    const bobId = json<{ Resources: { id: string }[] }>(await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "bob@example.com"')}`)).Resources[0]!.id;
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token: bobToken })).status, 200);
    const off = await scim('PATCH', `/Users/${bobId}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });
    assert.equal(off.status, 200, off.text);
    assert.equal(json(off)['active'], false);
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token: bobToken })).status, 401, 'the session ended');
    assert.equal((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } })).status, 401);
    const on = await scim('PATCH', `/Users/${bobId}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: true }] });
    assert.equal(json(on)['active'], true);
    assert.equal((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } })).status, 200);
    // The admin cannot switch herself off.
    const adaId = json<{ Resources: { id: string }[] }>(await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "ada@example.com"')}`)).Resources[0]!.id;
    assert.equal((await scim('PATCH', `/Users/${adaId}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] })).status, 400);
  });

  it('DELETE: the resource is gone (404), the person deactivated', async () => {
    assert.equal((await scim('DELETE', `/Users/${cyId}`)).status, 204);
    assert.equal((await scim('GET', `/Users/${cyId}`)).status, 404);
    assert.equal((await scim('DELETE', `/Users/${cyId}`)).status, 404);
    const person = await raw(flint.url, 'GET', `/api/people/${cyId}`, { token });
    assert.equal((person.json as { loginEnabled?: boolean }).loginEnabled, false);
  });
});
