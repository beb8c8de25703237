/**
 * The call's media key (SPEC CL-1; docs/calls.md): the caller's session binds it to the direct
 * space's KMS resource and the callee's gets the same bytes; a key the core names that is bound to
 * another space's resource is refused, so the core cannot make an endpoint encrypt to a key someone
 * else holds; a forwarded call gets a new key for the new pair from the caller's `ensureKey`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient, Session } from '@flint/sdk';
import { spawnSync } from 'node:child_process';
import { startFlint, type TestFlint } from '@flint/testkit';

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
  before(async () => {
    flint = await startFlint({ env: { FLINT_JANUS: 'auto' } });
    const ada = await flint.signup({ email: 'ada@move.example', displayName: 'Ada' });
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
});
