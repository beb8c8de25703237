/**
 * Meeting key rotation through a real core and KMS (SEC-5, issue 21): each meeting has a KMS
 * resource of its own whose authorization list is its participants; the keeper's client authorizes
 * joiners (members only, as the KMS says) and de-authorizes leavers, naming a new key epoch each
 * time. After Carol leaves, the KMS refuses her the new key, and her last key cannot open a frame
 * sent under the new one, while Bob's can. A participant the core made up (a row written straight
 * into its database) is never authorized; a key or resource the core swaps in, or a resource that
 * authorizes someone not in the meeting, is refused by the SDK.
 * Janus is needed to join (skipped, saying so, when it is not installed); no media flows here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Meeting } from '@flint/protocol';
import { startFlint, type TestFlint } from '@flint/testkit';
import type { Session } from '../session.ts';
import { FlintError } from '../errors.ts';
import { decryptFrame, deriveFrameKey, encryptFrame } from '../media/frame-crypto.ts';
import { epochKeyId, keeperOf, meetingBinding } from './meetings.ts';

const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');

/** A VP8 delta frame (bit 0 of byte 0 set) with a recognizable body. */
const FRAME = new Uint8Array([0x31, 0x02, 0x00, ...new TextEncoder().encode('a frame after the rotation')]);

describe('meeting key epochs and rotation (SDK, core and KMS)', { skip: janusInstalled ? false : 'janus is not installed (apt-get install janus)' }, () => {
  let flint: TestFlint;
  let ada: Session;
  let bob: Session;
  let carol: Session;
  let eve: Session;
  let roomId = '';
  const ids: Record<string, string> = {};
  const now = async (): Promise<Meeting> => (await ada.meetings.current(roomId)).meeting!;

  before(async () => {
    flint = await startFlint({ env: { FLINT_JANUS: 'auto' } });
    // One after the other: the first sign-up of a domain makes its organization.
    const sessions: Session[] = [];
    for (const name of ['ada', 'bob', 'carol', 'eve']) sessions.push(await flint.connect(await flint.signup({ email: `${name}@keys.test`, displayName: name })));
    [ada, bob, carol, eve] = sessions as [Session, Session, Session, Session];
    roomId = (await ada.spaces.create({ title: 'Rotation' })).id;
    for (const who of ['bob', 'carol']) await ada.members.add(roomId, { personEmail: `${who}@keys.test` });
  });
  after(() => flint.stop());

  it('the first participant makes the meeting’s own resource, bound to the meeting, and epoch 1', async () => {
    const joined = await ada.meetings.join(roomId);
    ids['ada'] = joined.participantId;
    const started = await ada.meetings.start(joined.meeting, joined.participantId);
    assert.equal(started.keyEpoch, 1);
    assert.ok(started.resourceUrl?.startsWith('kms://'));
    const room = await ada.api.rooms.get(roomId);
    assert.notEqual(started.resourceUrl, room.kroUri, 'not the space’s resource');
    const kms = await ada.kmsClient();
    const resource = await kms.retrieveResource(started.resourceUrl!);
    assert.deepEqual(resource.boundTo, meetingBinding(started.id));
    assert.deepEqual(
      (await kms.listAuthorizations(started.resourceUrl!)).map((a) => a.authId),
      [await ada.personId()],
      'only Ada is on it',
    );
    const key = await ada.meetings.mediaKey(started);
    assert.equal(key.epoch, 1);
    assert.equal(key.keyId, epochKeyId(1));
    assert.deepEqual(await ada.meetings.start(started, joined.participantId), started, 'a meeting with a key keeps it');
  });

  it('joiners get nothing until the keeper puts them on the resource and rotates; only the keeper rotates', async () => {
    for (const [name, session] of [['bob', bob], ['carol', carol]] as const) ids[name] = (await session.meetings.join(roomId)).participantId;
    const waiting = await now();
    assert.equal(keeperOf(waiting)?.id, ids['ada']);
    await assert.rejects(bob.meetings.mediaKey(waiting), (e: unknown) => e instanceof FlintError && e.status === 403, 'the KMS refuses a participant not yet authorized');
    assert.equal(await bob.meetings.rotate(waiting, ids['bob']!), undefined, 'Bob is not the keeper');
    const rotation = await ada.meetings.rotate(waiting, ids['ada']!);
    assert.equal(rotation?.epoch, 2);
    assert.equal(rotation?.added.length, 2);
    assert.deepEqual(rotation?.removed, []);
    const keyed = await now();
    assert.equal(keyed.keyEpoch, 2);
    assert.ok(keyed.participants.every((p) => p.authorized));
    const keys = await Promise.all([ada, bob, carol].map((s) => s.meetings.mediaKey(keyed)));
    assert.ok(keys.every((k) => k.epoch === 2 && Buffer.from(k.key).equals(Buffer.from(keys[0]!.key))));
    assert.equal(await ada.meetings.rotate(keyed, ids['ada']!), undefined, 'nothing changed: no rotation');
  });

  it('after Carol leaves, the keeper rotates: the KMS refuses Carol the new key, and her old key cannot open frames sent under it', async () => {
    const before = await now();
    const carolsOld = await carol.meetings.mediaKey(before);
    await carol.meetings.leave(before.id, ids['carol']!);
    const left = await now();
    const rotation = await ada.meetings.rotate(left, ids['ada']!);
    assert.equal(rotation?.epoch, 3);
    assert.equal(rotation?.removed.length, 1);
    const after = await now();
    assert.equal(after.keyEpoch, 3);
    await assert.rejects(carol.meetings.mediaKey(after), (e: unknown) => e instanceof FlintError && e.status === 403, 'Carol is off the meeting’s resource');
    // Still a member of the space: leaving the meeting is not leaving the space.
    assert.ok((await carol.api.rooms.get(roomId)).id === roomId);

    const adaKey = await ada.meetings.mediaKey(after);
    const bobKey = await bob.meetings.mediaKey(after);
    const sent = await encryptFrame(await deriveFrameKey(adaKey.key, after.id, ids['ada']!), adaKey.keyId, 'video', FRAME);
    const bobFrameKey = await deriveFrameKey(bobKey.key, after.id, ids['ada']!);
    assert.deepEqual(await decryptFrame((id) => (id === bobKey.keyId ? bobFrameKey : undefined), 'video', sent), FRAME, 'Bob decrypts under epoch 3');
    const carolFrameKey = await deriveFrameKey(carolsOld.key, after.id, ids['ada']!);
    assert.equal(await decryptFrame(() => carolFrameKey, 'video', sent), undefined, 'Carol’s epoch-2 key opens nothing sent after the rotation');
  });

  it('a participant the core makes up is never put on the resource; a key or resource the core swaps in is refused', async () => {
    const meeting = await now();
    const eveId = await eve.personId();
    // A malicious core: Eve, no member of the space, written into the meeting.
    await flint.server.core.db
      .insertInto('meeting_participants')
      .values({ id: '0190d5c4-0000-7000-8000-0000000000e0', meeting_id: meeting.id, person_id: eveId, media_feed: null, joined_at: Date.now(), left_at: null })
      .execute();
    const withEve = await now();
    assert.equal(withEve.participants.length, 3);
    assert.equal(await ada.meetings.rotate(withEve, ids['ada']!), undefined, 'Eve is not on the space’s resource: not authorized, no rotation');
    await assert.rejects(eve.meetings.mediaKey(withEve), (e: unknown) => e instanceof FlintError && e.status === 403);
    await flint.server.core.db.deleteFrom('meeting_participants').where('person_id', '=', eveId).execute();

    // A participant's client (Ada's) puts an outsider on the meeting's resource: the others refuse its keys.
    const adaKms = await ada.kmsClient();
    await adaKms.addAuthorizations(meeting.resourceUrl!, [eveId]);
    await assert.rejects(bob.meetings.mediaKey(meeting), (e: unknown) => e instanceof FlintError && e.code === 'forbidden' && /not in the meeting/.test(e.message));
    await adaKms.removeAuthorization(meeting.resourceUrl!, eveId);
    assert.equal((await bob.meetings.mediaKey(meeting)).epoch, 3);

    // The core names the space's current key (which Bob may fetch) as the meeting's: refused.
    const room = await bob.api.rooms.get(roomId);
    await flint.server.core.db.updateTable('meetings').set({ key_url: room.encryptionKeyUrl! }).where('id', '=', meeting.id).execute();
    await assert.rejects(bob.meetings.mediaKey(await now()), (e: unknown) => e instanceof FlintError && e.code === 'forbidden' && /not bound to the meeting/.test(e.message));
    // …or the space's resource as the meeting's: its binding names the room, not the meeting.
    await flint.server.core.db.updateTable('meetings').set({ resource_url: room.kroUri! }).where('id', '=', meeting.id).execute();
    await assert.rejects(bob.meetings.mediaKey(await now()), (e: unknown) => e instanceof FlintError && e.code === 'forbidden');
    await flint.server.core.db.updateTable('meetings').set({ key_url: meeting.keyUrl!, resource_url: meeting.resourceUrl! }).where('id', '=', meeting.id).execute();
    assert.equal((await bob.meetings.mediaKey(await now())).epoch, 3);
  });
});
