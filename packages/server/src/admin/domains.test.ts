/**
 * Domain verification by DNS TXT record (SPEC ID-2) through node:dns, against a real DNS server on
 * loopback (FLINT_DNS_SERVERS): no real resolver is asked.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient } from '@flint/sdk';
import { adminDomains, type AuditEvent } from '@flint/protocol';
import { raw, startDnsServer, startFlint, type TestDnsServer, type TestFlint } from '@flint/testkit';

describe('domains proved by DNS TXT records (ID-2)', () => {
  let dns: TestDnsServer;
  let flint: TestFlint;
  let ada: FlintClient;
  let token: string;

  before(async () => {
    dns = await startDnsServer();
    flint = await startFlint({ env: { FLINT_DNS_SERVERS: dns.address, FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@example.com' });
    token = ada.session!.accessToken;
  });
  after(async () => {
    await flint.stop();
    await dns.close();
  });

  it('claims a domain, refuses to verify it without the record, verifies it with the record, and audits each step', async () => {
    const claimed = await ada.transport.call(adminDomains.addDomain, { body: { domain: 'Acme.Test' } });
    assert.equal(claimed.domain, 'acme.test');
    assert.equal(claimed.verified, false);
    assert.match(claimed.txtRecord ?? '', /^flint-verification=[A-Za-z0-9_-]{20,}$/);

    const before = dns.queries;
    const missing = await raw(flint.url, 'POST', '/api/admin/domains/acme.test/verify', { token });
    assert.equal(missing.status, 400);
    assert.match((missing.json as { message: string }).message, /No TXT record/);
    assert.ok(dns.queries > before, 'the resolver asked the loopback DNS server');

    dns.setTxt('acme.test', ['v=spf1 -all', 'flint-verification=wrong']);
    assert.equal((await raw(flint.url, 'POST', '/api/admin/domains/acme.test/verify', { token })).status, 400);
    dns.setTxt('acme.test', ['v=spf1 -all', claimed.txtRecord!]);
    const verified = await ada.transport.call(adminDomains.verifyDomain, { params: { domain: 'acme.test' } });
    assert.equal(verified.verified, true);
    assert.equal(verified.txtRecord, undefined);
    const list = (await ada.transport.call(adminDomains.listDomains, {})).items;
    assert.deepEqual(list.map((d) => [d.domain, d.verified]), [['acme.test', true], ['example.com', true]]);

    // People of a verified domain are members, not guests.
    const invitation = await ada.invitations.create({ email: 'zed@acme.test' });
    assert.equal(invitation.asGuest, false);

    await ada.transport.call(adminDomains.removeDomain, { params: { domain: 'acme.test' } });
    assert.deepEqual((await ada.transport.call(adminDomains.listDomains, {})).items.map((d) => d.domain), ['example.com']);
    const audit = (await raw(flint.url, 'GET', '/api/admin/audit/events?eventCategories=DOMAINS', { token })).json as { items: AuditEvent[] };
    assert.deepEqual(audit.items.map((e) => e.action).reverse(), ['domain.add', 'domain.verify', 'domain.remove']);
  });

  it('refuses another org’s domain, a bad name, and non-admins', async () => {
    const other = await flint.signup({ email: 'olga@other.test' });
    const taken = await raw(flint.url, 'POST', '/api/admin/domains', { token: other.session!.accessToken, body: { domain: 'example.com' } });
    assert.equal(taken.status, 409);
    assert.equal((await raw(flint.url, 'POST', '/api/admin/domains', { token, body: { domain: 'not a domain' } })).status, 400);
    assert.equal((await raw(flint.url, 'POST', '/api/admin/domains/other.test/verify', { token })).status, 404, 'another org’s domain is not found');
    const bob = await flint.signup({ email: 'bob@example.com' });
    for (const [method, path] of [['GET', '/api/admin/domains'], ['POST', '/api/admin/domains'], ['POST', '/api/admin/domains/example.com/verify'], ['DELETE', '/api/admin/domains/example.com']] as const) {
      const r = await raw(flint.url, method, path, { token: bob.session!.accessToken, ...(method === 'POST' && path.endsWith('domains') ? { body: { domain: 'x.test' } } : {}) });
      assert.equal(r.status, 403, `${method} ${path}`);
    }
  });
});
