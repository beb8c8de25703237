/**
 * The call's media key (SPEC CL-1; docs/calls.md): the caller's session binds it to the direct
 * space's KMS resource and the callee's gets the same bytes; a key the core names that is bound to
 * another space's resource is refused, so the core cannot make an endpoint encrypt to a key someone
 * else holds; a forwarded call gets a new key for the new pair from the caller's `ensureKey`. With
 * Janus: a call moves into its direct space's meeting, and a third person is added (a conference in
 * a group space the adder's client made and authorized; bad input refused with a 4xx).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CALL_LIMITS, type Call } from '@flint/protocol';
import type { FlintClient, Session } from '@flint/sdk';
import { spawnSync } from 'node:child_process';
import { collect, raw, startFlint, type TestFlint } from '@flint/testkit';

// `janus -V` prints its version and exits 1, so the output tells.
const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');

describe('session.calls', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let carol: FlintClient;
  let adaS: Session;
  let bobS: Session;
  let carolS: Session;
  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@calls.example', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@calls.example', displayName: 'Bob' });
    carol = await flint.signup({ email: 'carol@calls.example', displayName: 'Carol' });
    [adaS, bobS, carolS] = await Promise.all([flint.connect(ada), flint.connect(bob), flint.connect(carol)]);
  });
  after(() => flint.stop());

  it('binds the key to the direct space: both parties derive the same key, and a key of another space is refused', async () => {
    const call = await adaS.calls.dial({ email: 'bob@calls.example' }, 'audio', 'ada-endpoint-1');
    assert.ok(call.keyUrl?.startsWith('kms://'));
    const room = await ada.rooms.get(call.roomId!);
    assert.equal(room.type, 'direct');
    const mine = await adaS.calls.mediaKey(call);
    const theirs = await bobS.calls.mediaKey(await bobS.calls.answer(call.id, 'bob-endpoint-1'));
    assert.deepEqual(theirs.key, mine.key);
    assert.equal(theirs.uri, call.keyUrl);
    await adaS.calls.hangup(call.id);

    // A key Ada may read but bound to another space's resource, named on a call to Bob: Bob refuses it.
    const group = await adaS.spaces.create({ title: 'Ada and Bob' });
    await adaS.members.add(group.id, { personId: bob.session!.personId });
    const other = await ada.rooms.get(group.id);
    const foreign = await adaS.calls.dial({ personId: bob.session!.personId }, 'audio', 'ada-endpoint-2');
    const forged = { ...foreign, keyUrl: other.encryptionKeyUrl! };
    await assert.rejects(bobS.calls.mediaKey(forged), /not bound to the direct space/);
    await adaS.calls.hangup(foreign.id);
  });

  it('gives a forwarded call a key for the new pair', async () => {
    await bob.calls.updateSettings({ forwardAlways: carol.session!.personId });
    const call = await adaS.calls.dial({ personId: bob.session!.personId }, 'video', 'ada-endpoint-3');
    assert.equal(call.callee.personId, carol.session!.personId);
    assert.equal(call.keyUrl, undefined);
    const keyed = await adaS.calls.ensureKey(call);
    assert.ok(keyed.keyUrl !== undefined);
    const carolKey = await carolS.calls.mediaKey(keyed);
    assert.deepEqual(carolKey.key, (await adaS.calls.mediaKey(keyed)).key);
    // Bob was not the callee of this leg: the KMS does not give him Ada–Carol's key.
    await assert.rejects(bobS.calls.mediaKey(keyed));
    await adaS.calls.hangup(call.id);
    await bob.calls.updateSettings({ forwardAlways: null });
  });
});

describe('a call moves into its direct space’s meeting (MT-6)', { skip: janusInstalled ? false : 'janus is not installed (apt-get install janus)' }, () => {
  let flint: TestFlint;
  let adaS: Session;
  let bobS: Session;
  let bob: FlintClient;
  let ada: FlintClient;
  before(async () => {
    flint = await startFlint({ env: { FLINT_JANUS: 'auto' } });
    ada = await flint.signup({ email: 'ada@move.example', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@move.example', displayName: 'Bob' });
    [adaS, bobS] = await Promise.all([flint.connect(ada), flint.connect(bob)]);
  });
  after(() => flint.stop());

  it('ends the call as moved_to_meeting; the direct space’s meeting keys its media afresh on its own resource', async () => {
    const call = await adaS.calls.dial({ personId: bob.session!.personId }, 'video', 'ada-endpoint-9');
    await bobS.calls.answer(call.id, 'bob-endpoint-9');
    const callKey = await adaS.calls.mediaKey(call);
    const moved = await bobS.calls.moveToMeeting(call.id);
    assert.equal(moved.state, 'ended');
    assert.equal(moved.endReason, 'moved_to_meeting');
    const adaIn = await adaS.meetings.join(call.roomId!);
    const started = await adaS.meetings.start(adaIn.meeting, adaIn.participantId);
    const bobIn = await bobS.meetings.join(call.roomId!);
    // Ada's client keeps the meeting (the first in): it puts Bob on the meeting's resource and rotates.
    const rotation = await adaS.meetings.rotate(bobIn.meeting, adaIn.participantId);
    assert.deepEqual(rotation?.added, [bob.session!.personId]);
    const now = (await bobS.meetings.current(call.roomId!)).meeting!;
    const [adaKey, bobKey] = await Promise.all([adaS.meetings.mediaKey(now), bobS.meetings.mediaKey(now)]);
    assert.deepEqual(bobKey.key, adaKey.key);
    assert.notEqual(started.resourceUrl, undefined);
    assert.notDeepEqual(adaKey.key, callKey.key, 'the meeting does not reuse the call’s key');
    assert.deepEqual((await bobS.calls.history()).items.map((h) => h.outcome), ['answered']);
  });

  it('adds a third person (a conference): a group space Ada’s client made and authorized, the call ends moved_to_meeting naming it, and Cy is invited and gets the meeting’s key', async () => {
    const cy = await flint.signup({ email: 'cy@move.example', displayName: 'Cy' });
    const dan = await flint.signup({ email: 'dan@move.example', displayName: 'Dan' });
    const cyS = await flint.connect(cy);
    const cyEvents = await collect(cy, { deviceId: 'cy-tab' });
    const call = await adaS.calls.dial({ personId: bob.session!.personId }, 'audio', 'ada-endpoint-10');
    await bobS.calls.answer(call.id, 'bob-endpoint-10');
    // Bad input first: each refused with a 4xx, the call still connected.
    const token = ada.session!.accessToken;
    const post = (body: unknown) => raw(flint.url, 'POST', `/api/calls/${call.id}/add-people`, { token, body });
    const lonely = await adaS.spaces.create({ title: 'Ada alone' });
    assert.equal((await post({ roomId: call.roomId, personIds: [cy.session!.personId] })).status, 400, 'a direct space takes no third person');
    assert.equal((await post({ roomId: lonely.id, personIds: [cy.session!.personId] })).status, 400, 'Bob is not in that space');
    assert.equal((await post({ roomId: lonely.id, personIds: [] })).status, 400);
    assert.equal((await post({ roomId: lonely.id, personIds: Array.from({ length: CALL_LIMITS.conferenceInvitees + 1 }, (_, i) => `p${i}`) })).status, 400);
    await adaS.members.add(lonely.id, { personId: bob.session!.personId });
    assert.equal((await post({ roomId: lonely.id, personIds: [dan.session!.personId] })).status, 400, 'Dan is not a member: the client adds (and authorizes) people, never the core');
    assert.equal((await post({ roomId: lonely.id, personIds: [bob.session!.personId] })).status, 400, 'Bob is in the call already');
    assert.equal((await raw(flint.url, 'POST', `/api/calls/${call.id}/add-people`, { token: dan.session!.accessToken, body: { roomId: lonely.id, personIds: [dan.session!.personId] } })).status, 404);
    assert.equal((await adaS.calls.get(call.id)).state, 'connected');

    const moved = await adaS.calls.addPeople(call, [{ personEmail: 'cy@move.example' }], 'Ada, Bob and Cy');
    assert.equal(moved.state, 'ended');
    assert.equal(moved.endReason, 'moved_to_meeting');
    const roomId = moved.conference!.roomId;
    assert.deepEqual(moved.conference, { roomId, invited: [cy.session!.personId], by: ada.session!.personId });
    // Cy, not a party, gets the call's end naming the conference: her invitation.
    const invite = (await cyEvents.waitFor((e) => e.type === 'call.updated' && (e.data as Call).id === call.id)).data as Call;
    assert.equal(invite.conference?.roomId, roomId);
    cyEvents.stop();
    // The space's KMS resource authorizes the three (Ada's client did it).
    const room = await adaS.api.rooms.get(roomId);
    const authorized = (await (await adaS.kmsClient()).listAuthorizations(room.kroUri!)).map((a) => a.authId).sort();
    assert.deepEqual(authorized, [ada.session!.personId, bob.session!.personId, cy.session!.personId].sort());
    // The three meet on the SFU: each in turn joins, the keeper (Ada) authorizes them on the meeting's resource and rotates.
    const adaIn = await adaS.meetings.join(roomId);
    await adaS.meetings.start(adaIn.meeting, adaIn.participantId);
    for (const s of [bobS, cyS]) {
      const joined = await s.meetings.join(roomId);
      await adaS.meetings.rotate(joined.meeting, adaIn.participantId);
    }
    const now = (await cyS.meetings.current(roomId)).meeting!;
    assert.equal(now.participants.length, 3);
    const keys = await Promise.all([adaS, bobS, cyS].map((s) => s.meetings.mediaKey(now)));
    assert.deepEqual(keys[1]!.key, keys[0]!.key);
    assert.deepEqual(keys[2]!.key, keys[0]!.key);
    // A call that has ended takes nobody.
    assert.equal((await post({ roomId, personIds: [dan.session!.personId] })).status, 409);
    cyS.close();
  });
});
