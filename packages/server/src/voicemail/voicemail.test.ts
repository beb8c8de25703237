/**
 * Voicemail in the core (SPEC CL-3, SEC-1, SEC-4), on either engine: a message left through the SDK
 * is stored as ciphertext only (a plaintext scan of the database, blobs and logs finds no byte of
 * the audio) and plays back decrypted and verified to the callee alone; the callee's devices hear
 * of it, mark it read and unread, and delete it (blob included); the limits (size, duration,
 * mailbox) and bad input answer 4xx and change nothing; the PIN is an argon2id hash, changing it
 * needs the current one, and wrong PINs lock verification. Voicemail to e-mail: the callee's device
 * hands the audio it decrypted to the KMS's mail relay, which mails it (the test SMTP server
 * receives it) to the callee's own address, while the core's database, blobs and logs never hold it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { VOICEMAIL_LIMITS, type StoredEvent, type Voicemail } from '@flint/protocol';
import type { FlintClient, Session } from '@flint/sdk';
import { changedTables, errorOf, raw, scanForPlaintext, settledDigest, startFlint, startSmtpServer, type TestFlint, type TestSmtpServer } from '@flint/testkit';

/** A recording stand-in: recognisable text (found by the scan if stored in clear) among random bytes. */
function recording(marker: string): Uint8Array {
  const noise = new Uint8Array(40_000);
  for (let i = 0; i < noise.length; i += 65_536) crypto.getRandomValues(noise.subarray(i, Math.min(noise.length, i + 65_536)));
  const text = new TextEncoder().encode(`${marker} `.repeat(200));
  const out = new Uint8Array(noise.length + text.length);
  out.set(noise.subarray(0, 20_000));
  out.set(text, 20_000);
  out.set(noise.subarray(20_000), 20_000 + text.length);
  return out;
}

/** Whether `needle` occurs in any file under `dir` (bytes, not text). */
async function bytesUnder(dir: string, needle: Uint8Array): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(Buffer.from(needle.buffer, needle.byteOffset, needle.length))) hits.push(path);
  }
  return hits;
}

describe('voicemail', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let eve: FlintClient;
  let adaS: Session;
  let bobS: Session;
  let roomId = '';
  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@vm.example', displayName: 'Ada Lovelace' });
    bob = await flint.signup({ email: 'bob@vm.example', displayName: 'Bob' });
    eve = await flint.signup({ email: 'eve@vm.example', displayName: 'Eve' });
    adaS = await flint.connect(ada);
    bobS = await flint.connect(bob);
    roomId = (await adaS.spaces.direct({ personId: bob.session!.personId })).id;
  });
  after(() => flint.stop());

  it('is ciphertext in the core, reaches the callee live, and plays back to the callee alone', async () => {
    const marker = `voice-${randomUUID()}`;
    const audio = recording(marker);
    const heard: StoredEvent[] = [];
    const off = bobS.events.on((e) => heard.push(e));
    try {
      const left = await adaS.voicemail.leave({ personId: bob.session!.personId }, { data: audio, type: 'audio/webm;codecs=opus', durationMs: 4_200 });
      assert.equal(left.status, 'complete');
      assert.equal(left.roomId, roomId);
      assert.equal(left.calleeId, bob.session!.personId);
      assert.equal(left.durationMs, 4_200);
      assert.equal(left.read, false);

      const deadline = Date.now() + 5_000;
      while (!heard.some((e) => e.type === 'voicemail.created') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const event = heard.find((e) => e.type === 'voicemail.created');
      assert.ok(event, 'the callee’s device heard of it');
      assert.equal((event.data as Voicemail).id, left.id);

      const [listed] = await bobS.voicemail.list();
      assert.equal(listed?.id, left.id);
      assert.equal(listed.callerName, 'Ada Lovelace');
      assert.deepEqual(await bobS.voicemail.summary(), { newMessages: 1, oldMessages: 0 });
      const played = await bobS.voicemail.audio(listed);
      assert.equal(played.type, 'audio/webm;codecs=opus');
      assert.deepEqual(played.data, audio);

      // Only the callee reads the mailbox and the ciphertext; the caller and others get nothing.
      assert.deepEqual(await adaS.voicemail.list(), []);
      for (const who of [ada, eve]) {
        const content = await raw(flint.url, 'GET', `/api/voicemails/${left.id}/content`, { token: who.transport.accessToken });
        assert.equal(content.status, 404);
        assert.equal((await raw(flint.url, 'PUT', `/api/voicemails/${left.id}/read`, { token: who.transport.accessToken, body: { read: true } })).status, 404);
        assert.equal((await raw(flint.url, 'DELETE', `/api/voicemails/${left.id}`, { token: who.transport.accessToken })).status, 404);
      }

      // SEC-1: no byte run of the audio anywhere the core keeps things, nor the marker in rows, files or logs.
      const scan = await scanForPlaintext(flint, [marker], 'Ada Lovelace');
      assert.ok(scan.controlInDatabase, 'the scan read the database');
      assert.deepEqual([...scan.inDatabase, ...scan.inFiles, ...scan.inLogs], []);
      for (const at of [0, 10_000, 30_000, audio.length - 64]) assert.deepEqual(await bytesUnder(flint.dataDir, audio.subarray(at, at + 64)), [], `audio bytes ${at}… are nowhere`);
      const blobKey = (await flint.server.core.db.selectFrom('voicemails').select('blob_key').where('id', '=', left.id).executeTakeFirstOrThrow()).blob_key;
      assert.equal((await flint.server.core.blobs.stat(blobKey))?.size, left.size, 'the ciphertext is stored');
    } finally {
      off();
    }
  });

  it('marks read and unread, tells the callee’s devices, and deletes the message with its blob', async () => {
    const left = await adaS.voicemail.leave({ roomId }, { data: recording('x'), type: 'audio/ogg', durationMs: 1_000 });
    const before = await bobS.voicemail.summary();
    const read = await bobS.voicemail.markRead(left.id);
    assert.equal(read.read, true);
    assert.deepEqual(await bobS.voicemail.summary(), { newMessages: before.newMessages - 1, oldMessages: before.oldMessages + 1 });
    assert.equal((await bobS.voicemail.markUnread(left.id)).read, false);
    const types = (await flint.server.core.db.selectFrom('events').select('type').where('type', 'like', 'voicemail.%').execute()).map((e) => e.type);
    assert.ok(types.filter((t) => t === 'voicemail.updated').length >= 2);
    const blobKey = (await flint.server.core.db.selectFrom('voicemails').select('blob_key').where('id', '=', left.id).executeTakeFirstOrThrow()).blob_key;
    await bobS.voicemail.delete(left.id);
    assert.equal(await flint.server.core.blobs.stat(blobKey), undefined, 'the blob is gone');
    assert.ok(!(await bobS.voicemail.list()).some((v) => v.id === left.id));
    assert.equal((await raw(flint.url, 'DELETE', `/api/voicemails/${left.id}`, { token: bob.transport.accessToken })).status, 404);
  });

  it('refuses bad input and what is over the limits with a 4xx that changes nothing', async () => {
    const token = ada.transport.accessToken;
    const room = await ada.rooms.get(roomId);
    const good = { roomId, size: 1000, durationMs: 1000, reference: 'sealed.reference.jwe.x.y', encryptionKeyUrl: room.encryptionKeyUrl! };
    const group = await ada.rooms.create({ title: 'sealed-title' });
    await ada.memberships.create({ roomId: group.id, personId: bob.session!.personId });
    const before = await settledDigest(flint);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...good, size: VOICEMAIL_LIMITS.maxBlobBytes + 1 }, 413, 'payload_too_large'],
      [{ ...good, durationMs: VOICEMAIL_LIMITS.maxDurationSeconds * 1000 + 1 }, 400, 'validation_failed'],
      [{ ...good, size: 0 }, 400, 'validation_failed'],
      [{ ...good, reference: 'x'.repeat(VOICEMAIL_LIMITS.referenceChars + 1) }, 400, 'validation_failed'],
      [{ ...good, encryptionKeyUrl: 'kms://elsewhere/keys/1' }, 400, 'validation_failed'],
      [{ ...good, roomId: group.id, encryptionKeyUrl: group.encryptionKeyUrl ?? 'kms://x/keys/1' }, 400, 'validation_failed'],
      [{ ...good, extra: true }, 400, 'validation_failed'],
      [{ ...good, size: '1000' }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await raw(flint.url, 'POST', '/api/voicemails', { token, body });
      assert.equal(res.status, status, JSON.stringify(body).slice(0, 120));
      assert.equal(errorOf(res).code, code);
    }
    // Not a member of the space: 404, as for any space one cannot see.
    assert.equal((await raw(flint.url, 'POST', '/api/voicemails', { token: eve.transport.accessToken, body: good })).status, 404);
    assert.equal((await raw(flint.url, 'POST', '/api/voicemails/summary', { token })).status, 404);
    const badPin = await raw(flint.url, 'PUT', '/api/voicemail/pin', { token, body: { pin: '12a4' } });
    assert.equal(badPin.status, 400);
    assert.equal((await raw(flint.url, 'PUT', '/api/voicemail/pin', { token, body: { pin: '1111' } })).status, 400, 'one repeated digit');
    assert.equal((await raw(flint.url, 'PUT', '/api/voicemail/settings', { token, body: { emailCopy: 'yes' } })).status, 400);
    assert.deepEqual(changedTables(before, await settledDigest(flint)), []);
  });

  it('takes the audio once, exactly the declared size, from the caller only', async () => {
    const token = ada.transport.accessToken;
    const room = await ada.rooms.get(roomId);
    const declared = await raw(flint.url, 'POST', '/api/voicemails', { token, body: { roomId, size: 100, durationMs: 500, reference: 'sealed.reference.jwe.x.y', encryptionKeyUrl: room.encryptionKeyUrl! } });
    assert.equal(declared.status, 201);
    const id = (declared.json as Voicemail).id;
    assert.equal((declared.json as Voicemail).status, 'pending');
    assert.equal((await bobS.voicemail.list()).some((v) => v.id === id), false, 'a pending message is not in the mailbox');
    const put = (body: Uint8Array, who = token, contentType = 'application/octet-stream') => raw(flint.url, 'PUT', `/api/voicemails/${id}/content`, { token: who, body, contentType });
    assert.equal((await put(new Uint8Array(101))).status, 400, 'longer than declared');
    assert.equal((await put(new Uint8Array(99))).status, 400, 'shorter than declared');
    assert.equal((await put(new Uint8Array(100), token, 'audio/webm')).status, 415);
    assert.equal((await put(new Uint8Array(100), bob.transport.accessToken)).status, 404, 'only the caller uploads');
    assert.equal((await put(new Uint8Array(100))).status, 200);
    assert.equal((await put(new Uint8Array(100))).status, 409, 'once');
    await bobS.voicemail.delete(id);
  });

  it('keeps a mailbox to its limit', async () => {
    const room = await ada.rooms.get(roomId);
    const held = (await flint.server.core.db.selectFrom('voicemails').select('id').where('callee_id', '=', bob.session!.personId).execute()).length;
    const now = Date.now();
    const fill = Array.from({ length: VOICEMAIL_LIMITS.mailboxMessages - held }, (_, i) => ({
      id: randomUUID(),
      space_id: roomId,
      caller_id: ada.session!.personId,
      callee_id: bob.session!.personId,
      blob_key: `voicemails/fill/${i}`,
      size: 1,
      duration_ms: 1,
      reference: 'r',
      encryption_key_url: room.encryptionKeyUrl!,
      status: 'complete' as const,
      read_at: null,
      email_claimed_at: null,
      created_at: now,
      completed_at: now,
    }));
    await flint.server.core.db.insertInto('voicemails').values(fill).execute();
    const res = await raw(flint.url, 'POST', '/api/voicemails', { token: ada.transport.accessToken, body: { roomId, size: 100, durationMs: 500, reference: 'sealed.reference.jwe.x.y', encryptionKeyUrl: room.encryptionKeyUrl! } });
    assert.equal(res.status, 409);
    assert.match(errorOf(res).message, /mailbox is full/);
    await flint.server.core.db.deleteFrom('voicemails').where('blob_key', 'like', 'voicemails/fill/%').execute();
  });

  it('keeps the PIN as an argon2id hash, needs the current one to change it, and locks out after wrong ones', async () => {
    assert.deepEqual(await bobS.voicemail.settings(), { emailCopy: false, pinSet: false });
    await assert.rejects(bobS.voicemail.verifyPin('2468'), { status: 409 });
    assert.deepEqual(await bobS.voicemail.setPin('2468'), { emailCopy: false, pinSet: true });
    const stored = await flint.server.core.db.selectFrom('voicemail_settings').select('pin_hash').where('person_id', '=', bob.session!.personId).executeTakeFirstOrThrow();
    assert.match(stored.pin_hash!, /^\$argon2id\$/);
    assert.ok(!stored.pin_hash!.includes('2468'));
    await bobS.voicemail.verifyPin('2468');
    await assert.rejects(bobS.voicemail.setPin('1357'), { status: 400 }, 'changing needs the current PIN');
    await assert.rejects(bobS.voicemail.setPin('1357', '0000'), { status: 401 });
    await bobS.voicemail.setPin('1357', '2468');
    await bobS.voicemail.verifyPin('1357');
    // The failed change above counted; a success resets the count.
    for (let i = 0; i < VOICEMAIL_LIMITS.pinFailures; i++) await assert.rejects(bobS.voicemail.verifyPin('9999'), { status: 401 });
    const locked = await raw(flint.url, 'POST', '/api/voicemail/pin/verify', { token: bob.transport.accessToken, body: { pin: '1357' } });
    assert.equal(locked.status, 429, 'locked out: even the right PIN is refused');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    // Another person's mailbox is not affected.
    await adaS.voicemail.setPin('8642');
    await adaS.voicemail.verifyPin('8642');
  });

  it('claims the e-mail copy once, only with the opt-in on and only for messages that came after it', async () => {
    const earlier = await adaS.voicemail.leave({ roomId }, { data: recording('e'), type: 'audio/ogg', durationMs: 800 });
    const post = (id: string) => raw(flint.url, 'POST', `/api/voicemails/${id}/email-claim`, { token: bob.transport.accessToken });
    assert.deepEqual((await post(earlier.id)).json, { claimed: false }, 'off by default');
    assert.equal((await bobS.voicemail.setEmailCopy(true)).emailCopy, true);
    assert.deepEqual((await post(earlier.id)).json, { claimed: false }, 'older than the opt-in');
    const later = await adaS.voicemail.leave({ roomId }, { data: recording('f'), type: 'audio/ogg', durationMs: 800 });
    const [first, second] = await Promise.all([post(later.id), post(later.id)]);
    assert.deepEqual([(first.json as { claimed: boolean }).claimed, (second.json as { claimed: boolean }).claimed].sort(), [false, true], 'one device wins');
    assert.equal((await raw(flint.url, 'POST', `/api/voicemails/${later.id}/email-claim`, { token: ada.transport.accessToken })).status, 404);
  });
});

describe('voicemail to e-mail through the security realm’s mail relay', () => {
  let flint: TestFlint;
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await startSmtpServer();
    flint = await startFlint({ env: { FLINT_KMS_SMTP_URL: smtp.url, FLINT_KMS_MAIL_FROM: 'Key server <kms@vm.example>' } });
  });
  after(async () => {
    await flint.stop();
    await smtp.close();
  });

  it('mails the audio decrypted on the callee’s device to the callee’s own address; the core never sees it', async () => {
    const ada = await flint.signup({ email: 'ada@mail.example', displayName: 'Ada Lovelace' });
    const bob = await flint.signup({ email: 'bob@mail.example', displayName: 'Bob' });
    const adaS = await flint.connect(ada);
    const bobS = await flint.connect(bob);
    await bobS.voicemail.setEmailCopy(true);
    const marker = `mailed-${randomUUID()}`;
    // Larger than one relay message, so the audio goes in several parts.
    const audio = new Uint8Array(120_000);
    crypto.getRandomValues(audio.subarray(0, 60_000));
    crypto.getRandomValues(audio.subarray(60_000));
    audio.set(new TextEncoder().encode(`${marker} `.repeat(100)), 60_000);
    const left = await adaS.voicemail.leave({ personId: bob.session!.personId }, { data: audio, type: 'audio/webm;codecs=opus', durationMs: 7_000 });
    assert.equal(await bobS.voicemail.sendEmailCopy(left), true);
    assert.equal(await bobS.voicemail.sendEmailCopy(left), false, 'sent once');
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bob@mail.example'), 10_000);
    assert.match(mail.subject, /Voicemail from Ada Lovelace \(7 s\)/);
    assert.equal(mail.attachments.length, 1);
    assert.equal(mail.attachments[0]!.contentType, 'audio/webm');
    assert.deepEqual(new Uint8Array(mail.attachments[0]!.content), audio, 'the attachment is the audio');
    assert.equal(smtp.mails.length, 1, 'to the callee only');

    const scan = await scanForPlaintext(flint, [marker], 'Ada Lovelace');
    assert.ok(scan.controlInDatabase);
    assert.deepEqual([...scan.inDatabase, ...scan.inFiles, ...scan.inLogs], [], 'the core’s database, blobs and logs never had the audio');
    for (const at of [0, 30_000, 60_000, 100_000]) assert.deepEqual(await bytesUnder(flint.dataDir, audio.subarray(at, at + 64)), []);
    assert.equal((await flint.server.core.db.selectFrom('voicemails').select('email_claimed_at').where('id', '=', left.id).executeTakeFirstOrThrow()).email_claimed_at !== null, true);

    // The relay mails only to the requester's own address, and only a whole, matching audio.
    const kms = await bobS.voicemail['ctx'].kms();
    await assert.rejects(kms.mailVoicemail(audio, { sha256: 'A'.repeat(43), type: 'audio/webm', callerName: 'x', durationMs: 1, created: left.created }), /hash/);
    await kms.request({ method: 'update', uri: '/mail/missing-part-1', index: 1, data: 'AAAA' });
    await assert.rejects(kms.request({ method: 'create', uri: '/mail/missing-part-1/send', kind: 'voicemail', parts: 2, sha256: 'A'.repeat(43), type: 'audio/webm', callerName: 'x', durationMs: 1, created: left.created }), /1 of its 2 parts/);
    await assert.rejects(kms.request({ method: 'update', uri: '/mail/bad', index: 0, data: 'AAAA' }), /mail id/);
    await assert.rejects(kms.request({ method: 'update', uri: '/mail/not-base64-x', index: 0, data: 'AA AA' }));
    assert.equal(smtp.mails.length, 1, 'nothing more was sent');
    const audited = await flint.server.core.db.selectFrom('voicemails').select('id').execute();
    assert.equal(audited.length, 1);
  });

  it('without FLINT_KMS_SMTP_URL the realm sends no mail (503)', async () => {
    const bare = await startFlint();
    try {
      const cy = await bare.signup({ email: 'cy@mail.example', displayName: 'Cy' });
      const cyS = await bare.connect(cy);
      const kms = await cyS.voicemail['ctx'].kms();
      await assert.rejects(kms.mailVoicemail(new Uint8Array(10), { sha256: 'A'.repeat(43), type: 'audio/webm', callerName: 'x', durationMs: 1, created: new Date().toISOString() }), /sends no mail/);
    } finally {
      await bare.stop();
    }
  });
});
