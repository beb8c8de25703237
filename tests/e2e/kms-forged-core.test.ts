/**
 * Issue 14, findings 1 and 2, as an attacker who can write the core's database would try them,
 * against a whole Flint (core + KMS, the KMS reached through the core's relay):
 * 1. A token row, or a whole session, forged for Alice: the core believes it (it answers as Alice)
 *    and vouches for it to the KMS — but the KMS also wants one of Alice's device credentials,
 *    which the core never sees. So no key, no authorization, and the refusals are audited.
 * 2. A room pointed at another space's KMS resource: the core refuses a used `kroUri` (and its
 *    unique index settles races); with that index dropped by the attacker, the SDK still checks the
 *    resource's binding at the KMS before it authorizes or de-authorizes anyone through a room (and
 *    a team), and refuses — nobody is added to the space, nobody in it loses its key.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { readKmsAudit, resetKmsCredentials, type AuditQuery } from '@flint/kms';
import { openAdmin } from '@flint/server/admin';
import { FlintError, newDeviceSecret, passwordCredential, type FlintClient, type KmsDeviceCredential, type SecureRoom, type Session } from '@flint/sdk';
import { raw, startFlint, TEST_PASSWORD, type TestFlint } from '@flint/testkit';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const refused = (code: string) => (e: unknown) => e instanceof FlintError && e.code === code;

describe('a core database writer gets no key (issue 14)', () => {
  let flint: TestFlint;
  const plain: Record<string, FlintClient> = {};
  const secure: Record<string, Session> = {};
  const malloryDevice = { device: newDeviceSecret() };
  const bobDevice = { device: newDeviceSecret() };
  let space: SecureRoom;
  let keyUri: string;
  /** Who the board's members are (and so its authorizations). */
  const members = new Set<string>();

  before(async () => {
    flint = await startFlint();
    for (const name of ['alice', 'bob', 'mallory']) {
      plain[name] = await flint.signup({ email: `${name}@forged.example`, displayName: name });
      secure[name] = await flint.connect(plain[name], { deviceId: `${name}-device`, ...(name === 'mallory' ? { kmsCredential: malloryDevice } : name === 'bob' ? { kmsCredential: bobDevice } : {}) });
    }
    space = await secure['alice']!.spaces.create({ title: 'Board only' });
    await secure['alice']!.members.add(space.id, { personId: plain['bob']!.session!.personId });
    await secure['alice']!.messages.send({ roomId: space.id, text: 'the numbers' });
    keyUri = (await plain['alice']!.rooms.get(space.id)).encryptionKeyUrl!;
    for (const name of ['alice', 'bob']) members.add(plain[name]!.session!.personId);
  });
  after(async () => {
    for (const s of Object.values(secure)) s.close();
    await flint.stop();
  });

  const db = () => flint.server.core.db;
  /** The KMS's audit log, read from its own database (beside the core's, in its own folder). */
  const kmsAudit = (query: AuditQuery) => readKmsAudit({ dataDir: flint.config.kmsDataDir }, query);
  const alice = () => plain['alice']!.session!;
  const authorizedIds = async () => (await (await secure['alice']!.kmsClient()).listAuthorizations(space.kroUri!)).map((a) => a.authId).sort();
  /** The space is as it was: its members read it, its authorizations are only theirs, Mallory gets no key. */
  const spaceIntact = async () => {
    assert.deepEqual(await authorizedIds(), [...members].sort());
    for (const name of ['alice', 'bob']) {
      const s = secure[name]!;
      // Asked of the KMS again, not taken from the cache.
      await (await s.kmsClient()).retrieveKey(keyUri, { fresh: true });
      assert.deepEqual((await s.messages.list({ roomId: space.id })).items.map((m) => m.text), ['the numbers'], `${name} still reads the space`);
    }
    await assert.rejects((await secure['mallory']!.kmsClient()).retrieveKey(keyUri, { fresh: true }), (e: unknown) => e instanceof FlintError && e.status === 403);
  };

  /** With a bearer the core accepts as Alice, tries the KMS as a new device and as Mallory's enrolled one. */
  async function attackWith(asAlice: FlintClient): Promise<void> {
    assert.equal((await asAlice.people.me()).id, alice().personId, 'the core takes the forgery for Alice');
    const newDevice = flint.connect(asAlice, { deviceId: 'forged-1', kmsCredential: { device: newDeviceSecret(), password: newDeviceSecret() } });
    await assert.rejects(newDevice, (e: unknown) => e instanceof FlintError && e.status === 403 && /not enrolled/.test(e.message));
    const borrowed = flint.connect(asAlice, { deviceId: 'forged-2', kmsCredential: malloryDevice });
    await assert.rejects(borrowed, (e: unknown) => e instanceof FlintError && e.status === 403 && /belong/.test(e.message));
  }

  it('finding 1: a token row forged in the core’s database gets no key and changes no authorization', async () => {
    const forged = `fla-${randomBytes(32).toString('hex')}_us_00000000-0000-4000-8000-000000000000`;
    await db().insertInto('access_tokens').values({ hash: sha256(forged), scope: 'api', session_id: alice().sessionId, person_id: alice().personId, expires_at: null, created_at: Date.now() }).execute();
    const asAlice = flint.client();
    asAlice.useToken(forged);
    await attackWith(asAlice);
    // A spark:kms token row forged the same way is vouched for by the core, and refused all the same.
    const kmsToken = `flk_${randomBytes(32).toString('base64url')}`;
    await db().insertInto('access_tokens').values({ hash: sha256(kmsToken), scope: 'spark:kms', session_id: alice().sessionId, person_id: alice().personId, expires_at: null, created_at: Date.now() }).execute();
    assert.equal(((await raw(flint.url, 'POST', '/api/auth/introspect', { body: { token: kmsToken } })).json as { active: boolean }).active, true);
    await spaceIntact();
    const audit = await kmsAudit({ userId: alice().personId, action: 'ecdhe.create', order: 'desc', limit: 10 });
    const refusals = audit.filter((e) => e.status === 403);
    assert.ok(refusals.length >= 2, 'the refused handshakes are in the audit log');
    for (const r of refusals) {
      assert.equal(r.credentialId, null, 'no device of Alice’s asked');
      assert.equal(r.addressSource, 'core-reported');
      assert.match(r.address ?? '', /^(::ffff:)?127\.0\.0\.1$|^::1$/);
    }
  });

  it('finding 1: a whole session forged in the core’s database gets no key either', async () => {
    const refresh = `flr_${randomBytes(32).toString('base64url')}`;
    const now = Date.now();
    await db()
      .insertInto('sessions')
      .values({ id: crypto.randomUUID(), person_id: alice().personId, kind: 'password', refresh_hash: sha256(refresh), prev_refresh_hash: null, cookie_hash: null, ip: null, user_agent: null, client_version: null, created_at: now, last_seen_at: now, expires_at: now + 3_600_000, revoked_at: null })
      .execute();
    const asAlice = flint.client();
    await asAlice.auth.refresh(refresh);
    await attackWith(asAlice);
    await spaceIntact();
  });

  it('finding 1: the KMS audit names the device that asked, and where from (core-reported)', async () => {
    const entries = await kmsAudit({ target: keyUri });
    const bobs = entries.filter((e) => e.action === 'key.retrieve' && e.userId === plain['bob']!.session!.personId && e.status === 200);
    assert.ok(bobs.length > 0);
    const bobDevices = (await (await secure['bob']!.kmsClient()).listDevices()).map((d) => d.id);
    for (const e of bobs) {
      assert.ok(e.credentialId !== null && bobDevices.includes(e.credentialId), 'Bob’s enrolled device is named');
      assert.equal(e.addressSource, 'core-reported');
    }
  });

  it('an administrator’s password reset at the core grants no KMS access; the person’s device, or the KMS operator, can', async () => {
    const frank = await flint.signup({ email: 'frank@forged.example', displayName: 'Frank' });
    const frankId = frank.session!.personId;
    const laptop = { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, frankId) };
    let frankSecure = await flint.connect(frank, { deviceId: 'frank-laptop', kmsCredential: laptop });
    try {
      await secure['alice']!.members.add(space.id, { personId: frankId });
      members.add(frankId);
      const chosen = 'an administrator chose this';
      const admin = await openAdmin(flint.config);
      try {
        await admin.resetPassword('frank@forged.example', chosen);
      } finally {
        await admin.close();
      }
      const asFrank = flint.client();
      await asFrank.auth.login({ email: 'frank@forged.example', password: chosen });
      const connect = async (credential: KmsDeviceCredential) => flint.connect(asFrank, { deviceId: `frank-${randomBytes(4).toString('hex')}`, kmsCredential: credential });
      await assert.rejects(connect({ device: newDeviceSecret(), password: await passwordCredential(chosen, frankId) }), (e: unknown) => e instanceof FlintError && e.status === 403);
      // The reset ended Frank's sessions; told the new password, he signs in again on his laptop,
      // whose device the KMS still knows, and that is what moves the KMS to his own new password.
      frankSecure.close();
      const again = flint.client();
      await again.auth.login({ email: 'frank@forged.example', password: chosen });
      frankSecure = await flint.connect(again, { deviceId: 'frank-laptop', kmsCredential: { device: laptop.device } });
      assert.equal((await frankSecure.messages.list({ roomId: space.id })).items[0]!.text, 'the numbers');
      const mine = 'frank’s own new password';
      await frankSecure.updateKmsPassword(mine);
      const browser = await connect({ device: newDeviceSecret(), password: await passwordCredential(mine, frankId) });
      browser.close();
      // Lost everything: only the KMS operator's reset lets a device enroll again, as on first use.
      assert.ok((await resetKmsCredentials({ dataDir: flint.config.kmsDataDir }, frankId)) >= 3);
      const afterReset = await connect({ device: newDeviceSecret() });
      assert.equal((await afterReset.messages.list({ roomId: space.id })).items[0]!.text, 'the numbers');
      afterReset.close();
    } finally {
      frankSecure.close();
    }
  });

  it('a client that pinned the KMS’s key refuses a discovery answer with another key', async () => {
    const info = (await raw(flint.url, 'GET', `/encryption/api/v1/kms/${alice().personId}`, { token: alice().accessToken })).json as { rsaPublicKey: string };
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const impostor = JSON.stringify(publicKey.export({ format: 'jwk' }));
    await assert.rejects(flint.connect(plain['bob']!, { deviceId: 'bob-pinned', kmsPublicKey: impostor, kmsCredential: bobDevice }), refused('forbidden'));
    const pinned = await flint.connect(plain['bob']!, { deviceId: 'bob-pinned', kmsPublicKey: info.rsaPublicKey, kmsCredential: bobDevice });
    pinned.close();
  });

  it('finding 2: the core refuses a room on another space’s resource', async () => {
    const mallory = plain['mallory']!;
    const res = await raw(flint.url, 'POST', '/api/rooms', { token: mallory.session!.accessToken, body: { title: 'Lookalike', kroUri: space.kroUri, encryptionKeyUrl: keyUri } });
    assert.equal(res.status, 409);
    const mine = await secure['mallory']!.spaces.create({ title: 'Mine' });
    const update = await raw(flint.url, 'PUT', `/api/rooms/${mine.id}`, { token: mallory.session!.accessToken, body: { kroUri: space.kroUri } });
    assert.equal(update.status, 409);
  });

  it('finding 2: with the room row forged anyway, members refuse to authorize or remove anyone through it', async () => {
    const mallory = secure['mallory']!;
    const bobId = plain['bob']!.session!.personId;
    // Mallory's own room, with Alice and Bob in it (the core lets her add them; no KMS needed for that).
    const lookalike = await mallory.spaces.create({ title: 'Lookalike' });
    const aliceInLookalike = await plain['mallory']!.memberships.create({ roomId: lookalike.id, personId: alice().personId });
    const bobInLookalike = await plain['mallory']!.memberships.create({ roomId: lookalike.id, personId: bobId });
    // The database writer points it at the board's resource (dropping the unique index first).
    await sql`DROP INDEX spaces_kro_uri_unique`.execute(db());
    try {
      await db().updateTable('spaces').set({ kro_uri: space.kroUri! }).where('id', '=', lookalike.id).execute();
      const aliceSecure = secure['alice']!;
      await assert.rejects(aliceSecure.members.add(lookalike.id, { personId: plain['mallory']!.session!.personId }), refused('forbidden'));
      await assert.rejects(aliceSecure.members.remove(bobInLookalike.id), refused('forbidden'));
      await assert.rejects(aliceSecure.messages.send({ roomId: lookalike.id, text: 'into the lookalike' }), refused('forbidden'));
      await assert.rejects(aliceSecure.spaces.rotateKey(lookalike.id), refused('forbidden'));
      // Alice may still leave it, and leaving does not take her off the board's resource.
      await aliceSecure.members.remove(aliceInLookalike.id);
      // The same for a team whose general space is pointed at the board.
      const team = await mallory.teams.create({ name: 'Fake team' });
      await mallory.teams.addMember(team.id, { personId: alice().personId });
      await db().updateTable('teams').set({ general_space_id: space.id }).where('id', '=', team.id).execute();
      await assert.rejects(aliceSecure.teams.addMember(team.id, { personId: plain['mallory']!.session!.personId }), refused('forbidden'));
      await spaceIntact();
    } finally {
      await db().updateTable('spaces').set({ kro_uri: null }).where('id', '=', lookalike.id).execute();
      await sql`CREATE UNIQUE INDEX spaces_kro_uri_unique ON spaces (kro_uri)`.execute(db());
    }
  });
});
