/**
 * The rules of scheduling and personal rooms (SPEC MT-3, MT-4), without a server: room names
 * (allowed characters, lengths, separators, the first name from an address and its numbering),
 * meeting times (10 min to 23 h 59 min, not in the past, within a year), invitees (lower-cased,
 * once, never the host) and the state the clock gives a meeting.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SCHEDULING_LIMITS } from '@flint/protocol';
import { ApiError } from '../errors.ts';
import { checkTimes, meetingState, normalizeInvitees } from './meetings.ts';
import { checkRoomName, roomNameProblem, suggestRoomName } from './room-names.ts';

const minute = 60_000;

describe('personal room names', () => {
  it('accepts 3–40 lowercase letters, digits, dots and dashes, inside letters or digits', () => {
    for (const good of ['ada', 'a1b', 'ada.lovelace', 'ada-lovelace-2', '007', 'x'.repeat(40)]) assert.equal(roomNameProblem(good), undefined, good);
  });
  it('refuses the rest with a 400 naming the rule', () => {
    for (const bad of ['ab', 'x'.repeat(41), 'Ada', 'ada_l', 'ada l', '-ada', 'ada-', '.ada', 'a..b', 'a.-b', 'adé', 'ada/x', '']) {
      assert.notEqual(roomNameProblem(bad), undefined, bad);
      assert.throws(
        () => checkRoomName(bad),
        (e: unknown) => e instanceof ApiError && e.status === 400,
        bad,
      );
    }
  });
  it('suggests a first name from the address, numbered when taken', async () => {
    const taken = new Set(['ada', 'ada2']);
    const isTaken = async (n: string) => taken.has(n);
    assert.equal(await suggestRoomName('Ada@example.com', isTaken), 'ada3');
    assert.equal(await suggestRoomName('Jean-Luc.Picard@example.com', isTaken), 'jean-luc.picard');
    assert.equal(await suggestRoomName('Zoë_x@example.com', isTaken), 'zoex');
    assert.equal(await suggestRoomName('a@example.com', isTaken), 'rooma');
    assert.equal(await suggestRoomName('..--..@example.com', isTaken), 'room');
    const long = await suggestRoomName(`${'l'.repeat(80)}@example.com`, isTaken);
    assert.ok(long.length <= SCHEDULING_LIMITS.roomNameMax && roomNameProblem(long) === undefined, long);
    for (const email of ['a.-b@x.test', 'ab-@x.test', '-.-@x.test', 'ÅSA@x.test']) assert.equal(roomNameProblem(await suggestRoomName(email, isTaken)), undefined, email);
  });
});

describe('meeting times', () => {
  const now = Date.UTC(2026, 11, 7, 12, 0);
  const refused = (start: number, end: number) =>
    assert.throws(
      () => checkTimes(start, end, now),
      (e: unknown) => e instanceof ApiError && e.status === 400,
    );
  it('takes 10 minutes to 23 h 59 min, from now to a year ahead', () => {
    checkTimes(now + minute, now + 11 * minute, now);
    checkTimes(now, now + SCHEDULING_LIMITS.maxDurationMs, now);
    checkTimes(now + 300 * 24 * 60 * minute, now + 300 * 24 * 60 * minute + 30 * minute, now);
  });
  it('refuses too short, too long, reversed, past and too far', () => {
    refused(now + minute, now + minute + 10 * minute - 1);
    refused(now, now + SCHEDULING_LIMITS.maxDurationMs + 1);
    refused(now + 60 * minute, now);
    refused(now - 2 * minute, now + 30 * minute);
    refused(now + 400 * 24 * 60 * minute, now + 400 * 24 * 60 * minute + 30 * minute);
  });
  it('the state follows the clock: scheduled, ready 15 minutes before, ended after the end', () => {
    const start = now + 60 * minute;
    const end = start + 30 * minute;
    assert.equal(meetingState(start, end, now), 'scheduled');
    assert.equal(meetingState(start, end, start - 15 * minute), 'ready');
    assert.equal(meetingState(start, end, start + minute), 'ready');
    assert.equal(meetingState(start, end, end), 'ended');
  });
});

describe('invitees', () => {
  it('are lower-cased, each once, without the host, keeping the first display name', () => {
    const list = normalizeInvitees(
      [{ email: 'Bob@Example.com', displayName: 'Bob' }, { email: 'bob@example.com', displayName: 'Robert' }, { email: 'ADA@example.com' }, { email: 'eve@x.test', displayName: '  ' }],
      'ada@example.com',
    );
    assert.deepEqual(list, [
      { email: 'bob@example.com', displayName: 'Bob' },
      { email: 'eve@x.test', displayName: null },
    ]);
  });
});
