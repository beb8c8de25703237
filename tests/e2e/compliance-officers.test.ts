/**
 * SPEC CP-1 (issue 19, first part): the compliance officer role is granted in the security realm.
 * The KMS operator grants it with `flint kms officers add EMAIL --org DOMAIN` (a real process, on
 * the KMS's own storage, while Flint serves): from then on the officer reads the keys of every space
 * of that organization — and of no other — without a restart, and every such access is audited as an
 * officer's; `remove` ends it at once. A role written into the core's database grants nothing.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set (the core's database; the
 * KMS keeps its own SQLite file in its own folder).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readKmsAudit } from '@flint/kms';
import { decryptContent } from '@flint/crypto';
import { FlintError, type FlintClient, type Session } from '@flint/sdk';
import { FLINT_BIN, startFlint, type TestFlint } from '@flint/testkit';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const refused = (e: unknown) => e instanceof FlintError && e.status === 403;

describe('compliance officers are granted at the KMS, never by the core (CP-1)', () => {
  let flint: TestFlint;
  const plain: Record<string, FlintClient> = {};
  const secure: Record<string, Session> = {};
  let boardId = '';
  let keyUri = '';
  let ciphertext = '';
  let otherOrgKeyUri = '';

  /** `flint kms …` as the security realm's operator runs it, against this Flint's folders. */
  function flintCli(args: string[]): Promise<Run> {
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

  const carolKms = async () => secure['carol']!.kmsClient();

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    for (const [name, email] of [
      ['alice', 'alice@acme.test'],
      ['bob', 'bob@acme.test'],
      ['carol', 'carol@acme.test'],
      ['olga', 'olga@other.test'],
    ] as const) {
      plain[name] = await flint.signup({ email, displayName: name });
      secure[name] = await flint.connect(plain[name], { deviceId: `${name}-device` });
    }
    const board = await secure['alice']!.spaces.create({ title: 'Board' });
    boardId = board.id;
    await secure['alice']!.members.add(boardId, { personEmail: 'bob@acme.test' });
    await secure['alice']!.messages.send({ roomId: boardId, text: 'the quarterly numbers' });
    const sealed = (await plain['bob']!.messages.list({ roomId: boardId })).items.find((m) => m.encryptionKeyUrl !== undefined)!;
    keyUri = sealed.encryptionKeyUrl!;
    ciphertext = sealed.text!;
    const elsewhere = await secure['olga']!.spaces.create({ title: 'Other org' });
    await secure['olga']!.messages.send({ roomId: elsewhere.id, text: 'not acme’s business' });
    otherOrgKeyUri = (await plain['olga']!.rooms.get(elsewhere.id)).encryptionKeyUrl!;
  });

  after(async () => {
    for (const s of Object.values(secure)) s.close();
    await flint?.stop();
  });

  it('a person who is not a member gets no key of the space', async () => {
    await assert.rejects((await carolKms()).retrieveKey(keyUri, { fresh: true }), refused);
  });

  it('a compliance role written into the core’s database grants nothing at the KMS', async () => {
    const carol = plain['carol']!.session!.personId;
    await flint.server.core.db.insertInto('person_roles').values({ person_id: carol, role: 'compliance_officer' }).execute();
    await flint.server.core.db.insertInto('person_roles').values({ person_id: carol, role: 'org_admin' }).execute();
    await assert.rejects((await carolKms()).retrieveKey(keyUri, { fresh: true }), refused);
    await flint.server.core.db.deleteFrom('person_roles').where('person_id', '=', carol).execute();
  });

  it('`flint kms officers add` grants it while Flint serves: the officer reads every key of the org, audited, and nothing of another org', async () => {
    const added = await flintCli(['kms', 'officers', 'add', 'carol@acme.test', '--org', 'acme.test']);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /carol <carol@acme\.test> \(.+\) is now a compliance officer of /);
    const list = await flintCli(['kms', 'officers', 'list', '--json']);
    const officers = list.stdout.trim().split('\n').map((l) => JSON.parse(l) as { userId: string; label: string; grantedBy: string });
    assert.deepEqual(officers.map((o) => [o.userId, o.label, o.grantedBy]), [[plain['carol']!.session!.personId, 'carol@acme.test', 'operator']]);

    // No restart: the running KMS reads the grant on the next request.
    const key = await (await carolKms()).retrieveKey(keyUri, { fresh: true });
    assert.equal(await decryptContent(key.key, ciphertext), 'the quarterly numbers');
    await assert.rejects((await carolKms()).retrieveKey(otherOrgKeyUri, { fresh: true }), refused, 'another org’s space stays closed');

    // Reading keys is all the role gives: the officer cannot change who is authorized.
    const resource = (await plain['bob']!.rooms.get(boardId)).kroUri!;
    await assert.rejects((await carolKms()).addAuthorizations(resource, [plain['olga']!.session!.personId]), refused);

    const audit = await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { userId: plain['carol']!.session!.personId, action: 'key.retrieve' });
    assert.ok(audit.some((e) => e.target === keyUri && e.status === 200 && e.detail === 'compliance officer'), 'the access is audited as an officer’s');
    const grants = await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { action: 'officer.grant' });
    assert.deepEqual(grants.map((e) => [e.target, e.status]), [[plain['carol']!.session!.personId, 201]]);
  });

  it('refuses an address that is not a person of that org, and changes nothing', async () => {
    const wrong = await flintCli(['kms', 'officers', 'add', 'olga@other.test', '--org', 'acme.test']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /olga@other\.test is not a person of /);
    const list = await flintCli(['kms', 'officers', 'list', '--json']);
    assert.equal(list.stdout.trim().split('\n').length, 1);
  });

  it('`flint kms officers remove` ends it at once', async () => {
    const removed = await flintCli(['kms', 'officers', 'remove', 'carol@acme.test', '--org', 'acme.test']);
    assert.equal(removed.code, 0, removed.stderr);
    await assert.rejects((await carolKms()).retrieveKey(keyUri, { fresh: true }), refused);
    assert.equal((await flintCli(['kms', 'officers', 'list'])).stdout, '');
    const removals = await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { action: 'officer.remove' });
    assert.equal(removals.length, 1);
  });
});
