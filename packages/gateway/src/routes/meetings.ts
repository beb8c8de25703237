/**
 * `/v1/meetings` and `/v1/meetingPreferences/personalMeetingRoom` (SPEC MT-3, MT-4, PL-2): the
 * Webex meetings API's scheduling subset for bots and integrations. Scheduling goes through the
 * caller's SDK session (`scheduling.schedule`), which makes the meeting's encrypted space and adds
 * the invitees who have accounts before the core keeps the schedule and mails the iCalendar
 * invitations; meeting ids are 32 hex digits as Webex's (not hydra ids), people and rooms are
 * hydra. Webex's success codes: 200 for create and update, 204 for delete. A recurring meeting
 * (`recurrence`, an RRULE) lists as one series by default (`meetingType=meetingSeries`, with the
 * series' first times), or as its occurrences with `meetingType=scheduledMeeting`, each with Webex's
 * occurrence id `<series id>_<start as YYYYMMDDTHHMMSSZ>`.
 * @module
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SCHEDULING_LIMITS, type ScheduledMeeting, type MeetingInviteeInput, type PersonalRoom } from '@flint/protocol';
import { WebexError } from '../errors.ts';
import { fieldId, hydra } from '../ids.ts';
import { bodyObject, linkParam, optBoolean, optString, pageMax, queryString, reqString, setNextLink } from '../request.ts';
import { v1, type Gateway } from '../context.ts';

export interface WebexMeeting {
  id: string;
  meetingSeriesId: string;
  meetingNumber: string;
  title: string;
  start: string;
  end: string;
  timezone: string;
  meetingType: 'meetingSeries' | 'scheduledMeeting';
  scheduledType: 'meeting';
  recurrence?: string;
  state: ScheduledMeeting['state'];
  hostUserId: string;
  hostDisplayName: string;
  hostEmail: string;
  webLink: string;
  siteUrl: string;
  roomId: string;
  invitees: { email: string; displayName?: string }[];
}

/** `20270322T080000Z`: the start part of Webex's occurrence ids. */
function occurrenceStamp(start: string): string {
  return new Date(start).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

export function presentMeeting(m: ScheduledMeeting, type: 'meetingSeries' | 'scheduledMeeting' = 'meetingSeries'): WebexMeeting {
  const occurrence = type === 'scheduledMeeting';
  return {
    id: occurrence ? `${m.id}_${occurrenceStamp(m.start)}` : m.id,
    meetingSeriesId: m.id,
    meetingNumber: m.meetingNumber,
    title: m.title,
    start: occurrence ? m.start : (m.seriesStart ?? m.start),
    end: occurrence ? m.end : (m.seriesEnd ?? m.end),
    timezone: m.timezone,
    meetingType: type,
    scheduledType: 'meeting',
    ...(m.recurrence !== undefined && !occurrence ? { recurrence: m.recurrence } : {}),
    state: m.state,
    hostUserId: hydra.person(m.hostUserId),
    hostDisplayName: m.hostDisplayName,
    hostEmail: m.hostEmail,
    webLink: m.webLink,
    siteUrl: new URL(m.webLink).host,
    roomId: hydra.room(m.roomId),
    invitees: m.invitees.map((i) => ({ email: i.email, ...(i.displayName !== undefined ? { displayName: i.displayName } : {}) })),
  };
}

export function presentPersonalRoom(room: PersonalRoom) {
  return {
    topic: `${room.ownerDisplayName}'s Personal Room`,
    personalMeetingRoomLink: room.link,
    // Webex's example gives the person's address as the room's SIP address.
    sipAddress: room.ownerEmail,
    enabledAutoLock: false,
    enabledNotifyHost: false,
    supportCoHost: false,
    coHosts: [],
  };
}

function meetingIdOf(req: FastifyRequest): string {
  const id = (req.params as { meetingId: string }).meetingId;
  if (!/^[0-9a-f]{32}$/.test(id)) throw WebexError.notFound('meeting');
  return id;
}

/** A time in ISO 8601 with a zone (`Z` or an offset), as the Webex spec's examples write them. */
function optTime(body: Record<string, unknown>, name: string): string | undefined {
  const v = optString(body, name, { max: 40 });
  if (v === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) || !Number.isFinite(Date.parse(v))) {
    throw WebexError.badRequest(`${name}: an ISO 8601 date and time with a zone, e.g. 2026-01-01T10:00:00Z`);
  }
  return v;
}

function reqTime(body: Record<string, unknown>, name: string): string {
  const v = optTime(body, name);
  if (v === undefined) throw WebexError.badRequest(`${name}: required`);
  return v;
}

function inviteesOf(body: Record<string, unknown>): MeetingInviteeInput[] | undefined {
  const raw = body['invitees'];
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw WebexError.badRequest('invitees: an array');
  if (raw.length > SCHEDULING_LIMITS.invitees) throw WebexError.badRequest(`invitees: at most ${SCHEDULING_LIMITS.invitees}`);
  return raw.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw WebexError.badRequest(`invitees[${i}]: an object`);
    const o = item as Record<string, unknown>;
    const email = reqString(o, 'email', { max: 320 });
    const displayName = optString(o, 'displayName', { max: SCHEDULING_LIMITS.inviteeNameChars });
    return { email, ...(displayName !== undefined && displayName !== '' ? { displayName } : {}) };
  });
}

export function meetingRoutes(app: FastifyInstance, gw: Gateway): void {
  v1(app, gw, 'POST', '/v1/meetings', async ({ req, caller }) => {
    const body = bodyObject(req);
    const title = reqString(body, 'title', { max: SCHEDULING_LIMITS.titleChars });
    const start = reqTime(body, 'start');
    const end = reqTime(body, 'end');
    const timezone = optString(body, 'timezone', { min: 1, max: 64 });
    const invitees = inviteesOf(body);
    const recurrence = optString(body, 'recurrence', { min: 1, max: SCHEDULING_LIMITS.recurrenceChars });
    const sendEmail = optBoolean(body, 'sendEmail');
    const meeting = await caller.session.scheduling.schedule({
      title,
      start,
      end,
      ...(timezone !== undefined ? { timezone } : {}),
      ...(invitees !== undefined ? { invitees } : {}),
      ...(recurrence !== undefined ? { recurrence } : {}),
      ...(sendEmail !== undefined ? { sendEmail } : {}),
    });
    return presentMeeting(meeting);
  });

  v1(app, gw, 'GET', '/v1/meetings', async ({ req, reply, caller }) => {
    const meetingNumber = queryString(req.query, 'meetingNumber', 10);
    if (meetingNumber !== undefined && !/^\d{9,10}$/.test(meetingNumber)) throw WebexError.badRequest('meetingNumber: 9 or 10 digits');
    const roomIdRaw = queryString(req.query, 'roomId');
    const from = queryString(req.query, 'from', 40);
    const to = queryString(req.query, 'to', 40);
    const cursor = queryString(req.query, 'cursor', 200);
    const meetingType = queryString(req.query, 'meetingType', 20) ?? 'meetingSeries';
    if (meetingType !== 'meetingSeries' && meetingType !== 'scheduledMeeting') throw WebexError.badRequest('meetingType: meetingSeries or scheduledMeeting');
    for (const [name, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (value !== undefined) optTime({ [name]: value }, name);
    }
    const page = await caller.session.scheduling.list({
      max: pageMax(req.query, SCHEDULING_LIMITS.pageDefault, SCHEDULING_LIMITS.pageMax),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
      ...(meetingNumber !== undefined ? { meetingNumber } : {}),
      ...(roomIdRaw !== undefined ? { roomId: fieldId('ROOM', roomIdRaw, 'roomId') } : {}),
    });
    const next = linkParam(page.next, 'cursor');
    if (next !== undefined) setNextLink(req, reply, { cursor: next });
    if (meetingType === 'scheduledMeeting') return { items: page.items.map((m) => presentMeeting(m, 'scheduledMeeting')) };
    // A series once (a page lists occurrences; one of a series on a later page lists it there again).
    const seen = new Set<string>();
    return { items: page.items.filter((m) => !seen.has(m.id) && seen.add(m.id)).map((m) => presentMeeting(m)) };
  });

  v1(app, gw, 'GET', '/v1/meetings/:meetingId', async ({ req, caller }) => presentMeeting(await caller.session.scheduling.get(meetingIdOf(req))));

  // PUT takes the create fields except invitees (Webex); the Python SDK always sends title, password, start and end.
  v1(app, gw, 'PUT', '/v1/meetings/:meetingId', async ({ req, caller }) => {
    const id = meetingIdOf(req);
    const body = bodyObject(req);
    const title = optString(body, 'title', { min: 1, max: SCHEDULING_LIMITS.titleChars });
    const start = optTime(body, 'start');
    const end = optTime(body, 'end');
    const timezone = optString(body, 'timezone', { min: 1, max: 64 });
    const recurrence = optString(body, 'recurrence', { min: 1, max: SCHEDULING_LIMITS.recurrenceChars });
    const sendEmail = optBoolean(body, 'sendEmail');
    const meeting = await caller.session.scheduling.update(id, {
      ...(recurrence !== undefined ? { recurrence } : {}),
      ...(title !== undefined ? { title } : {}),
      ...(start !== undefined ? { start } : {}),
      ...(end !== undefined ? { end } : {}),
      ...(timezone !== undefined ? { timezone } : {}),
      ...(sendEmail !== undefined ? { sendEmail } : {}),
    });
    return presentMeeting(meeting);
  });

  v1(app, gw, 'DELETE', '/v1/meetings/:meetingId', async ({ req, caller }) => {
    const id = meetingIdOf(req);
    const sendEmail = queryString(req.query, 'sendEmail', 5);
    if (sendEmail !== undefined && sendEmail !== 'true' && sendEmail !== 'false') throw WebexError.badRequest('sendEmail: true or false');
    await caller.session.scheduling.cancel(id, { sendEmail: sendEmail !== 'false' });
  });

  v1(app, gw, 'GET', '/v1/meetingPreferences/personalMeetingRoom', async ({ caller }) => presentPersonalRoom(await caller.session.scheduling.personalRoom()));
}
