/**
 * Guests in meetings over HTTP (docs/meetings.md "Guests"): links made, listed and revoked by
 * members only, stored hashed, expiring within 7 days; a guest joins by link with a display name
 * into the lobby; members in the meeting admit or deny; the limits (guests per meeting, joins per
 * link per hour, the name's length) hold and are 4xx that store nothing; a guest's token reaches
 * none of the space's routes nor anything but its meeting; the guest account ends with the
 * meeting. The KMS side (the guest gets the meeting's key only once admitted, never the space's)
 * is in packages/sdk/src/session/meeting-guests.test.ts. Janus is needed (skipped, saying so, when
 * it is not installed).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { GUEST_LIMITS } from '@flint/protocol';
import type { FlintClient } from '@flint/sdk';
import { errorOf, raw, startFlint, type TestFlint } from '@flint/testkit';
import { hashTokenSync } from '../identity/tokens.ts';

const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');

describe('meeting guests (links, lobby, limits, the guest token’s reach)', { skip: janusInstalled ? false : 'janus is not installed (apt-get install janus)' }, () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let eve: FlintClient;
  let roomId = '';
  let meetingId = '';
  let adaPid = '';
  let bobPid = '';
  const db = () => flint.server.core.db;
  const join = (token: string, displayName: string) => raw(flint.url, 'POST', '/api/meeting-guests', { body: { token, displayName } });
  const counts = async () => JSON.stringify([(await db().selectFrom('meeting_knocks').select('id').execute()).length, (await db().selectFrom('people').select('id').execute()).length, (await db().selectFrom('sessions').select('id').execute()).length]);

  before(async () => {
    flint = await startFlint({ env: { FLINT_JANUS: 'auto' } });
    ada = await flint.signup({ email: 'ada@guests.test', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@guests.test', displayName: 'Bob' });
    eve = await flint.signup({ email: 'eve@guests.test', displayName: 'Eve' });
    roomId = (await ada.rooms.create({ title: 'sealed' })).id;
    await ada.memberships.create({ roomId, personId: bob.session!.personId });
  });
  after(() => flint.stop());

  it('members make links (hashed, ≤ 7 days), list and revoke them; others cannot', async () => {
    const made = await ada.meetingGuests.createLink(roomId, { expiresInHours: GUEST_LIMITS.linkTtlHoursMax });
    assert.ok(made.url.endsWith(`/#/guest/${made.token}`), 'the secret is in the fragment: no server log or Referer sees it');
    const row = await db().selectFrom('meeting_links').selectAll().where('id', '=', made.link.id).executeTakeFirstOrThrow();
    assert.equal(row.token_hash, hashTokenSync(made.token), 'only the hash is stored');
    assert.ok(!JSON.stringify(await db().selectFrom('meeting_links').selectAll().execute()).includes(made.token));
    assert.equal(Date.parse(made.link.expires) - Date.parse(made.link.created), 7 * 24 * 3600_000);
    assert.deepEqual((await bob.meetingGuests.listLinks(roomId)).map((l) => l.id), [made.link.id], 'any member sees them, without secrets');
    assert.ok(!JSON.stringify(await bob.meetingGuests.listLinks(roomId)).includes(made.token));
    const token = eve.session!.accessToken;
    assert.equal((await raw(flint.url, 'POST', `/api/rooms/${roomId}/meeting-links`, { token, body: {} })).status, 404, 'a non-member cannot make one');
    assert.equal((await raw(flint.url, 'GET', `/api/rooms/${roomId}/meeting-links`, { token })).status, 404);
    assert.equal((await raw(flint.url, 'DELETE', `/api/meeting-links/${made.link.id}`, { token })).status, 404);
    for (const body of [{ expiresInHours: GUEST_LIMITS.linkTtlHoursMax + 1 }, { expiresInHours: 0 }, { expiresInHours: 1.5 }, { extra: 1 }]) {
      const res = await raw(flint.url, 'POST', `/api/rooms/${roomId}/meeting-links`, { token: ada.session!.accessToken, body });
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    await bob.meetingGuests.revokeLink(made.link.id);
    assert.deepEqual(await ada.meetingGuests.listLinks(roomId), []);
    assert.equal((await join(made.token, 'Gus')).status, 404, 'a revoked link lets nobody in');
  });

  it('a guest joins by link into the lobby, once the meeting goes on; bad input is a 4xx that stores nothing', async () => {
    const { token } = await ada.meetingGuests.createLink(roomId);
    const before0 = await counts();
    const early = await join(token, 'Gus');
    assert.equal(early.status, 409);
    assert.equal(errorOf(early).code, 'meeting_not_started');
    const started = await ada.meetings.join(roomId);
    meetingId = started.meeting.id;
    adaPid = started.participantId;
    bobPid = (await bob.meetings.join(roomId)).participantId;
    const bad: [unknown, number][] = [
      [{ token, displayName: 'x'.repeat(GUEST_LIMITS.displayNameChars + 1) }, 400],
      [{ token, displayName: '' }, 400],
      [{ token, displayName: '   ' }, 400],
      [{ token, displayName: 'Gus\u202Esug' }, 400],
      [{ token }, 400],
      [{ token, displayName: 'Gus', extra: 1 }, 400],
      [{ token: 'flm_not-a-link', displayName: 'Gus' }, 404],
    ];
    for (const [body, status] of bad) {
      const res = await raw(flint.url, 'POST', '/api/meeting-guests', { body });
      assert.equal(res.status, status, JSON.stringify(body));
    }
    assert.equal(await counts(), before0, 'nothing stored');
    const res = await join(token, '  Gus  ');
    assert.equal(res.status, 201);
    const guest = res.json as { personId: string; accessToken: string; knock: { id: string; state: string; displayName: string } };
    assert.equal(guest.knock.state, 'waiting');
    assert.equal(guest.knock.displayName, 'Gus');
    const person = await db().selectFrom('people').selectAll().where('id', '=', guest.personId).executeTakeFirstOrThrow();
    assert.equal(person.meeting_guest_space, roomId);
    assert.equal(person.password_hash, null);
    assert.ok(person.email.endsWith('.invalid'));
    const knocks = await ada.meetingGuests.knocks(meetingId);
    assert.deepEqual(knocks.map((k) => k.displayName), ['Gus']);
    const told = await db().selectFrom('event_recipients').innerJoin('events', 'events.id', 'event_recipients.event_id').select(['event_recipients.person_id']).where('events.type', '=', 'meeting.knock').execute();
    assert.deepEqual(new Set(told.map((t) => t.person_id)), new Set([ada.session!.personId, bob.session!.personId, guest.personId]), 'the members in the meeting (and the guest) hear the knock');
    assert.equal((await raw(flint.url, 'GET', `/api/meetings/${meetingId}/knocks`, { token: eve.session!.accessToken })).status, 404, 'a non-member sees no lobby');

    // The guest's token: its own knock, and nothing of the space, nor any other route.
    const g = guest.accessToken;
    const me = await raw(flint.url, 'GET', '/api/meeting-guests/me', { token: g });
    assert.equal(me.status, 200);
    assert.equal((me.json as { meeting?: unknown }).meeting, undefined, 'no meeting before admission');
    const closed: [string, string, unknown?][] = [
      ['GET', `/api/rooms/${roomId}`],
      ['GET', `/api/messages?roomId=${roomId}`],
      ['GET', `/api/memberships?roomId=${roomId}`],
      ['GET', '/api/rooms'],
      ['GET', '/api/people'],
      ['POST', `/api/rooms/${roomId}/meeting/join`],
      ['POST', `/api/rooms/${roomId}/meeting-links`, {}],
      ['GET', `/api/meetings/${meetingId}/knocks`],
      ['POST', '/api/rooms', { title: 'x' }],
      ['GET', '/api/sessions'],
    ];
    for (const [verb, path, body] of closed) {
      const r = await raw(flint.url, verb, path, { token: g, ...(body !== undefined ? { body } : {}) });
      assert.equal(r.status, 403, `${verb} ${path}: ${r.status}`);
      assert.equal(errorOf(r).code, 'insufficient_scope', `${verb} ${path}`);
    }
    const waitingCurrent = await raw(flint.url, 'GET', `/api/rooms/${roomId}/meeting`, { token: g });
    assert.equal(waitingCurrent.status, 403, 'a waiting guest does not see the meeting');
    const admit = (who: FlintClient, pid: string, knockId: string) => raw(flint.url, 'POST', `/api/meetings/${meetingId}/knocks/${knockId}/admit`, { token: who.session!.accessToken, body: { participantId: pid } });
    assert.equal((await raw(flint.url, 'POST', `/api/meetings/${meetingId}/knocks/${guest.knock.id}/admit`, { token: g, body: { participantId: adaPid } })).status, 403, 'a guest admits nobody');
    assert.equal((await admit(eve, adaPid, guest.knock.id)).status, 404, 'nor does a non-member');
    assert.equal((await admit(bob, adaPid, guest.knock.id)).status, 404, 'one decides as one’s own participant');

    const admitted = await admit(bob, bobPid, guest.knock.id);
    assert.equal(admitted.status, 200);
    const body = admitted.json as { knock: { state: string; participantId: string }; meeting: { participants: { id: string; guest?: boolean; authorized: boolean }[] } };
    assert.equal(body.knock.state, 'admitted');
    const gp = body.meeting.participants.find((p) => p.id === body.knock.participantId);
    assert.equal(gp?.guest, true);
    assert.equal(gp?.authorized, false, 'the core does not authorize: the admitting member’s client does, at the KMS');
    assert.equal((await admit(ada, adaPid, guest.knock.id)).status, 409, 'decided already');
    const nowMe = (await raw(flint.url, 'GET', '/api/meeting-guests/me', { token: g })).json as { knock: { state: string }; meeting?: { id: string } };
    assert.equal(nowMe.knock.state, 'admitted');
    assert.equal(nowMe.meeting?.id, meetingId);
    assert.equal((await raw(flint.url, 'GET', `/api/rooms/${roomId}/meeting`, { token: g })).status, 200, 'an admitted guest sees its meeting');
    assert.equal((await raw(flint.url, 'GET', `/api/rooms/${roomId}`, { token: g })).status, 403, 'and still nothing of the space');
    const ice = await raw(flint.url, 'GET', '/api/meetings/ice-servers', { token: g });
    assert.equal(ice.status, 200);

    // A second guest is denied: told so, and never in the meeting.
    const other = (await join(token, 'Dee')).json as { accessToken: string; knock: { id: string } };
    const denied = await raw(flint.url, 'POST', `/api/meetings/${meetingId}/knocks/${other.knock.id}/deny`, { token: ada.session!.accessToken, body: { participantId: adaPid } });
    assert.equal(denied.status, 200);
    const deniedMe = (await raw(flint.url, 'GET', '/api/meeting-guests/me', { token: other.accessToken })).json as { knock: { state: string }; meeting?: unknown };
    assert.equal(deniedMe.knock.state, 'denied');
    assert.equal(deniedMe.meeting, undefined);
    assert.equal((await raw(flint.url, 'GET', `/api/rooms/${roomId}/meeting`, { token: other.accessToken })).status, 403);
    assert.equal((await admit(ada, adaPid, other.knock.id)).status, 409, 'a denied guest cannot be admitted afterwards');

    // The admitted guest leaves: its account ends, its token is dead.
    assert.equal((await raw(flint.url, 'POST', '/api/meeting-guests/me/leave', { token: g })).status, 204);
    assert.equal((await raw(flint.url, 'GET', '/api/meeting-guests/me', { token: g })).status, 401);
    const after = (await ada.meetings.current(roomId)).meeting!;
    assert.ok(!after.participants.some((p) => p.guest === true), 'the guest left the meeting');
  });

  it('limits: guests per meeting, joins per link per hour', async () => {
    const { token, link } = await ada.meetingGuests.createLink(roomId);
    const tokens: string[] = [];
    const present = await db().selectFrom('meeting_knocks').select('id').where('meeting_id', '=', meetingId).where('state', 'in', ['waiting', 'admitted']).where('ended_at', 'is', null).execute();
    for (let i = present.length; i < GUEST_LIMITS.guestsPerMeeting; i++) {
      const r = await join(token, `Guest ${i}`);
      assert.equal(r.status, 201, JSON.stringify(r.json));
      tokens.push((r.json as { knock: { id: string } }).knock.id);
    }
    const before1 = await counts();
    const full = await join(token, 'One too many');
    assert.equal(full.status, 409, 'the lobby is full');
    assert.equal(await counts(), before1, 'a refused join stores nothing');
    // Denied guests leave the count; the link's hourly count still grows.
    for (const id of tokens) await ada.meetingGuests.deny(meetingId, id, adaPid);
    let used = (await db().selectFrom('meeting_knocks').select('id').where('link_id', '=', link.id).execute()).length;
    while (used < GUEST_LIMITS.knocksPerLinkPerHour) {
      const r = await join(token, `More ${used}`);
      assert.equal(r.status, 201);
      await ada.meetingGuests.deny(meetingId, (r.json as { knock: { id: string } }).knock.id, adaPid);
      used++;
    }
    const before2 = await counts();
    const limited = await join(token, 'Too fast');
    assert.equal(limited.status, 429);
    assert.equal(errorOf(limited).code, 'rate_limited');
    assert.equal(await counts(), before2);
    const fresh = await ada.meetingGuests.createLink(roomId);
    assert.equal((await join(fresh.token, 'Another link')).status, 201, 'the limit is per link');
  });

  it('the guest accounts end with the meeting: the last member out ends it even with guests in', async () => {
    const { token } = await ada.meetingGuests.createLink(roomId);
    const r = (await join(token, 'Late')).json as { accessToken: string; knock: { id: string } };
    await ada.meetingGuests.admit(meetingId, r.knock.id, adaPid);
    await bob.meetings.leave(meetingId, { participantId: bobPid });
    await ada.meetings.leave(meetingId, { participantId: adaPid });
    assert.deepEqual(await ada.meetings.current(roomId), { available: true }, 'ended');
    assert.equal((await raw(flint.url, 'GET', '/api/meeting-guests/me', { token: r.accessToken })).status, 401, 'the guest’s token is dead');
    const left = await db().selectFrom('meeting_knocks').select('id').where('meeting_id', '=', meetingId).where('ended_at', 'is', null).execute();
    assert.equal(left.length, 0, 'every guest account of the meeting ended');
    const guests = await db().selectFrom('people').select('status').where('meeting_guest_space', '=', roomId).execute();
    assert.ok(guests.length > 0 && guests.every((p) => p.status === 'deactivated'));
  });
});
