/**
 * Scheduled meetings (SPEC MT-4; docs/meetings-scheduling.md). The scheduler's client makes the
 * meeting's space — an ordinary end-to-end encrypted group space, title sealed — and adds the
 * invitees who have accounts (it authorizes them at the KMS first; the core cannot). The core then
 * keeps the schedule: title, start, end, time zone and the invitees' addresses, which the calendar
 * invitation must carry in clear to every mail server on its way, so they are metadata the core
 * holds by design; the space's content stays sealed. It gives the meeting a unique 9–10 digit
 * number, mails each invitee an iCalendar REQUEST (`invitations.ts`), an update with SEQUENCE + 1
 * on every change and a CANCEL when it is cancelled. The state is derived from the clock:
 * `scheduled`, `ready` from 15 minutes before the start, `ended` after the end (`lobby` and
 * `inProgress` belong to the live meeting, not built here).
 *
 * A recurring meeting (`recurrence.ts`) is one series — one id, number, space and invitation with its
 * RRULE — whose occurrences are rows of `meeting_occurrences`, remade on every change of its times
 * or rule; the list shows each occurrence in the window as its own item. A change or cancellation
 * applies to the whole series.
 * @module
 */
import { randomBytes, randomInt } from 'node:crypto';
import { SCHEDULING_LIMITS, type ScheduledMeeting, type MeetingInviteeInput, type MeetingState } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { ExpressionBuilder } from 'kysely';
import type { Database, MeetingInviteeRow, ScheduledMeetingRow } from '../db/schema.ts';
import type { Emit } from '../events/event-service.ts';
import { ApiError } from '../errors.ts';
import { checkTimeZone } from '../identity/locale.ts';
import { iso } from '../infra/ids.ts';
import { memberOf, membershipOf, membershipPairs, personBriefs } from '../spaces/access.ts';
import { mailInvitations, type InvitationMeeting } from './invitations.ts';
import { expandRecurrence, normalizeRecurrence } from './recurrence.ts';

export interface MeetingInput {
  title: string;
  start: string;
  end: string;
  timezone?: string | undefined;
  roomId: string;
  invitees?: readonly MeetingInviteeInput[] | undefined;
  recurrence?: string | undefined;
  sendEmail?: boolean | undefined;
}

export interface MeetingChanges {
  title?: string | undefined;
  start?: string | undefined;
  end?: string | undefined;
  timezone?: string | undefined;
  invitees?: readonly MeetingInviteeInput[] | undefined;
  recurrence?: string | null | undefined;
  sendEmail?: boolean | undefined;
}

export function meetingState(startMs: number, endMs: number, now: number): MeetingState {
  if (now >= endMs) return 'ended';
  if (now >= startMs - SCHEDULING_LIMITS.readyBeforeMs) return 'ready';
  return 'scheduled';
}

/** Webex writes times without milliseconds. */
function webexTime(ms: number): string {
  return iso(ms).replace(/\.\d{3}Z$/, 'Z');
}

function parseTime(field: string, value: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw ApiError.badRequest(`${field}: not a date and time`, [`${field}: ISO 8601`]);
  return ms;
}

/** Checks a meeting's times: end after start, 10 min to 23 h 59 min, not in the past, within a year. */
export function checkTimes(startMs: number, endMs: number, now: number): void {
  const duration = endMs - startMs;
  if (duration < SCHEDULING_LIMITS.minDurationMs || duration > SCHEDULING_LIMITS.maxDurationMs) {
    throw ApiError.badRequest('A meeting lasts from 10 minutes to 23 hours 59 minutes.', ['end: 10 minutes to 23 hours 59 minutes after start']);
  }
  // A minute of slack for a clock a little behind the client's.
  if (startMs < now - 60_000) throw ApiError.badRequest('start: in the past', ['start: not in the past']);
  if (startMs > now + SCHEDULING_LIMITS.maxAheadMs) throw ApiError.badRequest('start: more than a year ahead', ['start: within a year']);
}

/** Invitees by lower-cased address, each once, the host's own address left out. */
export function normalizeInvitees(invitees: readonly MeetingInviteeInput[], hostEmail: string): { email: string; displayName: string | null }[] {
  const seen = new Map<string, { email: string; displayName: string | null }>();
  for (const i of invitees) {
    const email = i.email.trim().toLowerCase();
    if (email === hostEmail.toLowerCase() || seen.has(email)) continue;
    seen.set(email, { email, displayName: i.displayName?.trim() || null });
  }
  return [...seen.values()];
}

export function meetingWebLink(core: Core, spaceId: string): string {
  return `${core.config.publicUrl}/#/space/${spaceId}`;
}

/** A listed occurrence of a meeting: its own times, the series' in `row`. */
type Listed = { row: ScheduledMeetingRow; startMs?: number; endMs?: number };

/** The series' occurrences, as stored: starts and ends, in order. */
async function occurrencesOf(db: Db, id: string): Promise<{ start_at: number; end_at: number }[]> {
  return db.selectFrom('meeting_occurrences').select(['start_at', 'end_at']).where('meeting_id', '=', id).orderBy('start_at').execute();
}

/** Writes a series' occurrences anew (at scheduling, and when its times or rule change). */
async function writeOccurrences(db: Db, id: string, starts: readonly number[], durationMs: number): Promise<void> {
  await db.deleteFrom('meeting_occurrences').where('meeting_id', '=', id).execute();
  for (let i = 0; i < starts.length; i += 100) {
    await db
      .insertInto('meeting_occurrences')
      .values(starts.slice(i, i + 100).map((start) => ({ meeting_id: id, start_at: start, end_at: start + durationMs })))
      .execute();
  }
}

async function presentMeetings(core: Core, db: Db, rows: readonly ScheduledMeetingRow[]): Promise<ScheduledMeeting[]> {
  return presentListed(
    core,
    db,
    rows.map((row) => ({ row })),
  );
}

async function presentListed(core: Core, db: Db, listed: readonly Listed[]): Promise<ScheduledMeeting[]> {
  const rows = [...new Map(listed.map((l) => [l.row.id, l.row])).values()];
  if (rows.length === 0) return [];
  const hosts = await personBriefs(
    db,
    rows.map((r) => r.host_id),
  );
  const invitees = await db
    .selectFrom('meeting_invitees')
    .selectAll()
    .where(
      'meeting_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('email')
    .execute();
  // An invitee's account is named only once they are a member of the space: the host learns
  // nothing about which addresses have accounts that the space itself does not show.
  const withPerson = invitees.filter((i) => i.person_id !== null);
  const members = await membershipPairs(
    db,
    rows.map((r) => r.space_id),
    withPerson.map((i) => i.person_id!),
  );
  const now = core.now();
  const recurring = rows.filter((r) => r.recurrence !== null).map((r) => r.id);
  const counts =
    recurring.length === 0
      ? new Map<string, number>()
      : new Map(
          (await db.selectFrom('meeting_occurrences').select(['meeting_id', (eb) => eb.fn.countAll<number>().as('n')]).where('meeting_id', 'in', recurring).groupBy('meeting_id').execute()).map((r) => [
            r.meeting_id,
            Number(r.n),
          ]),
        );
  return listed.map(({ row, startMs: occurrenceStart, endMs: occurrenceEnd }) => {
    const host = hosts.get(row.host_id);
    const startMs = occurrenceStart ?? Number(row.start_at);
    const endMs = occurrenceEnd ?? Number(row.end_at);
    const later = startMs !== Number(row.start_at);
    return {
      id: row.id,
      title: row.title,
      start: webexTime(startMs),
      end: webexTime(endMs),
      timezone: row.timezone,
      meetingNumber: row.meeting_number,
      webLink: meetingWebLink(core, row.space_id),
      state: meetingState(startMs, endMs, now),
      roomId: row.space_id,
      hostUserId: row.host_id,
      hostDisplayName: host?.display_name ?? '',
      hostEmail: host?.email ?? '',
      invitees: invitees
        .filter((i) => i.meeting_id === row.id)
        .map((i) => ({
          email: i.email,
          ...(i.display_name !== null ? { displayName: i.display_name } : {}),
          ...(i.person_id !== null && members.has(`${row.space_id}/${i.person_id}`) ? { personId: i.person_id } : {}),
        })),
      sequence: row.sequence,
      ...(row.recurrence !== null ? { recurrence: row.recurrence, occurrences: counts.get(row.id) ?? 1 } : {}),
      ...(later ? { seriesStart: webexTime(Number(row.start_at)), seriesEnd: webexTime(Number(row.end_at)) } : {}),
      created: iso(Number(row.created_at)),
      updated: iso(Number(row.updated_at)),
    };
  });
}

async function presentOne(core: Core, db: Db, row: ScheduledMeetingRow): Promise<ScheduledMeeting> {
  return (await presentMeetings(core, db, [row]))[0]!;
}

async function actorEmail(db: Db, actor: Actor): Promise<string> {
  return (await db.selectFrom('people').select('email').where('id', '=', actor.personId).executeTakeFirstOrThrow()).email.toLowerCase();
}

/** The meeting if the actor hosts it, is invited (by account or address) or is a member of its space; else 404. */
async function visibleMeeting(db: Db, actor: Actor, id: string): Promise<ScheduledMeetingRow> {
  const row = await db.selectFrom('scheduled_meetings').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) throw ApiError.notFound('meeting');
  if (row.host_id === actor.personId) return row;
  const email = await actorEmail(db, actor);
  const invited = await db
    .selectFrom('meeting_invitees')
    .select('email')
    .where('meeting_id', '=', id)
    .where((eb) => eb.or([eb('person_id', '=', actor.personId), eb('email', '=', email)]))
    .executeTakeFirst();
  if (invited !== undefined) return row;
  if ((await membershipOf(db, row.space_id, actor.personId)) !== undefined) return row;
  throw ApiError.notFound('meeting');
}

async function hostedMeeting(db: Db, actor: Actor, id: string): Promise<ScheduledMeetingRow> {
  const row = await visibleMeeting(db, actor, id);
  if (row.host_id !== actor.personId) throw ApiError.forbidden('Only the meeting’s host changes or cancels it.');
  return row;
}

/** Active people with these addresses: they see the meeting in their list. */
async function peopleByEmail(db: Db, emails: readonly string[]): Promise<Map<string, string>> {
  if (emails.length === 0) return new Map();
  const rows = await db.selectFrom('people').select(['id', 'email']).where('status', '=', 'active').where('email', 'in', [...emails]).execute();
  return new Map(rows.map((r) => [r.email.toLowerCase(), r.id]));
}

async function announce(core: Core, trx: Db, emit: Emit, actor: Actor, row: ScheduledMeetingRow, extraRecipients: readonly string[] = []): Promise<ScheduledMeeting> {
  const meeting = await presentOne(core, trx, row);
  const invitees = await trx.selectFrom('meeting_invitees').select('person_id').where('meeting_id', '=', row.id).where('person_id', 'is not', null).execute();
  const recipients = new Set([row.host_id, ...invitees.map((i) => i.person_id!), ...extraRecipients]);
  emit({ recipients: [...recipients], type: 'scheduled_meeting.updated', data: meeting, actorId: actor.personId });
  return meeting;
}

/** Mails go out one meeting at a time, in the order of its changes (a request before its update or cancel). */
const mailQueues = new Map<string, Promise<void>>();
function queueMail(core: Core, meetingId: string, send: () => Promise<void>): void {
  const previous = mailQueues.get(meetingId) ?? Promise.resolve();
  const next = previous.then(send).catch((error: unknown) => core.log.warn({ err: error instanceof Error ? error.message : String(error), meetingId }, 'meeting mail failed'));
  mailQueues.set(meetingId, next);
  void next.finally(() => {
    if (mailQueues.get(meetingId) === next) mailQueues.delete(meetingId);
  });
}

async function invitationOf(core: Core, db: Db, row: ScheduledMeetingRow): Promise<InvitationMeeting> {
  const host = (await personBriefs(db, [row.host_id])).get(row.host_id);
  const invitees = await db.selectFrom('meeting_invitees').select(['email', 'display_name']).where('meeting_id', '=', row.id).orderBy('email').execute();
  return {
    id: row.id,
    title: row.title,
    startMs: Number(row.start_at),
    endMs: Number(row.end_at),
    timezone: row.timezone,
    sequence: row.sequence,
    meetingNumber: row.meeting_number,
    webLink: meetingWebLink(core, row.space_id),
    ...(row.recurrence !== null ? { recurrence: row.recurrence, occurrences: (await occurrencesOf(db, row.id)).map((o) => Number(o.start_at)) } : {}),
    host: { name: host?.display_name ?? '', email: host?.email ?? '' },
    invitees: invitees.map((i) => ({ email: i.email, displayName: i.display_name })),
  };
}

async function freeMeetingNumber(db: Db): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    // 10 digits, never a leading zero: 1,000,000,000 to 9,999,999,999.
    const candidate = String(randomInt(1_000_000_000, 10_000_000_000));
    if ((await db.selectFrom('scheduled_meetings').select('id').where('meeting_number', '=', candidate).executeTakeFirst()) === undefined) return candidate;
  }
  throw ApiError.conflict('No free meeting number was found; try again.');
}

/**
 * Schedules a meeting in a group space the actor made and is a member of (module comment); mails
 * the invitations unless `sendEmail` is false.
 */
export async function createMeeting(core: Core, actor: Actor, input: MeetingInput): Promise<ScheduledMeeting> {
  const now = core.now();
  const startMs = parseTime('start', input.start);
  const endMs = parseTime('end', input.end);
  checkTimes(startMs, endMs, now);
  const person = await core.db.selectFrom('people').select(['email', 'time_zone']).where('id', '=', actor.personId).executeTakeFirstOrThrow();
  const timezone = checkTimeZone('timezone', input.timezone ?? person.time_zone ?? 'UTC');
  const invitees = normalizeInvitees(input.invitees ?? [], person.email);
  const recurrence = input.recurrence !== undefined ? normalizeRecurrence(input.recurrence) : null;
  const starts = recurrence !== null ? expandRecurrence(recurrence, startMs, timezone) : [startMs];
  const { row, meeting } = await core.events.transact(async (trx, emit) => {
    const access = await memberOf(trx, actor, input.roomId);
    if (access.space.type !== 'group' || access.space.team_id !== null || access.space.creator_id !== actor.personId) {
      throw ApiError.badRequest('roomId: must be a group space you made, outside any team', ['roomId: not your own group space']);
    }
    if ((await trx.selectFrom('scheduled_meetings').select('id').where('space_id', '=', input.roomId).executeTakeFirst()) !== undefined) {
      throw ApiError.conflict('That space is a meeting’s space already.');
    }
    if ((await trx.selectFrom('personal_rooms').select('person_id').where('space_id', '=', input.roomId).executeTakeFirst()) !== undefined) {
      throw ApiError.badRequest('roomId: a personal room’s space cannot be a scheduled meeting’s', ['roomId: a personal room']);
    }
    const recent = await trx.selectFrom('scheduled_meetings').select((eb) => eb.fn.countAll<number>().as('n')).where('host_id', '=', actor.personId).where('created_at', '>', now - 24 * 3_600_000).executeTakeFirstOrThrow();
    if (Number(recent.n) >= SCHEDULING_LIMITS.perDay) throw ApiError.rateLimited(3600, `At most ${SCHEDULING_LIMITS.perDay} meetings a day.`);
    const row: ScheduledMeetingRow = {
      id: randomBytes(16).toString('hex'),
      org_id: actor.orgId,
      host_id: actor.personId,
      space_id: input.roomId,
      title: input.title,
      start_at: startMs,
      end_at: endMs,
      timezone,
      meeting_number: await freeMeetingNumber(trx),
      sequence: 0,
      created_at: now,
      updated_at: now,
      recurrence,
    };
    await trx.insertInto('scheduled_meetings').values(row).execute();
    await writeOccurrences(trx, row.id, starts, endMs - startMs);
    const people = await peopleByEmail(
      trx,
      invitees.map((i) => i.email),
    );
    if (invitees.length > 0) {
      await trx
        .insertInto('meeting_invitees')
        .values(invitees.map((i): MeetingInviteeRow => ({ meeting_id: row.id, email: i.email, display_name: i.displayName, person_id: people.get(i.email) ?? null })))
        .execute();
    }
    return { row, meeting: await announce(core, trx, emit, actor, row) };
  });
  if (input.sendEmail !== false) {
    const invitation = await invitationOf(core, core.db, row);
    queueMail(core, row.id, () =>
      mailInvitations(
        core,
        invitation,
        'REQUEST',
        invitation.invitees.map((i) => i.email),
      ),
    );
  }
  return meeting;
}

type MeetingCursor = [number, string];
export const isMeetingCursor = (v: unknown): v is MeetingCursor => Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string' && v[1].length <= 40;

export interface ListQuery {
  from?: string | undefined;
  to?: string | undefined;
  max: number;
  after?: MeetingCursor | undefined;
  meetingNumber?: string | undefined;
  roomId?: string | undefined;
}

const WEEK_MS = 7 * 24 * 3_600_000;

/**
 * Meetings the actor hosts or is invited to, overlapping [from, to) (Webex's window: now to 7 days
 * on by default; one bound alone, 7 days from it), by start then id. A meeting number or room id
 * finds that meeting alone, whatever the window (Webex's lookup keys).
 */
export async function listMeetings(core: Core, actor: Actor, query: ListQuery): Promise<{ items: ScheduledMeeting[]; next?: MeetingCursor }> {
  const email = await actorEmail(core.db, actor);
  const now = core.now();
  let fromMs = query.from !== undefined ? parseTime('from', query.from) : undefined;
  let toMs = query.to !== undefined ? parseTime('to', query.to) : undefined;
  if (fromMs === undefined && toMs === undefined) [fromMs, toMs] = [now, now + WEEK_MS];
  else if (fromMs === undefined) fromMs = toMs! - WEEK_MS;
  else toMs ??= fromMs + WEEK_MS;
  if (toMs! <= fromMs) throw ApiError.badRequest('to: after from', ['to: after from']);
  const lookup = query.meetingNumber !== undefined || query.roomId !== undefined;
  const visible = (eb: ExpressionBuilder<Database, 'scheduled_meetings'>) =>
    eb.or([
      eb('scheduled_meetings.host_id', '=', actor.personId),
      eb('scheduled_meetings.id', 'in', eb.selectFrom('meeting_invitees').select('meeting_id').where((e) => e.or([e('person_id', '=', actor.personId), e('email', '=', email)]))),
    ]);
  if (lookup) {
    // A lookup key finds the meeting (a series, with its own times) whatever the window.
    let q = core.db.selectFrom('scheduled_meetings').selectAll().where(visible);
    if (query.meetingNumber !== undefined) q = q.where('meeting_number', '=', query.meetingNumber);
    if (query.roomId !== undefined) q = q.where('space_id', '=', query.roomId);
    return { items: await presentMeetings(core, core.db, await q.orderBy('start_at').orderBy('id').limit(query.max).execute()) };
  }
  // Every occurrence in the window, by its start then the meeting's id (a single meeting has one).
  let q = core.db
    .selectFrom('meeting_occurrences as o')
    .innerJoin('scheduled_meetings', 'scheduled_meetings.id', 'o.meeting_id')
    .selectAll('scheduled_meetings')
    .select(['o.start_at as occurrence_start', 'o.end_at as occurrence_end'])
    .where(visible)
    .where('o.end_at', '>', fromMs)
    .where('o.start_at', '<', toMs!);
  if (query.after !== undefined) {
    const [start, id] = query.after;
    q = q.where((eb) => eb.or([eb('o.start_at', '>', start), eb.and([eb('o.start_at', '=', start), eb('o.meeting_id', '>', id)])]));
  }
  const rows = await q.orderBy('o.start_at').orderBy('o.meeting_id').limit(query.max + 1).execute();
  const page = rows.slice(0, query.max);
  const last = page.at(-1);
  const items = await presentListed(
    core,
    core.db,
    page.map(({ occurrence_start, occurrence_end, ...row }) => ({ row, startMs: Number(occurrence_start), endMs: Number(occurrence_end) })),
  );
  return rows.length > query.max && last !== undefined ? { items, next: [Number(last.occurrence_start), last.id] } : { items };
}

export async function getMeeting(core: Core, actor: Actor, id: string): Promise<ScheduledMeeting> {
  return presentOne(core, core.db, await visibleMeeting(core.db, actor, id));
}

/**
 * The host changes a meeting: every invitee is mailed the update (SEQUENCE + 1), an invitee taken
 * off the list a CANCEL. Adding the new invitees who have accounts to the space is the host's
 * client's (SDK `scheduling.update`), as at scheduling.
 */
export async function updateMeeting(core: Core, actor: Actor, id: string, changes: MeetingChanges): Promise<ScheduledMeeting> {
  const now = core.now();
  const host = await core.db.selectFrom('people').select('email').where('id', '=', actor.personId).executeTakeFirstOrThrow();
  const timezone = changes.timezone !== undefined ? checkTimeZone('timezone', changes.timezone) : undefined;
  const invitees = changes.invitees !== undefined ? normalizeInvitees(changes.invitees, host.email) : undefined;
  const newRule = changes.recurrence === undefined || changes.recurrence === null ? changes.recurrence : normalizeRecurrence(changes.recurrence);
  const { row, removed, changed, meeting } = await core.events.transact(async (trx, emit) => {
    const old = await hostedMeeting(trx, actor, id);
    const lastEnd = (await occurrencesOf(trx, id)).at(-1)?.end_at ?? old.end_at;
    if (Number(lastEnd) <= now) throw ApiError.conflict('The meeting has ended.');
    const startMs = changes.start !== undefined ? parseTime('start', changes.start) : Number(old.start_at);
    const endMs = changes.end !== undefined ? parseTime('end', changes.end) : Number(old.end_at);
    if (startMs !== Number(old.start_at) || endMs !== Number(old.end_at)) checkTimes(startMs === Number(old.start_at) ? Math.max(startMs, now) : startMs, endMs, now);
    const before = await trx.selectFrom('meeting_invitees').selectAll().where('meeting_id', '=', id).execute();
    let removed: string[] = [];
    let inviteesChanged = false;
    if (invitees !== undefined) {
      const next = new Set(invitees.map((i) => i.email));
      removed = before.filter((b) => !next.has(b.email)).map((b) => b.email);
      const added = invitees.filter((i) => !before.some((b) => b.email === i.email));
      const renamed = invitees.filter((i) => before.some((b) => b.email === i.email && b.display_name !== i.displayName));
      inviteesChanged = removed.length > 0 || added.length > 0 || renamed.length > 0;
      if (removed.length > 0) await trx.deleteFrom('meeting_invitees').where('meeting_id', '=', id).where('email', 'in', removed).execute();
      const people = await peopleByEmail(
        trx,
        added.map((i) => i.email),
      );
      if (added.length > 0) {
        await trx
          .insertInto('meeting_invitees')
          .values(added.map((i): MeetingInviteeRow => ({ meeting_id: id, email: i.email, display_name: i.displayName, person_id: people.get(i.email) ?? null })))
          .execute();
      }
      for (const r of renamed) await trx.updateTable('meeting_invitees').set({ display_name: r.displayName }).where('meeting_id', '=', id).where('email', '=', r.email).execute();
    }
    const title = changes.title ?? old.title;
    const tz = timezone ?? old.timezone;
    const recurrence = newRule === undefined ? old.recurrence : newRule;
    const timing = tz !== old.timezone || startMs !== Number(old.start_at) || endMs !== Number(old.end_at) || recurrence !== old.recurrence;
    const changed = inviteesChanged || title !== old.title || timing;
    const row: ScheduledMeetingRow = changed ? { ...old, title, timezone: tz, start_at: startMs, end_at: endMs, recurrence, sequence: old.sequence + 1, updated_at: now } : old;
    if (changed) {
      await trx.updateTable('scheduled_meetings').set({ title, timezone: tz, start_at: startMs, end_at: endMs, recurrence, sequence: row.sequence, updated_at: now }).where('id', '=', id).execute();
    }
    if (timing) await writeOccurrences(trx, id, recurrence !== null ? expandRecurrence(recurrence, startMs, tz) : [startMs], endMs - startMs);
    const removedPeople = before.filter((b) => removed.includes(b.email) && b.person_id !== null).map((b) => b.person_id!);
    return { row, removed, changed, meeting: changed ? await announce(core, trx, emit, actor, row, removedPeople) : await presentOne(core, trx, row) };
  });
  if (changed && changes.sendEmail !== false) {
    const invitation = await invitationOf(core, core.db, row);
    queueMail(core, id, async () => {
      await mailInvitations(
        core,
        invitation,
        'REQUEST',
        invitation.invitees.map((i) => i.email),
      );
      await mailInvitations(core, invitation, 'CANCEL', removed);
    });
  }
  return meeting;
}

/** The host cancels: every invitee is mailed a CANCEL (SEQUENCE + 1); the space stays. */
export async function deleteMeeting(core: Core, actor: Actor, id: string, options: { sendEmail?: boolean } = {}): Promise<void> {
  const { invitation } = await core.events.transact(async (trx, emit) => {
    const row = await hostedMeeting(trx, actor, id);
    const cancelled: ScheduledMeetingRow = { ...row, sequence: row.sequence + 1 };
    const invitation = await invitationOf(core, trx, cancelled);
    const invitees = await trx.selectFrom('meeting_invitees').select('person_id').where('meeting_id', '=', id).where('person_id', 'is not', null).execute();
    await trx.deleteFrom('scheduled_meetings').where('id', '=', id).execute();
    emit({ recipients: [...new Set([row.host_id, ...invitees.map((i) => i.person_id!)])], type: 'scheduled_meeting.deleted', data: { id, roomId: row.space_id }, actorId: actor.personId });
    return { invitation };
  });
  if (options.sendEmail !== false) {
    queueMail(core, id, () =>
      mailInvitations(
        core,
        invitation,
        'CANCEL',
        invitation.invitees.map((i) => i.email),
      ),
    );
  }
}
