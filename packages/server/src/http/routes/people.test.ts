/**
 * People over HTTP: one's profile and avatar, the directory and who sees whom, and the admin API
 * (SPEC ID-2, ID-4, ID-7, ID-9).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { LIMITS } from '@flint/protocol';
import type { FlintClient } from '@flint/sdk';
import { raw, startFlint, TEST_PASSWORD, type TestFlint } from '@flint/testkit';

const png = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 30, b: 60 } } }).png().toBuffer();

describe('people', () => {
  let flint: TestFlint;
  let ada: FlintClient; // org admin of example.com
  let bob: FlintClient; // member of example.com
  let eve: FlintClient; // admin of another org (open sign-up founds it)
  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob' });
    eve = await flint.signup({ email: 'eve@other.test', displayName: 'Eve' });
  });
  after(() => flint.stop());

  it('updates one’s own profile and notification preferences (ID-4)', async () => {
    const updated = await bob.people.updateMe({ displayName: '  Bob Builder ', firstName: 'Bob', lastName: 'Builder', notificationPrefs: { messages: 'mentions' } });
    assert.equal(updated.displayName, 'Bob Builder');
    assert.equal(updated.firstName, 'Bob');
    assert.equal(updated.notificationPrefs?.messages, 'mentions');
    assert.equal((await bob.people.me()).lastName, 'Builder');
  });

  it('changes a password: the old one stops working and other sessions end (ID-1)', async () => {
    const other = flint.client();
    await other.auth.login({ email: 'bob@example.com', password: TEST_PASSWORD });
    const wrong = await raw(flint.url, 'PUT', '/api/people/me/password', { token: bob.session!.accessToken, body: { currentPassword: 'not it at all', newPassword: 'a whole new password' } });
    assert.equal(wrong.status, 401);
    await bob.people.changePassword({ currentPassword: TEST_PASSWORD, newPassword: 'a whole new password' });
    assert.equal((await bob.people.me()).displayName, 'Bob Builder', 'this session goes on');
    await assert.rejects(other.people.me(), { status: 401 });
    assert.equal((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } })).status, 401);
    await flint.client().auth.login({ email: 'bob@example.com', password: 'a whole new password' });
  });

  it('sets an avatar from an image, re-encoded to at most 512×512 WebP, visible to the org (ID-4)', async () => {
    const person = await bob.people.setAvatar(await png(1200, 800), 'image/png');
    assert.ok(person.avatar?.startsWith(`${flint.url}/api/people/${person.id}/avatar`));
    const bytes = await ada.people.avatar(person.id);
    const meta = await sharp(bytes).metadata();
    assert.equal(meta.format, 'webp');
    assert.ok(meta.width <= LIMITS.avatarPixels && meta.height <= LIMITS.avatarPixels);
    const outsider = await raw(flint.url, 'GET', `/api/people/${person.id}/avatar`, { token: eve.session!.accessToken });
    assert.equal(outsider.status, 404);
  });

  it('refuses avatars of the wrong type, too large, or not images, and keeps the old one', async () => {
    const token = bob.session!.accessToken;
    const before = (await bob.people.me()).avatar;
    const svg = await raw(flint.url, 'PUT', '/api/people/me/avatar', { token, body: '<svg xmlns="http://www.w3.org/2000/svg"/>', contentType: 'image/svg+xml' });
    assert.equal(svg.status, 415);
    const big = await raw(flint.url, 'PUT', '/api/people/me/avatar', { token, body: new Uint8Array(LIMITS.avatarBytes + 1), contentType: 'image/png' });
    assert.equal(big.status, 413);
    const fake = await raw(flint.url, 'PUT', '/api/people/me/avatar', { token, body: new TextEncoder().encode('this is not a png'), contentType: 'image/png' });
    assert.equal(fake.status, 400);
    assert.equal((await bob.people.me()).avatar, before);
  });

  it('shows people of the same org to each other, and hides them from other orgs (ID-2)', async () => {
    const bobId = (await bob.people.me()).id;
    const seen = await ada.people.get(bobId);
    assert.equal(seen.displayName, 'Bob Builder');
    assert.deepEqual(seen.emails, ['bob@example.com']);
    const asMember = await bob.people.get((await ada.people.me()).id);
    assert.equal(asMember.roles, undefined, 'members see the directory view, not roles');
    const hidden = await raw(flint.url, 'GET', `/api/people/${bobId}`, { token: eve.session!.accessToken });
    assert.equal(hidden.status, 404);
    const missing = await raw(flint.url, 'GET', '/api/people/01a2073c-0000-7000-8000-000000000000', { token: eve.session!.accessToken });
    assert.equal(hidden.text.replace(/FLINT_[0-9a-f-]+/, ''), missing.text.replace(/FLINT_[0-9a-f-]+/, ''), 'hidden and missing look the same');
    const eveList = await eve.people.list();
    assert.deepEqual(eveList.items.map((p) => p.emails[0]), ['eve@other.test']);
  });

  it('lists the directory by e-mail, display-name prefix and ids, paged by Link headers', async () => {
    for (let i = 0; i < 5; i++) await flint.signup({ email: `p${i}@example.com`, displayName: `Person ${i}` });
    const byEmail = await ada.people.list({ email: 'P3@example.com' });
    assert.deepEqual(byEmail.items.map((p) => p.displayName), ['Person 3']);
    const byPrefix = await ada.people.list({ displayName: 'pers', max: 2 });
    assert.equal(byPrefix.items.length, 2);
    assert.ok(byPrefix.next?.startsWith(flint.url), 'the next link has the request’s origin');
    const all = await ada.people.listAll({ displayName: 'Person', max: 2 });
    assert.deepEqual(all.map((p) => p.displayName), ['Person 0', 'Person 1', 'Person 2', 'Person 3', 'Person 4']);
    const ids = [all[0]!.id, all[4]!.id, '01a2073c-0000-7000-8000-000000000000'];
    const byIds = await ada.people.list({ id: ids.join(',') });
    assert.equal(byIds.items.length, 2);
    assert.deepEqual(byIds.notFoundIds, ['01a2073c-0000-7000-8000-000000000000']);
    const wildcard = await ada.people.list({ displayName: '%' });
    assert.equal(wildcard.items.length, 0, 'LIKE wildcards are literal');
  });

  it('clamps a too-large max instead of refusing it, and refuses a forged cursor', async () => {
    const r = await raw(flint.url, 'GET', '/api/people?max=5000', { token: ada.session!.accessToken });
    assert.equal(r.status, 200);
    const forged = await raw(flint.url, 'GET', '/api/people?cursor=bm90LWEtY3Vyc29y', { token: ada.session!.accessToken });
    assert.equal(forged.status, 400);
  });

  it('lets an admin create, update and deactivate people; deactivation ends their sessions (ID-7)', async () => {
    const created = await ada.people.create({ emails: ['dan@example.com'], displayName: 'Dan', password: 'dans first password' });
    assert.equal(created.loginEnabled, true);
    const dan = flint.client();
    await dan.auth.login({ email: 'dan@example.com', password: 'dans first password' });
    const updated = await ada.people.update(created.id, { displayName: 'Daniel', roles: ['org_admin'] });
    assert.equal(updated.displayName, 'Daniel');
    assert.deepEqual(updated.roles, ['org_admin']);
    assert.equal((await dan.people.me()).roles?.[0], 'org_admin');
    await ada.people.deactivate(created.id);
    await assert.rejects(dan.people.me(), { status: 401 });
    assert.equal((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'dan@example.com', password: 'dans first password' } })).status, 401);
    const seen = await ada.people.get(created.id);
    assert.equal(seen.loginEnabled, false);
    const back = await ada.people.update(created.id, { loginEnabled: true });
    assert.equal(back.loginEnabled, true);
  });

  it('keeps the admin API to admins of the same org', async () => {
    const adaId = (await ada.people.me()).id;
    const asMember = await raw(flint.url, 'POST', '/api/people', { token: bob.session!.accessToken, body: { emails: ['x@example.com'], displayName: 'X' } });
    assert.equal(asMember.status, 403);
    const crossOrg = await raw(flint.url, 'DELETE', `/api/people/${adaId}`, { token: eve.session!.accessToken });
    assert.equal(crossOrg.status, 404);
    const self = await raw(flint.url, 'DELETE', `/api/people/${adaId}`, { token: ada.session!.accessToken });
    assert.equal(self.status, 400);
    assert.equal((await ada.people.me()).loginEnabled, true);
  });

  it('creates a person whose roles name one role twice, once (fuzz counterexample: a 409 that left the person behind)', async () => {
    const body = { emails: ['twice@example.com'], displayName: 'Twice', password: 'a password of theirs', roles: ['org_admin', 'org_admin'] };
    const created = await raw(flint.url, 'POST', '/api/people', { token: ada.session!.accessToken, body });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual((created.json as { roles: string[] }).roles, ['org_admin']);
    const again = await raw(flint.url, 'POST', '/api/people', { token: ada.session!.accessToken, body });
    assert.equal(again.status, 409, 'the address has its account now');
  });

  it('refuses U+0000 in any input with a 400 naming the field, on both engines (fuzz counterexample: a 500 on PostgreSQL)', async () => {
    const token = ada.session!.accessToken;
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/bots', { displayName: '\u0000' }, 'body.displayName'],
      ['PUT', '/api/people/me', { firstName: 'a\u0000b' }, 'body.firstName'],
      ['POST', '/api/teams', { name: '\u0000' }, 'body.name'],
      ['POST', '/api/people', { emails: ['nul@example.com'], displayName: 'N\u0000', password: 'a password of theirs' }, 'body.displayName'],
      ['GET', '/api/people?displayName=%00', undefined, 'query.displayName'],
    ];
    const before = { me: await ada.people.me(), teams: (await ada.teams.list()).length };
    for (const [verb, path, body, field] of cases) {
      const r = await raw(flint.url, verb, path, { token, ...(body !== undefined ? { body } : {}) });
      assert.equal(r.status, 400, `${verb} ${path}: ${r.text}`);
      const answer = r.json as { errors: { description: string }[] };
      assert.match(answer.errors[0]!.description, new RegExp(`^${field.replace('.', '\\.')}: `));
    }
    assert.deepEqual(await ada.people.me(), before.me);
    assert.equal((await ada.teams.list()).length, before.teams);
    assert.equal((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'nul@example.com', password: 'a password of theirs' } })).status, 401, 'no account was made');
  });

  it('lets an admin lock self-service profile changes (ID-4)', async () => {
    const [org] = await ada.organizations.list();
    await ada.organizations.update(org!.id, { policy: { selfServiceLocked: true } });
    await assert.rejects(bob.people.updateMe({ displayName: 'Bobby' }), { status: 403, code: 'self_service_locked' });
    await assert.rejects(bob.people.setAvatar(await png(10, 10), 'image/png'), { status: 403 });
    const prefs = await bob.people.updateMe({ notificationPrefs: { messages: 'off' } });
    assert.equal(prefs.notificationPrefs?.messages, 'off', 'preferences stay one’s own');
    assert.equal((await ada.people.updateMe({ nickName: 'Countess' })).nickName, 'Countess', 'admins are not locked');
    const bobId = (await bob.people.me()).id;
    assert.equal((await ada.people.update(bobId, { displayName: 'Robert' })).displayName, 'Robert');
    await ada.organizations.update(org!.id, { policy: { selfServiceLocked: false } });
    assert.equal((await bob.people.updateMe({ displayName: 'Bob' })).displayName, 'Bob');
  });

  it('lists roles and licence usage (ID-7)', async () => {
    assert.deepEqual((await bob.organizations.roles()).map((r) => r.id), ['org_admin', 'compliance_officer']);
    const [messaging] = await ada.organizations.licenses();
    assert.equal(messaging?.id, 'messaging');
    assert.ok((messaging?.consumedUnits ?? 0) >= 8);
    assert.equal((await raw(flint.url, 'GET', '/api/licenses', { token: bob.session!.accessToken })).status, 403);
  });

  it('creates bots with long-lived tokens that work as bearer tokens (ID-9)', async () => {
    const bot = await ada.organizations.createBot('Build Bot');
    // The Webex SDK shape `<secret>_<cluster>_<orgId>` (PL-2): exactly three parts, the org last.
    const me0 = await ada.people.me();
    assert.match(bot.token, /^flb-[0-9a-f]{64}_us_[0-9a-f-]{36}$/);
    assert.deepEqual(bot.token.split('_').slice(1), ['us', me0.orgId]);
    const me = await raw(flint.url, 'GET', '/api/people/me', { token: bot.token });
    assert.equal(me.status, 200);
    assert.equal((me.json as { type: string }).type, 'bot');
    const botLogin = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: bot.email, password: TEST_PASSWORD } });
    assert.equal(botLogin.status, 401, 'bots have no password');
  });
});
