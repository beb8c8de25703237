/**
 * SPEC CP-4, beyond Webex (issue 19): crypto-shredding. When a key epoch of a space has ended (the
 * key rotated) longer ago than the KMS's own retention rule, and no hold placed at the KMS covers
 * it, the KMS deletes the epoch's key: retrieving it fails, so a backup of the core is unreadable for
 * that content too, while the current keys keep working. The rule is the security realm's (the KMS
 * operator's `flint kms retention set`, run here as a real process): a core retention period of one
 * day makes the KMS delete nothing. Holds at the KMS — by room, and by person (spaces they are in or
 * were removed from) — keep keys until their creator releases them; someone else cannot. The KMS's
 * job runs with its clock moved forward (no sleeping). Runs on SQLite, or with the core on
 * PostgreSQL when FLINT_TEST_DATABASE_URL is set (the KMS keeps its own SQLite file).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readKmsAudit, shredKmsKeys } from '@flint/kms';
import { organizations } from '@flint/protocol';
import { FlintError, type FlintClient, type Session } from '@flint/sdk';
import { runRetention } from '@flint/server';
import { FLINT_BIN, startFlint, type TestFlint } from '@flint/testkit';

const DAY = 86_400_000;

describe('crypto-shredding: the KMS deletes the keys of expired epochs by its own rule (CP-4)', () => {
  let flint: TestFlint;
  const plain: Record<string, FlintClient> = {};
  const s: Record<string, Session> = {};
  const keys: Record<string, string> = {};
  const messages: Record<string, string> = {};
  const holds: Record<string, string> = {};

  const kmsStorage = () => ({ dataDir: flint.config.kmsDataDir });
  function flintCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const database = flint.config.database;
    const env = {
      ...process.env,
      FLINT_DATA_DIR: flint.config.dataDir,
      FLINT_KMS_DATA_DIR: flint.config.kmsDataDir,
      DATABASE_URL: database.kind === 'sqlite' ? `sqlite:${database.file}` : database.url,
    };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [FLINT_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  const currentKey = async (roomId: string) => (await plain['ada']!.rooms.get(roomId)).encryptionKeyUrl!;
  const removeMember = async (roomId: string, email: string) => {
    const membership = (await s['ada']!.members.list({ roomId })).items.find((m) => m.personEmail === email)!;
    await s['ada']!.members.remove(membership.id);
  };
  /** A space whose key rotates once: `before` is sealed with its first key, `after` with the second. */
  const rotatedSpace = async (name: string, members: string[], remove: string, sender = 'ada') => {
    const roomId = (await s['ada']!.spaces.create({ title: name })).id;
    for (const m of members) await s['ada']!.members.add(roomId, { personEmail: `${m}@shred.test` });
    messages[`${name}1`] = (await s[sender]!.messages.send({ roomId, text: `${name} first epoch` })).id;
    keys[`${name}1`] = await currentKey(roomId);
    await removeMember(roomId, `${remove}@shred.test`);
    keys[`${name}2`] = await currentKey(roomId);
    assert.notEqual(keys[`${name}1`], keys[`${name}2`], 'the key rotated');
    messages[`${name}2`] = (await s['ada']!.messages.send({ roomId, text: `${name} second epoch` })).id;
    return roomId;
  };
  /** Whether ada can still get a key from the KMS (a fresh session: no cached keys). */
  const retrievable = async (uri: string) => {
    const fresh = await flint.connect(plain['ada']!);
    try {
      await (await fresh.kmsClient()).retrieveKey(uri, { fresh: true });
      return true;
    } catch (error) {
      assert.ok(error instanceof FlintError, String(error));
      return false;
    } finally {
      fresh.close();
    }
  };

  before(async () => {
    flint = await startFlint();
    for (const name of ['ada', 'bob', 'carol', 'dave']) {
      plain[name] = await flint.signup({ email: `${name}@shred.test` });
      s[name] = await flint.connect(plain[name]);
    }
    // S: ada, bob; carol removed → rotation. T: held as a room. P: dave stays (held as a person).
    // Q: dave was removed (held as a person: his past spaces too). U: never rotated.
    await rotatedSpace('S', ['bob', 'carol'], 'carol');
    const t = await rotatedSpace('T', ['carol'], 'carol');
    await rotatedSpace('P', ['dave', 'carol'], 'carol', 'dave');
    await rotatedSpace('Q', ['dave'], 'dave', 'dave');
    const u = (await s['ada']!.spaces.create({ title: 'U' })).id;
    messages['U1'] = (await s['ada']!.messages.send({ roomId: u, text: 'U only epoch' })).id;
    keys['U1'] = await currentKey(u);
    const kms = await s['ada']!.kmsClient();
    holds['T'] = (await kms.placeHold({ roomId: t })).uri;
    holds['dave'] = (await kms.placeHold({ userId: (await plain['dave']!.people.me()).id })).uri;
  });
  after(async () => {
    for (const session of Object.values(s)) session.close();
    await flint?.stop();
  });

  it('deletes nothing without the KMS operator’s rule, whatever the core’s retention says', async () => {
    const orgId = (await plain['ada']!.organizations.list())[0]!.id;
    await plain['ada']!.transport.call(organizations.updateOrganization, { params: { id: orgId }, body: { policy: { messageRetentionDays: 1 } } });
    assert.deepEqual((await shredKmsKeys(kmsStorage(), Date.now() + 400 * DAY)).shredded, []);
    assert.equal(await (await s['ada']!.kmsClient()).retentionRule(), null);
    await plain['ada']!.transport.call(organizations.updateOrganization, { params: { id: orgId }, body: { policy: { messageRetentionDays: null } } });

    const bad = await flintCli(['kms', 'retention', 'set', '0', '--org', 'shred.test']);
    assert.equal(bad.code, 2, bad.stderr);
    const set = await flintCli(['kms', 'retention', 'set', '30', '--org', 'shred.test']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /30 days/);
    assert.equal(await (await s['ada']!.kmsClient()).retentionRule(), 30, 'every person of the org may read the rule');
    // 20 days on, no epoch has been over for 30 days.
    assert.deepEqual((await shredKmsKeys(kmsStorage(), Date.now() + 20 * DAY)).shredded, []);
  });

  it('deletes the keys of epochs over for longer than the rule, not current keys nor held ones', async () => {
    // Bob cannot release a hold ada placed (he is neither its creator nor an officer).
    await assert.rejects((await s['bob']!.kmsClient()).releaseHold(holds['T']!), (e: unknown) => e instanceof FlintError);

    const result = await shredKmsKeys(kmsStorage(), Date.now() + 32 * DAY);
    assert.deepEqual(result.shredded, [keys['S1']]);
    assert.equal(await retrievable(keys['S1']!), false, 'the expired epoch’s key is gone');
    for (const live of ['S2', 'T1', 'T2', 'P1', 'P2', 'Q1', 'Q2', 'U1']) assert.ok(await retrievable(keys[live]!), `${live} still works`);

    // What the core still holds of that epoch (a backup, say) no longer opens; the current epoch does.
    const fresh = await flint.connect(plain['bob']!);
    try {
      const old = await fresh.messages.get(messages['S1']!);
      assert.ok(old.decryptError instanceof FlintError, 'the expired message cannot be decrypted');
      assert.equal(old.text, undefined);
      assert.equal((await fresh.messages.get(messages['S2']!)).text, 'S second epoch');
    } finally {
      fresh.close();
    }
    // The core's own sweep then drops the expired ciphertext (its period is the operator's here too).
    const orgId = (await plain['ada']!.organizations.list())[0]!.id;
    await plain['ada']!.transport.call(organizations.updateOrganization, { params: { id: orgId }, body: { policy: { messageRetentionDays: 30 } } });
    await runRetention(flint.server.core, { now: Date.now() + 32 * DAY });

    const audit = await readKmsAudit(kmsStorage(), { action: 'key.shred' });
    assert.deepEqual(audit.map((e) => e.target), [keys['S1']]);
    assert.ok((await readKmsAudit(kmsStorage(), { action: 'retention.set' })).some((e) => e.detail === '30 days'));
  });

  it('once their holds are released, the held epochs are shredded too', async () => {
    const kms = await s['ada']!.kmsClient();
    await kms.releaseHold(holds['T']!);
    await kms.releaseHold(holds['dave']!);
    await assert.rejects(kms.releaseHold(holds['T']!), (e: unknown) => e instanceof FlintError, 'released already');
    const result = await shredKmsKeys(kmsStorage(), Date.now() + 32 * DAY);
    assert.deepEqual(new Set(result.shredded), new Set([keys['T1'], keys['P1'], keys['Q1']]));
    for (const gone of ['S1', 'T1', 'P1', 'Q1']) assert.equal(await retrievable(keys[gone]!), false, `${gone} is gone`);
    for (const live of ['S2', 'T2', 'P2', 'Q2', 'U1']) assert.ok(await retrievable(keys[live]!), `${live} still works`);
    const holdAudit = await readKmsAudit(kmsStorage(), { action: 'hold.delete' });
    assert.equal(holdAudit.filter((e) => e.status === 200).length, 2);
  });
});
