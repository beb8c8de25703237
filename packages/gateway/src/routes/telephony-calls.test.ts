/**
 * `/v1/telephony/calls` (SPEC CL-1, CL-2): the Webex Call Control subset over the core's calls —
 * dial (201 with hydra CALL ids), answer, hold/resume (the call's state per side), divert, blind
 * transfer (201), hangup, reject; park (200 `{parkedAgainst}`) and retrieve (201); the active list and the history; bad input answered with 4xx in
 * the Webex shape and nothing changed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient } from '@flint/sdk';
import { raw, startFlint, type TestFlint } from '@flint/testkit';
import { fromHydraId, toHydraId } from '@flint/protocol';

describe('/v1/telephony/calls', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let carol: FlintClient;
  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@tel.example', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@tel.example', displayName: 'Bob' });
    carol = await flint.signup({ email: 'carol@tel.example', displayName: 'Carol' });
    // No SDK session of theirs here: the gateway's session is each one's first KMS device (enrolled at once).
  });
  after(() => flint.stop());

  const post = (who: FlintClient, action: string, body: unknown) => raw(flint.url, 'POST', `/v1/telephony/calls/${action}`, { token: who.session!.accessToken, body });
  const get = async (who: FlintClient, path: string) => (await raw(flint.url, 'GET', `/v1/telephony/calls${path}`, { token: who.session!.accessToken })).json as Record<string, unknown>;

  it('dials, answers, holds, resumes, transfers and hangs up in Webex shapes', async () => {
    const dialed = await post(ada, 'dial', { destination: 'bob@tel.example' });
    assert.equal(dialed.status, 201, dialed.text);
    const { callId, callSessionId } = dialed.json as { callId: string; callSessionId: string };
    const uuid = fromHydraId('CALL', callId);
    assert.ok(uuid !== undefined);
    assert.match(callSessionId, /^[A-Za-z0-9+/]{22}$/);
    const mine = (await get(ada, '')) as { items: Record<string, unknown>[] };
    assert.equal(mine.items.length, 1);
    assert.equal(mine.items[0]!['state'], 'alerting');
    assert.equal(mine.items[0]!['personality'], 'originator');
    assert.equal((mine.items[0]!['remoteParty'] as { name: string }).name, 'Bob');
    // The core made the call's key (bound to their direct space) through Ada's session.
    assert.ok((await ada.calls.get(uuid)).keyUrl?.startsWith('kms://'));

    assert.equal((await post(bob, 'answer', { callId, endpointId: 'bob-api-endpoint' })).status, 204);
    assert.equal((await get(bob, `/${callId}`))['state'], 'connected');
    assert.equal((await post(ada, 'hold', { callId })).status, 204);
    assert.equal((await get(ada, `/${callId}`))['state'], 'held');
    assert.equal((await get(bob, `/${callId}`))['state'], 'remoteHeld');
    assert.equal((await post(ada, 'resume', { callId })).status, 204);

    const moved = await post(bob, 'transfer', { callId1: callId, destination: toHydraId('PEOPLE', carol.session!.personId) });
    assert.equal(moved.status, 201, moved.text);
    const carolView = await get(carol, `/${callId}`);
    assert.equal(carolView['state'], 'alerting');
    assert.equal(carolView['personality'], 'terminator');
    assert.deepEqual((carolView['redirections'] as { reason: string }[]).map((r) => r.reason), ['unknown']);
    assert.equal((await post(carol, 'reject', { callId, action: 'busy' })).status, 204);
    assert.equal((await get(ada, `/${callId}`))['state'], 'disconnected');

    const history = (await get(bob, '/history')) as { items: { type: string; name: string; number: string; privacyEnabled: boolean; time: string }[] };
    assert.deepEqual(history.items.map((h) => [h.type, h.name, h.number]), [['received', 'Ada', 'ada@tel.example']]);
    const missed = (await get(carol, '/history?type=missed')) as { items: { type: string }[] };
    assert.deepEqual(missed.items.map((h) => h.type), ['missed']);
  });

  it('parks a call (200 with parkedAgainst) and retrieves it (201), in one’s own slot and in another person’s', async () => {
    const { callId } = (await post(ada, 'dial', { destination: 'bob@tel.example' })).json as { callId: string };
    assert.equal((await post(bob, 'answer', { callId, endpointId: 'bob-api-endpoint-2' })).status, 204);
    assert.equal((await post(bob, 'park', { callId, isGroupPark: true })).status, 400);
    const parked = await post(bob, 'park', { callId });
    assert.equal(parked.status, 200, parked.text);
    assert.deepEqual((parked.json as { parkedAgainst: unknown }).parkedAgainst, { name: 'Bob', number: 'bob@tel.example', personId: toHydraId('PEOPLE', bob.session!.personId), privacyEnabled: false, callType: 'organization' });
    assert.equal((await get(bob, `/${callId}`))['state'], 'held');
    assert.equal((await get(ada, `/${callId}`))['state'], 'remoteHeld');
    assert.equal((await post(bob, 'retrieve', {})).status, 400, 'the endpoint that will carry the media is needed');
    assert.equal((await post(carol, 'retrieve', { endpointId: 'carol-api-endpoint' })).status, 404, 'Carol’s slot is empty');
    const back = await post(bob, 'retrieve', { endpointId: 'bob-api-endpoint-3' });
    assert.equal(back.status, 201, back.text);
    assert.equal((back.json as { callId: string }).callId, callId);
    assert.equal((await get(bob, `/${callId}`))['state'], 'connected');
    // Against Carol's slot: she picks it up from there.
    const inCarols = await post(bob, 'park', { callId, destination: 'carol@tel.example' });
    assert.equal((inCarols.json as { parkedAgainst: { name: string } }).parkedAgainst.name, 'Carol');
    const carolGot = await post(carol, 'retrieve', { destination: 'carol@tel.example', endpointId: 'carol-api-endpoint' });
    assert.equal(carolGot.status, 201, carolGot.text);
    const carolView = await get(carol, `/${callId}`);
    assert.equal(carolView['state'], 'connected');
    assert.equal((carolView['remoteParty'] as { name: string }).name, 'Ada');
    assert.equal((await post(carol, 'hangup', { callId })).status, 204);
  });

  it('diverts a ringing call to another person', async () => {
    const { callId } = (await post(ada, 'dial', { destination: `sip:bob@tel.example` })).json as { callId: string };
    assert.equal((await post(bob, 'divert', { callId, destination: 'carol@tel.example' })).status, 204);
    const view = await get(ada, `/${callId}`);
    assert.equal((view['remoteParty'] as { name: string }).name, 'Carol');
    assert.deepEqual((view['redirections'] as { reason: string }[]).map((r) => r.reason), ['divert']);
    assert.equal((await post(ada, 'hangup', { callId })).status, 204);
  });

  it('refuses bad input with a 4xx and changes nothing', async () => {
    const before = (await flint.server.core.db.selectFrom('calls').select('id').execute()).length;
    const cases: [string, unknown, number][] = [
      ['dial', {}, 400],
      ['dial', { destination: 'not a person' }, 400],
      ['dial', { destination: 'nobody@tel.example' }, 404],
      ['dial', { destination: 'bob@tel.example', endpointId: 'x' }, 400],
      ['answer', { callId: 'nope', endpointId: 'bob-api-endpoint' }, 400],
      ['hangup', { callId: toHydraId('CALL', '00000000-0000-7000-8000-000000000000') }, 404],
      ['transfer', { callId1: toHydraId('CALL', '00000000-0000-7000-8000-000000000000'), callId2: 'x', destination: 'bob@tel.example' }, 400],
      ['divert', { callId: toHydraId('CALL', '00000000-0000-7000-8000-000000000000'), toVoicemail: true }, 400],
    ];
    for (const [action, body, status] of cases) {
      const res = await post(ada, action, body);
      assert.equal(res.status, status, `${action} ${JSON.stringify(body)}: ${res.text}`);
      assert.ok(typeof (res.json as { message?: unknown }).message === 'string', 'a Webex error body');
    }
    assert.equal((await raw(flint.url, 'GET', '/v1/telephony/calls/not-a-call', { token: ada.session!.accessToken })).status, 404);
    assert.equal((await flint.server.core.db.selectFrom('calls').select('id').execute()).length, before);
  });
});
