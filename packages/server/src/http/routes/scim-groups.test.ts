/**
 * SCIM 2.0 groups and the dedicated SCIM token (issue 18), as a directory's client sends them
 * (plain HTTP): the token made in the console works on the org's SCIM routes only; users and groups
 * are created, filtered, patched (Okta and Entra ID shapes) and deactivated with it; malformed
 * filters and patches get SCIM 400 bodies and change nothing; a group mapped to `org_admin` makes
 * its members admins; a group mapped to a team leaves the key share to a moderator's client, which
 * makes the new member able to read the team's general space, and a removal out of the team at once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient, Session } from '@flint/sdk';
import { raw, startFlint, stateDigest, settledDigest, TEST_PASSWORD, type TestFlint } from '@flint/testkit';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

type Json = Record<string, unknown>;
interface GroupJson {
  id: string;
  displayName: string;
  externalId?: string;
  members?: { value: string; display: string; $ref: string }[];
}

describe('SCIM 2.0 groups and the SCIM token', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let adaToken = '';
  let orgId = '';
  let base = '';
  let scimToken = '';

  const scim = (method: string, path: string, body?: unknown, token = scimToken) =>
    raw(flint.url, method, `${base}${path}`, { token, ...(body !== undefined ? { body: JSON.stringify(body), contentType: 'application/scim+json' } : {}) });
  const json = <T = Json>(r: { json: unknown }) => r.json as T;
  const q = (filter: string) => `filter=${encodeURIComponent(filter)}`;
  const login = async (email: string) => {
    const r = await raw(flint.url, 'POST', '/api/auth/login', { body: { email, password: TEST_PASSWORD } });
    assert.equal(r.status, 200, `sign-in of ${email}: ${r.text}`);
    return (r.json as { accessToken: string }).accessToken;
  };

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@example.com' });
    await flint.signup({ email: 'bob@example.com' });
    adaToken = ada.session!.accessToken;
    orgId = (await ada.people.me()).orgId!;
    base = `/identity/scim/${orgId}/v2`;
  });
  after(() => flint.stop());

  it('the console makes a SCIM token: shown once, stored hashed, admins only', async () => {
    const none = await raw(flint.url, 'GET', '/api/admin/scim', { token: adaToken });
    assert.equal(none.status, 200);
    assert.equal(json(none)['token'], undefined);
    assert.equal(json(none)['baseUrl'], `${flint.url}${base}`);
    const bobToken = await login('bob@example.com');
    assert.equal((await raw(flint.url, 'POST', '/api/admin/scim/token', { token: bobToken })).status, 403);
    const made = await raw(flint.url, 'POST', '/api/admin/scim/token', { token: adaToken });
    assert.equal(made.status, 200, made.text);
    scimToken = json<{ token: string }>(made).token;
    assert.match(scimToken, /^flsc-[0-9a-f]{64}$/);
    const info = json<{ token: { created: string; createdBy: string } }>(await raw(flint.url, 'GET', '/api/admin/scim', { token: adaToken }));
    assert.equal(info.token.createdBy, 'ada');
    assert.ok(!JSON.stringify(info).includes(scimToken), 'never shown again');
    assert.ok(!flint.logText().includes(scimToken), 'never logged');
  });

  it('the SCIM token works on this org’s SCIM routes only', async () => {
    assert.equal((await scim('GET', '/Users')).status, 200);
    assert.equal((await scim('GET', '/ServiceProviderConfig')).status, 200);
    // Not on the native API, nor the KMS token exchange, nor the Webex API.
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token: scimToken })).status, 401);
    assert.equal((await raw(flint.url, 'GET', '/api/admin/roles', { token: scimToken })).status, 401);
    assert.equal((await raw(flint.url, 'POST', '/api/admin/scim/token', { token: scimToken })).status, 401);
    assert.equal((await raw(flint.url, 'POST', '/api/auth/token', { body: { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: scimToken, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', scope: 'spark:kms' } })).status >= 400, true);
    // Another org's SCIM: that org's id is not found for this token.
    const eve = await flint.signup({ email: 'eve@other.test' });
    const eveOrg = (await eve.people.me()).orgId!;
    assert.notEqual(eveOrg, orgId);
    const other = await raw(flint.url, 'GET', `/identity/scim/${eveOrg}/v2/Users`, { token: scimToken });
    assert.equal(other.status, 404);
    assert.deepEqual(json(other)['schemas'], [ERROR]);
    // The admin's own token still works.
    assert.equal((await scim('GET', '/Groups', undefined, adaToken)).status, 200);
  });

  const ids: Record<string, string> = {};
  it('creates, filters, patches and deactivates users with the SCIM token (sessions end)', async () => {
    for (const name of ['cy', 'dee', 'eli']) {
      const r = await scim('POST', '/Users', { schemas: [USER], userName: `${name}@example.com`, externalId: `okta-${name}`, name: { givenName: name.toUpperCase() } });
      assert.equal(r.status, 201, r.text);
      ids[name] = json<{ id: string }>(r).id;
    }
    ids['bob'] = json<{ Resources: { id: string }[] }>(await scim('GET', `/Users?${q('userName eq "bob@example.com"')}`)).Resources[0]!.id;
    ids['ada'] = json<{ Resources: { id: string }[] }>(await scim('GET', `/Users?${q('userName eq "ada@example.com"')}`)).Resources[0]!.id;
    const f = json<{ totalResults: number; Resources: { userName: string }[] }>(await scim('GET', `/Users?${q('externalId eq "okta-cy" or externalId eq "okta-eli"')}`));
    assert.deepEqual(f.Resources.map((r) => r.userName).sort(), ['cy@example.com', 'eli@example.com']);
    const patched = await scim('PATCH', `/Users/${ids['dee']}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Dee Dee' }] });
    assert.equal(json(patched)['displayName'], 'Dee Dee');
    // active:false with the SCIM token ends Bob's session at once; the audit log says the token did it.
    const bobToken = await login('bob@example.com');
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token: bobToken })).status, 200);
    const off = await scim('PATCH', `/Users/${ids['bob']}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: false }] });
    assert.equal(off.status, 200, off.text);
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token: bobToken })).status, 401, 'the session ended');
    const audit = json<{ items: { action: string; actorName: string; targetId: string }[] }>(await raw(flint.url, 'GET', '/api/admin/audit/events?max=50', { token: adaToken }));
    assert.ok(audit.items.some((e) => e.action === 'person.deactivate' && e.targetId === ids['bob'] && e.actorName === 'Directory sync (SCIM token)'), JSON.stringify(audit.items.slice(0, 3)));
    assert.equal((await scim('PATCH', `/Users/${ids['bob']}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: true }] })).status, 200);
  });

  let eng = '';
  let ops = '';
  it('groups: create with members, get, filter (displayName, externalId, and/or), page; users show their groups', async () => {
    const created = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering', externalId: 'grp-eng', members: [{ value: ids['cy'] }, { value: ids['dee'] }] });
    assert.equal(created.status, 201, created.text);
    const g = json<GroupJson & { meta: { location: string } }>(created);
    eng = g.id;
    assert.equal(created.headers.get('location'), g.meta.location);
    assert.deepEqual(g.members!.map((m) => m.value).sort(), [ids['cy'], ids['dee']].sort());
    assert.equal(g.members!.find((m) => m.value === ids['cy'])!.$ref, `${flint.url}${base}/Users/${ids['cy']}`);
    assert.equal(g.members!.find((m) => m.value === ids['dee'])!.display, 'Dee Dee');
    ops = json<GroupJson>(await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Operations', externalId: 'grp-ops' })).id;
    await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Sales' });
    const dup = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering' });
    assert.equal(dup.status, 409);
    assert.equal(json(dup)['scimType'], 'uniqueness');
    const list = async (query: string) => json<{ totalResults: number; itemsPerPage: number; startIndex: number; Resources: GroupJson[] }>(await scim('GET', `/Groups?${query}`));
    assert.deepEqual((await list(q('displayName eq "Engineering"'))).Resources.map((r) => r.id), [eng]);
    assert.deepEqual((await list(q('externalId eq "grp-ops"'))).Resources.map((r) => r.id), [ops]);
    assert.deepEqual((await list(q('displayName eq "Engineering" or externalId eq "grp-ops"'))).Resources.map((r) => r.displayName).sort(), ['Engineering', 'Operations']);
    assert.equal((await list(q('displayName eq "Engineering" and externalId eq "grp-ops"'))).totalResults, 0);
    const page = await list('startIndex=2&count=1');
    assert.equal(page.totalResults, 3);
    assert.equal(page.itemsPerPage, 1);
    assert.equal(page.Resources[0]!.displayName, 'Operations');
    assert.equal((await list(`${q('displayName eq "Engineering"')}&excludedAttributes=members`)).Resources[0]!.members, undefined);
    const cy = json<{ groups: { value: string; display: string; $ref: string }[] }>(await scim('GET', `/Users/${ids['cy']}`));
    assert.deepEqual(cy.groups, [{ value: eng, display: 'Engineering', $ref: `${flint.url}${base}/Groups/${eng}` }]);
    const types = json<{ Resources: { id: string }[] }>(await scim('GET', '/ResourceTypes'));
    assert.deepEqual(types.Resources.map((r) => r.id), ['User', 'Group']);
    assert.ok(json<{ Resources: { id: string }[] }>(await scim('GET', '/Schemas')).Resources.some((r) => r.id === GROUP));
    assert.equal((await scim('GET', '/Groups/nope')).status, 404);
  });

  it('groups: PATCH members (Okta and Entra shapes) and displayName, PUT, DELETE', async () => {
    const members = async (id: string) => (json<GroupJson>(await scim('GET', `/Groups/${id}`)).members ?? []).map((m) => m.value).sort();
    // Okta: add members, remove one by a value filter in the path.
    assert.equal((await scim('PATCH', `/Groups/${eng}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: ids['eli'] }] }] })).status, 200);
    assert.deepEqual(await members(eng), [ids['cy'], ids['dee'], ids['eli']].sort());
    const okta = await scim('PATCH', `/Groups/${eng}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${ids['cy']}"]` }] });
    assert.equal(okta.status, 200, okta.text);
    assert.deepEqual(await members(eng), [ids['dee'], ids['eli']].sort());
    // Entra ID: capitalized ops, remove with a value list, replace displayName without a path.
    const entra = await scim('PATCH', `/Groups/${eng}`, { schemas: [PATCH], Operations: [{ op: 'Remove', path: 'members', value: [{ value: ids['eli'] }] }, { op: 'Replace', value: { displayName: 'Engineers' } }] });
    assert.equal(entra.status, 200, entra.text);
    assert.equal(json(entra)['displayName'], 'Engineers');
    assert.deepEqual(await members(eng), [ids['dee']]);
    // PUT replaces the whole group.
    const put = await scim('PUT', `/Groups/${ops}`, { schemas: [GROUP], displayName: 'Ops', externalId: 'grp-ops', members: [{ value: ids['eli'] }] });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(await members(ops), [ids['eli']]);
    // DELETE: gone, and its members no longer show it.
    const sales = json<{ Resources: GroupJson[] }>(await scim('GET', `/Groups?${q('displayName eq "Sales"')}`)).Resources[0]!.id;
    assert.equal((await scim('DELETE', `/Groups/${sales}`)).status, 204);
    assert.equal((await scim('GET', `/Groups/${sales}`)).status, 404);
  });

  it('malformed group filters and patches: SCIM 400 with a scimType, and nothing changes', async () => {
    const before = await settledDigest(flint);
    for (const filter of ['displayName eq', 'displayName eq "x" or', 'members.value eq "x"', 'displayName co "Eng"', '((']) {
      const r = await scim('GET', `/Groups?${q(filter)}`);
      assert.equal(r.status, 400, filter);
      assert.equal(json(r)['scimType'], 'invalidFilter', filter);
      assert.deepEqual(json(r)['schemas'], [ERROR]);
    }
    const bad: [unknown, string][] = [
      [{ schemas: [PATCH], Operations: [{ op: 'explode', path: 'members', value: [] }] }, 'invalidSyntax'],
      [{ schemas: [PATCH], Operations: [] }, 'invalidSyntax'],
      [{ Operations: [{ op: 'add', path: 'members', value: [{ value: ids['cy'] }] }] }, 'invalidSyntax'],
      [{ schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: 'no-such-user' }] }] }, 'invalidValue'],
      [{ schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ display: 'no value' }] }] }, 'invalidValue'],
      [{ schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: '' }] }, 'invalidValue'],
      [{ schemas: [PATCH], Operations: [{ op: 'remove', path: 'members[value eq' }] }, 'invalidPath'],
      [{ schemas: [PATCH], Operations: [{ op: 'add', path: 42, value: 'x' }] }, 'invalidPath'],
    ];
    for (const [body, scimType] of bad) {
      const r = await scim('PATCH', `/Groups/${eng}`, body);
      assert.equal(r.status, 400, JSON.stringify(body) + r.text);
      assert.equal(json(r)['scimType'], scimType, JSON.stringify(body) + r.text);
      assert.deepEqual(json(r)['schemas'], [ERROR]);
    }
    const notJson = await raw(flint.url, 'PATCH', `${base}/Groups/${eng}`, { token: scimToken, body: '{"Operations":[', contentType: 'application/scim+json' });
    assert.equal(notJson.status, 400);
    assert.equal(json(notJson)['scimType'], 'invalidSyntax');
    assert.equal((await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'X', members: [{ value: ids['cy'] }, { value: 'ghost' }] })).status, 400);
    assert.equal((await scim('POST', '/Groups', { schemas: [GROUP] })).status, 400);
    assert.equal((await stateDigest(flint)).hash, before.hash, 'nothing changed');
  });

  it('a group mapped to org_admin makes its members admins, and takes back only what it granted', async () => {
    assert.equal((await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Flint admins' })).status, 201);
    const adminsId = json<{ Resources: GroupJson[] }>(await scim('GET', `/Groups?${q('displayName eq "Flint admins"')}`)).Resources[0]!.id;
    // Mapping is the org admin's, in the console; the SCIM token cannot set it.
    assert.equal((await raw(flint.url, 'PUT', `/api/admin/scim/groups/${adminsId}/mapping`, { token: scimToken, body: { role: 'org_admin' } })).status, 401);
    const mapped = await raw(flint.url, 'PUT', `/api/admin/scim/groups/${adminsId}/mapping`, { token: adaToken, body: { role: 'org_admin' } });
    assert.equal(mapped.status, 200, mapped.text);
    assert.equal(json(mapped)['role'], 'org_admin');
    const bobToken = await login('bob@example.com');
    assert.equal((await raw(flint.url, 'GET', '/api/admin/roles', { token: bobToken })).status, 403);
    assert.equal((await scim('PATCH', `/Groups/${adminsId}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: ids['bob'] }, { value: ids['ada'] }] }] })).status, 200);
    assert.equal((await raw(flint.url, 'GET', '/api/admin/roles', { token: bobToken })).status, 200, 'Bob is an org admin now');
    assert.ok(json<{ roles: string[] }>(await raw(flint.url, 'GET', `/api/people/${ids['bob']}`, { token: adaToken })).roles.includes('org_admin'));
    // Both leave the group: Bob's directory-granted role goes; Ada's own (hand-granted: she founded the org) stays.
    assert.equal((await scim('PATCH', `/Groups/${adminsId}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'members', value: [] }] })).status, 200);
    assert.equal((await raw(flint.url, 'GET', '/api/admin/roles', { token: bobToken })).status, 403, 'the role is taken back');
    assert.equal((await raw(flint.url, 'GET', '/api/admin/roles', { token: adaToken })).status, 200, 'a hand-granted role stays');
    const summary = json<{ groups: { id: string; role?: string; members: number }[] }>(await raw(flint.url, 'GET', '/api/admin/scim', { token: adaToken }));
    assert.deepEqual(summary.groups.find((g) => g.id === adminsId), { id: adminsId, displayName: 'Flint admins', members: 0, role: 'org_admin' });
  });

  it('a group mapped to a team: the moderator’s client shares the key; a removal is out of the team at once', async () => {
    const adaS: Session = await flint.connect(ada, { deviceId: 'ada-device' });
    const bobClient = flint.client();
    await bobClient.auth.login({ email: 'bob@example.com', password: TEST_PASSWORD });
    const bobS: Session = await flint.connect(bobClient, { deviceId: 'bob-device' });
    const team = await adaS.teams.create({ name: 'Apollo' });
    await adaS.messages.send({ roomId: team.generalRoomId, text: 'welcome to Apollo' });
    const groupId = json<GroupJson>(await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Apollo crew' })).id;
    assert.equal((await raw(flint.url, 'PUT', `/api/admin/scim/groups/${groupId}/mapping`, { token: adaToken, body: { teamId: team.id } })).status, 200);
    assert.equal((await scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: ids['bob'] }] }] })).status, 200);
    // Recorded, not granted: Bob is not in the team until a moderator's client shares the key.
    const shares = await adaS.teams.keyShares();
    assert.deepEqual(shares.map((s) => [s.teamId, s.personId, s.op]), [[team.id, ids['bob'], 'add']]);
    assert.equal((await bobS.api.teams.list()).length, 0);
    assert.deepEqual(await adaS.teams.finishKeyShares(), { done: 1, failed: 0 });
    assert.deepEqual(await adaS.teams.keyShares(), []);
    assert.deepEqual((await bobS.api.teams.list()).map((t) => t.id), [team.id]);
    assert.deepEqual((await bobS.messages.list({ roomId: team.generalRoomId })).items.map((m) => m.text), ['welcome to Apollo']);
    // Out of the group: out of the team and its spaces at once; Ada's client removes the KMS
    // authorization and rotates the general space's key.
    const keyBefore = (await adaS.api.rooms.get(team.generalRoomId)).encryptionKeyUrl;
    assert.equal((await scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${ids['bob']}"]` }] })).status, 200);
    assert.equal((await bobS.api.teams.list()).length, 0);
    assert.equal((await raw(flint.url, 'GET', `/api/rooms/${team.generalRoomId}`, { token: bobClient.session!.accessToken })).status, 404);
    assert.deepEqual((await adaS.teams.keyShares()).map((s) => s.op), ['remove']);
    assert.deepEqual(await adaS.teams.finishKeyShares(), { done: 1, failed: 0 });
    assert.notEqual((await adaS.api.rooms.get(team.generalRoomId)).encryptionKeyUrl, keyBefore, 'the key was rotated');
    adaS.close();
    bobS.close();
  });

  it('rotating the token stops the old one; revoking stops it too', async () => {
    const again = json<{ token: string }>(await raw(flint.url, 'POST', '/api/admin/scim/token', { token: adaToken })).token;
    assert.notEqual(again, scimToken);
    assert.equal((await scim('GET', '/Users')).status, 401);
    assert.equal((await scim('GET', '/Users', undefined, again)).status, 200);
    assert.equal((await raw(flint.url, 'DELETE', '/api/admin/scim/token', { token: adaToken })).status, 204);
    assert.equal((await scim('GET', '/Users', undefined, again)).status, 401);
    assert.equal((await raw(flint.url, 'DELETE', '/api/admin/scim/token', { token: adaToken })).status, 404);
  });
});
