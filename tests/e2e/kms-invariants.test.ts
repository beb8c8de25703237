/**
 * DESIGN §2 invariants 1–4 (SPEC SEC-1, SEC-2, SEC-3, SEC-6), each with a test that fails if it
 * breaks, against a whole Flint (core + KMS in one process, the KMS reached through the core's
 * relay as Webex clients reach it):
 * 1. the core never holds a plaintext of content: after a scenario, a scan of every table of the
 *    core's database and every file of its data folder (except the KMS's own) finds none;
 * 2. a membership written straight into the core's database gets the content, never the key;
 * 3. a removed member gets no key made after the removal, so cannot read what follows;
 * 4. every key retrieval is in the KMS's audit log.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set (then the scan queries the
 * PostgreSQL database's tables, and still reads the data folder's files).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readKmsAudit, type AuditEntry } from '@flint/kms';
import { FlintError, type FlintClient, type KmsClient, type Session } from '@flint/sdk';
import { scanForPlaintext, startFlint, type TestFlint } from '@flint/testkit';

/** A key retrieval this test's clients sent to the KMS, and what the KMS answered. */
interface Retrieval {
  userId: string;
  clientId: string;
  uri: string;
  status: number;
}

/**
 * Notes every key retrieval the session's real KMS client sends (cache hits never reach the KMS):
 * its `request` is wrapped on the instance, so everything the session does with keys is seen.
 */
function recordRetrievals(kms: KmsClient, log: Retrieval[], who: { userId: string; clientId: string }): void {
  const request = kms.request.bind(kms);
  kms.request = async (body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const uri = body['uri'];
    const isKeyRetrieval = body['method'] === 'retrieve' && typeof uri === 'string' && /\/keys\/[^/?]+$/.test(uri);
    // A resource's key list hands out every key in it: the KMS logs one retrieval per key.
    const isKeyListing = body['method'] === 'retrieve' && typeof uri === 'string' && /\/resources\/[^/]+\/keys(\?.*)?$/.test(uri);
    try {
      const answer = await request(body);
      if (isKeyRetrieval) log.push({ ...who, uri, status: answer['status'] as number });
      if (isKeyListing) for (const key of answer['keys'] as { uri: string }[]) log.push({ ...who, uri: key.uri, status: 200 });
      return answer;
    } catch (error) {
      if (isKeyRetrieval && error instanceof FlintError) log.push({ ...who, uri, status: error.status });
      throw error;
    }
  };
}

const unique = (label: string) => `${label}-${randomBytes(9).toString('hex')}`;

describe('the encryption invariants', () => {
  let flint: TestFlint;
  const retrievals: Retrieval[] = [];
  const plain: Record<string, FlintClient> = {};
  const secure: Record<string, Session> = {};

  /** A Session over the relay whose KMS client records its key retrievals. */
  async function person(name: string): Promise<Session> {
    const client = await flint.signup({ email: `${name}@inv.example`, displayName: `${name} Invariant` });
    const deviceId = `${name}-device`;
    const personId = client.session!.personId;
    const s = await flint.connect(client, { deviceId });
    recordRetrievals(await s.kmsClient(), retrievals, { userId: personId, clientId: deviceId });
    plain[name] = client;
    secure[name] = s;
    return s;
  }

  before(async () => {
    flint = await startFlint();
    for (const name of ['ada', 'bob', 'cy', 'mallory']) await person(name);
  });
  after(async () => {
    for (const s of Object.values(secure)) s.close();
    await flint.stop();
  });

  it('invariant 1: no plaintext of content anywhere in the core’s database or data folder', async () => {
    const { ada, bob, cy } = secure as Record<'ada' | 'bob' | 'cy', Session>;
    const P = {
      title: unique('TitleOfTheSecretSpace'),
      renamed: unique('RenamedSecretTitle'),
      text: unique('FirstSecretMessage'),
      markdown: unique('SecretMarkdownBody'),
      html: unique('SecretHtmlBody'),
      edited: unique('EditedSecretText'),
      reply: unique('SecretThreadReply'),
      direct: unique('SecretDirectMessage'),
      afterRemoval: unique('SecretAfterRemoval'),
    };
    const space = await ada.spaces.create({ title: P.title });
    await ada.members.add(space.id, { personId: (await bob.personId()) });
    const cyMembership = await ada.members.add(space.id, { personId: (await cy.personId()) });
    const first = await ada.messages.send({ roomId: space.id, text: P.text, markdown: `**${P.markdown}**`, html: `<b>${P.html}</b>` });
    await ada.messages.edit(first.id, { text: P.edited });
    await bob.messages.send({ roomId: space.id, parentId: first.id, text: P.reply });
    const direct = await bob.spaces.direct({ personId: (await ada.personId()) });
    await bob.messages.send({ roomId: direct.id, text: P.direct });
    await ada.members.remove(cyMembership.id);
    await ada.spaces.rename(space.id, P.renamed);
    await bob.messages.send({ roomId: space.id, text: P.afterRemoval });
    // The scenario really ran: the members read it all back.
    const seen = await bob.messages.list({ roomId: space.id });
    assert.deepEqual(
      seen.items.map((m) => m.text),
      [P.afterRemoval, P.reply, P.edited],
    );
    assert.equal((await bob.spaces.get(space.id)).title, P.renamed);
    assert.equal((await ada.messages.list({ roomId: direct.id })).items[0]!.text, P.direct);

    // A person's name is plaintext the core does hold: the scans must find it, or they scan nothing.
    const control = 'ada Invariant';
    const secrets = Object.values(P);

    // Every table of the core's database, every file of its data folder (but the KMS's), its log.
    const scan = await scanForPlaintext(flint, secrets, control);
    const tables = await flint.server.core.db.introspection.getTables();
    assert.ok(tables.some((t) => t.name === 'messages') && tables.some((t) => t.name === 'spaces') && tables.some((t) => t.name === 'events'));
    assert.ok(scan.controlInDatabase, 'the database scan finds plaintext the core legitimately holds');
    assert.ok(scan.rowsScanned > 20);
    assert.deepEqual(scan.inDatabase, [], 'no content plaintext in the core’s database');
    if (flint.engine === 'sqlite') assert.ok(scan.controlInFiles, 'the file scan reads the SQLite database');
    assert.deepEqual(scan.inFiles, [], 'no content plaintext in the core’s files');
    assert.deepEqual(scan.inLogs, [], 'nor in what the server logged');
  });

  it('invariant 2: a membership written straight into the core’s database gets no key from the KMS', async () => {
    const { ada, mallory } = secure as Record<'ada' | 'mallory', Session>;
    const secret = unique('OnlyForMembers');
    const space = await ada.spaces.create({ title: unique('MembersOnly') });
    await ada.messages.send({ roomId: space.id, text: secret });

    // Bypass the API: the core's database now says Mallory is a member.
    await flint.server.core.db
      .insertInto('memberships')
      .values({ id: randomUUID(), space_id: space.id, person_id: (await mallory.personId()), is_moderator: 0, last_read_message_id: null, last_read_at: null, created_at: Date.now() })
      .execute();

    // The core believes it and serves her the space's content…
    const raw = await plain['mallory']!.messages.list({ roomId: space.id });
    assert.equal(raw.items.length, 1);
    assert.ok(raw.items[0]!.text !== undefined && !raw.items[0]!.text.includes(secret), 'ciphertext only');
    // …but the KMS does not: she is not on the space's authorization list.
    await assert.rejects((await mallory.kmsClient()).retrieveKey(space.encryptionKeyUrl!), (e: unknown) => e instanceof FlintError && e.status === 403);
    const opened = await mallory.messages.list({ roomId: space.id });
    assert.equal(opened.items[0]!.text, undefined);
    assert.equal(opened.items[0]!.decryptError?.status, 403);
    const room = await mallory.spaces.get(space.id);
    assert.equal(room.title, undefined);
    assert.equal(room.decryptError?.status, 403);
    // Nor can she put herself on the list, or read it: only authorized principals change it.
    await assert.rejects((await mallory.kmsClient()).addAuthorizations(space.kroUri!, [(await mallory.personId())]), (e: unknown) => e instanceof FlintError && e.status === 403);
    await assert.rejects((await mallory.kmsClient()).listAuthorizations(space.kroUri!), (e: unknown) => e instanceof FlintError && e.status === 403);
    // The authorization list is unchanged: Ada alone.
    const auths = await (await ada.kmsClient()).listAuthorizations(space.kroUri!);
    assert.deepEqual(
      auths.map((a) => a.authId),
      [(await ada.personId())],
    );
  });

  it('invariant 3: a removed member gets no key made after the removal', async () => {
    const { ada, bob, cy } = secure as Record<'ada' | 'bob' | 'cy', Session>;
    const before = unique('BeforeRemoval');
    const afterRemoval = unique('AfterRemoval');
    const space = await ada.spaces.create({ title: unique('Rotating') });
    await ada.members.add(space.id, { personId: (await bob.personId()) });
    const cyMembership = await ada.members.add(space.id, { personId: (await cy.personId()) });
    await ada.messages.send({ roomId: space.id, text: before });
    // Cy reads while a member, so holds the first key.
    assert.equal((await cy.messages.list({ roomId: space.id })).items[0]!.text, before);

    await ada.members.remove(cyMembership.id);
    const rotated = await plain['ada']!.rooms.get(space.id);
    assert.ok(rotated.encryptionKeyUrl !== undefined && rotated.encryptionKeyUrl !== space.encryptionKeyUrl, 'the space key rotated');
    const boundKeys = await (await ada.kmsClient()).resourceKeys(space.kroUri!);
    assert.deepEqual(boundKeys.map((k) => k.uri).sort(), [space.encryptionKeyUrl!, rotated.encryptionKeyUrl].sort(), 'both keys are bound to the space’s KRO');
    const cyId = await cy.personId();
    assert.ok(!(await (await ada.kmsClient()).listAuthorizations(space.kroUri!)).some((a) => a.authId === cyId), 'Cy is off the authorization list');

    const later = await bob.messages.send({ roomId: space.id, text: afterRemoval });
    assert.equal(later.encryptionKeyUrl, rotated.encryptionKeyUrl, 'new messages use the new key');

    // The core no longer shows Cy the space…
    await assert.rejects(plain['cy']!.messages.list({ roomId: space.id }), (e: unknown) => e instanceof FlintError && e.status === 404);
    // …and with the ciphertext in hand (a copy, a compromised core) she still cannot open it.
    await assert.rejects((await cy.kmsClient()).retrieveKey(rotated.encryptionKeyUrl, { fresh: true }), (e: unknown) => e instanceof FlintError && e.status === 403);
    const leaked = await plain['bob']!.messages.get(later.id);
    const attempt = await cy.messages.open(leaked);
    assert.equal(attempt.text, undefined);
    assert.equal(attempt.decryptError?.status, 403);
    // What she saw before the removal she may keep (the old key is in her cache): expected.
    const old = (await plain['bob']!.messages.list({ roomId: space.id })).items.find((m) => m.encryptionKeyUrl === space.encryptionKeyUrl)!;
    assert.equal((await cy.messages.open(old)).text, before);
    // The remaining members read on.
    assert.deepEqual(
      (await bob.messages.list({ roomId: space.id })).items.map((m) => m.text),
      [afterRemoval, before],
    );
  });

  it('invariant 4: every key retrieval is in the KMS audit log', async () => {
    // Everything the earlier tests did — reads, refusals, rotations — went through the recording clients.
    assert.ok(retrievals.length >= 10, `retrievals recorded: ${retrievals.length}`);
    assert.ok(retrievals.some((r) => r.status === 403) && retrievals.some((r) => r.status === 200));
    const audit = await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { action: 'key.retrieve', limit: 100_000 });
    const unmatched = [...audit];
    const missing: Retrieval[] = [];
    for (const r of retrievals) {
      const at = unmatched.findIndex((e: AuditEntry) => e.userId === r.userId && e.clientId === r.clientId && e.target === r.uri && e.status === r.status);
      if (at < 0) missing.push(r);
      else unmatched.splice(at, 1);
    }
    assert.deepEqual(missing, [], 'each retrieval (granted or refused) has its own audit entry');
    // The log is complete the other way too: no retrieval by these clients went unrecorded here.
    assert.deepEqual(unmatched.map((e) => [e.target, e.status, e.detail]), [], 'no audit entry without a retrieval');
  });
});
