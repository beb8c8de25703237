/**
 * Maintenance and incident notices (SPEC AD-3): an admin publishes one; it is e-mailed (through a
 * real SMTP server on loopback) to the org's people who opted in and to no one else; it is active
 * only in its period; withdrawing it hides it; both actions are in the admin audit log; bad input
 * is refused by name and changes nothing; non-admins and other orgs are refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient } from '@flint/sdk';
import type { AuditEvent, Notice } from '@flint/protocol';
import { raw, startFlint, startSmtpServer, type TestFlint, type TestSmtpServer } from '@flint/testkit';

const HOUR = 3_600_000;
const at = (ms: number) => new Date(ms).toISOString();

describe('service notices', () => {
  let flint: TestFlint;
  let smtp: TestSmtpServer;
  let ada: FlintClient;
  let bob: FlintClient;
  let cy: FlintClient;
  let zed: FlintClient;

  before(async () => {
    smtp = await startSmtpServer();
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open', FLINT_SMTP_URL: smtp.url } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@example.com' });
    cy = await flint.signup({ email: 'cy@example.com' });
    zed = await flint.signup({ email: 'zed@other.test' });
    // Bob opts in; Cy does not; Zed (another org, its admin) opts in too, but is not Ada's org.
    await bob.people.updateMe({ notificationPrefs: { serviceNotices: true } });
    await zed.people.updateMe({ notificationPrefs: { serviceNotices: true } });
  });
  after(async () => {
    await flint.stop();
    await smtp.close();
  });

  const publish = (token: string, body: unknown) => raw(flint.url, 'POST', '/api/admin/notices', { token, body });
  const active = async (c: FlintClient) => ((await raw(flint.url, 'GET', '/api/notices', { token: c.session!.accessToken })).json as { items: Notice[] }).items;

  it('publishes a notice: shown to the org while active, e-mailed only to those who opted in, audited', async () => {
    const r = await publish(ada.session!.accessToken, { title: 'Upgrade tonight', text: 'Flint restarts at 22:00 for a few minutes.', severity: 'maintenance', startsAt: at(Date.now() - 1000), endsAt: at(Date.now() + 2 * HOUR) });
    assert.equal(r.status, 200, r.text);
    const notice = r.json as Notice;
    assert.equal(notice.emailed, 1);

    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bob@example.com'));
    assert.match(mail.subject, /Maintenance: Upgrade tonight/);
    assert.match(mail.text, /Flint restarts at 22:00/);
    assert.match(mail.text, /Settings/);
    // Give a wrong mail time to arrive, then check none did.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const to = smtp.mails.flatMap((m) => m.envelopeTo);
    assert.ok(!to.includes('cy@example.com') && !to.includes('ada@example.com') && !to.includes('zed@other.test'), to.join());

    for (const c of [ada, bob, cy]) assert.deepEqual((await active(c)).map((n) => n.title), ['Upgrade tonight']);
    assert.deepEqual(await active(zed), []);
    assert.equal((await active(bob))[0]!.emailed, undefined, 'people see the notice, not the admin figures');

    const audit = (await raw(flint.url, 'GET', '/api/admin/audit/events', { token: ada.session!.accessToken })).json as { items: AuditEvent[] };
    const entry = audit.items.find((e) => e.targetId === notice.id)!;
    assert.equal(entry.description, 'Notice published');
    assert.equal(entry.action, 'notice.create');
    assert.equal(entry.targetType, 'NOTICE');
    assert.equal(entry.targetName, 'Upgrade tonight');
  });

  it('a scheduled notice is listed for admins but not active yet; withdrawing hides it and is audited', async () => {
    const r = await publish(ada.session!.accessToken, { title: 'Database move', text: 'Next week.', severity: 'info', startsAt: at(Date.now() + 24 * HOUR), endsAt: at(Date.now() + 26 * HOUR) });
    assert.equal(r.status, 200, r.text);
    const id = (r.json as Notice).id;
    assert.ok(!(await active(bob)).some((n) => n.id === id));
    const list = (await raw(flint.url, 'GET', '/api/admin/notices', { token: ada.session!.accessToken })).json as { items: Notice[] };
    assert.deepEqual(list.items.map((n) => n.title), ['Database move', 'Upgrade tonight']);

    const first = list.items[1]!.id;
    assert.equal((await raw(flint.url, 'DELETE', `/api/admin/notices/${first}`, { token: ada.session!.accessToken })).status, 204);
    assert.deepEqual(await active(bob), []);
    assert.equal((await raw(flint.url, 'DELETE', `/api/admin/notices/${first}`, { token: ada.session!.accessToken })).status, 404);
    const audit = (await raw(flint.url, 'GET', '/api/admin/audit/events', { token: ada.session!.accessToken })).json as { items: AuditEvent[] };
    assert.ok(audit.items.some((e) => e.targetId === first && e.description === 'Notice withdrawn' && e.action === 'notice.withdraw'));
  });

  it('refuses bad notices by name, changing nothing', async () => {
    const token = ada.session!.accessToken;
    const before = ((await raw(flint.url, 'GET', '/api/admin/notices', { token })).json as { items: Notice[] }).items.length;
    const now = Date.now();
    const cases: [unknown, RegExp][] = [
      [{ title: 'x', text: 'y', severity: 'info', startsAt: at(now), endsAt: at(now - HOUR) }, /endsAt: must be after startsAt/],
      [{ title: 'x', text: 'y', severity: 'info', startsAt: at(now), endsAt: at(now + 91 * 24 * HOUR) }, /at most 90 days/],
      [{ title: 'x', text: 'y', severity: 'info', startsAt: at(now - 3 * HOUR), endsAt: at(now - HOUR) }, /must be in the future/],
      [{ title: '   ', text: 'y', severity: 'info', startsAt: at(now), endsAt: at(now + HOUR) }, /title: must not be blank/],
      [{ title: 'x', text: 'y', severity: 'panic', startsAt: at(now), endsAt: at(now + HOUR) }, /severity/],
      [{ title: 'x'.repeat(201), text: 'y', severity: 'info', startsAt: at(now), endsAt: at(now + HOUR) }, /title/],
      [{ title: 'x', text: 'y', severity: 'info', startsAt: 'soon', endsAt: at(now + HOUR) }, /startsAt/],
      [{ title: 'x', text: 'y', severity: 'info', startsAt: at(now), endsAt: at(now + HOUR), extra: 1 }, /unknown field 'extra'/],
    ];
    for (const [body, message] of cases) {
      const r = await publish(token, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.status} ${r.text}`);
      assert.match(r.text, message);
    }
    assert.equal(((await raw(flint.url, 'GET', '/api/admin/notices', { token })).json as { items: Notice[] }).items.length, before);
  });

  it('refuses non-admins; another org’s admin cannot see or withdraw the org’s notices', async () => {
    const body = { title: 'x', text: 'y', severity: 'info', startsAt: at(Date.now()), endsAt: at(Date.now() + HOUR) };
    assert.equal((await publish(bob.session!.accessToken, body)).status, 403);
    assert.equal((await raw(flint.url, 'GET', '/api/admin/notices', { token: bob.session!.accessToken })).status, 403);
    const mine = (await publish(ada.session!.accessToken, body)).json as Notice;
    assert.equal((await raw(flint.url, 'DELETE', `/api/admin/notices/${mine.id}`, { token: bob.session!.accessToken })).status, 403);
    assert.equal((await raw(flint.url, 'DELETE', `/api/admin/notices/${mine.id}`, { token: zed.session!.accessToken })).status, 404);
    const zedList = (await raw(flint.url, 'GET', '/api/admin/notices', { token: zed.session!.accessToken })).json as { items: Notice[] };
    assert.deepEqual(zedList.items, []);
  });
});
