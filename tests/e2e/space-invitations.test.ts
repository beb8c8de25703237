/**
 * Invitations into spaces by address (issue 14, finding 6 and "domain ownership"). An org member
 * who may add people used to learn whether an address had an account: inviting another org's
 * account answered 409, adding an unknown address to a space 404 (a known one 200). Now every way of
 * adding or inviting an address answers alike whether it is unknown, has an account in the inviter's
 * org or another, or is deactivated; another org's people become external guests of the space only
 * once they accept, and a member's device — never the core — gives them the space's key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { FlintError, type FlintClient, type Session } from '@flint/sdk';
import { MESSAGING_LIMITS } from '@flint/protocol';
import { raw, startFlint, type TestFlint, until } from '@flint/testkit';

const PENDING_INVITATIONS_PER_SPACE = MESSAGING_LIMITS.pendingInvitationsPerSpace;

/** What a caller can compare: the status and the body without the ids it names and the tracking id. */
const shape = (r: { status: number; json: unknown }, omit: readonly string[] = []) => {
  const body = { ...((r.json ?? {}) as Record<string, unknown>) };
  for (const key of ['trackingId', 'id', ...omit]) delete body[key];
  return { status: r.status, ...body };
};

describe('invitations into spaces by address', () => {
  let flint: TestFlint;
  let ada: FlintClient; // org1's admin (org1 owns org1.test)
  let bea: FlintClient; // an ordinary member of org1
  let bob: FlintClient; // org2's admin (org2 owns org2.test)
  let eli: FlintClient; // a member of org2
  let adaSdk: Session;
  let bobSdk: Session;

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@org1.test', displayName: 'Ada Lovelace' });
    bea = await flint.signup({ email: 'bea@org1.test' });
    await flint.signup({ email: 'cy@org1.test' });
    await flint.signup({ email: 'dee@org1.test' });
    bob = await flint.signup({ email: 'bob@org2.test', displayName: 'Bob Babbage' });
    eli = await flint.signup({ email: 'eli@org2.test' });
    // Gil's account is a guest of org2, in a domain nobody owns.
    await bob.invitations.create({ email: 'gil@free.test' });
    const gil = (await flint.outbox()).find((m) => m.to === 'gil@free.test')!;
    await flint.signup({ email: 'gil@free.test', invitationToken: /invitation\/(\S+)/.exec(gil.text)![1]! });
    const dee = (await ada.people.list({ email: 'dee@org1.test' })).items[0]!;
    await ada.people.deactivate(dee.id);
    adaSdk = await flint.connect(ada, { deviceId: 'ada-node', kmsTimeoutMs: 30_000 });
    bobSdk = await flint.connect(bob, { deviceId: 'bob-node', kmsTimeoutMs: 30_000 });
  });
  after(async () => {
    adaSdk?.close();
    bobSdk?.close();
    await flint.stop();
  });

  it('ID-2, issue 14 finding 6: inviting into a space answers byte for byte alike for an unknown address, one of this org, one of another org and a deactivated one', async () => {
    const room = await adaSdk.spaces.create({ title: 'Uniform' });
    await adaSdk.members.add(room.id, { personEmail: 'bea@org1.test' });
    const kinds = {
      unknownUnowned: 'nobody@free.test',
      unknownOwnedElsewhere: 'nobody@org2.test',
      unknownOwnDomain: 'nobody@org1.test',
      thisOrg: 'cy@org1.test',
      otherOrg: 'eli@org2.test',
      otherOrgUnowned: 'gil@free.test',
      deactivated: 'dee@org1.test',
    };
    for (const who of [ada, bea]) {
      const answers = new Map<string, Awaited<ReturnType<typeof raw>>>();
      for (const [kind, email] of Object.entries(kinds)) {
        answers.set(kind, await raw(flint.url, 'POST', `/api/rooms/${room.id}/invitations`, { token: who.session!.accessToken, body: { email } }));
      }
      const first = answers.get('unknownUnowned')!;
      assert.equal(first.status, 202, first.text);
      for (const [kind, r] of answers) {
        assert.deepEqual(shape(r, ['email']), shape(first, ['email']), kind);
        assert.deepEqual(Object.keys(r.json as object).sort(), ['email', 'id', 'roomId'], kind);
        assert.equal((r.json as { email: string }).email, kinds[kind as keyof typeof kinds]);
        assert.match((r.json as { id: string }).id, /^[0-9a-f-]{36}$/);
      }
    }
    // The space's list shows them all alike; nobody was made a member.
    const listed = await adaSdk.invitations.forRoom(room.id);
    assert.deepEqual(listed.map((i) => i.email).sort(), Object.values(kinds).sort());
    for (const i of listed) assert.deepEqual(Object.keys(i).sort(), ['created', 'email', 'expires', 'id', 'invitedBy', 'outsideOrg', 'roomId']);
    assert.deepEqual((await ada.memberships.list({ roomId: room.id })).items.map((m) => m.personEmail).sort(), ['ada@org1.test', 'bea@org1.test']);

    // Adding by address (the native API): whoever the caller cannot see answers like an unknown address.
    const add = (email: string) => raw(flint.url, 'POST', '/api/memberships', { token: bea.session!.accessToken, body: { roomId: room.id, personEmail: email } });
    const missing = await add('nobody@free.test');
    assert.equal(missing.status, 404);
    for (const email of ['eli@org2.test', 'gil@free.test', 'dee@org1.test', 'nobody@org2.test']) assert.deepEqual(shape(await add(email)), shape(missing), email);

    // The org invitation: an account here, in another org or deactivated answers as a new address does (no 409).
    const orgInvite = (email: string) => raw(flint.url, 'POST', '/api/invitations', { token: ada.session!.accessToken, body: { email } });
    const fresh = await orgInvite('fresh@free.test');
    assert.equal(fresh.status, 200, fresh.text);
    const volatile = ['personId', 'created', 'expires', 'email'];
    assert.deepEqual(shape(await orgInvite('gil@free.test'), volatile), shape(fresh, volatile), 'an account of another org');
    // In a domain another org owns, the refusal is the domain's, the same whether or not the address has an account.
    const owned = await orgInvite('nobody2@org2.test');
    assert.equal(owned.status, 403);
    assert.deepEqual(shape(await orgInvite('eli@org2.test')), shape(owned));
    // Nothing was taken from the other org: Gil's account is still org2's, and no second account exists.
    const gilRows = await flint.server.core.db.selectFrom('people').select(['org_id', 'status']).where('email', '=', 'gil@free.test').execute();
    assert.equal(gilRows.length, 1);
    assert.equal(gilRows[0]!.org_id, (await bob.people.me()).orgId);
    assert.equal(gilRows[0]!.status, 'active');
  });

  it('PL-2: /v1/memberships by address answers alike for an unknown address, another org’s account and a deactivated one (202, an invitation)', async () => {
    const token = ada.session!.accessToken;
    // Ada's own token through /v1 is one more device of hers: her first device approves it.
    await adaSdk.approveToken(token);
    const room = await raw(flint.url, 'POST', '/v1/rooms', { token, body: { title: 'Via v1' } });
    assert.equal(room.status, 200, room.text);
    const roomId = (room.json as { id: string }).id;
    const add = (personEmail: string) => raw(flint.url, 'POST', '/v1/memberships', { token, body: { roomId, personEmail } });
    const unknown = await add('nobody3@free.test');
    assert.equal(unknown.status, 202, unknown.text);
    assert.deepEqual(Object.keys(unknown.json as object).sort(), ['id', 'invitePending', 'personEmail', 'roomId']);
    for (const email of ['eli@org2.test', 'gil@free.test', 'dee@org1.test', 'nobody3@org2.test']) assert.deepEqual(shape(await add(email), ['personEmail']), shape(unknown, ['personEmail']), email);
    // Someone in the caller's directory is added at once, as Webex does.
    const cy = await add('cy@org1.test');
    assert.equal(cy.status, 200, cy.text);
    assert.equal((cy.json as { personEmail: string }).personEmail, 'cy@org1.test');
  });

  it('SP-2, SEC-2: another org’s account accepts, the inviter’s device authorizes and admits them, and they read the space as an external member', async () => {
    const room = await adaSdk.spaces.create({ title: 'Partners' });
    await adaSdk.messages.send({ roomId: room.id, text: 'welcome, partners' });
    const sent = await adaSdk.invitations.send(room.id, 'bob@org2.test');
    const received = await until('the invitation to reach Bob', async () => (await bobSdk.invitations.received()).find((i) => i.id === sent.id));
    assert.equal(received.inviterName, 'Ada Lovelace');
    assert.equal(received.inviterEmail, 'ada@org1.test');
    assert.equal(received.external, true);
    assert.ok((await flint.outbox()).some((m) => m.to === 'bob@org2.test' && /invited you to a space/.test(m.subject)), 'Bob is mailed');
    // Before accepting: no membership, no key.
    await assert.rejects(bobSdk.messages.list({ roomId: room.id }), (e: unknown) => e instanceof FlintError && e.status === 404);
    await assert.rejects((await bobSdk.kmsClient()).retrieveKey(room.encryptionKeyUrl!), (e: unknown) => e instanceof FlintError && e.status === 403);
    // Someone else cannot accept Bob's invitation.
    const stranger = await raw(flint.url, 'POST', `/api/space-invitations/${sent.id}/accept`, { token: eli.session!.accessToken });
    assert.equal(stranger.status, 404);

    await bobSdk.invitations.accept(sent.id);
    const member = await until('Bob to be admitted', async () => (await ada.memberships.list({ roomId: room.id })).items.find((m) => m.personEmail === 'bob@org2.test'));
    assert.equal(member.personOrgId, (await bob.people.me()).orgId, 'still org2’s account: an external member');
    assert.notEqual(member.personOrgId, (await ada.people.me()).orgId);
    const page = await bobSdk.messages.list({ roomId: room.id });
    assert.ok(page.items.some((m) => m.text === 'welcome, partners'), 'Bob reads what was sent before he came');
    assert.deepEqual(await bobSdk.invitations.received(), [], 'the invitation is gone once admitted');
    assert.deepEqual(await adaSdk.invitations.forRoom(room.id), []);
  });

  it('SEC-2: a declined invitation grants nothing, and a withdrawn one cannot be accepted', async () => {
    const room = await adaSdk.spaces.create({ title: 'Declined' });
    await adaSdk.messages.send({ roomId: room.id, text: 'not for Bob' });
    const sent = await adaSdk.invitations.send(room.id, 'bob@org2.test');
    await until('the invitation to reach Bob', async () => (await bobSdk.invitations.received()).find((i) => i.id === sent.id));
    await bobSdk.invitations.decline(sent.id);
    assert.deepEqual((await bobSdk.invitations.received()).filter((i) => i.roomId === room.id), []);
    assert.deepEqual(await adaSdk.invitations.forRoom(room.id), [], 'gone from the space’s list');
    // Declined: it cannot be accepted afterwards, no member can admit Bob, and the KMS never heard of him.
    const late = await raw(flint.url, 'POST', `/api/space-invitations/${sent.id}/accept`, { token: bob.session!.accessToken });
    assert.equal(late.status, 404);
    const admit = await raw(flint.url, 'POST', `/api/space-invitations/${sent.id}/admit`, { token: ada.session!.accessToken });
    assert.equal(admit.status, 404);
    await adaSdk.invitations.admitAwaiting();
    assert.equal((await ada.memberships.list({ roomId: room.id })).items.some((m) => m.personEmail === 'bob@org2.test'), false);
    const bobId = (await bob.people.me()).id;
    assert.equal((await (await adaSdk.kmsClient()).listAuthorizations(room.kroUri!)).some((a) => a.authId === bobId), false, 'not on the authorization list');
    await assert.rejects((await bobSdk.kmsClient()).retrieveKey(room.encryptionKeyUrl!), (e: unknown) => e instanceof FlintError && e.status === 403);
    await assert.rejects(bobSdk.messages.list({ roomId: room.id }), (e: unknown) => e instanceof FlintError && e.status === 404);

    // Withdrawn before Bob answered: gone for him too.
    const again = await adaSdk.invitations.send(room.id, 'bob@org2.test');
    await until('the invitation to reach Bob', async () => (await bobSdk.invitations.received()).find((i) => i.id === again.id));
    await adaSdk.invitations.revoke(again.id);
    assert.equal((await raw(flint.url, 'POST', `/api/space-invitations/${again.id}/accept`, { token: bob.session!.accessToken })).status, 404);
    // An accepted invitation is not admitted by the core: without a member's device, Bob stays out.
    const third = await raw(flint.url, 'POST', `/api/rooms/${room.id}/invitations`, { token: ada.session!.accessToken, body: { email: 'bob@org2.test' } });
    adaSdk.close();
    try {
      await raw(flint.url, 'POST', `/api/space-invitations/${(third.json as { id: string }).id}/accept`, { token: bob.session!.accessToken });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await ada.memberships.list({ roomId: room.id })).items.some((m) => m.personEmail === 'bob@org2.test'), false, 'accepting alone makes no member');
      assert.equal(((await raw(flint.url, 'GET', '/api/space-invitations/awaiting', { token: ada.session!.accessToken })).json as { items: unknown[] }).items.length, 1);
    } finally {
      adaSdk = await flint.connect(ada, { deviceId: 'ada-node', kmsTimeoutMs: 30_000 });
    }
    // Ada's device catches up when it reconnects: it authorizes and admits Bob.
    await until('Bob to be admitted on reconnect', async () => (await ada.memberships.list({ roomId: room.id })).items.find((m) => m.personEmail === 'bob@org2.test'));
  });

  it('SP-2: refusals come before the address is looked up, and bad input is a 4xx that changes nothing', async () => {
    const room = await adaSdk.spaces.create({ title: 'Limits' });
    const invite = (token: string, body: unknown, roomId = room.id) => raw(flint.url, 'POST', `/api/rooms/${roomId}/invitations`, { token, body });
    // Not a member: the same 404 for every address.
    const a = await invite(bob.session!.accessToken, { email: 'cy@org1.test' });
    const b = await invite(bob.session!.accessToken, { email: 'nobody@org1.test' });
    assert.equal(a.status, 404);
    assert.deepEqual(shape(a), shape(b));
    assert.equal((await invite(ada.session!.accessToken, { email: 'not an address' })).status, 400);
    assert.equal((await invite(ada.session!.accessToken, { email: 'x@y.test', extra: 1 })).status, 400);
    assert.equal((await invite(ada.session!.accessToken, { email: 'ada@org1.test' })).status, 409, 'already a member (the member list shows it)');
    assert.equal((await raw(flint.url, 'POST', '/api/space-invitations/not-an-id/accept', { token: bob.session!.accessToken })).status, 400);
    assert.deepEqual(await adaSdk.invitations.forRoom(room.id), []);
    // At most 500 invitations wait in a space at once (docs/limits.md); then a 400, the same for every address.
    const now = Date.now();
    const adaId = (await ada.people.me()).id;
    const rows = Array.from({ length: PENDING_INVITATIONS_PER_SPACE }, (_, i) => ({ id: randomUUID(), space_id: room.id, email: `filler${i}@free.test`, invited_by: adaId, created_at: now, expires_at: now + 3_600_000, accepted_at: null, accepted_person_id: null }));
    await flint.server.core.db.insertInto('space_invitations').values(rows).execute();
    const full = await invite(ada.session!.accessToken, { email: 'one-more@free.test' });
    assert.equal(full.status, 400, full.text);
    assert.match(full.text, /at most 500 pending invitations/);
    assert.deepEqual(shape(await invite(ada.session!.accessToken, { email: 'cy@org1.test' })), shape(full));
    assert.equal((await adaSdk.invitations.forRoom(room.id)).length, PENDING_INVITATIONS_PER_SPACE);
  });
});
