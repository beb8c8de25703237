/**
 * SPEC MT-4 — the schedule dialog's "Repeats" choices as RRULEs (packages/web/src/app/recurrence-rule.ts),
 * and reading a stored rule back for the meetings list.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initialRepeat, recurrenceRule, repeatChoiceOf } from '../../packages/web/src/app/recurrence-rule.ts';

describe('web: recurrence choices', () => {
  it('builds the rule from the first meeting’s date; a series always ends, between 2 and 200 meetings', () => {
    assert.equal(recurrenceRule('none', '2027-03-22', 10), undefined);
    assert.equal(recurrenceRule('daily', '2027-03-22', 5), 'FREQ=DAILY;COUNT=5');
    assert.equal(recurrenceRule('weekdays', '2027-03-22', 10), 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=10');
    assert.equal(recurrenceRule('weekly', '2027-03-22', 10), 'FREQ=WEEKLY;BYDAY=MO;COUNT=10', '22 March 2027 is a Monday');
    assert.equal(recurrenceRule('weekly', '2027-03-27', 3), 'FREQ=WEEKLY;BYDAY=SA;COUNT=3');
    assert.equal(recurrenceRule('monthly', '2027-01-31', 4), 'FREQ=MONTHLY;BYMONTHDAY=31;COUNT=4');
    assert.equal(recurrenceRule('daily', '2027-03-22', 1000), 'FREQ=DAILY;COUNT=200');
    assert.equal(recurrenceRule('daily', '2027-03-22', 0), 'FREQ=DAILY;COUNT=2');
  });
  it('reads a rule back as a choice, or custom', () => {
    for (const choice of ['daily', 'weekdays', 'weekly', 'monthly'] as const) assert.equal(repeatChoiceOf(recurrenceRule(choice, '2027-03-22', 6)!), choice);
    assert.equal(repeatChoiceOf('FREQ=WEEKLY;COUNT=2'), 'weekly', 'on the first meeting’s weekday');
    assert.equal(repeatChoiceOf('FREQ=MONTHLY;COUNT=2'), 'monthly');
    assert.deepEqual(initialRepeat('FREQ=WEEKLY;COUNT=2'), { choice: 'weekly', count: 2 });
    assert.deepEqual(initialRepeat('FREQ=DAILY;UNTIL=20270101'), { choice: 'custom', count: 10 }, 'a rule ending on a date is kept as it is');
    assert.deepEqual(initialRepeat(undefined), { choice: 'none', count: 10 });
    assert.equal(repeatChoiceOf('FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271231'), 'custom');
    assert.equal(repeatChoiceOf('FREQ=DAILY;INTERVAL=2;COUNT=3'), 'custom');
    assert.equal(repeatChoiceOf('FREQ=WEEKLY;BYDAY=MO,WE;COUNT=3'), 'custom');
  });
});
