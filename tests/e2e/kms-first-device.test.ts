/**
 * Issue 14's first-use window, closed: with FLINT_KMS_FIRST_DEVICE=approval the KMS enrolls a
 * person's first device only with a proof the core cannot mint (an enrollment code the KMS's
 * operator hands out with `flint kms enroll-code`, or the org's IdP: kms-idp.test.ts). So a session
 * forged in the core's database for someone who has never used the KMS — invited, and added to a
 * space before their first sign-in — still gets no key. Then the ways in that remain the person's:
 * the operator's code (a real `flint kms enroll-code` process), their recovery key, and approval
 * of a new device by an enrolled one through the core's device requests (whose MAC under the code
 * the new device shows defeats a request the core slips in). Runs on SQLite, or on PostgreSQL +
 * Redis when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readKmsAudit } from '@flint/kms';
import { deviceCredentialHash, deviceRequestMac, FlintError, newApprovalCode, newDeviceSecret, normalizeRecoveryKey, passwordCredential, type FlintClient, type SecureRoom, type Session } from '@flint/sdk';
import { FLINT_BIN, raw, startFlint, TEST_PASSWORD, type TestFlint } from '@flint/testkit';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('FLINT_KMS_FIRST_DEVICE=approval: no first device without a proof the core cannot mint (issue 14)', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let adaSecure: Session;
  let bob: FlintClient;
  let space: SecureRoom;
  let keyUri: string;
  const sessions: Session[] = [];

  /** `flint kms …` as the KMS's operator runs it, on this Flint's KMS folder. */
  function kmsCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [FLINT_BIN, 'kms', '--data', flint.config.kmsDataDir, ...args], { env: { ...process.env, FLINT_KMS_FIRST_DEVICE: 'approval' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  const connect = async (as: FlintClient, kmsCredential: { device: string; password?: string; recovery?: string }, deviceId: string) => {
    const s = await flint.connect(as, { deviceId, kmsCredential });
    sessions.push(s);
    return s;
  };

  before(async () => {
    flint = await startFlint({ env: { FLINT_KMS_FIRST_DEVICE: 'approval' } });
    ada = await flint.signup({ email: 'ada@first.test', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@first.test', displayName: 'Bob' });
  });
  after(async () => {
    for (const s of sessions) s.close();
    await flint.stop();
  });

  it('a first device with only the core’s word — even with the password — is refused; the operator’s code enrolls it', async () => {
    const adaId = ada.session!.personId;
    const first = flint.connect(ada, { deviceId: 'ada-1', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaId) } });
    await assert.rejects(first, (e: unknown) => e instanceof FlintError && e.status === 403 && /first_device_approval/.test(e.message));
    const issued = await kmsCli(['enroll-code', adaId]);
    assert.equal(issued.code, 0, issued.stderr);
    const code = normalizeRecoveryKey(issued.stdout.trim());
    assert.ok(code !== undefined, issued.stdout);
    adaSecure = await connect(ada, { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaId), recovery: code }, 'ada-laptop');
    space = await adaSecure.spaces.create({ title: 'Before Bob arrives' });
    // Bob has never used the KMS: he is added (authorized at the KMS) before his first sign-in.
    await adaSecure.members.add(space.id, { personId: bob.session!.personId });
    await adaSecure.messages.send({ roomId: space.id, text: 'the plan' });
    keyUri = (await ada.rooms.get(space.id)).encryptionKeyUrl!;
    const enrolled = await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { userId: adaId, action: 'device.enroll' });
    assert.deepEqual(enrolled.map((e) => e.detail), ['enrollment-code']);
  });

  it('a token or a whole session forged in the core’s database for a person who never enrolled gets no key', async () => {
    const bobId = bob.session!.personId;
    const db = flint.server.core.db;
    // A token row, and a whole session, for Bob: the core takes them for Bob.
    const forged = `fla-${randomBytes(32).toString('hex')}_us_00000000-0000-4000-8000-000000000000`;
    await db.insertInto('access_tokens').values({ hash: sha256(forged), scope: 'api', session_id: bob.session!.sessionId, person_id: bobId, expires_at: null, created_at: Date.now() }).execute();
    const asBob = flint.client();
    asBob.useToken(forged);
    assert.equal((await asBob.people.me()).id, bobId);
    const refresh = `flr_${randomBytes(32).toString('base64url')}`;
    const now = Date.now();
    await db
      .insertInto('sessions')
      .values({ id: crypto.randomUUID(), person_id: bobId, kind: 'password', refresh_hash: sha256(refresh), prev_refresh_hash: null, cookie_hash: null, ip: null, user_agent: null, client_version: null, created_at: now, last_seen_at: now, expires_at: now + 3_600_000, revoked_at: null })
      .execute();
    const asBobSession = flint.client();
    await asBobSession.auth.refresh(refresh);
    for (const [i, forger] of [asBob, asBobSession].entries()) {
      // Under FLINT_KMS_FIRST_DEVICE=open this is the first-use window: the forger's device would enroll as Bob's first.
      const attempt = flint.connect(forger, { deviceId: `forger-${i}`, kmsCredential: { device: newDeviceSecret(), password: newDeviceSecret() } });
      await assert.rejects(attempt, (e: unknown) => e instanceof FlintError && e.status === 403 && /first_device_approval/.test(e.message));
    }
    assert.deepEqual(await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { userId: bobId, action: 'device.enroll' }), [], 'nothing enrolled as Bob');
    // The message stays sealed to anyone but Ada.
    assert.ok(keyUri.startsWith('kms://'));
  });

  it('Bob’s own way in: the operator’s code; then his recovery key enrolls a new device without another one', async () => {
    const bobId = bob.session!.personId;
    const issued = await kmsCli(['enroll-code', bobId]);
    const code = normalizeRecoveryKey(issued.stdout.trim())!;
    const laptop = await connect(bob, { device: newDeviceSecret(), recovery: code }, 'bob-laptop');
    assert.deepEqual((await laptop.messages.list({ roomId: space.id })).items.map((m) => m.text), ['the plan']);
    const recoveryKey = await laptop.createRecoveryKey();
    assert.match(recoveryKey, /^[A-Z2-7]{24}$/);
    // A spent code and a wrong key enroll nothing.
    await assert.rejects(flint.connect(bob, { deviceId: 'bob-x', kmsCredential: { device: newDeviceSecret(), recovery: code } }), (e: unknown) => e instanceof FlintError && /recovery_invalid/.test(e.message));
    const phone = await connect(bob, { device: newDeviceSecret(), recovery: recoveryKey }, 'bob-phone');
    assert.deepEqual((await phone.messages.list({ roomId: space.id })).items.map((m) => m.text), ['the plan']);
    const kinds = (await phone.kmsDevices()).map((d) => `${d.kind}:${d.enrolledVia.replace(/:.*/, '')}`).sort();
    assert.deepEqual(kinds, ['device:enrollment-code', 'device:recovery', 'recovery:device']);
  });

  it('approval through the core: the enrolled device checks the MAC under the new device’s code, so the core’s own request is refused', async () => {
    const bobId = bob.session!.personId;
    const enrolled = sessions.find((s) => s.deviceId === 'bob-laptop')!;
    const tablet = newDeviceSecret();
    const code = newApprovalCode();
    const credentialHash = await deviceCredentialHash(tablet);
    const request = await bob.deviceRequests.create({ credentialHash, mac: await deviceRequestMac(code, credentialHash) });
    assert.equal(request.status, 'pending');
    // The core slips in a request for a device of its own, with a MAC under a code of its own.
    const coreDevice = newDeviceSecret();
    const coreHash = await deviceCredentialHash(coreDevice);
    await bob.deviceRequests.create({ credentialHash: coreHash, mac: await deviceRequestMac(newApprovalCode(), coreHash) });
    const pending = await bob.deviceRequests.list();
    assert.equal(pending.length, 2);
    // What the enrolled browser does with the code the person read off the new device.
    const matching = [];
    for (const r of pending) if ((await deviceRequestMac(code, r.credentialHash)) === r.mac) matching.push(r);
    assert.deepEqual(matching.map((r) => r.id), [request.id], 'only the real request fits the code');
    await enrolled.approveDevice(credentialHash, 'tablet');
    assert.equal((await bob.deviceRequests.answer(request.id, 'approved')).status, 'approved');
    assert.equal((await bob.deviceRequests.get(request.id)).status, 'approved');
    const tabletSession = await connect(bob, { device: tablet }, 'bob-tablet');
    assert.deepEqual((await tabletSession.messages.list({ roomId: space.id })).items.map((m) => m.text), ['the plan']);
    await assert.rejects(flint.connect(bob, { deviceId: 'core-device', kmsCredential: { device: coreDevice } }), (e: unknown) => e instanceof FlintError && e.status === 403);
    // Answered once; another person cannot see or answer Bob's requests; bad input is a clear 400.
    assert.equal((await raw(flint.url, 'PUT', `/api/kms/device-requests/${request.id}`, { token: bob.transport.accessToken!, body: { status: 'refused' } })).status, 409);
    assert.equal((await raw(flint.url, 'GET', `/api/kms/device-requests/${request.id}`, { token: ada.transport.accessToken! })).status, 404);
    assert.equal((await raw(flint.url, 'POST', '/api/kms/device-requests', { token: bob.transport.accessToken!, body: { credentialHash: 'nope', mac: 'x' } })).status, 400);
    assert.equal((await raw(flint.url, 'POST', '/api/kms/device-requests', { body: { credentialHash, mac: request.mac } })).status, 401);
    const via = (await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { userId: bobId, action: 'device.approve' })).length;
    assert.equal(via, 1);
    // At most DEVICE_REQUEST_LIMITS.pendingPerPerson (5) wait at once: the oldest go.
    const made = [];
    for (let i = 0; i < 7; i++) {
      const hash = await deviceCredentialHash(newDeviceSecret());
      made.push((await bob.deviceRequests.create({ credentialHash: hash, mac: await deviceRequestMac(newApprovalCode(), hash) })).id);
    }
    assert.deepEqual((await bob.deviceRequests.list()).map((r) => r.id).sort(), made.slice(-5).sort());
  });
});
