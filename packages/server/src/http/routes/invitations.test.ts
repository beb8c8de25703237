/**
 * Invitations by e-mail (SPEC ID-3), sign-up by invitation only, and guests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { raw, startFlint, invitationTokenFrom, TEST_PASSWORD, type TestFlint } from '@flint/testkit';
import type { FlintClient } from '@flint/sdk';

describe('invitations', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@example.com' });
  });
  after(() => flint.stop());

  it('mails an invitation, keeps it until accepted, and the invitee signs up with its token (ID-3)', async () => {
    const invitation = await ada.invitations.create({ email: 'Zoe@Example.com', displayName: 'Zoe' });
    assert.equal(invitation.email, 'zoe@example.com');
    assert.equal(invitation.asGuest, false);
    const pending = await ada.people.get(invitation.personId);
    assert.equal(pending.invitePending, true);
    assert.equal(pending.loginEnabled, false);
    const [mail] = (await flint.outbox()).filter((m) => m.to === 'zoe@example.com');
    assert.ok(mail, 'an e-mail was written to the outbox');
    assert.match(mail.subject, /invited you/);
    const token = invitationTokenFrom(mail.text);
    assert.equal((await ada.invitations.list()).length, 1);
    // Without the token, the pending address cannot just sign up.
    // (The answer does not say why: 202 and an e-mail to the address pointing at the invitation.)
    const direct = await raw(flint.url, 'POST', '/api/auth/signup', { body: { email: 'zoe@example.com', password: TEST_PASSWORD, displayName: 'Zoe' } });
    assert.equal(direct.status, 202);
    assert.equal((direct.json as { accessToken?: string }).accessToken, undefined, 'no session');
    assert.equal((await ada.people.get(invitation.personId)).invitePending, true, 'still pending, password not set');
    assert.ok((await flint.outbox()).some((m) => m.to === 'zoe@example.com' && /pending invitation/.test(m.text)));
    const zoe = await flint.signup({ email: 'zoe@example.com', displayName: 'Zoe Z', invitationToken: token });
    const me = await zoe.people.me();
    assert.equal(me.id, invitation.personId);
    assert.equal(me.invitePending, false);
    assert.equal(me.displayName, 'Zoe Z');
    assert.equal((await ada.invitations.list()).length, 0, 'accepted invitations leave the pending list');
    const reuse = await raw(flint.url, 'POST', '/api/auth/signup', { body: { email: 'zoe@example.com', password: TEST_PASSWORD, displayName: 'Zoe', invitationToken: token } });
    assert.equal(reuse.status, 410);
  });

  it('makes an invitee from another domain a guest who sees only themselves (ID-2, ID-3)', async () => {
    const invitation = await ada.invitations.create({ email: 'gus@partner.test' });
    assert.equal(invitation.asGuest, true);
    const mail = (await flint.outbox()).find((m) => m.to === 'gus@partner.test');
    const gus = await flint.signup({ email: 'gus@partner.test', invitationToken: invitationTokenFrom(mail!.text) });
    const me = await gus.people.me();
    assert.equal(me.isGuest, true);
    assert.deepEqual((await gus.people.list()).items.map((p) => p.id), [me.id]);
    const adaId = (await ada.people.me()).id;
    assert.equal((await raw(flint.url, 'GET', `/api/people/${adaId}`, { token: gus.session!.accessToken })).status, 404);
    const members = await (await flint.signup({ email: 'bea@example.com' })).people.list();
    assert.ok(!members.items.some((p) => p.id === me.id), 'members do not see guests in the directory');
    assert.equal((await raw(flint.url, 'POST', '/api/invitations', { token: gus.session!.accessToken, body: { email: 'x@partner.test' } })).status, 403);
  });

  it('refuses a token for another address, a forged token, and an expired one', async () => {
    const invitation = await ada.invitations.create({ email: 'yan@example.com' });
    const token = invitationTokenFrom((await flint.outbox()).find((m) => m.to === 'yan@example.com')!.text);
    const other = await raw(flint.url, 'POST', '/api/auth/signup', { body: { email: 'mal@example.com', password: TEST_PASSWORD, displayName: 'Mal', invitationToken: token } });
    assert.equal(other.status, 401);
    const forged = await raw(flint.url, 'POST', '/api/auth/signup', { body: { email: 'yan@example.com', password: TEST_PASSWORD, displayName: 'Yan', invitationToken: 'fli_' + 'x'.repeat(43) } });
    assert.equal(forged.status, 401);
    await flint.server.core.db.updateTable('invitations').set({ expires_at: Date.now() - 1 }).where('id', '=', invitation.id).execute();
    const expired = await raw(flint.url, 'POST', '/api/auth/signup', { body: { email: 'yan@example.com', password: TEST_PASSWORD, displayName: 'Yan', invitationToken: token } });
    assert.equal(expired.status, 410);
  });

  it('withdraws an invitation: the token dies and the placeholder person goes', async () => {
    const invitation = await ada.invitations.create({ email: 'wil@example.com' });
    const token = invitationTokenFrom((await flint.outbox()).find((m) => m.to === 'wil@example.com')!.text);
    await ada.invitations.revoke(invitation.id);
    assert.equal((await raw(flint.url, 'POST', '/api/auth/signup', { body: { email: 'wil@example.com', password: TEST_PASSWORD, displayName: 'Wil', invitationToken: token } })).status, 401);
    await assert.rejects(ada.people.get(invitation.personId), { status: 404 });
  });

  it('lets an admin restrict invitations to admins, and sign-up to invitations (policy)', async () => {
    const [org] = await ada.organizations.list();
    await ada.organizations.update(org!.id, { policy: { membersMayInvite: false, signup: 'invitation' } });
    const bea = flint.client();
    await bea.auth.login({ email: 'bea@example.com', password: TEST_PASSWORD });
    await assert.rejects(bea.invitations.create({ email: 'vic@example.com' }), { status: 403 });
    const open = await raw(flint.url, 'POST', '/api/auth/signup', { body: { email: 'vic@example.com', password: TEST_PASSWORD, displayName: 'Vic' } });
    assert.equal(open.status, 403);
    assert.equal((open.json as { code: string }).code, 'signup_closed');
  });
});
