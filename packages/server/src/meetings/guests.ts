/**
 * Guests in meetings (SPEC MT-3's guests, SEC-5; docs/meetings.md "Guests"). A member makes a link
 * (only its token's SHA-256 is stored; it expires within 7 days and may be revoked). Whoever opens
 * it gives a display name: that makes an *ephemeral guest account* — a `people` row marked as a
 * meeting guest of the space, with no password and an `.invalid` address no mail reaches — and its
 * one session, whose token the per-route check (identity/scopes.ts) limits to the guest's meeting
 * routes, its event stream and the KMS exchange. The guest knocks into the meeting's lobby; a member
 * in the meeting admits (the guest becomes a participant) or denies. Admission at the core gives no
 * key: the admitting member's client puts the guest on the meeting's KMS resource and names a new
 * epoch (SDK `meetings.admit`). The guest is never a member of the space, so every space route
 * refuses it and the KMS gives it no space key. The account ends when the guest leaves or the
 * meeting ends.
 * @module
 */
import { GUEST_LIMITS, type MeetingKnock, type MeetingLink } from '@flint/protocol';
import type { Actor, ClientInfo, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { MeetingKnockRow, MeetingLinkRow } from '../db/schema.ts';
import type { Emit } from '../events/event-service.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { memberOf } from '../spaces/access.ts';
import { insertPerson } from '../identity/people.ts';
import { issueAccessToken } from '../identity/sessions.ts';
import { MEETING_GUEST_SCOPE } from '../identity/scopes.ts';
import { hashTokenSync } from '../identity/tokens.ts';
import { randomToken } from '@flint/crypto';
import { cleanName } from '../identity/names.ts';

const HOUR_MS = 3_600_000;
/** A guest's token lives as long as a long meeting; it dies earlier with the account. */
const GUEST_TOKEN_TTL_SEC = 12 * 3600;

function presentLink(row: MeetingLinkRow): MeetingLink {
  return { id: row.id, roomId: row.space_id, createdBy: row.created_by, created: iso(Number(row.created_at)), expires: iso(Number(row.expires_at)) };
}

export function presentKnock(row: MeetingKnockRow, roomId: string): MeetingKnock {
  return {
    id: row.id,
    meetingId: row.meeting_id,
    roomId,
    personId: row.person_id,
    displayName: row.display_name,
    state: row.state,
    created: iso(Number(row.created_at)),
    ...(row.decided_by !== null ? { decidedBy: row.decided_by } : {}),
    ...(row.participant_id !== null ? { participantId: row.participant_id } : {}),
  };
}

/** Members only; a meeting guest is no member (memberOf refuses it). */
export async function createMeetingLink(core: Core, actor: Actor, roomId: string, input: { expiresInHours?: number | undefined }): Promise<{ link: MeetingLink; token: string; url: string }> {
  await memberOf(core.db, actor, roomId);
  const now = core.now();
  const usable = await core.db.selectFrom('meeting_links').select((eb) => eb.fn.countAll<number>().as('n')).where('space_id', '=', roomId).where('revoked_at', 'is', null).where('expires_at', '>', now).executeTakeFirstOrThrow();
  if (Number(usable.n) >= GUEST_LIMITS.linksPerSpace) throw ApiError.conflict(`This space has ${GUEST_LIMITS.linksPerSpace} usable meeting links already: revoke one first.`);
  const token = randomToken('flm');
  const row: MeetingLinkRow = {
    id: newId(),
    token_hash: hashTokenSync(token),
    space_id: roomId,
    created_by: actor.personId,
    created_at: now,
    expires_at: now + (input.expiresInHours ?? GUEST_LIMITS.linkTtlHoursDefault) * HOUR_MS,
    revoked_at: null,
  };
  await core.db.insertInto('meeting_links').values(row).execute();
  return { link: presentLink(row), token, url: `${core.config.publicUrl}/#/guest/${token}` };
}

export async function listMeetingLinks(core: Core, actor: Actor, roomId: string): Promise<{ items: MeetingLink[] }> {
  await memberOf(core.db, actor, roomId);
  const rows = await core.db.selectFrom('meeting_links').selectAll().where('space_id', '=', roomId).where('revoked_at', 'is', null).where('expires_at', '>', core.now()).orderBy('created_at').execute();
  return { items: rows.map(presentLink) };
}

export async function revokeMeetingLink(core: Core, actor: Actor, linkId: string): Promise<void> {
  const row = await core.db.selectFrom('meeting_links').selectAll().where('id', '=', linkId).executeTakeFirst();
  if (row === undefined) throw ApiError.notFound('meeting link');
  await memberOf(core.db, actor, row.space_id);
  await core.db.updateTable('meeting_links').set({ revoked_at: core.now() }).where('id', '=', linkId).where('revoked_at', 'is', null).execute();
}

/** The members in the meeting now (those its lobby's knocks go to). */
async function membersInMeeting(db: Db, meetingId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('meeting_participants')
    .innerJoin('people', 'people.id', 'meeting_participants.person_id')
    .select('meeting_participants.person_id')
    .where('meeting_participants.meeting_id', '=', meetingId)
    .where('meeting_participants.left_at', 'is', null)
    .where('people.meeting_guest_space', 'is', null)
    .execute();
  return [...new Set(rows.map((r) => r.person_id))];
}

async function tellKnock(db: Db, emit: Emit, row: MeetingKnockRow, roomId: string, actorId: string): Promise<MeetingKnock> {
  const knock = presentKnock(row, roomId);
  const members = await membersInMeeting(db, row.meeting_id);
  emit({ recipients: [...new Set([...members, row.person_id])], type: 'meeting.knock', data: knock, actorId });
  return knock;
}

/**
 * Opens a link: the guest account, its session, and the knock. Refusals first (unknown link, no
 * meeting, full lobby, too many joins by the link), so that a refused join stores nothing.
 */
export async function joinAsGuest(core: Core, input: { token: string; displayName: string }, client: ClientInfo): Promise<{ personId: string; sessionId: string; accessToken: string; expiresIn: number; knock: MeetingKnock }> {
  const displayName = cleanName('displayName', input.displayName);
  if (displayName.length > GUEST_LIMITS.displayNameChars) throw ApiError.badRequest(`displayName: at most ${GUEST_LIMITS.displayNameChars} characters`);
  const now = core.now();
  const link = await core.db.selectFrom('meeting_links').selectAll().where('token_hash', '=', hashTokenSync(input.token)).executeTakeFirst();
  if (link === undefined || link.revoked_at !== null || link.expires_at <= now) throw ApiError.notFound('meeting link');
  return core.events.transact(async (trx, emit) => {
    const meeting = await trx.selectFrom('meetings').selectAll().where('active_space_id', '=', link.space_id).executeTakeFirst();
    if (meeting === undefined) throw new ApiError('meeting_not_started', 'Nobody is in this meeting yet: open the link again once it has started.');
    const recent = await trx.selectFrom('meeting_knocks').select((eb) => eb.fn.countAll<number>().as('n')).where('link_id', '=', link.id).where('created_at', '>', now - HOUR_MS).executeTakeFirstOrThrow();
    if (Number(recent.n) >= GUEST_LIMITS.knocksPerLinkPerHour) throw ApiError.rateLimited(3600, `At most ${GUEST_LIMITS.knocksPerLinkPerHour} guests join by one link in an hour.`);
    const present = await trx
      .selectFrom('meeting_knocks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('meeting_id', '=', meeting.id)
      .where('state', 'in', ['waiting', 'admitted'])
      .where('ended_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(present.n) >= GUEST_LIMITS.guestsPerMeeting) throw ApiError.conflict(`This meeting has ${GUEST_LIMITS.guestsPerMeeting} guests waiting or in already.`);
    const space = await trx.selectFrom('spaces').select('org_id').where('id', '=', link.space_id).executeTakeFirstOrThrow();
    // `.invalid` (RFC 2606) reaches no mailbox: the account has no address, and no password.
    const { id: personId } = await insertPerson(core, trx, { orgId: space.org_id, email: `guest-${newId()}@meeting-guest.invalid`, displayName, status: 'active', isGuest: true, meetingGuestSpace: link.space_id, passwordHash: null });
    const sessionId = newId();
    await trx
      .insertInto('sessions')
      .values({
        id: sessionId,
        person_id: personId,
        kind: 'guest',
        refresh_hash: null,
        prev_refresh_hash: null,
        cookie_hash: null,
        ip: client.ip?.slice(0, 64) ?? null,
        user_agent: client.userAgent?.slice(0, 512) ?? null,
        client_version: client.clientVersion?.slice(0, 64) ?? null,
        created_at: now,
        last_seen_at: now,
        expires_at: now + GUEST_TOKEN_TTL_SEC * 1000,
        revoked_at: null,
        oauth_client: null,
        // The per-route check reads these: the guest's routes, plus the KMS exchange and event stream.
        oauth_scopes: `${MEETING_GUEST_SCOPE} spark:kms`,
      })
      .execute();
    const accessToken = await issueAccessToken(core, trx, sessionId, personId, GUEST_TOKEN_TTL_SEC);
    const row: MeetingKnockRow = { id: newId(), meeting_id: meeting.id, link_id: link.id, person_id: personId, display_name: displayName, state: 'waiting', created_at: now, decided_at: null, decided_by: null, participant_id: null, ended_at: null };
    await trx.insertInto('meeting_knocks').values(row).execute();
    const knock = await tellKnock(trx, emit, row, link.space_id, personId);
    return { personId, sessionId, accessToken, expiresIn: GUEST_TOKEN_TTL_SEC, knock };
  });
}

/** Whether a meeting guest was admitted to this meeting and is still in it (the guest's access to the meeting routes). */
export async function guestAdmittedTo(db: Db, actor: Actor, meetingId: string): Promise<boolean> {
  if (actor.meetingGuestOf === undefined) return false;
  const row = await db.selectFrom('meeting_knocks').select(['state', 'ended_at']).where('person_id', '=', actor.personId).where('meeting_id', '=', meetingId).executeTakeFirst();
  return row !== undefined && row.state === 'admitted' && row.ended_at === null;
}

/** A member in the meeting (their own participant, still in it): who may admit or deny. */
async function deciderIn(db: Db, actor: Actor, meetingId: string, participantId: string): Promise<{ spaceId: string }> {
  if (actor.meetingGuestOf !== undefined) throw ApiError.forbidden('Only members admit guests.');
  const meeting = await db.selectFrom('meetings').selectAll().where('id', '=', meetingId).executeTakeFirst();
  const participant = await db.selectFrom('meeting_participants').selectAll().where('id', '=', participantId).where('meeting_id', '=', meetingId).executeTakeFirst();
  if (meeting === undefined || participant === undefined || participant.person_id !== actor.personId) throw ApiError.notFound('meeting participant');
  await memberOf(db, actor, meeting.space_id);
  if (meeting.ended_at !== null || participant.left_at !== null) throw ApiError.conflict('You are no longer in this meeting.');
  return { spaceId: meeting.space_id };
}

export async function listKnocks(core: Core, actor: Actor, meetingId: string): Promise<{ items: MeetingKnock[] }> {
  if (actor.meetingGuestOf !== undefined) throw ApiError.forbidden('Only members see the lobby.');
  const meeting = await core.db.selectFrom('meetings').selectAll().where('id', '=', meetingId).executeTakeFirst();
  if (meeting === undefined) throw ApiError.notFound('meeting');
  await memberOf(core.db, actor, meeting.space_id);
  const inIt = await core.db.selectFrom('meeting_participants').select('id').where('meeting_id', '=', meetingId).where('person_id', '=', actor.personId).where('left_at', 'is', null).executeTakeFirst();
  if (inIt === undefined) throw ApiError.forbidden('Join the meeting to see its lobby.');
  const rows = await core.db.selectFrom('meeting_knocks').selectAll().where('meeting_id', '=', meetingId).where('state', '=', 'waiting').where('ended_at', 'is', null).orderBy('created_at').execute();
  return { items: rows.map((r) => presentKnock(r, meeting.space_id)) };
}

async function waitingKnock(trx: Db, meetingId: string, knockId: string): Promise<MeetingKnockRow> {
  const row = await trx.selectFrom('meeting_knocks').selectAll().where('id', '=', knockId).where('meeting_id', '=', meetingId).executeTakeFirst();
  if (row === undefined || row.ended_at !== null) throw ApiError.notFound('meeting knock');
  if (row.state !== 'waiting') throw ApiError.conflict(`This guest was ${row.state} already.`);
  return row;
}

/**
 * Admits a waiting guest: the guest's participant is made (not authorized: the admitting member's
 * client does that at the KMS, then names the next epoch). Answers the knock; the caller announces
 * the meeting.
 */
export async function admitKnock(trx: Db, emit: Emit, core: Core, actor: Actor, meetingId: string, knockId: string, participantId: string): Promise<{ knock: MeetingKnock; spaceId: string }> {
  const { spaceId } = await deciderIn(trx, actor, meetingId, participantId);
  const row = await waitingKnock(trx, meetingId, knockId);
  const now = core.now();
  const guestParticipant = newId();
  await trx.insertInto('meeting_participants').values({ id: guestParticipant, meeting_id: meetingId, person_id: row.person_id, media_feed: null, joined_at: now, left_at: null }).execute();
  const updated = await trx
    .updateTable('meeting_knocks')
    .set({ state: 'admitted', decided_at: now, decided_by: actor.personId, participant_id: guestParticipant })
    .where('id', '=', row.id)
    .where('state', '=', 'waiting')
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) throw ApiError.conflict('Another member decided first.');
  const knock = await tellKnock(trx, emit, { ...row, state: 'admitted', decided_at: now, decided_by: actor.personId, participant_id: guestParticipant }, spaceId, actor.personId);
  return { knock, spaceId };
}

export async function denyKnock(core: Core, actor: Actor, meetingId: string, knockId: string, participantId: string): Promise<MeetingKnock> {
  return core.events.transact(async (trx, emit) => {
    const { spaceId } = await deciderIn(trx, actor, meetingId, participantId);
    const row = await waitingKnock(trx, meetingId, knockId);
    const now = core.now();
    const updated = await trx.updateTable('meeting_knocks').set({ state: 'denied', decided_at: now, decided_by: actor.personId }).where('id', '=', row.id).where('state', '=', 'waiting').executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw ApiError.conflict('Another member decided first.');
    return tellKnock(trx, emit, { ...row, state: 'denied', decided_at: now, decided_by: actor.personId }, spaceId, actor.personId);
  });
}

/**
 * Ends guest accounts (the guest left, or the meeting ended): the knock is closed, the person
 * deactivated and its session revoked, so its token stops working at once. Answers whose event
 * streams to close after the commit.
 */
export async function endGuests(trx: Db, core: Core, where: { meetingId: string } | { personId: string }): Promise<string[]> {
  let q = trx.selectFrom('meeting_knocks').select(['id', 'person_id']).where('ended_at', 'is', null);
  q = 'meetingId' in where ? q.where('meeting_id', '=', where.meetingId) : q.where('person_id', '=', where.personId);
  const rows = await q.execute();
  if (rows.length === 0) return [];
  const now = core.now();
  const people = rows.map((r) => r.person_id);
  await trx.updateTable('meeting_knocks').set({ ended_at: now }).where('id', 'in', rows.map((r) => r.id)).execute();
  await trx.updateTable('people').set({ status: 'deactivated', updated_at: now }).where('id', 'in', people).where('meeting_guest_space', 'is not', null).execute();
  await trx.updateTable('sessions').set({ revoked_at: now }).where('person_id', 'in', people).where('revoked_at', 'is', null).execute();
  return people;
}

/** After the commit: cached tokens and open streams of ended guests go. */
export function forgetGuests(core: Core, people: readonly string[]): void {
  if (people.length === 0) return;
  core.authCache.clear();
  for (const id of people) core.events.hub.closeSessions(id);
}
