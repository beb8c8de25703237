/**
 * Issue 14, finding 6: names that spoof or break, answers that tell who has an account, and a
 * refused `/v1` call that still wrote a token row. Each attack as it was tried, now failing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient } from '@flint/sdk';
import { raw, startFlint, startSmtpServer, TEST_PASSWORD, type TestFlint, type TestSmtpServer } from '@flint/testkit';

/** An answer without its tracking id: what a caller can compare. */
const shape = (r: { status: number; json: unknown }) => {
  const { trackingId: _ignored, ...rest } = (r.json ?? {}) as Record<string, unknown>;
  return { status: r.status, ...rest };
};

describe('account privacy and names', () => {
  let flint: TestFlint;
  let ada: FlintClient; // org1.test's admin
  let eve: FlintClient; // org2.test's admin
  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@org1.test' });
    eve = await flint.signup({ email: 'eve@org2.test' });
  });
  after(() => flint.stop());

  it('SEC-3: names with NUL, control characters, unpaired surrogates or bidi overrides/isolates are refused with 400; names are stored in NFC', async () => {
    const spoofs = ['Ada\u0000', 'Ada\u202Eecila', 'Bob\u2066x\u2069', 'Bob\u202A', 'line\nbreak', 'bell\u0007', 'lone \uD800 surrogate', 'lone \uDC00', 'c1\u0085'];
    for (const displayName of spoofs) {
      const r = await raw(flint.url, 'POST', '/api/auth/signup', { body: { email: `x${spoofs.indexOf(displayName)}@new${spoofs.indexOf(displayName)}.test`, password: TEST_PASSWORD, displayName } });
      assert.equal(r.status, 400, JSON.stringify(displayName));
      const me = await raw(flint.url, 'PUT', '/api/people/me', { token: ada.session!.accessToken, body: { displayName } });
      assert.equal(me.status, 400, JSON.stringify(displayName));
      const admin = await raw(flint.url, 'POST', '/api/people', { token: ada.session!.accessToken, body: { emails: ['new@org1.test'], displayName } });
      assert.equal(admin.status, 400, JSON.stringify(displayName));
      const v1 = await raw(flint.url, 'POST', '/v1/people', { token: ada.session!.accessToken, body: { emails: ['new@org1.test'], displayName } });
      assert.equal(v1.status, 400, JSON.stringify(displayName));
      const org = await raw(flint.url, 'PUT', `/api/organizations/${(await ada.people.me()).orgId}`, { token: ada.session!.accessToken, body: { displayName } });
      assert.equal(org.status, 400, JSON.stringify(displayName));
    }
    const nobody = await flint.server.core.db.selectFrom('people').select('id').where('email', 'in', ['new@org1.test', ...spoofs.map((_, i) => `x${i}@new${i}.test`)]).execute();
    assert.deepEqual(nobody, [], 'nothing was created');
    assert.equal((await ada.people.me()).displayName, 'ada');
    // Combining marks are composed: "Zoé" typed two ways is one name.
    const me = await ada.people.updateMe({ displayName: ' Zoe\u0301 ', firstName: 'Zoe\u0301' });
    assert.equal(me.displayName, 'Zo\u00e9');
    assert.equal(me.firstName, 'Zo\u00e9');
    // Right-to-left letters and emoji joiners are names too.
    assert.equal((await ada.people.updateMe({ displayName: 'עדה 👩‍💻' })).displayName, 'עדה 👩‍💻');
  });

  it('SEC-3: an organization name cannot be blank', async () => {
    const orgId = (await ada.people.me()).orgId;
    for (const displayName of ['   ', '\u3000']) {
      const r = await raw(flint.url, 'PUT', `/api/organizations/${orgId}`, { token: ada.session!.accessToken, body: { displayName } });
      assert.equal(r.status, 400, JSON.stringify(displayName));
    }
    assert.equal((await ada.organizations.update(orgId!, { displayName: ' Org One ' })).displayName, 'Org One');
  });

  it('ID-3: sign-up answers alike for addresses with and without an account', async () => {
    // Where sign-up is closed (org1 now signs up by invitation only), a refusal is the same for both.
    const orgId = (await ada.people.me()).orgId!;
    await ada.organizations.update(orgId, { policy: { signup: 'invitation' } });
    await ada.invitations.create({ email: 'zed@org1.test' });
    const tries = async (email: string) => raw(flint.url, 'POST', '/api/auth/signup', { body: { email, password: TEST_PASSWORD, displayName: 'Who' } });
    const invited = await tries('zed@org1.test');
    const active = await tries('ada@org1.test');
    const unknown = await tries('nobody@org1.test');
    assert.equal(unknown.status, 403);
    assert.deepEqual(shape(invited), shape(unknown));
    assert.deepEqual(shape(active), shape(unknown));
    await ada.organizations.update(orgId, { policy: { signup: 'domains' } });
    // Where sign-up is open, an address with an account gets no 409: its owner is mailed, no session starts.
    const again = await tries('eve@org2.test');
    assert.equal(again.status, 202);
    assert.equal(again.headers.get('set-cookie'), null);
    assert.doesNotMatch(again.text, /already|exists|account/i);
    assert.ok((await flint.outbox()).some((m) => m.to === 'eve@org2.test' && /already has an account/.test(m.text)));
    assert.equal((await eve.people.me()).displayName, 'eve', 'the account is untouched');
  });

  it('SEC-3: opening a direct space by e-mail tells nothing about someone one may not see', async () => {
    const token = eve.session!.accessToken;
    const existing = await raw(flint.url, 'POST', '/api/rooms/direct', { token, body: { personEmail: 'ada@org1.test' } });
    const missing = await raw(flint.url, 'POST', '/api/rooms/direct', { token, body: { personEmail: 'nobody@org1.test' } });
    assert.equal(existing.status, 404);
    assert.deepEqual(shape(existing), shape(missing));
    const byMessage = await raw(flint.url, 'POST', '/api/messages', { token, body: { toPersonEmail: 'ada@org1.test', text: 'ciphertext:hi' } });
    const byMessageMissing = await raw(flint.url, 'POST', '/api/messages', { token, body: { toPersonEmail: 'nobody@org1.test', text: 'ciphertext:hi' } });
    assert.deepEqual(shape(byMessage), shape(byMessageMissing));
    const adaId = (await ada.people.me()).id;
    assert.deepEqual(shape(await raw(flint.url, 'POST', '/api/rooms/direct', { token, body: { personId: adaId } })), shape(missing));
    // Once they share a space, each may see the other, and a direct space opens.
    const room = await ada.rooms.create({ title: 'ciphertext:shared' });
    const sent = await ada.spaceInvitations.create(room.id, 'eve@org2.test');
    await eve.spaceInvitations.accept(sent.id);
    await ada.spaceInvitations.admit(sent.id);
    const direct = await eve.rooms.direct({ personEmail: 'ada@org1.test' });
    assert.equal(direct.type, 'direct');
  });

  it('SEC-3: people lookups by e-mail or id, and sign-in, tell nothing about another org’s accounts', async () => {
    // Fresh addresses: Eve shares no space with them (the earlier test made Ada and Eve share one).
    await flint.signup({ email: 'ivy@org1.test' });
    const ivyId = (await flint.server.core.db.selectFrom('people').select('id').where('email', '=', 'ivy@org1.test').executeTakeFirstOrThrow()).id;
    const token = eve.session!.accessToken;
    for (const base of ['/api/people', '/v1/people']) {
      const existing = await raw(flint.url, 'GET', `${base}?email=${encodeURIComponent('ivy@org1.test')}`, { token });
      const missing = await raw(flint.url, 'GET', `${base}?email=${encodeURIComponent('nobody@org1.test')}`, { token });
      assert.equal(existing.status, 200, existing.text);
      assert.deepEqual(existing.json, missing.json, base);
      assert.deepEqual((existing.json as { items: unknown[] }).items, []);
      const byId = await raw(flint.url, 'GET', `${base}/${ivyId}`, { token });
      const byMissingId = await raw(flint.url, 'GET', `${base}/${ivyId.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}`, { token });
      assert.equal(byId.status, 404, base);
      assert.deepEqual(shape(byId), shape(byMissingId), base);
    }
    // Sign-in: a wrong password for an account and any password for no account get one answer.
    const wrong = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'ivy@org1.test', password: 'not the password' } });
    const nobody = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'nobody@org1.test', password: 'not the password' } });
    assert.equal(wrong.status, 401);
    assert.deepEqual(shape(wrong), shape(nobody));
  });

  it('SEC-3: a /v1 call the core refuses with 403 leaves no token row', async () => {
    const bea = await flint.signup({ email: 'bea@org1.test' }); // a member, not an admin
    const count = async () => Number((await flint.server.core.db.selectFrom('access_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const refused = await raw(flint.url, 'POST', '/v1/people', { token: bea.session!.accessToken, body: { emails: ['cto@org1.test'], displayName: 'CTO' } });
    assert.equal(refused.status, 403);
    assert.equal(await count(), before, 'no token was minted for the refused call');
    // A call that needs the KMS still gets its token, when it needs it.
    const made = await raw(flint.url, 'POST', '/v1/rooms', { token: bea.session!.accessToken, body: { title: 'Bea’s room' } });
    assert.equal(made.status, 200, made.text);
    assert.ok((await count()) > before);
  });
});

/** The link's token in a confirmation mail (`#/confirm/<token>`). */
const confirmToken = (text: string) => /#\/confirm\/([A-Za-z0-9_-]+)/.exec(text)?.[1];

/** Everything a caller can compare, except what differs on every answer (its date and tracking id). */
const wire = (r: { status: number; headers: Headers; text: string }) => ({
  status: r.status,
  body: r.text,
  headers: [...r.headers.entries()].filter(([k]) => !['date', 'trackingid', 'x-request-id'].includes(k)),
});

describe('sign-up confirmed by e-mail (FLINT_SIGNUP_CONFIRM=email, the default)', () => {
  let flint: TestFlint;
  let smtp: TestSmtpServer;
  const signup = (email: string, password = TEST_PASSWORD) => raw(flint.url, 'POST', '/api/auth/signup', { body: { email, password, displayName: 'Who Ever' } });
  const confirm = (token: string, password = TEST_PASSWORD) => raw(flint.url, 'POST', '/api/auth/signup/confirm', { body: { token, password } });
  const mailTo = (to: string, subject: RegExp) => smtp.waitFor((m) => m.envelopeTo.includes(to) && subject.test(m.subject), 15_000);

  before(async () => {
    smtp = await startSmtpServer();
    flint = await startFlint({ env: { FLINT_SIGNUP_CONFIRM: 'email', FLINT_SIGNUP: 'open', FLINT_SMTP_URL: smtp.url } });
  });
  after(async () => {
    await flint.stop();
    await smtp.close();
  });

  it('ID-2: on an empty instance the first account is made at once (nothing to leak)', async () => {
    assert.equal(flint.config.auth.signupConfirmation, 'email');
    const ada = await flint.signup({ email: 'ada@org1.test' });
    const me = await ada.people.me();
    assert.deepEqual(me.roles, ['org_admin']);
  });

  it('ID-3, issue 14 finding 6: a new and a known address get byte-identical answers, and no session', async () => {
    const known = await signup('ada@org1.test', 'some other password');
    const fresh = await signup('bob@org1.test');
    assert.equal(fresh.status, 202);
    assert.deepEqual(wire(known), wire(fresh));
    assert.equal(fresh.headers.get('set-cookie'), null);
    assert.equal(known.text, fresh.text);
    // Another org's founder to be: the same answer again.
    assert.deepEqual(wire(await signup('carl@org3.test')), wire(fresh));
    // The mailboxes tell the truth: Ada is told she has an account, Bob gets a link.
    const toAda = await mailTo('ada@org1.test', /Signing up/);
    assert.match(toAda.text, /already has an account/);
    assert.match(toAda.text, new RegExp(`sign in at ${flint.url.replace(/[.]/g, '\\.')}/`));
    assert.equal(confirmToken(toAda.text), undefined);
    const toBob = await mailTo('bob@org1.test', /Confirm your address/);
    const token = confirmToken(toBob.text);
    assert.ok(token, toBob.text);
    // Nothing is made until the link is followed; the database keeps the token's hash, not the token.
    assert.equal(await flint.server.core.db.selectFrom('people').select('id').where('email', '=', 'bob@org1.test').executeTakeFirst(), undefined);
    const rows = await flint.server.core.db.selectFrom('signup_confirmations').selectAll().execute();
    assert.ok(rows.length >= 2);
    assert.ok(!JSON.stringify(rows).includes(token), 'the token is stored hashed');
    assert.ok(!flint.logText().includes(token), 'no log line holds the link');
    // Ada's account is untouched by the attempt (her password is still hers).
    await flint.client().auth.login({ email: 'ada@org1.test', password: TEST_PASSWORD });
  });

  it('ID-3: the link and the password chosen at sign-up finish the account (joining by domain), once', async () => {
    const token = confirmToken((await mailTo('bob@org1.test', /Confirm your address/)).text)!;
    const wrong = await confirm(token, 'not the password at all');
    assert.equal(wrong.status, 401);
    assert.equal(await flint.server.core.db.selectFrom('people').select('id').where('email', '=', 'bob@org1.test').executeTakeFirst(), undefined);
    const done = await confirm(token);
    assert.equal(done.status, 200, done.text);
    assert.match(done.headers.get('set-cookie') ?? '', /flint_session=/);
    const bob = flint.client();
    bob.useToken((done.json as { accessToken: string }).accessToken);
    const me = await bob.people.me();
    assert.equal(me.displayName, 'Who Ever');
    const ada = flint.client();
    await ada.auth.login({ email: 'ada@org1.test', password: TEST_PASSWORD });
    assert.equal(me.orgId, (await ada.people.me()).orgId, 'Bob joined the org owning his domain');
    assert.deepEqual(me.roles, []);
    // The link works once.
    const again = await confirm(token);
    assert.equal(again.status, 410);
    assert.equal((await confirm('fls-0123456789abcdef')).status, 410, 'an unknown link');
    // Signing up again now mails "you have an account", with the same answer as ever.
    const later = await signup('bob@org1.test');
    assert.equal(later.status, 202);
  });

  it('ID-2: a new domain founds its org on confirmation; links expire; a second link for an address made meanwhile is refused', async () => {
    const token = confirmToken((await mailTo('carl@org3.test', /Confirm your address/)).text)!;
    const carl = flint.client();
    await carl.auth.confirmSignup({ token, password: TEST_PASSWORD });
    const me = await carl.people.me();
    assert.deepEqual(me.roles, ['org_admin']);
    const ada = flint.client();
    await ada.auth.login({ email: 'ada@org1.test', password: TEST_PASSWORD });
    assert.notEqual(me.orgId, (await ada.people.me()).orgId, 'Carl founded an org of his own');

    assert.equal((await signup('dan@org4.test')).status, 202);
    const late = confirmToken((await mailTo('dan@org4.test', /Confirm your address/)).text)!;
    await flint.server.core.db.updateTable('signup_confirmations').set({ expires_at: Date.now() - 1 }).where('email', '=', 'dan@org4.test').execute();
    const expired = await confirm(late);
    assert.equal(expired.status, 410);
    assert.match(expired.text, /expired/);

    assert.equal((await signup('fay@org5.test')).status, 202);
    assert.equal((await signup('fay@org5.test')).status, 202);
    await smtp.waitFor(() => smtp.mails.filter((m) => m.envelopeTo.includes('fay@org5.test')).length === 2, 15_000);
    const [first, second] = smtp.mails.filter((m) => m.envelopeTo.includes('fay@org5.test')).map((m) => confirmToken(m.text)!);
    assert.equal((await confirm(second!)).status, 200);
    assert.equal((await confirm(first!)).status, 409, 'the address has an account by now');
  });

  it('quick start: without FLINT_SMTP_URL the link goes to the outbox, and the log says a mail was written, never the link', async () => {
    const quick = await startFlint({ env: { FLINT_SIGNUP_CONFIRM: 'email' } });
    try {
      await quick.signup({ email: 'ada@quick.test' });
      const answer = await raw(quick.url, 'POST', '/api/auth/signup', { body: { email: 'bob@quick.test', password: TEST_PASSWORD, displayName: 'Bob' } });
      assert.equal(answer.status, 202);
      const mail = (await quick.outbox()).find((m) => m.to === 'bob@quick.test');
      const token = confirmToken(mail?.text.replace(/=\r?\n/g, '') ?? '');
      assert.ok(token);
      assert.ok(quick.logs.some((l) => l['msg'] === 'mail written to the outbox (FLINT_SMTP_URL is not set)'));
      assert.ok(!quick.logText().includes(token));
      const bob = quick.client();
      await bob.auth.confirmSignup({ token, password: TEST_PASSWORD });
      assert.equal((await bob.people.me()).emails[0], 'bob@quick.test');
    } finally {
      await quick.stop();
    }
  });
});
