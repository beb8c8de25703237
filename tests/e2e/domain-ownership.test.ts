/**
 * Domain ownership (SPEC ID-2; issue 14, finding 3): only the org owning a verified domain makes
 * accounts in it. Another org's admin tried to create `ceo@org1.test` through the native API and
 * `/v1/people`, after which org1 could neither invite nor create its CEO and the CEO could not
 * sign up. Now each way is refused with a 403 and nothing is written; the owning org and the
 * person themselves still can, and the other org adds the person to its spaces once they exist.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient } from '@flint/sdk';
import { raw, startFlint, TEST_PASSWORD, type TestFlint } from '@flint/testkit';

describe('domain ownership', () => {
  let flint: TestFlint;
  let ada: FlintClient; // org1's admin (org1 owns org1.test)
  let eve: FlintClient; // org2's admin (org2 owns org2.test)
  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@org1.test' });
    eve = await flint.signup({ email: 'eve@org2.test' });
  });
  after(() => flint.stop());

  const rowFor = (email: string) => flint.server.core.db.selectFrom('people').select(['id', 'org_id', 'is_guest', 'status']).where('email', '=', email).executeTakeFirst();

  it('ID-2: another org’s admin cannot create or invite an account in a domain it does not own, by any route', async () => {
    const token = eve.session!.accessToken;
    const attempts = [
      await raw(flint.url, 'POST', '/api/people', { token, body: { emails: ['ceo@org1.test'], displayName: 'CEO', password: TEST_PASSWORD } }),
      await raw(flint.url, 'POST', '/api/people', { token, body: { emails: ['ceo@org1.test'], displayName: 'CEO' } }),
      await raw(flint.url, 'POST', '/api/invitations', { token, body: { email: 'CEO@org1.test' } }),
      await raw(flint.url, 'POST', '/v1/people', { token, body: { emails: ['ceo@org1.test'], displayName: 'CEO' } }),
    ];
    for (const r of attempts) {
      assert.equal(r.status, 403, r.text);
      assert.match(r.text, /belongs to another organization/);
    }
    assert.equal(await rowFor('ceo@org1.test'), undefined, 'no account was made');
    assert.equal((await flint.outbox()).filter((m) => m.to === 'ceo@org1.test').length, 0, 'no invitation was mailed');
  });

  it('ID-2: the owning org still creates and invites its people, and the real person still signs up', async () => {
    const cfo = await ada.people.create({ emails: ['cfo@org1.test'], displayName: 'CFO', password: TEST_PASSWORD });
    assert.equal(cfo.orgId, (await ada.people.me()).orgId);
    const invited = await ada.invitations.create({ email: 'coo@org1.test' });
    assert.equal(invited.asGuest, false);
    const ceo = await flint.signup({ email: 'ceo@org1.test', displayName: 'The CEO' });
    const me = await ceo.people.me();
    assert.equal(me.orgId, (await ada.people.me()).orgId, 'the CEO is in org1');
    assert.notEqual(me.isGuest, true, 'a member, not a guest');
  });

  it('ID-2: the other org adds such a person to its spaces, as an external guest of the space, once they accept', async () => {
    const room = await eve.rooms.create({ title: 'ciphertext:partners' });
    // By address: an invitation (the same answer as for any address), which the CEO accepts; a
    // member's client then admits them (the SDK authorizes them at the KMS first; this room has no key).
    const sent = await eve.spaceInvitations.create(room.id, 'ceo@org1.test');
    const ceo = flint.client();
    await ceo.auth.login({ email: 'ceo@org1.test', password: TEST_PASSWORD });
    const [received] = await ceo.spaceInvitations.mine();
    assert.equal(received?.id, sent.id);
    assert.equal(received.external, true);
    await ceo.spaceInvitations.accept(sent.id);
    const membership = await eve.spaceInvitations.admit(sent.id);
    const row = await rowFor('ceo@org1.test');
    assert.equal(membership.personId, row!.id);
    assert.notEqual(row!.org_id, (await eve.people.me()).orgId, 'still org1’s account');
    // An org may still invite outsiders of unowned domains, who join it as guests.
    assert.equal((await eve.invitations.create({ email: 'pat@freelance.test' })).asGuest, true);
  });
});
