/**
 * Calendar invitations for scheduled meetings (SPEC MT-4): an iCalendar object (RFC 5545, made with
 * `ical-generator`) mailed through the core's mailer as an iMIP message (RFC 6047): METHOD:REQUEST
 * when scheduled, again with SEQUENCE + 1 on every change, METHOD:CANCEL when cancelled (or to an
 * invitee removed). The event's UID is the meeting's id, so calendars update the one event. A
 * recurring meeting's event carries its RRULE with a UTC `DTSTART` when every occurrence is the same
 * offset from UTC; when its zone changes offset during the series (daylight saving), a UTC RRULE would
 * drift by the change, so the event lists the occurrences as `RDATE`s instead, each exact. What
 * the invitation carries — title, times, host, invitees' addresses, the link — is the metadata the
 * core holds for it (docs/meetings-scheduling.md); nothing of the space's content.
 * @module
 */
import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { Core } from '../core.ts';
import { sameOffsetThroughout } from './recurrence.ts';

export interface InvitationMeeting {
  id: string;
  title: string;
  startMs: number;
  endMs: number;
  timezone: string;
  sequence: number;
  meetingNumber: string;
  webLink: string;
  host: { name: string; email: string };
  invitees: readonly { email: string; displayName: string | null }[];
  /** A recurring meeting's rule and its occurrences' starts (ms), the first included. */
  recurrence?: string;
  occurrences?: readonly number[];
}

/** `20270322T080000Z`. */
function utcStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** The event's recurrence lines (module comment): an RRULE when exact in UTC, else the dates themselves. */
function recurrenceLines(meeting: InvitationMeeting): string | null {
  if (meeting.recurrence === undefined || meeting.occurrences === undefined || meeting.occurrences.length < 2) return null;
  if (sameOffsetThroughout(meeting.occurrences, meeting.timezone)) return `RRULE:${meeting.recurrence}`;
  // Every occurrence, the first too: RFC 5545 counts a date given twice once, and some readers (ical.js)
  // leave DTSTART out of a set made of RDATEs alone. Two lines (the rule kept as an X- property for
  // readers) tell ical-generator the text is whole lines, not an RRULE value to prefix.
  return `RDATE:${meeting.occurrences.map(utcStamp).join(',')}\r\nX-FLINT-RECURRENCE:${meeting.recurrence}`;
}

/** The host name of the deployment: the UID's domain part (RFC 5545 suggests one). */
function uidDomain(core: Core): string {
  return new URL(core.config.publicUrl).hostname;
}

/** The iCalendar text of a meeting's invitation or cancellation. */
export function meetingCalendar(core: Core, meeting: InvitationMeeting, method: 'REQUEST' | 'CANCEL'): string {
  const calendar = ical({
    prodId: { company: 'Flint', product: 'Flint meetings', language: 'EN' },
    method: method === 'REQUEST' ? ICalCalendarMethod.REQUEST : ICalCalendarMethod.CANCEL,
  });
  calendar.createEvent({
    id: `${meeting.id}@${uidDomain(core)}`,
    sequence: meeting.sequence,
    // Times in UTC: valid everywhere without a VTIMEZONE block; the chosen zone rides along as a
    // property for clients that show it.
    start: new Date(meeting.startMs),
    end: new Date(meeting.endMs),
    stamp: new Date(core.now()),
    summary: meeting.title,
    description: `Join: ${meeting.webLink}\nMeeting number: ${meeting.meetingNumber}`,
    location: meeting.webLink,
    url: meeting.webLink,
    status: method === 'REQUEST' ? ICalEventStatus.CONFIRMED : ICalEventStatus.CANCELLED,
    organizer: { name: meeting.host.name, email: meeting.host.email },
    attendees: meeting.invitees.map((i) => ({
      email: i.email,
      ...(i.displayName !== null ? { name: i.displayName } : {}),
      role: ICalAttendeeRole.REQ,
      status: ICalAttendeeStatus.NEEDSACTION,
      rsvp: true,
    })),
    x: [['X-FLINT-TIMEZONE', meeting.timezone]],
    repeating: recurrenceLines(meeting),
  });
  return calendar.toString();
}

function when(meeting: InvitationMeeting): string {
  const format = new Intl.DateTimeFormat('en', { dateStyle: 'full', timeStyle: 'short', timeZone: meeting.timezone });
  const once = `${format.format(meeting.startMs)} – ${new Intl.DateTimeFormat('en', { timeStyle: 'short', timeZone: meeting.timezone }).format(meeting.endMs)} (${meeting.timezone})`;
  const last = meeting.occurrences?.at(-1);
  if (meeting.recurrence === undefined || last === undefined) return once;
  return `${once}, then repeating (${meeting.recurrence}), ${meeting.occurrences!.length} meetings until ${new Intl.DateTimeFormat('en', { dateStyle: 'full', timeZone: meeting.timezone }).format(last)}`;
}

/**
 * Mails the invitation (or cancellation) to each address, one message each. Sent after the change
 * committed; a mail that fails is logged (the address only in the count) and does not undo the change.
 */
export async function mailInvitations(core: Core, meeting: InvitationMeeting, method: 'REQUEST' | 'CANCEL', to: readonly string[]): Promise<void> {
  if (to.length === 0) return;
  const content = meetingCalendar(core, meeting, method);
  const update = method === 'REQUEST' && meeting.sequence > 0;
  const subject = method === 'CANCEL' ? `Cancelled: ${meeting.title}` : update ? `Updated: ${meeting.title}` : `Invitation: ${meeting.title}`;
  const text =
    method === 'CANCEL'
      ? `${meeting.host.name} cancelled "${meeting.title}", ${when(meeting)}.\n`
      : `${meeting.host.name} invites you to "${meeting.title}".\n\nWhen: ${when(meeting)}\nJoin: ${meeting.webLink}\nMeeting number: ${meeting.meetingNumber}\n`;
  let failed = 0;
  for (const address of to) {
    try {
      await core.mailer.send({ to: address, subject, text, calendar: { method, content } });
    } catch (error) {
      failed += 1;
      core.log.warn({ err: error instanceof Error ? error.message : String(error), meetingId: meeting.id }, 'meeting invitation mail failed');
    }
  }
  if (failed > 0) core.log.warn({ meetingId: meeting.id, failed, of: to.length }, 'some meeting invitations were not sent');
}
