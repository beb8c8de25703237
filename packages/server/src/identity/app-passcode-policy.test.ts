/**
 * The app passcode policy (SPEC SEC-7): an org admin turns it on with an idle time through the
 * org's policy; every member's `GET /api/organizations/:id` then carries `appLock`, which their web
 * app enforces on the device. Bad input is refused with a 400 and a machine-readable body, changing
 * nothing; a member who is not an admin is refused (403), changing nothing; the change is audited.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient } from '@flint/sdk';
import type { AuditEvent } from '@flint/protocol';
import { errorOf, raw, startFlint, stateDigest, type TestFlint } from '@flint/testkit';

describe('app passcode policy (SEC-7)', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let orgId: string;

  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@example.com' });
    orgId = (await ada.people.me()).orgId!;
  });
  after(() => flint.stop());

  const put = (client: FlintClient, body: unknown) => raw(flint.url, 'PUT', `/api/organizations/${orgId}`, { token: client.session!.accessToken, body });

  it('is off by default, and every member sees it', async () => {
    assert.deepEqual((await bob.organizations.get(orgId)).appLock, { passcodeRequired: false, idleMinutes: 15 });
    const policy = (await ada.organizations.get(orgId)).policy;
    assert.equal(policy?.appPasscodeRequired, false);
    assert.equal(policy?.appPasscodeIdleMinutes, 15);
  });

  it('refuses bad input with a 400 and changes nothing', async () => {
    const before = await stateDigest(flint);
    for (const policy of [
      { appPasscodeIdleMinutes: 0 },
      { appPasscodeIdleMinutes: 24 * 60 + 1 },
      { appPasscodeIdleMinutes: 2.5 },
      { appPasscodeIdleMinutes: '5' },
      { appPasscodeRequired: 'yes' },
      { appPasscodeRequired: true, appPasscode: '1234' },
    ]) {
      const r = await put(ada, { policy });
      assert.equal(r.status, 400, JSON.stringify(policy));
      assert.equal(errorOf(r).code, 'validation_failed', JSON.stringify(policy));
    }
    assert.deepEqual(await stateDigest(flint), before, 'nothing changed');
    assert.equal((await bob.organizations.get(orgId)).appLock?.passcodeRequired, false);
  });

  it('refuses a member who is not an admin, changing nothing', async () => {
    const before = await stateDigest(flint);
    const r = await put(bob, { policy: { appPasscodeRequired: true } });
    assert.equal(r.status, 403);
    assert.equal(typeof errorOf(r).code, 'string');
    assert.deepEqual(await stateDigest(flint), before, 'nothing changed');
  });

  it('an admin turns it on with an idle time: members see it, and the change is audited', async () => {
    const updated = await ada.organizations.update(orgId, { policy: { appPasscodeRequired: true, appPasscodeIdleMinutes: 5 } });
    assert.equal(updated.policy?.appPasscodeRequired, true);
    assert.deepEqual((await bob.organizations.get(orgId)).appLock, { passcodeRequired: true, idleMinutes: 5 });
    const audit = ((await raw(flint.url, 'GET', '/api/admin/audit/events', { token: ada.session!.accessToken })).json as { items: AuditEvent[] }).items;
    const entry = audit.find((e) => e.action === 'org.update' && JSON.stringify(e).includes('appPasscodeRequired'));
    assert.ok(entry !== undefined, 'audited');
    await ada.organizations.update(orgId, { policy: { appPasscodeRequired: false } });
    assert.deepEqual((await bob.organizations.get(orgId)).appLock, { passcodeRequired: false, idleMinutes: 5 });
  });
});
