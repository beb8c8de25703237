/**
 * Business-hours and holiday schedules (SPEC CL-4), evaluated at an instant in a location's time
 * zone: pure functions over the events (protocol `ScheduleEvent`), no I/O. Times are wall-clock
 * times of the zone, so a schedule follows daylight-saving changes.
 * @module
 */
import type { ScheduleEvent, Weekday } from '@flint/protocol';

export interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  /** MM-DD */
  monthDay: string;
  weekday: Weekday;
  /** Minutes since local midnight. */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Is `zone` an IANA time zone this runtime knows? */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date and time at `instantMs` in `zone`. */
export function localTime(instantMs: number, zone: string): LocalTime {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'long' });
    formatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(instantMs)).map((p) => [p.type, p.value]));
  const weekday = String(parts['weekday']).toLowerCase() as LocalTime['weekday'];
  return {
    date: `${parts['year']}-${parts['month']}-${parts['day']}`,
    monthDay: `${parts['month']}-${parts['day']}`,
    weekday,
    minutes: Number(parts['hour']) * 60 + Number(parts['minute']),
  };
}

function minutesOf(hhmm: string | undefined, fallback: number): number {
  if (hhmm === undefined) return fallback;
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** Is the event on at the local time `t`? */
export function eventActive(event: ScheduleEvent, t: LocalTime): boolean {
  const start = event.allDayEnabled ? 0 : minutesOf(event.startTime, 0);
  const end = event.allDayEnabled ? 24 * 60 : minutesOf(event.endTime, 24 * 60);
  const inHours = t.minutes >= start && t.minutes < end;
  if (event.recurWeekly !== undefined) {
    return t.date >= event.startDate && event.recurWeekly.includes(t.weekday) && inHours;
  }
  if (event.recurYearly === true) {
    const from = event.startDate.slice(5);
    const to = event.endDate.slice(5);
    // A holiday over the new year (12-31 → 01-01) wraps.
    const onDay = from <= to ? t.monthDay >= from && t.monthDay <= to : t.monthDay >= from || t.monthDay <= to;
    return t.date >= event.startDate.slice(0, 4) + '-01-01' && onDay && inHours;
  }
  // A one-off event runs from its start date and time to its end date and time.
  const now = `${t.date} ${String(t.minutes).padStart(4, '0')}`;
  const from = `${event.startDate} ${String(start).padStart(4, '0')}`;
  const to = `${event.endDate} ${String(end).padStart(4, '0')}`;
  return now >= from && now < to;
}

/** Is any of the events on at `instantMs` in `zone`? */
export function scheduleActive(events: readonly ScheduleEvent[], instantMs: number, zone: string): boolean {
  const t = localTime(instantMs, zone);
  return events.some((e) => eventActive(e, t));
}

/** Problems with events (dates that are not dates, an end before its start); empty when fine. */
export function eventProblems(events: readonly ScheduleEvent[]): string[] {
  const problems: string[] = [];
  events.forEach((e, i) => {
    for (const d of [e.startDate, e.endDate]) if (!Number.isFinite(Date.parse(`${d}T00:00:00Z`)) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) problems.push(`events[${i}]: ${d} is not a date`);
    if (e.endDate < e.startDate) problems.push(`events[${i}]: endDate before startDate`);
    if (!e.allDayEnabled && (e.startTime === undefined || e.endTime === undefined)) problems.push(`events[${i}]: startTime and endTime are required unless allDayEnabled`);
    if (!e.allDayEnabled && e.startTime !== undefined && e.endTime !== undefined && e.startDate === e.endDate && e.endTime <= e.startTime) problems.push(`events[${i}]: endTime must be after startTime`);
    if (e.recurWeekly !== undefined && e.recurYearly === true) problems.push(`events[${i}]: weekly or yearly, not both`);
  });
  return problems;
}
