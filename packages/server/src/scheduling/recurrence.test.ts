/**
 * SPEC MT-4 — recurrence rules: what Flint takes and refuses, and occurrences on the meeting's
 * zone's clock (across daylight-saving changes, a skipped hour, month ends, UNTIL as a date).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.ts';
import { expandRecurrence, instantOf, normalizeRecurrence, sameOffsetThroughout } from './recurrence.ts';

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const refused = (rule: string, start = Date.UTC(2027, 0, 4, 9), zone = 'UTC') => assert.throws(() => expandRecurrence(normalizeRecurrence(rule), start, zone), (e: unknown) => e instanceof ApiError && e.status === 400, rule);

describe('recurrence rules (MT-4)', () => {
  it('normalizes: upper case, no RRULE: prefix, parts in one order', () => {
    assert.equal(normalizeRecurrence(' rrule:count=5;byday=mo,fr;freq=weekly '), 'FREQ=WEEKLY;BYDAY=MO,FR;COUNT=5');
    assert.equal(normalizeRecurrence('FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271231'), 'FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271231');
  });

  it('refuses what it does not take, a series without an end, and too long a series', () => {
    for (const rule of ['FREQ=WEEKLY', 'FREQ=SECONDLY;COUNT=2', 'FREQ=DAILY;COUNT=0', 'FREQ=DAILY;COUNT=3;COUNT=4', 'FREQ=DAILY;COUNT=2;UNTIL=20270105', 'FREQ=DAILY;BYSETPOS=1;COUNT=2', 'FREQ=DAILY;BYDAY=MO;COUNT=2', 'FREQ=WEEKLY;BYDAY=2MO;COUNT=2', 'FREQ=MONTHLY;BYDAY=MO,TU;COUNT=2', 'FREQ=MONTHLY;BYMONTHDAY=32;COUNT=2', 'FREQ=DAILY;INTERVAL=100;COUNT=2', 'FREQ=DAILY;UNTIL=2027-01-05;', 'FREQ', 'FREQ=DAILY;COUNT=201', 'FREQ=DAILY;UNTIL=20300101', 'FREQ=YEARLY;COUNT=4', 'FREQ=DAILY;UNTIL=20261231']) {
      refused(rule);
    }
  });

  it('keeps the wall-clock time across daylight saving: weekly 09:00 in Paris, 08:00 then 07:00 UTC', () => {
    const starts = expandRecurrence('FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4', Date.UTC(2027, 2, 22, 8), 'Europe/Paris');
    assert.deepEqual(starts.map(iso), ['2027-03-22T08:00:00Z', '2027-03-24T08:00:00Z', '2027-03-29T07:00:00Z', '2027-03-31T07:00:00Z']);
    assert.equal(sameOffsetThroughout(starts, 'Europe/Paris'), false);
    assert.equal(sameOffsetThroughout(expandRecurrence('FREQ=DAILY;COUNT=3', Date.UTC(2027, 0, 4, 9), 'Europe/Paris'), 'Europe/Paris'), true);
  });

  it('a time skipped by the spring-forward jump moves forward by the jump; a repeated one is its first pass', () => {
    // 2027-03-14 02:30 does not exist in New York (02:00 → 03:00).
    assert.equal(iso(instantOf({ year: 2027, month: 3, day: 14, hour: 2, minute: 30, second: 0 }, 'America/New_York')), '2027-03-14T07:30:00Z');
    // 2027-11-07 01:30 happens twice: the first pass is still daylight time (UTC-4).
    assert.equal(iso(instantOf({ year: 2027, month: 11, day: 7, hour: 1, minute: 30, second: 0 }, 'America/New_York')), '2027-11-07T05:30:00Z');
  });

  it('monthly by ordinal day and by month day, UNTIL as a date is that whole day on the zone’s clock', () => {
    const lastFriday = expandRecurrence('FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270430', Date.UTC(2027, 0, 29, 15), 'America/New_York');
    assert.deepEqual(lastFriday.map(iso), ['2027-01-29T15:00:00Z', '2027-02-26T15:00:00Z', '2027-03-26T14:00:00Z', '2027-04-30T14:00:00Z']);
    const thirtyFirst = expandRecurrence('FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3', Date.UTC(2027, 0, 31, 10), 'UTC');
    assert.deepEqual(thirtyFirst.map(iso), ['2027-01-31T10:00:00Z', '2027-02-28T10:00:00Z', '2027-03-31T10:00:00Z']);
    // Every other day, three times.
    assert.deepEqual(expandRecurrence('FREQ=DAILY;INTERVAL=2;COUNT=3', Date.UTC(2027, 0, 4, 9), 'UTC').map(iso), ['2027-01-04T09:00:00Z', '2027-01-06T09:00:00Z', '2027-01-08T09:00:00Z']);
  });
});
