/**
 * "Forgot password" over HTTP with a real SMTP server on loopback (issue 16): a uniform answer, a
 * single-use expiring link stored hashed, rate limits, and every session ended by the new password.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { raw, startFlint, startSmtpServer, TEST_PASSWORD, type TestFlint, type TestSmtpServer } from '@flint/testkit';

const linkToken = (text: string) => /#\/reset\/([A-Za-z0-9_-]+)/.exec(text)?.[1];

describe('forgot password', () => {
  let flint: TestFlint;
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await startSmtpServer();
    flint = await startFlint({ env: { FLINT_SMTP_URL: smtp.url, FLINT_PASSWORD_RESETS_PER_EMAIL: '3', FLINT_PASSWORD_RESET_TTL: '60' } });
    await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
  });
  after(async () => {
    await flint?.stop();
    await smtp?.close();
  });

  it('answers the same for an address with and without an account, and mails only the account', async () => {
    const known = await raw(flint.url, 'POST', '/api/auth/password-reset', { body: { email: 'ada@example.com' } });
    const unknown = await raw(flint.url, 'POST', '/api/auth/password-reset', { body: { email: 'nobody@example.com' } });
    assert.equal(known.status, 202);
    assert.equal(unknown.status, 202);
    assert.deepEqual(known.json, unknown.json);
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('ada@example.com') && m.subject.includes('new Flint password'));
    assert.ok(linkToken(mail.text) !== undefined, mail.text);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!smtp.mails.some((m) => m.envelopeTo.includes('nobody@example.com')));
  });

  it('sets the password once with the link, ends every session, and stores the token only hashed', async () => {
    const before = smtp.mails.length;
    const ada = await flint.signup({ email: 'ada2@example.com', displayName: 'Ada Two' });
    await raw(flint.url, 'POST', '/api/auth/password-reset', { body: { email: 'ada2@example.com' } });
    const mail = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.envelopeTo.includes('ada2@example.com'));
    const token = linkToken(mail.text)!;
    const stored = await flint.server.core.db.selectFrom('password_resets').select('token_hash').execute();
    assert.ok(stored.some((r) => r.token_hash === createHash('sha256').update(token).digest('hex')));
    assert.ok(!stored.some((r) => r.token_hash === token), 'never the token itself');
    const short = await raw(flint.url, 'POST', '/api/auth/password-reset/confirm', { body: { token, newPassword: 'short' } });
    assert.equal(short.status, 400, 'a bad password changes nothing and spends nothing');
    const ok = await raw(flint.url, 'POST', '/api/auth/password-reset/confirm', { body: { token, newPassword: 'a brand new passphrase' } });
    assert.equal(ok.status, 204);
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token: ada.session!.accessToken })).status, 401, 'the old session ended');
    const again = await raw(flint.url, 'POST', '/api/auth/password-reset/confirm', { body: { token, newPassword: 'another new passphrase' } });
    assert.equal(again.status, 410, 'single use');
    assert.equal((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'ada2@example.com', password: TEST_PASSWORD } })).status, 401);
    assert.equal((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'ada2@example.com', password: 'a brand new passphrase' } })).status, 200);
    const forged = await raw(flint.url, 'POST', '/api/auth/password-reset/confirm', { body: { token: 'flp-' + 'a'.repeat(64), newPassword: 'a brand new passphrase' } });
    assert.equal(forged.status, 401);
  });

  it('refuses an expired link', async () => {
    const person = await flint.server.core.db.selectFrom('people').select('id').where('email', '=', 'ada@example.com').executeTakeFirstOrThrow();
    const token = 'flp-' + 'b'.repeat(64);
    await flint.server.core.db.insertInto('password_resets').values({ token_hash: createHash('sha256').update(token).digest('hex'), person_id: person.id, created_at: Date.now() - 120_000, expires_at: Date.now() - 60_000, used_at: null }).execute();
    const res = await raw(flint.url, 'POST', '/api/auth/password-reset/confirm', { body: { token, newPassword: 'a brand new passphrase' } });
    assert.equal(res.status, 410);
  });

  it('limits requests per address, for addresses without an account too', async () => {
    for (const email of ['limit@example.com', 'ada@example.com']) {
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push((await raw(flint.url, 'POST', '/api/auth/password-reset', { body: { email } })).status);
      assert.deepEqual(codes.slice(email === 'ada@example.com' ? 2 : 3), email === 'ada@example.com' ? [429, 429, 429] : [429, 429], `${email}: ${codes.join(',')}`);
    }
    assert.equal((await raw(flint.url, 'POST', '/api/auth/password-reset', { body: { email: 'not an address' } })).status, 400);
  });
});
