/**
 * SPEC CP-4, SP-6 (issue 19, retention and legal hold), at the server level with the sweep's own
 * clock moved forward (no sleeping): the org's retention periods are set through the API (bad
 * values are refused and change nothing), every member reads the periods that apply to a space,
 * and the sweep deletes what expired — messages, their files and the files' blobs in the blob
 * store, search postings and the events that carried their ciphertext — while it keeps what a
 * legal hold covers (a person anywhere, a whole space) until the hold is released. Holds are managed
 * by the org's admins and audited. The sweep is cut short and run again (a restart) and finishes;
 * the durable job runs it on its own. Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL
 * is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { adminAudit, organizations, retention, type LegalHold } from '@flint/protocol';
import { FlintError, type FlintClient, type Session } from '@flint/sdk';
import { runRetention, scheduleRetention } from '@flint/server';
import { stateDigest, startFlint, type TestFlint } from '@flint/testkit';

const DAY = 86_400_000;
const status = (code: number) => (e: unknown) => e instanceof FlintError && e.status === code;

describe('retention and legal hold (CP-4, SP-6)', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let outsider: FlintClient;
  let adaS: Session;
  let bobS: Session;
  let orgId = '';
  let main = '';
  let held = '';

  const policy = (body: Record<string, unknown>, as: FlintClient = ada) =>
    as.transport.call(organizations.updateOrganization, { params: { id: orgId }, body: { policy: body } });
  const hold = (body: Record<string, unknown>, as: FlintClient = ada) => as.transport.call(retention.createLegalHold, { body: body as never });
  const release = (id: string, as: FlintClient = ada) => as.transport.call(retention.releaseLegalHold, { params: { id } });
  const exists = async (messageId: string) => (await flint.server.core.db.selectFrom('messages').select('id').where('id', '=', messageId).executeTakeFirst()) !== undefined;
  const postings = async (messageId: string) => (await flint.server.core.db.selectFrom('search_docs').select('seq').where('message_id', '=', messageId).execute()).length;
  const contentEvents = async (messageId: string) =>
    (await flint.server.core.db.selectFrom('events').select('id').where('type', '=', 'message.created').where('data', 'like', `%${messageId}%`).execute()).length;
  const blobThere = async (blobId: string) => {
    const row = await flint.server.core.db.selectFrom('files').select('blob_key').where('id', '=', blobId).executeTakeFirst();
    return row !== undefined && (await flint.server.core.blobs.stat(row.blob_key)) !== undefined;
  };
  const blobKey = async (blobId: string) => (await flint.server.core.db.selectFrom('files').select('blob_key').where('id', '=', blobId).executeTakeFirstOrThrow()).blob_key;

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@retain.test' });
    bob = await flint.signup({ email: 'bob@retain.test' });
    outsider = await flint.signup({ email: 'eve@elsewhere.test' });
    orgId = (await ada.organizations.list())[0]!.id;
    adaS = await flint.connect(ada);
    bobS = await flint.connect(bob);
    main = (await adaS.spaces.create({ title: 'Main' })).id;
    await adaS.members.add(main, { personEmail: 'bob@retain.test' });
    held = (await adaS.spaces.create({ title: 'Held' })).id;
    await adaS.members.add(held, { personEmail: 'bob@retain.test' });
  });
  after(async () => {
    adaS?.close();
    bobS?.close();
    await flint?.stop();
  });

  it('refuses bad retention periods and non-admins, changing nothing; by default everything is kept', async () => {
    assert.deepEqual(await bob.transport.call(retention.getSpaceRetention, { params: { id: main } }), { messageDays: null, fileDays: null });
    const before = await stateDigest(flint);
    for (const bad of [{ messageRetentionDays: 0 }, { messageRetentionDays: -3 }, { messageRetentionDays: 1.5 }, { messageRetentionDays: '7' }, { fileRetentionDays: 36_501 }, { messageRetentionDays: true }, { retentionDays: 7 }]) {
      await assert.rejects(policy(bad), status(400), JSON.stringify(bad));
    }
    await assert.rejects(policy({ messageRetentionDays: 7 }, bob), status(403));
    // An outsider cannot read a space's policy (not a member).
    await assert.rejects(outsider.transport.call(retention.getSpaceRetention, { params: { id: main } }), (e: unknown) => e instanceof FlintError && (e.status === 403 || e.status === 404));
    assert.equal((await stateDigest(flint)).hash, before.hash, 'refused requests changed nothing');
  });

  it('refuses bad legal holds: only admins, exactly one target of one’s own org, a reason', async () => {
    const evesSpace = (await outsider.rooms.create({ title: 'x' })).id;
    const before = await stateDigest(flint);
    await assert.rejects(hold({ personEmail: 'bob@retain.test', reason: 'matter 1' }, bob), status(403));
    await assert.rejects(bob.transport.call(retention.listLegalHolds, {}), status(403));
    await assert.rejects(hold({ reason: 'no target' }), status(400));
    await assert.rejects(hold({ personEmail: 'bob@retain.test', roomId: main, reason: 'two targets' }), status(400));
    await assert.rejects(hold({ personEmail: 'bob@retain.test', reason: '   ' }), status(400));
    await assert.rejects(hold({ personEmail: 'bob@retain.test', reason: '' }), status(400));
    await assert.rejects(hold({ personEmail: 'bob@retain.test', reason: 'x'.repeat(501) }), status(400));
    await assert.rejects(hold({ personEmail: 'eve@elsewhere.test', reason: 'another org' }), status(404));
    await assert.rejects(hold({ personEmail: 'nobody@retain.test', reason: 'unknown' }), status(404));
    await assert.rejects(hold({ roomId: evesSpace, reason: 'another org’s space' }), status(404));
    await assert.rejects(release('00000000-0000-7000-8000-000000000001'), status(404));
    await assert.rejects(release('not-an-id'), status(400));
    assert.equal((await stateDigest(flint)).hash, before.hash, 'refused requests changed nothing');
  });

  it('deletes expired files, then expired messages, with blobs, postings and events; keeps what is held until released', async () => {
    // Ada's content in the main space expires; Bob is on hold as a person, the other space as a whole.
    const adaText = await adaS.messages.send({ roomId: main, text: 'alphaexpiring words from ada' });
    const adaFileOnly = await adaS.messages.send({ roomId: main, files: [{ source: new TextEncoder().encode('ada,file\n'), name: 'ada-only.csv', type: 'text/csv' }] });
    const adaTextFile = await adaS.messages.send({ roomId: main, text: 'deltawithfile and text', files: [{ source: new TextEncoder().encode('more\n'), name: 'ada-both.csv', type: 'text/csv' }] });
    const bobText = await bobS.messages.send({ roomId: main, text: 'bravoheld custodian words', files: [{ source: new TextEncoder().encode('bob\n'), name: 'bob.csv', type: 'text/csv' }] });
    const heldText = await adaS.messages.send({ roomId: held, text: 'charlieheld space words' });
    const adaFileBlob = adaFileOnly.uploaded![0]!.attachment.blobId;
    const adaBothBlob = adaTextFile.uploaded![0]!.attachment.blobId;
    const bobBlob = bobText.uploaded![0]!.attachment.blobId;
    const adaFileKey = await blobKey(adaFileBlob);
    const adaBothKey = await blobKey(adaBothBlob);
    assert.ok(await blobThere(adaFileBlob));
    assert.ok((await postings(adaText.id)) > 0, 'indexed');
    assert.equal(await contentEvents(adaText.id), 1, 'its event holds its ciphertext');

    const personHold: LegalHold = await hold({ personEmail: 'BOB@retain.test', reason: 'Matter 42: Bob’s communications' });
    assert.equal(personHold.kind, 'person');
    assert.equal(personHold.targetName, 'bob@retain.test');
    const spaceHold: LegalHold = await hold({ roomId: held, reason: 'Matter 43' });
    await policy({ messageRetentionDays: 30, fileRetentionDays: 10 });
    // Every member sees the periods; holds are not shown to members.
    assert.deepEqual(await bob.transport.call(retention.getSpaceRetention, { params: { id: main } }), { messageDays: 30, fileDays: 10 });
    assert.deepEqual(await bob.transport.call(retention.getSpaceRetention, { params: { id: held } }), { messageDays: 30, fileDays: 10 });

    // Nothing is 10 days old yet.
    assert.deepEqual(await runRetention(flint.server.core, { now: Date.now() }), { messages: 0, voicemails: 0, files: 0, events: 0, done: true });

    // 11 days on: files expire (not Bob's); a message that was only a file goes with it.
    const day11 = await runRetention(flint.server.core, { now: Date.now() + 11 * DAY });
    assert.equal(day11.files, 2);
    assert.equal(await blobThere(adaFileBlob), false);
    assert.equal(await flint.server.core.blobs.stat(adaFileKey), undefined, 'the blob is gone from the blob store');
    assert.equal(await flint.server.core.blobs.stat(adaBothKey), undefined);
    assert.ok(await blobThere(bobBlob), 'a held person’s file stays');
    assert.equal(await exists(adaFileOnly.id), false, 'a message of files only goes with its files');
    const both = await adaS.messages.get(adaTextFile.id);
    assert.equal(both.text, 'deltawithfile and text', 'a message with text stays, without its file');
    assert.equal(both.files?.length ?? 0, 0);
    assert.ok(await exists(adaText.id));

    // 31 days on: messages expire — not Bob's (held person), nothing in the held space.
    const day31 = await runRetention(flint.server.core, { now: Date.now() + 31 * DAY });
    assert.ok(day31.messages >= 2 && day31.events >= 2, JSON.stringify(day31));
    for (const gone of [adaText, adaTextFile]) {
      assert.equal(await exists(gone.id), false);
      assert.equal(await postings(gone.id), 0, 'its search postings are gone');
      assert.equal(await contentEvents(gone.id), 0, 'the event carrying its ciphertext is gone');
    }
    await assert.rejects(bobS.messages.get(adaText.id), status(404));
    assert.equal((await bobS.search.messages('alphaexpiring')).messages.length, 0, 'search finds nothing of it');
    for (const kept of [bobText, heldText]) {
      assert.ok(await exists(kept.id));
      assert.ok((await postings(kept.id)) > 0);
      assert.equal(await contentEvents(kept.id), 1);
    }
    assert.deepEqual((await adaS.search.messages('bravoheld')).messages.map((m) => m.text), ['bravoheld custodian words']);
    assert.equal((await adaS.messages.get(heldText.id)).text, 'charlieheld space words');
    assert.ok(await blobThere(bobBlob));

    // The holds are listed (active), then released: audited, and listed as released.
    const listed = await ada.transport.call(retention.listLegalHolds, {});
    assert.deepEqual(new Set(listed.items.filter((h) => h.released === undefined).map((h) => h.id)), new Set([personHold.id, spaceHold.id]));
    await release(personHold.id);
    await assert.rejects(release(personHold.id), status(409));
    await release(spaceHold.id, ada);
    const after = await ada.transport.call(retention.listLegalHolds, {});
    assert.ok(after.items.every((h) => h.released !== undefined && h.releasedBy === 'ada@retain.test'));
    const audit = await ada.transport.call(adminAudit.listAuditEvents, { query: { eventCategories: 'COMPLIANCE' } });
    const actions = audit.items.map((e) => e.action);
    assert.equal(actions.filter((a) => a === 'legalHold.create').length, 2);
    assert.equal(actions.filter((a) => a === 'legalHold.release').length, 2);
    const policyChange = (await ada.transport.call(adminAudit.listAuditEvents, { query: {} })).items.find((e) => e.action === 'org.update' && e.changes?.['policy.messageRetentionDays'] !== undefined);
    assert.deepEqual(policyChange?.changes?.['policy.messageRetentionDays'], { from: null, to: 30 });

    // Released: what they kept is deleted by the next sweep.
    const released = await runRetention(flint.server.core, { now: Date.now() + 31 * DAY });
    assert.ok(released.messages >= 2);
    assert.equal(await exists(bobText.id), false);
    assert.equal(await exists(heldText.id), false);
    assert.equal(await blobThere(bobBlob), false);
  });

  it('a sweep cut short is run again and finishes (restart-safe); the durable job runs it on its own', async () => {
    const sent = [];
    for (let i = 0; i < 4; i++) sent.push(await adaS.messages.send({ roomId: main, text: `echo ${i}` }));
    const cut = await runRetention(flint.server.core, { now: Date.now() + 31 * DAY, batchSize: 1, maxBatches: 2 });
    assert.equal(cut.done, false);
    assert.equal(cut.messages, 2);
    const rest = await runRetention(flint.server.core, { now: Date.now() + 31 * DAY, batchSize: 1 });
    assert.equal(rest.done, true);
    for (const m of sent) assert.equal(await exists(m.id), false);

    // The job, on the real clock: a message made 40 days old goes when the job runs.
    const old = await adaS.messages.send({ roomId: main, text: 'foxtrot backdated' });
    await flint.server.core.db.updateTable('messages').set({ created_at: Date.now() - 40 * DAY }).where('id', '=', old.id).execute();
    await scheduleRetention(flint.server.core);
    for (let i = 0; i < 200 && (await exists(old.id)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await exists(old.id), false, 'the retention job deleted it');
    const fresh = await adaS.messages.send({ roomId: main, text: 'golf fresh' });
    await scheduleRetention(flint.server.core);
    assert.ok(await exists(fresh.id), 'what is not expired stays');
  });

  it('CL-3: voicemails follow the message period of their direct space; a hold on either person keeps one; the owner is told when one goes', async () => {
    const left = await adaS.voicemail.leave({ personEmail: 'bob@retain.test' }, { data: new TextEncoder().encode('OggS voicemail audio'), type: 'audio/ogg', durationMs: 2_000 });
    const row = await flint.server.core.db.selectFrom('voicemails').select('blob_key').where('id', '=', left.id).executeTakeFirstOrThrow();
    assert.ok(await flint.server.core.blobs.stat(row.blob_key), 'its ciphertext is stored');
    const bobHold: LegalHold = await hold({ personEmail: 'bob@retain.test', reason: 'Matter 44' });
    const kept = await runRetention(flint.server.core, { now: Date.now() + 31 * DAY });
    assert.equal(kept.voicemails, 0, 'the mailbox owner is held: kept');
    assert.deepEqual((await bobS.voicemail.list()).map((v) => v.id), [left.id]);
    await release(bobHold.id);
    const gone = await runRetention(flint.server.core, { now: Date.now() + 31 * DAY });
    assert.equal(gone.voicemails, 1);
    assert.equal(await flint.server.core.blobs.stat(row.blob_key), undefined, 'its blob is gone from the blob store');
    assert.deepEqual(await bobS.voicemail.list(), []);
    assert.deepEqual(await bobS.voicemail.summary(), { newMessages: 0, oldMessages: 0 });
    const told = await flint.server.core.db.selectFrom('events').select('data').where('type', '=', 'voicemail.deleted').execute();
    assert.ok(told.some((e) => e.data.includes(left.id)), 'voicemail.deleted was sent to the owner');
  });
});
