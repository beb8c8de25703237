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
import { FlintError, KmsClient, KmsRelay, SecureClient, type FlintClient } from '@flint/sdk';
import { NodeWebSocket, scanForPlaintext, startFlint, type TestFlint } from '@flint/testkit';

/** A key retrieval this test's clients sent to the KMS, and what the KMS answered. */
interface Retrieval {
  userId: string;
  clientId: string;
  uri: string;
  status: number;
}

/** The real KMS client, noting every key retrieval that goes out (cache hits never reach the KMS). */
class RecordingKmsClient extends KmsClient {
  constructor(
    options: ConstructorParameters<typeof KmsClient>[0],
    private readonly log: Retrieval[],
    private readonly who: { userId: string; clientId: string },
  ) {
    super(options);
  }

  override async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const uri = body['uri'];
    const isKeyRetrieval = body['method'] === 'retrieve' && typeof uri === 'string' && /\/keys\/[^/?]+$/.test(uri);
    // A resource's key list hands out every key in it: the KMS logs one retrieval per key.
    const isKeyListing = body['method'] === 'retrieve' && typeof uri === 'string' && /\/resources\/[^/]+\/keys(\?.*)?$/.test(uri);
    try {
      const answer = await super.request(body);
      if (isKeyRetrieval) this.log.push({ ...this.who, uri, status: answer['status'] as number });
      if (isKeyListing) for (const key of answer['keys'] as { uri: string }[]) this.log.push({ ...this.who, uri: key.uri, status: 200 });
      return answer;
    } catch (error) {
      if (isKeyRetrieval && error instanceof FlintError) this.log.push({ ...this.who, uri, status: error.status });
      throw error;
    }
  }
}

const unique = (label: string) => `${label}-${randomBytes(9).toString('hex')}`;

describe('the encryption invariants', () => {
  let flint: TestFlint;
  const retrievals: Retrieval[] = [];
  const plain: Record<string, FlintClient> = {};
  const secure: Record<string, SecureClient> = {};

  /** A SecureClient over the relay whose KMS client records its key retrievals. */
  async function person(name: string): Promise<SecureClient> {
    const client = await flint.signup({ email: `${name}@inv.example`, displayName: `${name} Invariant` });
    const deviceId = `${name}-device`;
    const relay = await KmsRelay.connect(client, { deviceId, WebSocket: NodeWebSocket });
    const personId = client.session!.personId;
    const kms = new RecordingKmsClient(
      { transport: relay.transport, kmsCluster: relay.info!.kmsCluster, rsaPublicKey: relay.info!.rsaPublicKey, bearer: () => client.auth.kmsToken(), userId: personId, clientId: deviceId },
      retrievals,
      { userId: personId, clientId: deviceId },
    );
    const s = new SecureClient(client, kms, personId);
    const close = s.close.bind(s);
    s.close = () => {
      close();
      relay.close();
    };
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
    const { ada, bob, cy } = secure as Record<'ada' | 'bob' | 'cy', SecureClient>;
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
    const space = await ada.createSpace({ title: P.title });
    await ada.addMember(space.id, { personId: bob.personId });
    const cyMembership = await ada.addMember(space.id, { personId: cy.personId });
    const first = await ada.send({ roomId: space.id, text: P.text, markdown: `**${P.markdown}**`, html: `<b>${P.html}</b>` });
    await ada.edit(first.id, { text: P.edited });
    await bob.send({ roomId: space.id, parentId: first.id, text: P.reply });
    const direct = await bob.openDirect({ personId: ada.personId });
    await bob.send({ roomId: direct.id, text: P.direct });
    await ada.removeMember(cyMembership.id);
    await ada.renameSpace(space.id, P.renamed);
    await bob.send({ roomId: space.id, text: P.afterRemoval });
    // The scenario really ran: the members read it all back.
    const seen = await bob.listMessages({ roomId: space.id });
    assert.deepEqual(
      seen.items.map((m) => m.text),
      [P.afterRemoval, P.reply, P.edited],
    );
    assert.equal((await bob.getSpace(space.id)).title, P.renamed);
    assert.equal((await ada.listMessages({ roomId: direct.id })).items[0]!.text, P.direct);

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
    const { ada, mallory } = secure as Record<'ada' | 'mallory', SecureClient>;
    const secret = unique('OnlyForMembers');
    const space = await ada.createSpace({ title: unique('MembersOnly') });
    await ada.send({ roomId: space.id, text: secret });

    // Bypass the API: the core's database now says Mallory is a member.
    await flint.server.core.db
      .insertInto('memberships')
      .values({ id: randomUUID(), space_id: space.id, person_id: mallory.personId, is_moderator: 0, last_read_message_id: null, last_read_at: null, created_at: Date.now() })
      .execute();

    // The core believes it and serves her the space's content…
    const raw = await plain['mallory']!.messages.list({ roomId: space.id });
    assert.equal(raw.items.length, 1);
    assert.ok(raw.items[0]!.text !== undefined && !raw.items[0]!.text.includes(secret), 'ciphertext only');
    // …but the KMS does not: she is not on the space's authorization list.
    await assert.rejects(mallory.kms.retrieveKey(space.encryptionKeyUrl!), (e: unknown) => e instanceof FlintError && e.status === 403);
    const opened = await mallory.listMessages({ roomId: space.id });
    assert.equal(opened.items[0]!.text, undefined);
    assert.equal(opened.items[0]!.decryptError?.status, 403);
    const room = await mallory.getSpace(space.id);
    assert.equal(room.title, undefined);
    assert.equal(room.decryptError?.status, 403);
    // Nor can she put herself on the list, or read it: only authorized principals change it.
    await assert.rejects(mallory.kms.addAuthorizations(space.kroUri!, [mallory.personId]), (e: unknown) => e instanceof FlintError && e.status === 403);
    await assert.rejects(mallory.kms.listAuthorizations(space.kroUri!), (e: unknown) => e instanceof FlintError && e.status === 403);
    // The authorization list is unchanged: Ada alone.
    const auths = await ada.kms.listAuthorizations(space.kroUri!);
    assert.deepEqual(
      auths.map((a) => a.authId),
      [ada.personId],
    );
  });

  it('invariant 3: a removed member gets no key made after the removal', async () => {
    const { ada, bob, cy } = secure as Record<'ada' | 'bob' | 'cy', SecureClient>;
    const before = unique('BeforeRemoval');
    const afterRemoval = unique('AfterRemoval');
    const space = await ada.createSpace({ title: unique('Rotating') });
    await ada.addMember(space.id, { personId: bob.personId });
    const cyMembership = await ada.addMember(space.id, { personId: cy.personId });
    await ada.send({ roomId: space.id, text: before });
    // Cy reads while a member, so holds the first key.
    assert.equal((await cy.listMessages({ roomId: space.id })).items[0]!.text, before);

    await ada.removeMember(cyMembership.id);
    const rotated = await plain['ada']!.rooms.get(space.id);
    assert.ok(rotated.encryptionKeyUrl !== undefined && rotated.encryptionKeyUrl !== space.encryptionKeyUrl, 'the space key rotated');
    const boundKeys = await ada.kms.resourceKeys(space.kroUri!);
    assert.deepEqual(boundKeys.map((k) => k.uri).sort(), [space.encryptionKeyUrl!, rotated.encryptionKeyUrl].sort(), 'both keys are bound to the space’s KRO');
    assert.ok(!(await ada.kms.listAuthorizations(space.kroUri!)).some((a) => a.authId === cy.personId), 'Cy is off the authorization list');

    const later = await bob.send({ roomId: space.id, text: afterRemoval });
    assert.equal(later.encryptionKeyUrl, rotated.encryptionKeyUrl, 'new messages use the new key');

    // The core no longer shows Cy the space…
    await assert.rejects(plain['cy']!.messages.list({ roomId: space.id }), (e: unknown) => e instanceof FlintError && e.status === 404);
    // …and with the ciphertext in hand (a copy, a compromised core) she still cannot open it.
    await assert.rejects(cy.kms.retrieveKey(rotated.encryptionKeyUrl, { fresh: true }), (e: unknown) => e instanceof FlintError && e.status === 403);
    const leaked = await plain['bob']!.messages.get(later.id);
    const attempt = await cy.openMessage(leaked);
    assert.equal(attempt.text, undefined);
    assert.equal(attempt.decryptError?.status, 403);
    // What she saw before the removal she may keep (the old key is in her cache): expected.
    const old = (await plain['bob']!.messages.list({ roomId: space.id })).items.find((m) => m.encryptionKeyUrl === space.encryptionKeyUrl)!;
    assert.equal((await cy.openMessage(old)).text, before);
    // The remaining members read on.
    assert.deepEqual(
      (await bob.listMessages({ roomId: space.id })).items.map((m) => m.text),
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
