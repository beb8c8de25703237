/**
 * Calls' signalling over HTTP and the event stream (SPEC CL-1, CL-2; docs/calls.md), on whichever
 * engine the suite runs on: every endpoint of the callee rings and the first answer takes the call;
 * offers, answers and candidates are relayed between the two answered endpoints only; busy, DND,
 * declined, cancelled and missed (ring timeout) calls end with their reason and land in both
 * histories, with durations for answered ones; hold/resume; forwards (always, busy, no answer) and
 * blind transfer; park (one call per slot, the parker's line free), retrieve by the parker on another
 * endpoint or by the slot's owner (a new leg, a new key), the recall at the park timeout, a parked
 * call kept across a restart, and park's bad input; a restart keeps a connected call and a pending ring timeout; bad input is refused
 * with a 4xx that changes nothing. The media (P2P, E2EE, music on hold) is tested in Chromium:
 * tests/e2e/web-app-calls.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Call, CallSignalEvent, StoredEvent } from '@flint/protocol';
import type { FlintClient } from '@flint/sdk';
import { collect, errorOf, raw, startFlint, until, type Collector, type TestFlint } from '@flint/testkit';

const KEY = 'kms://127.0.0.1/keys/8b6f4ad5-2c1f-4a3e-9d0b-2f1f7f8c9a11';
const isCall = (id: string, state?: Call['state']) => (e: StoredEvent) => e.type === 'call.updated' && (e.data as Call).id === id && (state === undefined || (e.data as Call).state === state);

describe('calls', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let carol: FlintClient;
  let dan: FlintClient;
  let ids: Record<'ada' | 'bob' | 'carol' | 'dan', string>;
  const streams: Collector[] = [];
  const listen = async (client: FlintClient, deviceId: string) => {
    const c = await collect(client, { deviceId });
    streams.push(c);
    return c;
  };

  before(async () => {
    flint = await startFlint({ env: { FLINT_CALL_RING_SECONDS: '5', FLINT_CALL_PARK_SECONDS: '20', FLINT_JOBS_POLL_MS: '100', FLINT_TURN_URLS: 'stun:127.0.0.1:3478,turn:127.0.0.1:3478', FLINT_TURN_SECRET: 'a-coturn-static-auth-secret' } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob' });
    carol = await flint.signup({ email: 'carol@example.com', displayName: 'Carol' });
    dan = await flint.signup({ email: 'dan@example.com', displayName: 'Dan' });
    ids = { ada: ada.session!.personId, bob: bob.session!.personId, carol: carol.session!.personId, dan: dan.session!.personId };
  });
  after(async () => {
    for (const s of streams) s.stop();
    await flint.stop();
  });

  const history = async (client: FlintClient) => (await client.calls.history()).items;

  it('rings every endpoint of the callee; the first answer takes it, a second gets answered_elsewhere; signals go endpoint to endpoint', async () => {
    const room = await ada.rooms.direct({ personId: ids.bob });
    const [adaTab, bobTab1, bobTab2, carolTab] = [await listen(ada, 'ada-1'), await listen(bob, 'bob-1'), await listen(bob, 'bob-2'), await listen(carol, 'carol-1')];
    const call = await ada.calls.dial({ to: { email: 'bob@example.com' }, media: 'video', endpointId: 'ada-endpoint-1', roomId: room.id, keyUrl: KEY });
    assert.equal(call.state, 'ringing');
    assert.equal(call.callee.personId, ids.bob);
    assert.equal(call.roomId, room.id);
    assert.equal(call.keyUrl, KEY);
    assert.ok(call.ringsUntil !== undefined);
    for (const tab of [bobTab1, bobTab2, adaTab]) await tab.waitFor(isCall(call.id, 'ringing'));
    // Both people are on a call now: their lines are busy.
    assert.deepEqual((await bob.calls.list()).map((c) => c.id), [call.id]);

    const answered = await bob.calls.answer(call.id, 'bob-endpoint-1');
    assert.equal(answered.state, 'connected');
    assert.equal(answered.callee.endpointId, 'bob-endpoint-1');
    const late = await raw(flint.url, 'POST', `/api/calls/${call.id}/answer`, { token: bob.session!.accessToken, body: { endpointId: 'bob-endpoint-2' } });
    assert.equal(late.status, 409);
    assert.equal(errorOf(late).code, 'answered_elsewhere');
    // Answering again from the endpoint that took it is harmless.
    assert.equal((await bob.calls.answer(call.id, 'bob-endpoint-1')).state, 'connected');
    // Both of Bob's tabs learn it was answered (by endpoint 1): the other stops ringing.
    for (const tab of [bobTab1, bobTab2, adaTab]) {
      const e = await tab.waitFor(isCall(call.id, 'connected'));
      assert.equal((e.data as Call).callee.endpointId, 'bob-endpoint-1');
    }

    await ada.calls.signal(call.id, { endpointId: 'ada-endpoint-1', signal: { kind: 'offer', sdp: 'v=0 offer' } });
    await bob.calls.signal(call.id, { endpointId: 'bob-endpoint-1', signal: { kind: 'answer', sdp: 'v=0 answer' } });
    await bob.calls.signal(call.id, { endpointId: 'bob-endpoint-1', signal: { kind: 'candidate', candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
    const offer = (await bobTab2.waitFor((e) => e.type === 'call.signal')).data as CallSignalEvent;
    assert.deepEqual(offer, { callId: call.id, fromEndpointId: 'ada-endpoint-1', toEndpointId: 'bob-endpoint-1', kind: 'offer', sdp: 'v=0 offer' });
    const fromBob = await adaTab.waitForCount((e) => e.type === 'call.signal', 2);
    assert.deepEqual(
      fromBob.map((e) => (e.data as CallSignalEvent).kind),
      ['answer', 'candidate'],
    );
    assert.ok(fromBob.every((e) => (e.data as CallSignalEvent).toEndpointId === 'ada-endpoint-1'));
    // Bob's other endpoint is not in the call: it cannot signal; Carol is no party at all.
    const other = await raw(flint.url, 'POST', `/api/calls/${call.id}/signal`, { token: bob.session!.accessToken, body: { endpointId: 'bob-endpoint-2', signal: { kind: 'offer', sdp: 'v=0' } } });
    assert.equal(other.status, 409);
    const stranger = await raw(flint.url, 'POST', `/api/calls/${call.id}/signal`, { token: carol.session!.accessToken, body: { endpointId: 'carol-endpoint', signal: { kind: 'offer', sdp: 'v=0' } } });
    assert.equal(stranger.status, 404);
    assert.equal((await raw(flint.url, 'GET', `/api/calls/${call.id}`, { token: carol.session!.accessToken })).status, 404);
    assert.ok(!carolTab.events.some((e) => e.type.startsWith('call.')), 'a non-party hears nothing of the call');

    // Hold: only a connected call; only the holder resumes.
    const held = await ada.calls.hold(call.id);
    assert.equal(held.state, 'held');
    assert.equal(held.heldBy, ids.ada);
    assert.equal((await raw(flint.url, 'POST', `/api/calls/${call.id}/resume`, { token: bob.session!.accessToken })).status, 409);
    assert.equal((await raw(flint.url, 'POST', `/api/calls/${call.id}/hold`, { token: bob.session!.accessToken })).status, 409);
    await bobTab1.waitFor(isCall(call.id, 'held'));
    assert.equal((await ada.calls.resume(call.id)).state, 'connected');

    // Someone else calling Bob now finds him busy: that call ends at once, in both histories.
    const busy = await carol.calls.dial({ to: { personId: ids.bob }, media: 'audio', endpointId: 'carol-endpoint-1' });
    assert.equal(busy.state, 'ended');
    assert.equal(busy.endReason, 'busy');
    await carolTab.waitFor(isCall(busy.id, 'ended'));
    // Ada cannot place a second call while on one.
    const second = await raw(flint.url, 'POST', '/api/calls', { token: ada.session!.accessToken, body: { to: { personId: ids.carol }, media: 'audio', endpointId: 'ada-endpoint-1' } });
    assert.equal(second.status, 409);

    await new Promise((r) => setTimeout(r, 1100));
    const ended = await bob.calls.hangup(call.id);
    assert.equal(ended.state, 'ended');
    assert.equal(ended.endReason, 'hangup');
    assert.equal(ended.endedBy, ids.bob);
    assert.deepEqual(await bob.calls.list(), []);
    // Hanging up an ended call changes nothing.
    assert.equal((await ada.calls.hangup(call.id)).endReason, 'hangup');
    for (const tab of [bobTab2, adaTab]) await tab.waitFor(isCall(call.id, 'ended'));

    const [adaLast] = await history(ada);
    assert.equal(adaLast!.callId, call.id);
    assert.equal(adaLast!.type, 'placed');
    assert.equal(adaLast!.outcome, 'answered');
    assert.equal(adaLast!.other.displayName, 'Bob');
    assert.ok(adaLast!.durationSeconds >= 1, `duration ${adaLast!.durationSeconds}`);
    const bobEntries = await history(bob);
    assert.deepEqual(
      bobEntries.map((h) => [h.callId, h.type, h.outcome]),
      [
        [call.id, 'received', 'answered'],
        [busy.id, 'missed', 'busy'],
      ],
    );
    assert.deepEqual((await history(carol)).map((h) => [h.type, h.outcome, h.other.personId]), [['placed', 'busy', ids.bob]]);
    assert.deepEqual((await bob.calls.history({ type: 'missed' })).items.map((h) => h.callId), [busy.id]);
  });

  it('decline, cancel, DND and the ring timeout end a call with their reason', async () => {
    const declined = await ada.calls.dial({ to: { personId: ids.dan }, media: 'audio', endpointId: 'ada-endpoint-2' });
    assert.equal((await dan.calls.decline(declined.id)).endReason, 'declined');
    assert.equal((await raw(flint.url, 'POST', `/api/calls/${declined.id}/answer`, { token: dan.session!.accessToken, body: { endpointId: 'dan-endpoint-1' } })).status, 409);

    const cancelled = await ada.calls.dial({ to: { personId: ids.dan }, media: 'audio', endpointId: 'ada-endpoint-2' });
    assert.equal((await raw(flint.url, 'POST', `/api/calls/${cancelled.id}/decline`, { token: ada.session!.accessToken })).status, 403);
    assert.equal((await ada.calls.hangup(cancelled.id)).endReason, 'cancelled');

    await dan.calls.updateSettings({ doNotDisturb: true });
    const dnd = await ada.calls.dial({ to: { personId: ids.dan }, media: 'video', endpointId: 'ada-endpoint-2' });
    assert.equal(dnd.state, 'ended');
    assert.equal(dnd.endReason, 'dnd');
    await dan.calls.updateSettings({ doNotDisturb: false });

    const missed = await ada.calls.dial({ to: { personId: ids.dan }, media: 'audio', endpointId: 'ada-endpoint-2' });
    const timedOut = await until('the ring timeout', async () => {
      const c = await ada.calls.get(missed.id);
      return c.state === 'ended' ? c : undefined;
    }, 15_000);
    assert.equal(timedOut.endReason, 'no_answer');
    assert.equal(timedOut.endedBy, undefined);
    assert.deepEqual(
      (await history(dan)).slice(0, 4).map((h) => [h.callId, h.type, h.outcome]),
      [
        [missed.id, 'missed', 'no_answer'],
        [dnd.id, 'missed', 'dnd'],
        [cancelled.id, 'missed', 'cancelled'],
        [declined.id, 'missed', 'declined'],
      ],
    );
  });

  it('forwards (always, busy, no answer) and blind transfer move the call to another person', async () => {
    // Always: Dan's calls ring Carol.
    await dan.calls.updateSettings({ forwardAlways: ids.carol });
    const always = await ada.calls.dial({ to: { personId: ids.dan }, media: 'audio', endpointId: 'ada-endpoint-3', roomId: (await ada.rooms.direct({ personId: ids.dan })).id, keyUrl: KEY });
    assert.equal(always.callee.personId, ids.carol);
    assert.deepEqual(always.redirections, [{ reason: 'forward_always', fromPersonId: ids.dan, toPersonId: ids.carol }]);
    // The key named for Ada–Dan's space is not Carol's: the caller's client names the new one.
    assert.equal(always.keyUrl, undefined);
    await ada.calls.hangup(always.id);
    await dan.calls.updateSettings({ forwardAlways: null, forwardNoAnswer: ids.carol, forwardBusy: ids.carol });
    assert.deepEqual(await dan.calls.settings(), { doNotDisturb: false, forwardBusy: ids.carol, forwardNoAnswer: ids.carol });

    // No answer: after the ring time it rings Carol, and Dan has a missed (forwarded) entry.
    const carolTab = await listen(carol, 'carol-2');
    const noAnswer = await ada.calls.dial({ to: { personId: ids.dan }, media: 'audio', endpointId: 'ada-endpoint-3' });
    const forwarded = (await carolTab.waitFor(isCall(noAnswer.id, 'ringing'), 15_000)).data as Call;
    assert.equal(forwarded.callee.personId, ids.carol);
    assert.equal(forwarded.redirections[0]!.reason, 'forward_no_answer');
    assert.equal((await history(dan))[0]!.outcome, 'forwarded');
    assert.equal((await raw(flint.url, 'GET', `/api/calls/${noAnswer.id}`, { token: dan.session!.accessToken })).status, 200);
    await carol.calls.answer(noAnswer.id, 'carol-endpoint-2');

    // Busy: Bob calls Dan, who is free, then Dan is busy with Bob when Ada is off and… Carol is busy
    // with Ada here, so Bob → Dan is the plain case; Dan busy → forward to Carol who is busy → busy.
    const bobDan = await bob.calls.dial({ to: { personId: ids.dan }, media: 'audio', endpointId: 'bob-endpoint-3' });
    assert.equal(bobDan.callee.personId, ids.dan);
    await dan.calls.answer(bobDan.id, 'dan-endpoint-3');
    const both = await raw(flint.url, 'POST', '/api/calls', { token: (await flint.signup({ email: 'eve@example.com', displayName: 'Eve' })).session!.accessToken, body: { to: { personId: ids.dan }, media: 'audio', endpointId: 'eve-endpoint-1' } });
    assert.equal(both.status, 201);
    const eveCall = both.json as Call;
    assert.equal(eveCall.endReason, 'busy');
    assert.deepEqual(eveCall.redirections, [{ reason: 'forward_busy', fromPersonId: ids.dan, toPersonId: ids.carol }]);
    await bob.calls.hangup(bobDan.id);

    // Blind transfer: Carol (in the call with Ada) transfers it to Dan; Ada stays, Dan rings.
    const transferred = await carol.calls.transfer(noAnswer.id, { personId: ids.dan });
    assert.equal(transferred.state, 'ringing');
    assert.equal(transferred.caller.personId, ids.ada);
    assert.equal(transferred.caller.endpointId, 'ada-endpoint-3');
    assert.equal(transferred.callee.personId, ids.dan);
    assert.equal(transferred.redirections.at(-1)!.reason, 'transfer');
    await carolTab.waitFor((e) => e.type === 'call.updated' && (e.data as Call).id === noAnswer.id && (e.data as Call).callee.personId === ids.dan);
    assert.deepEqual(await carol.calls.list(), [], 'Carol is off the call');
    assert.equal((await history(carol))[0]!.outcome, 'transferred');
    await dan.calls.answer(noAnswer.id, 'dan-endpoint-4');
    assert.equal((await ada.calls.hangup(noAnswer.id)).endReason, 'hangup');
    await dan.calls.updateSettings({ forwardBusy: null, forwardNoAnswer: null });
  });

  it('keeps a connected call and a pending ring timeout across a restart', async () => {
    const connected = await ada.calls.dial({ to: { personId: ids.bob }, media: 'video', endpointId: 'ada-endpoint-4' });
    await bob.calls.answer(connected.id, 'bob-endpoint-4');
    const ringing = await carol.calls.dial({ to: { personId: ids.dan }, media: 'audio', endpointId: 'carol-endpoint-4' });
    await flint.restart();
    const after = await ada.calls.get(connected.id);
    assert.equal(after.state, 'connected');
    assert.equal(after.caller.endpointId, 'ada-endpoint-4');
    assert.equal(after.callee.endpointId, 'bob-endpoint-4');
    // A client that reconnects re-syncs from the list and goes on signalling.
    assert.deepEqual((await bob.calls.list()).map((c) => c.id), [connected.id]);
    const bobTab = await listen(bob, 'bob-after');
    await ada.calls.signal(connected.id, { endpointId: 'ada-endpoint-4', signal: { kind: 'offer', sdp: 'v=0 restart' } });
    await bobTab.waitFor((e) => e.type === 'call.signal' && (e.data as { sdp?: string }).sdp === 'v=0 restart');
    const missed = await until('the ring timeout after the restart', async () => {
      const c = await carol.calls.get(ringing.id);
      return c.state === 'ended' ? c : undefined;
    }, 15_000);
    assert.equal(missed.endReason, 'no_answer');
    await ada.calls.hangup(connected.id);
  });

  it('names the key once, for the caller only, bound to the parties’ direct space', async () => {
    const room = await ada.rooms.direct({ personId: ids.bob });
    const other = await ada.rooms.create({ title: 'not-a-direct-space' });
    const call = await ada.calls.dial({ to: { personId: ids.bob }, media: 'audio', endpointId: 'ada-endpoint-5' });
    assert.equal(call.keyUrl, undefined);
    const wrongRoom = await raw(flint.url, 'PUT', `/api/calls/${call.id}/key`, { token: ada.session!.accessToken, body: { roomId: other.id, keyUrl: KEY } });
    assert.equal(wrongRoom.status, 400);
    const byCallee = await raw(flint.url, 'PUT', `/api/calls/${call.id}/key`, { token: bob.session!.accessToken, body: { roomId: room.id, keyUrl: KEY } });
    assert.equal(byCallee.status, 403);
    assert.equal((await ada.calls.setKey(call.id, { roomId: room.id, keyUrl: KEY })).keyUrl, KEY);
    const again = await raw(flint.url, 'PUT', `/api/calls/${call.id}/key`, { token: ada.session!.accessToken, body: { roomId: room.id, keyUrl: `${KEY}0` } });
    assert.equal(again.status, 409);
    await ada.calls.hangup(call.id);
  });

  it('a call placed without an endpoint (through the API) is carried by the first of the caller’s endpoints to claim it', async () => {
    const call = await ada.calls.dial({ to: { personId: ids.bob }, media: 'audio' });
    assert.equal(call.caller.endpointId, undefined);
    await bob.calls.answer(call.id, 'bob-endpoint-7');
    const early = await raw(flint.url, 'POST', `/api/calls/${call.id}/signal`, { token: bob.session!.accessToken, body: { endpointId: 'bob-endpoint-7', signal: { kind: 'offer', sdp: 'v=0' } } });
    assert.equal(early.status, 409, 'nobody to relay to yet');
    assert.equal((await raw(flint.url, 'POST', `/api/calls/${call.id}/claim`, { token: bob.session!.accessToken, body: { endpointId: 'bob-endpoint-7' } })).status, 403);
    assert.equal((await ada.calls.claim(call.id, 'ada-endpoint-7')).caller.endpointId, 'ada-endpoint-7');
    const second = await raw(flint.url, 'POST', `/api/calls/${call.id}/claim`, { token: ada.session!.accessToken, body: { endpointId: 'ada-endpoint-8' } });
    assert.equal(errorOf(second).code, 'answered_elsewhere');
    await ada.calls.signal(call.id, { endpointId: 'ada-endpoint-7', signal: { kind: 'offer', sdp: 'v=0' } });
    await ada.calls.hangup(call.id);
  });

  it('refuses bad input with a 4xx and changes nothing', async () => {
    const before = (await flint.server.core.db.selectFrom('calls').select('id').execute()).length;
    const token = ada.session!.accessToken;
    const cases: [string, string, unknown, number][] = [
      ['POST', '/api/calls', { to: { personId: ids.bob }, media: 'audio', endpointId: 'no' }, 400],
      ['POST', '/api/calls', { to: { personId: ids.bob }, media: 'hologram', endpointId: 'ada-endpoint-6' }, 400],
      ['POST', '/api/calls', { to: { email: 'nobody@example.com' }, media: 'audio', endpointId: 'ada-endpoint-6' }, 404],
      ['POST', '/api/calls', { to: { personId: ids.ada }, media: 'audio', endpointId: 'ada-endpoint-6' }, 400],
      ['POST', '/api/calls', { to: { personId: ids.bob }, media: 'audio', endpointId: 'ada-endpoint-6', roomId: ids.bob }, 400],
      ['POST', '/api/calls', { to: { personId: ids.bob }, media: 'audio', endpointId: 'ada-endpoint-6', roomId: ids.bob, keyUrl: 'https://not-kms' }, 400],
      ['PUT', '/api/calls/settings', { forwardAlways: ids.ada }, 400],
      ['PUT', '/api/calls/settings', { doNotDisturb: 'yes' }, 400],
      ['GET', '/api/calls/history?max=abc', undefined, 400],
    ];
    for (const [verb, path, body, status] of cases) {
      const res = await raw(flint.url, verb, path, { token, ...(body !== undefined ? { body } : {}) });
      assert.equal(res.status, status, `${verb} ${path} ${JSON.stringify(body)}: ${res.text}`);
    }
    const call = await ada.calls.dial({ to: { personId: ids.bob }, media: 'audio', endpointId: 'ada-endpoint-6' });
    await bob.calls.answer(call.id, 'bob-endpoint-6');
    const long = await raw(flint.url, 'POST', `/api/calls/${call.id}/signal`, { token, body: { endpointId: 'ada-endpoint-6', signal: { kind: 'offer', sdp: 'x'.repeat(20_001) } } });
    assert.equal(long.status, 400);
    const kind = await raw(flint.url, 'POST', `/api/calls/${call.id}/signal`, { token, body: { endpointId: 'ada-endpoint-6', signal: { kind: 'bye' } } });
    assert.equal(kind.status, 400);
    // Moving into a meeting needs the media server this Flint does not run.
    const move = await raw(flint.url, 'POST', `/api/calls/${call.id}/move-to-meeting`, { token });
    assert.equal(errorOf(move).code, 'meetings_unavailable');
    assert.equal((await ada.calls.get(call.id)).state, 'connected');
    await ada.calls.hangup(call.id);
    assert.equal((await flint.server.core.db.selectFrom('calls').select('id').execute()).length, before + 1);
    assert.deepEqual(await ada.calls.settings(), { doNotDisturb: false });
  });

  it('parks a call in a slot and retrieves it: by the parker on another endpoint, by the slot’s owner (a new leg), and rings the parker again at the park timeout', async () => {
    const token = (c: FlintClient) => c.session!.accessToken;
    const [carolTab, bobTab] = [await listen(carol, 'carol-park'), await listen(bob, 'bob-park')];
    const call = await ada.calls.dial({ to: { personId: ids.bob }, media: 'audio', endpointId: 'ada-endpoint-p1', roomId: (await ada.rooms.direct({ personId: ids.bob })).id, keyUrl: KEY });
    // A ringing call is not parked; nor by someone not in it.
    assert.equal((await raw(flint.url, 'POST', `/api/calls/${call.id}/park`, { token: token(ada), body: {} })).status, 409);
    await bob.calls.answer(call.id, 'bob-endpoint-p1');
    assert.equal((await raw(flint.url, 'POST', `/api/calls/${call.id}/park`, { token: token(dan), body: {} })).status, 404);
    assert.equal((await raw(flint.url, 'POST', `/api/calls/${call.id}/park`, { token: token(ada), body: { against: { email: 'nobody@example.com' } } })).status, 404);
    assert.equal((await raw(flint.url, 'POST', `/api/calls/${call.id}/park`, { token: token(ada), body: { slot: 1 } })).status, 400);
    assert.equal((await ada.calls.get(call.id)).state, 'connected');

    const parked = await ada.calls.park(call.id);
    assert.equal(parked.state, 'parked');
    assert.equal(parked.heldBy, ids.ada, 'Bob hears music on hold from Ada’s endpoint');
    assert.equal(parked.park?.by, ids.ada);
    assert.equal(parked.park?.against.personId, ids.ada);
    // 20 s in this suite (FLINT_CALL_PARK_SECONDS), long enough for the restart below on a loaded machine.
    assert.ok(Date.parse(parked.park?.until ?? '') > Date.now() + 10_000);
    await bobTab.waitFor(isCall(call.id, 'parked'));
    // Ada's line is free: a call to her rings (Bob's is still taken).
    const toAda = await carol.calls.dial({ to: { personId: ids.ada }, media: 'audio', endpointId: 'carol-endpoint-p1' });
    assert.equal(toAda.state, 'ringing');
    await carol.calls.hangup(toAda.id);
    // One call per slot: another parked against Ada's is refused, and that call goes on.
    const other = await carol.calls.dial({ to: { personId: ids.dan }, media: 'audio', endpointId: 'carol-endpoint-p2' });
    await dan.calls.answer(other.id, 'dan-endpoint-p2');
    const taken = await raw(flint.url, 'POST', `/api/calls/${other.id}/park`, { token: token(carol), body: { against: { personId: ids.ada } } });
    assert.equal(taken.status, 409);
    assert.equal((await carol.calls.get(other.id)).state, 'connected');
    await carol.calls.hangup(other.id);
    // Retrieving: an empty slot is 404; a stranger to the slot is 403; a bad endpoint 400.
    assert.equal((await raw(flint.url, 'POST', '/api/calls/retrieve', { token: token(dan), body: { endpointId: 'dan-endpoint-p3' } })).status, 404);
    assert.equal((await raw(flint.url, 'POST', '/api/calls/retrieve', { token: token(dan), body: { endpointId: 'dan-endpoint-p3', from: { personId: ids.ada } } })).status, 403);
    assert.equal((await raw(flint.url, 'POST', '/api/calls/retrieve', { token: token(ada), body: { endpointId: 'no' } })).status, 400);
    assert.equal((await ada.calls.get(call.id)).state, 'parked');

    // A restart keeps the parked call and its slot.
    await flint.restart();
    assert.equal((await ada.calls.get(call.id)).state, 'parked');
    // Ada retrieves it on another endpoint (her phone, say): the same pair and key, her new endpoint.
    const back = await ada.calls.retrieve({ endpointId: 'ada-endpoint-p2' });
    assert.equal(back.state, 'connected');
    assert.equal(back.caller.endpointId, 'ada-endpoint-p2');
    assert.equal(back.keyUrl, KEY);
    assert.equal(back.heldBy, undefined);

    // Parked against Carol's slot: Carol (not in the call) is told and lists it, and retrieves it — a new leg with Bob.
    const inCarols = await bob.calls.park(call.id, { personId: ids.carol });
    assert.equal(inCarols.park?.against.personId, ids.carol);
    await until('Carol’s tab hears of the call parked in her slot', async () => (carolTab.events.some(isCall(call.id, 'parked')) ? true : undefined));
    assert.deepEqual((await carol.calls.list()).map((c) => c.id), [call.id]);
    const carolHas = await carol.calls.retrieve({ endpointId: 'carol-endpoint-p4' });
    assert.equal(carolHas.state, 'connected');
    assert.equal(carolHas.caller.personId, ids.ada, 'Ada stays, as the caller of the new leg');
    assert.equal(carolHas.callee.personId, ids.carol);
    assert.equal(carolHas.keyUrl, undefined, 'a new pair: Ada’s client names a key for it');
    assert.equal((await history(bob))[0]?.outcome, 'transferred');

    // Parked and not retrieved: at the park timeout it rings the parker (Carol) again, from Ada.
    await carol.calls.park(call.id);
    const recalled = await until('the park recall rings Carol', async () => {
      const now = await ada.calls.get(call.id);
      return now.state === 'ringing' ? now : undefined;
    }, 45_000);
    assert.equal(recalled.callee.personId, ids.carol);
    assert.equal(recalled.caller.personId, ids.ada);
    assert.deepEqual(recalled.recall, { type: 'park' });
    assert.equal((await carol.calls.answer(call.id, 'carol-endpoint-p5')).state, 'connected');
    await ada.calls.hangup(call.id);
    assert.deepEqual(await carol.calls.list(), []);
  });

  it('hands out STUN and short-lived TURN credentials from the configured coturn secret', async () => {
    const { iceServers } = await ada.calls.iceServers();
    assert.deepEqual(iceServers[0], { urls: ['stun:127.0.0.1:3478'] });
    const turn = iceServers[1]!;
    assert.deepEqual(turn.urls, ['turn:127.0.0.1:3478']);
    const [expiry, person] = turn.username!.split(':');
    assert.equal(person, ids.ada);
    assert.ok(Number(expiry) > Date.now() / 1000 + 3600);
    assert.equal(turn.credential, createHmac('sha1', 'a-coturn-static-auth-secret').update(turn.username!).digest('base64'));
  });
});
