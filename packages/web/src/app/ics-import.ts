/**
 * An `.ics` invitation forwarded to Flint (SPEC MT-4): read on this device with `ical.js` (Mozilla's
 * RFC 5545 parser, used by Thunderbird) — the file never goes to the core — into what scheduling
 * needs: the first event's summary, start, end, time zone and attendees (the organizer too, unless
 * it is oneself), and its recurrence rule if it repeats. The meeting is then scheduled as any other:
 * its space made and sealed here (the core checks the rule: one it does not take is refused there).
 * @module
 */
import ICAL from 'ical.js';
import { zonedToInstant } from './zoned-time.ts';

export interface ImportedMeeting {
  title: string;
  start: Date;
  end: Date;
  /** The event's TZID when it names one this browser knows, else undefined. */
  timezone: string | undefined;
  /** Addresses of the attendees and organizer (lower-cased, each once). */
  invitees: { email: string; displayName?: string }[];
  /** The event's RRULE value, when it repeats. */
  recurrence?: string;
}

export class IcsImportError extends Error {}

function addressOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value;
  const match = /^mailto:(.+)$/i.exec(text.trim());
  const address = (match?.[1] ?? text).trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+$/.test(address) ? address : undefined;
}

function knownZone(name: string | undefined): string | undefined {
  if (name === undefined || name === '') return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return name;
  } catch {
    return undefined;
  }
}

/** Parses an iCalendar text; throws IcsImportError when it holds no usable event. */
export function parseIcs(text: string, ownEmail: string): ImportedMeeting {
  let calendar: ICAL.Component;
  try {
    calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch (error) {
    throw new IcsImportError(`not an iCalendar file: ${error instanceof Error ? error.message : String(error)}`);
  }
  const vevent = calendar.getFirstSubcomponent('vevent');
  if (vevent === null) throw new IcsImportError('the file holds no event');
  const event = new ICAL.Event(vevent);
  if (event.startDate === null || event.endDate === null) throw new IcsImportError('the event has no start or end');
  const own = ownEmail.toLowerCase();
  const invitees = new Map<string, { email: string; displayName?: string }>();
  const people = [...event.attendees, ...vevent.getAllProperties('organizer')];
  for (const property of people) {
    const email = addressOf(property.getFirstValue());
    if (email === undefined || email === own || invitees.has(email)) continue;
    const cn = property.getParameter('cn');
    const name = typeof cn === 'string' ? cn.trim() : '';
    invitees.set(email, name !== '' ? { email, displayName: name.slice(0, 128) } : { email });
  }
  const tzid = (event.startDate as unknown as { timezone?: string }).timezone ?? event.startDate.zone?.tzid;
  const timezone = knownZone(tzid);
  // A TZID without its VTIMEZONE block (common in forwarded invitations) leaves ical.js a wall
  // time: read it on that zone's clock, which this browser's Intl knows.
  const instant = (time: ICAL.Time): Date => {
    if (timezone === undefined || time.zone?.tzid === 'UTC' || (time.zone !== undefined && time.zone !== null && time.zone.tzid !== 'floating' && time.zone.tzid === tzid)) return time.toJSDate();
    const wall = time.toString();
    return zonedToInstant(wall.slice(0, 10), wall.slice(11, 16), timezone);
  };
  const rrule = vevent.getFirstPropertyValue('rrule');
  return {
    ...(rrule !== null && rrule !== undefined ? { recurrence: String(rrule) } : {}),
    title: (event.summary ?? '').trim().slice(0, 128) || 'Meeting',
    start: instant(event.startDate),
    end: instant(event.endDate),
    timezone,
    invitees: [...invitees.values()],
  };
}
