/**
 * Recurring meetings (SPEC MT-4): a meeting's RFC 5545 recurrence rule, checked against what Flint
 * takes, and expanded into its occurrences. Parsing and iteration are ical.js's (Mozilla's iCalendar
 * library, the parser the web app's `.ics` import uses); this module chooses the subset, applies the
 * limits, and places each occurrence on the meeting's time zone's clock: the rule is iterated on the
 * first meeting's wall-clock time in that zone, and each wall-clock time is turned into an instant,
 * so a weekly 09:00 in Europe/Paris stays 09:00 across daylight-saving changes (what calendars do
 * with `DTSTART;TZID=…`).
 * @module
 */
import ICAL from 'ical.js';
import { SCHEDULING_LIMITS } from '@flint/protocol';
import { ApiError } from '../errors.ts';

/** Rule parts Flint takes (module comment; the protocol's `Recurrence` says the same to clients). */
const PARTS = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'WKST']);
const FREQS = new Set(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']);
const DAY = /^(MO|TU|WE|TH|FR|SA|SU)$/;
const ORDINAL_DAY = /^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$/;

function invalid(why: string): ApiError {
  return ApiError.badRequest(`recurrence: ${why}`, [`recurrence: ${why}`]);
}

/**
 * The rule as Flint keeps it: upper case, no `RRULE:` prefix, parts in a fixed order. Refuses (400)
 * what Flint does not take, a series without an end, and nonsense values.
 */
export function normalizeRecurrence(input: string): string {
  const text = input.trim().toUpperCase().replace(/^RRULE:/, '');
  const parts = new Map<string, string>();
  for (const part of text.split(';')) {
    const [name, value, extra] = part.split('=');
    if (name === undefined || value === undefined || value === '' || extra !== undefined) throw invalid(`"${part}" is not NAME=VALUE`);
    if (!PARTS.has(name)) throw invalid(`${name} is not supported (FREQ, INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, WKST)`);
    if (parts.has(name)) throw invalid(`${name} is given twice`);
    parts.set(name, value);
  }
  const freq = parts.get('FREQ');
  if (freq === undefined || !FREQS.has(freq)) throw invalid('FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY');
  const interval = parts.get('INTERVAL');
  if (interval !== undefined && !(/^[0-9]{1,2}$/.test(interval) && Number(interval) >= 1)) throw invalid('INTERVAL is 1 to 99');
  const count = parts.get('COUNT');
  const until = parts.get('UNTIL');
  if ((count === undefined) === (until === undefined)) throw invalid('give COUNT or UNTIL (one of them): a series ends');
  if (count !== undefined && !(/^[0-9]{1,3}$/.test(count) && Number(count) >= 1 && Number(count) <= SCHEDULING_LIMITS.recurrenceOccurrences)) {
    throw invalid(`COUNT is 1 to ${SCHEDULING_LIMITS.recurrenceOccurrences}`);
  }
  if (until !== undefined && !/^[0-9]{8}(T[0-9]{6}Z)?$/.test(until)) throw invalid('UNTIL is a date (YYYYMMDD) or a UTC time (YYYYMMDDTHHMMSSZ)');
  const byDay = parts.get('BYDAY');
  if (byDay !== undefined) {
    const days = byDay.split(',');
    if (freq === 'WEEKLY') {
      if (!days.every((d) => DAY.test(d)) || new Set(days).size !== days.length) throw invalid('BYDAY of a weekly rule lists days (MO,TU,…), each once');
    } else if (freq === 'MONTHLY') {
      if (days.length !== 1 || !ORDINAL_DAY.test(days[0]!)) throw invalid('BYDAY of a monthly rule is one day with its ordinal, e.g. 2TU or -1FR');
    } else throw invalid('BYDAY goes with WEEKLY or MONTHLY');
  }
  const byMonthDay = parts.get('BYMONTHDAY');
  if (byMonthDay !== undefined) {
    if (freq !== 'MONTHLY') throw invalid('BYMONTHDAY goes with MONTHLY');
    if (byDay !== undefined) throw invalid('give BYDAY or BYMONTHDAY, not both');
    const n = Number(byMonthDay);
    if (!/^-?[0-9]{1,2}$/.test(byMonthDay) || !(n === -1 || (n >= 1 && n <= 31))) throw invalid('BYMONTHDAY is 1 to 31, or -1 (the last day)');
  }
  const wkst = parts.get('WKST');
  if (wkst !== undefined && !DAY.test(wkst)) throw invalid('WKST is a day (MO, TU, …)');
  const order = ['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'WKST', 'COUNT', 'UNTIL'];
  return order.filter((n) => parts.has(n)).map((n) => `${n}=${parts.get(n)}`).join(';');
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(ms: number, zone: string): WallClock {
  let format = formatters.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, format);
  }
  const part = (type: string) => Number(format.formatToParts(ms).find((p) => p.type === type)?.value ?? 0);
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute'), second: part('second') };
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a wall-clock time names in a zone. A time skipped by a daylight-saving jump is moved
 * forward by the jump (02:30 on the spring-forward night is 03:30); a repeated one is its first pass.
 */
export function instantOf(w: WallClock, zone: string): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const first = asUtc - offsetAt(asUtc, zone);
  const second = asUtc - offsetAt(first, zone);
  if (first === second) return first;
  // Two candidates: the earlier that reads back as the asked time (a repeated hour), else the later (a skipped one).
  const earlier = Math.min(first, second);
  const w2 = wallClock(earlier, zone);
  return w2.hour === w.hour && w2.minute === w.minute ? earlier : Math.max(first, second);
}

/**
 * The starts (ms) of a series' occurrences: the first meeting, then the rule's, in `zone`'s wall-clock
 * time. Refuses (400) a rule with more than the limit of occurrences or running past two years.
 */
export function expandRecurrence(rule: string, startMs: number, zone: string): number[] {
  const first = wallClock(startMs, zone);
  const until = /UNTIL=([0-9]{8})(T[0-9]{6}Z)?/.exec(rule);
  // UNTIL as a UTC instant is compared as one; as a date, it is that day's end on the zone's clock.
  let untilMs = Number.POSITIVE_INFINITY;
  if (until !== null) {
    const [y, m, d] = [Number(until[1]!.slice(0, 4)), Number(until[1]!.slice(4, 6)), Number(until[1]!.slice(6, 8))];
    untilMs = until[2] !== undefined ? Date.UTC(y, m - 1, d, Number(until[2].slice(1, 3)), Number(until[2].slice(3, 5)), Number(until[2].slice(5, 7))) : instantOf({ year: y, month: m, day: d, hour: 23, minute: 59, second: 59 }, zone);
    if (untilMs < startMs) throw invalid('UNTIL is before the first meeting');
  }
  // ical.js iterates on a floating (zone-less) start; UNTIL is applied here, on instants.
  const recur = ICAL.Recur.fromString(rule.replace(/;?UNTIL=[^;]*/, ''));
  const iterator = recur.iterator(ICAL.Time.fromData({ year: first.year, month: first.month, day: first.day, hour: first.hour, minute: first.minute, second: first.second, isDate: false }));
  const starts: number[] = [];
  const limit = SCHEDULING_LIMITS.recurrenceOccurrences;
  for (let next = iterator.next(); next !== null && next !== undefined; next = iterator.next()) {
    const at = instantOf({ year: next.year, month: next.month, day: next.day, hour: next.hour, minute: next.minute, second: next.second }, zone);
    if (at > untilMs) break;
    if (at < startMs || starts.at(-1) === at) continue;
    if (starts.length === limit) throw invalid(`a series holds at most ${limit} meetings`);
    if (at - startMs > SCHEDULING_LIMITS.recurrenceSpanMs) throw invalid('a series runs at most two years');
    starts.push(at);
  }
  if (starts[0] !== startMs) starts.unshift(startMs);
  if (starts.length > limit) throw invalid(`a series holds at most ${limit} meetings`);
  return starts;
}

/** Whether every occurrence is the same offset from UTC (then a UTC `DTSTART` with the RRULE is exact). */
export function sameOffsetThroughout(starts: readonly number[], zone: string): boolean {
  const first = offsetAt(starts[0]!, zone);
  return starts.every((s) => offsetAt(s, zone) === first);
}
