/**
 * Meetings over HTTP (SPEC MT-1, MT-2): without a media server they are refused with
 * `meetings_unavailable` and nothing is stored; with Janus (skipped, saying so, when it is not
 * installed), one meeting per space, started by the first member who joins and ended by the last
 * who leaves, members only, the media key named once, bad input refused with a 4xx that changes
 * nothing (an SDP Janus cannot parse included). The media itself is tested in a browser:
 * tests/e2e/web-app-meetings.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { FlintClient } from '@flint/sdk';
import { errorOf, raw, startFlint, type TestFlint } from '@flint/testkit';

// `janus -V` prints its version and exits 1, so the output tells.
const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');
const KEY = 'kms://127.0.0.1/keys/8b6f4ad5-2c1f-4a3e-9d0b-2f1f7f8c9a11';
const RESOURCE = 'kms://127.0.0.1/resources/5d1e0c7a-93b4-4c1e-8f55-0b8a1c2d3e4f';

async function spaceOf(flint: TestFlint, owner: FlintClient, members: FlintClient[]): Promise<string> {
  const room = await owner.rooms.create({ title: 'sealed-title-not-checked-here' });
  for (const member of members) await owner.memberships.create({ roomId: room.id, personId: member.session!.personId });
  void flint;
  return room.id;
}

describe('meetings without a media server', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  before(async () => {
    flint = await startFlint({ env: { FLINT_JANUS: 'off' } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
  });
  after(() => flint.stop());

  it('says so, and refuses to join with meetings_unavailable, storing nothing', async () => {
    const roomId = await spaceOf(flint, ada, []);
    assert.deepEqual(await ada.meetings.current(roomId), { available: false });
    const res = await raw(flint.url, 'POST', `/api/rooms/${roomId}/meeting/join`, { token: ada.session!.accessToken });
    assert.equal(res.status, 409);
    assert.equal(errorOf(res).code, 'meetings_unavailable');
    assert.equal((await flint.server.core.db.selectFrom('meetings').selectAll().execute()).length, 0);
  });
});

describe('meetings with Janus', { skip: janusInstalled ? false : 'janus is not installed (apt-get install janus)' }, () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let eve: FlintClient;
  let roomId = '';
  before(async () => {
    flint = await startFlint({ env: { FLINT_JANUS: 'auto' } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob' });
    eve = await flint.signup({ email: 'eve@example.com', displayName: 'Eve' });
    roomId = await spaceOf(flint, ada, [bob]);
  });
  after(() => flint.stop());

  it('the first member starts the meeting, the next joins it; others get 404; the space hears of it', async () => {
    assert.deepEqual(await ada.meetings.current(roomId), { available: true });
    const first = await ada.meetings.join(roomId);
    assert.equal(first.meeting.participants.length, 1);
    assert.equal(first.meeting.participants[0]!.id, first.participantId);
    const second = await bob.meetings.join(roomId);
    assert.equal(second.meeting.id, first.meeting.id, 'one meeting per space');
    assert.deepEqual(
      second.meeting.participants.map((p) => p.displayName),
      ['Ada', 'Bob'],
    );
    const refused = await raw(flint.url, 'POST', `/api/rooms/${roomId}/meeting/join`, { token: eve.session!.accessToken });
    assert.equal(refused.status, 404, 'a non-member learns nothing');
    assert.equal((await raw(flint.url, 'GET', `/api/rooms/${roomId}/meeting`, { token: eve.session!.accessToken })).status, 404);
    const events = await flint.server.core.db.selectFrom('events').select(['type', 'space_id']).where('type', '=', 'meeting.updated').execute();
    assert.equal(events.length, 2);
    assert.ok(events.every((e) => e.space_id === roomId));
  });

  it('names key epochs in order (the first with the meeting’s resource), only by authorized participants; refuses bad input with a 4xx and changes nothing', async () => {
    const meeting = (await ada.meetings.current(roomId)).meeting!;
    const adaId = meeting.participants.find((p) => p.displayName === 'Ada')!.id;
    const bobId = meeting.participants.find((p) => p.displayName === 'Bob')!.id;
    const token = ada.session!.accessToken;
    const snapshot = async () => JSON.stringify([await flint.server.core.db.selectFrom('meetings').selectAll().execute(), await flint.server.core.db.selectFrom('meeting_participants').selectAll().orderBy('id').execute()]);
    const before = await snapshot();
    const bad: [string, string, unknown, number][] = [
      ['PUT', 'key', { participantId: adaId, keyUrl: 'https://evil.test/key', epoch: 1, resourceUrl: RESOURCE }, 400],
      ['PUT', 'key', { participantId: adaId, keyUrl: KEY, epoch: 1, resourceUrl: RESOURCE, extra: 1 }, 400],
      ['PUT', 'key', { participantId: adaId, keyUrl: KEY, resourceUrl: RESOURCE }, 400],
      ['PUT', 'key', { participantId: adaId, keyUrl: KEY, epoch: 0, resourceUrl: RESOURCE }, 400],
      ['PUT', 'key', { participantId: adaId, keyUrl: KEY, epoch: 1.5, resourceUrl: RESOURCE }, 400],
      ['PUT', 'key', { participantId: adaId, keyUrl: KEY, epoch: 1 }, 400],
      ['PUT', 'key', { participantId: adaId, keyUrl: KEY, epoch: 1, resourceUrl: 'https://evil.test/r' }, 400],
      ['PUT', 'key', { participantId: adaId, keyUrl: KEY, epoch: 1, resourceUrl: RESOURCE, authorized: [adaId, adaId] }, 400],
      ['PUT', 'key', { participantId: adaId, keyUrl: KEY, epoch: 1, resourceUrl: RESOURCE, authorized: ['0190d5c4-0000-7000-8000-000000000000'] }, 400],
      ['PUT', 'key', { participantId: adaId, keyUrl: KEY, epoch: 2, resourceUrl: RESOURCE }, 409],
      ['PUT', 'key', { participantId: bobId, keyUrl: KEY, epoch: 1, resourceUrl: RESOURCE }, 404],
      ['POST', 'publish', { participantId: adaId, offer: '' }, 400],
      ['POST', 'publish', { participantId: adaId, offer: 'x'.repeat(20_001) }, 400],
      ['POST', 'publish', { participantId: adaId, offer: 'v=0\r\nnot an sdp' }, 400],
      ['POST', 'subscribe', { participantId: adaId, feedParticipantId: bobId }, 409],
      ['POST', 'answer', { participantId: adaId, subscriptionId: '12345', answer: 'v=0' }, 404],
      ['PUT', 'state', { participantId: adaId, audioMuted: 'yes' }, 400],
      ['POST', 'leave', { participantId: bobId }, 404],
    ];
    for (const [verb, path, body, status] of bad) {
      const res = await raw(flint.url, verb, `/api/meetings/${meeting.id}/${path}`, { token, body });
      assert.equal(res.status, status, `${verb} ${path} ${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(errorOf(res))}`);
    }
    assert.equal(await snapshot(), before, 'nothing changed');
    const keyed = await ada.meetings.setKey(meeting.id, { participantId: adaId, keyUrl: KEY, epoch: 1, resourceUrl: RESOURCE });
    assert.equal(keyed.keyUrl, KEY);
    assert.equal(keyed.keyEpoch, 1);
    assert.equal(keyed.resourceUrl, RESOURCE);
    assert.deepEqual(
      keyed.participants.map((p) => [p.displayName, p.authorized]),
      [
        ['Ada', true],
        ['Bob', false],
      ],
      'the first key’s maker is on the resource, nobody else yet',
    );
    const KEY2 = KEY.replace('8b6f', '9b6f');
    const put = (who: FlintClient, body: unknown) => raw(flint.url, 'PUT', `/api/meetings/${meeting.id}/key`, { token: who.session!.accessToken, body });
    const mid = await snapshot();
    const refused: [FlintClient, unknown, number][] = [
      [bob, { participantId: bobId, keyUrl: KEY2, epoch: 2 }, 403],
      [ada, { participantId: adaId, keyUrl: KEY2, epoch: 1 }, 409],
      [ada, { participantId: adaId, keyUrl: KEY2, epoch: 3 }, 409],
      [ada, { participantId: adaId, keyUrl: KEY2, epoch: 2, resourceUrl: RESOURCE.replace('5d1e', '6d1e') }, 400],
    ];
    for (const [who, body, status] of refused) {
      const res = await put(who, body);
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${JSON.stringify(errorOf(res))}`);
    }
    assert.equal(await snapshot(), mid, 'the refused rotations changed nothing');
    const rotated = await ada.meetings.setKey(meeting.id, { participantId: adaId, keyUrl: KEY2, epoch: 2, authorized: [bobId] });
    assert.equal(rotated.keyEpoch, 2);
    assert.equal(rotated.keyUrl, KEY2);
    assert.ok(rotated.participants.every((p) => p.authorized));
    assert.equal((await put(bob, { participantId: bobId, keyUrl: KEY, epoch: 3 })).status, 200, 'an authorized participant may rotate');
    const muted = await ada.meetings.update(meeting.id, { participantId: adaId, audioMuted: true, handRaised: true });
    const adaNow = muted.participants.find((p) => p.id === adaId);
    assert.equal(adaNow?.audioMuted, true);
    assert.equal(adaNow?.handRaised, true);
    assert.equal(adaNow?.videoOff, false, 'what is not given stays');
  });

  it('ends when the last one leaves; the next join starts a new meeting', async () => {
    const meeting = (await ada.meetings.current(roomId)).meeting!;
    for (const [client, name] of [[bob, 'Bob'], [ada, 'Ada']] as const) {
      await client.meetings.leave(meeting.id, { participantId: meeting.participants.find((p) => p.displayName === name)!.id });
    }
    assert.deepEqual(await ada.meetings.current(roomId), { available: true });
    const row = await flint.server.core.db.selectFrom('meetings').selectAll().where('id', '=', meeting.id).executeTakeFirstOrThrow();
    assert.ok(row.ended_at !== null);
    assert.equal(row.active_space_id, null);
    const next = await bob.meetings.join(roomId);
    assert.notEqual(next.meeting.id, meeting.id);
    assert.equal(next.meeting.keyUrl, undefined, 'a new meeting, a new key');
    await bob.meetings.leave(next.meeting.id, { participantId: next.participantId });
  });
});
