/**
 * The schedule dialog's "Repeats" choices (SPEC MT-4) as RFC 5545 rules the core takes: daily,
 * every weekday, weekly on the first meeting's weekday, monthly on its day of the month; a series
 * always ends after a number of meetings (the core refuses a rule without an end). The core checks
 * and expands the rule; this only builds it and reads it back for the meetings list.
 * @module
 */
export type RepeatChoice = 'none' | 'daily' | 'weekdays' | 'weekly' | 'monthly';

/** What the dialog starts from for a rule it was given (an imported `.ics`): a choice and its count, or the rule kept as it is. */
export function initialRepeat(rule: string | undefined): { choice: RepeatChoice | 'custom'; count: number } {
  if (rule === undefined) return { choice: 'none', count: 10 };
  const choice = repeatChoiceOf(rule);
  const count = /(?:^|;)COUNT=(\d+)/.exec(rule);
  // A built-in choice ends by a count; one ending on a date stays the rule it is.
  if (choice === 'custom' || count === null) return { choice: 'custom', count: 10 };
  return { choice, count: Number(count[1]) };
}

export const REPEAT_CHOICES: readonly RepeatChoice[] = ['none', 'daily', 'weekdays', 'weekly', 'monthly'];
/** How many meetings a series may hold (the core's `SCHEDULING_LIMITS.recurrenceOccurrences`). */
export const MAX_OCCURRENCES = 200;

const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

/**
 * The rule for a choice, from the first meeting's date on its zone's clock (`YYYY-MM-DD`), or
 * undefined for a single meeting.
 */
export function recurrenceRule(choice: RepeatChoice, date: string, count: number): string | undefined {
  if (choice === 'none') return undefined;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const n = Math.max(2, Math.min(MAX_OCCURRENCES, Math.round(count)));
  switch (choice) {
    case 'daily':
      return `FREQ=DAILY;COUNT=${n}`;
    case 'weekdays':
      return `FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=${n}`;
    case 'weekly':
      // The weekday of a calendar date, whatever the zone (UTC noon is that date everywhere).
      return `FREQ=WEEKLY;BYDAY=${DAYS[new Date(Date.UTC(y, m - 1, d, 12)).getUTCDay()]};COUNT=${n}`;
    case 'monthly':
      return `FREQ=MONTHLY;BYMONTHDAY=${d};COUNT=${n}`;
  }
}

/** Which choice a stored rule is (for the meetings list's label), or `custom` for one made elsewhere (the API, an .ics). */
export function repeatChoiceOf(rule: string): RepeatChoice | 'custom' {
  const parts = new Map(rule.split(';').map((p) => p.split('=') as [string, string]));
  const keys = [...parts.keys()].filter((k) => k !== 'COUNT' && k !== 'UNTIL').sort().join(',');
  const freq = parts.get('FREQ');
  if (freq === 'DAILY' && keys === 'FREQ') return 'daily';
  // Without BYDAY or BYMONTHDAY, a weekly or monthly rule repeats on the first meeting's day (RFC 5545).
  if (freq === 'WEEKLY' && keys === 'FREQ') return 'weekly';
  if (freq === 'MONTHLY' && keys === 'FREQ') return 'monthly';
  if (freq === 'WEEKLY' && keys === 'BYDAY,FREQ') return parts.get('BYDAY') === 'MO,TU,WE,TH,FR' ? 'weekdays' : /^(MO|TU|WE|TH|FR|SA|SU)$/.test(parts.get('BYDAY')!) ? 'weekly' : 'custom';
  if (freq === 'MONTHLY' && keys === 'BYMONTHDAY,FREQ') return 'monthly';
  return 'custom';
}
