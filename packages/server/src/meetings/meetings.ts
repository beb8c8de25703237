/**
 * A space's meeting (SPEC MT-1, MT-2): started by the first member who joins, ended when the last
 * participant leaves (or their media hangs up). The core records who is in it and relays the
 * WebRTC negotiation to the media server (`MeetingMedia`, Janus), whose API no client reaches. The
 * media key is a KMS key a participant's client makes and names here by its URI only; frames are
 * encrypted in the browsers, so neither the core nor the media server can see or hear the meeting
 * (docs/meetings.md). Every change is a `meeting.updated` event to the space's members, so the
 * space shows "meeting on, who is in it".
 *
 * The media server's handles live in this instance's memory: meetings need every request of a
 * meeting to reach the instance that runs its media (one instance with Janus; scale-out is not built).
 * @module
 */
import { randomInt } from 'node:crypto';
import { MEETING_LIMITS, type Meeting, type MeetingKnock } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { MeetingParticipantRow, MeetingRow } from '../db/schema.ts';
import type { Emit } from '../events/event-service.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { memberOf, personBriefs } from '../spaces/access.ts';
import type { MeetingMedia } from './media.ts';
import { admitKnock, endGuests, forgetGuests, guestAdmittedTo, presentKnock } from './guests.ts';

/** Janus room and publisher ids: positive integers that survive JSON and JavaScript numbers. */
const mediaId = (): number => randomInt(1, 2 ** 47);

export function requireMedia(core: Core): MeetingMedia {
  if (core.media === undefined) {
    throw new ApiError(
      'meetings_unavailable',
      core.mediaState === 'starting' ? 'Meetings are not available yet: this Flint’s media server (Janus) is still starting.' : 'Meetings are not available on this Flint: its media server (Janus) is not running.',
    );
  }
  return core.media;
}

export async function presentMeeting(db: Db, row: MeetingRow): Promise<Meeting> {
  const rows = row.ended_at === null ? await db.selectFrom('meeting_participants').selectAll().where('meeting_id', '=', row.id).where('left_at', 'is', null).orderBy('joined_at').execute() : [];
  const people = await personBriefs(db, rows.map((r) => r.person_id));
  const guests = new Set(rows.length === 0 ? [] : (await db.selectFrom('people').select('id').where('id', 'in', [...new Set(rows.map((r) => r.person_id))]).where('meeting_guest_space', 'is not', null).execute()).map((r) => r.id));
  const meeting: Meeting = {
    id: row.id,
    roomId: row.space_id,
    started: iso(Number(row.started_at)),
    participants: rows.map((p) => ({
      id: p.id,
      personId: p.person_id,
      displayName: people.get(p.person_id)?.display_name ?? '',
      joined: iso(Number(p.joined_at)),
      publishing: p.media_feed !== null,
      audioMuted: p.audio_muted === 1,
      videoOff: p.video_off === 1,
      sharingScreen: p.sharing_screen === 1,
      handRaised: p.hand_raised === 1,
      authorized: p.authorized === 1,
      ...(guests.has(p.person_id) ? { guest: true } : {}),
    })),
    keyEpoch: Number(row.key_epoch),
  };
  if (row.ended_at !== null) meeting.ended = iso(Number(row.ended_at));
  if (row.key_url !== null) meeting.keyUrl = row.key_url;
  if (row.resource_url !== null) meeting.resourceUrl = row.resource_url;
  return meeting;
}

async function announce(trx: Db, emit: Emit, row: MeetingRow, actorId?: string): Promise<Meeting> {
  const meeting = await presentMeeting(trx, row);
  emit({ space: row.space_id, type: 'meeting.updated', data: meeting, actorId: actorId ?? null });
  // Admitted guests are no members of the space: they are told by name (docs/meetings.md "Guests").
  const guests = await trx.selectFrom('meeting_knocks').select('person_id').where('meeting_id', '=', row.id).where('state', '=', 'admitted').where('ended_at', 'is', null).execute();
  if (guests.length > 0) emit({ recipients: guests.map((g) => g.person_id), type: 'meeting.updated', data: meeting, actorId: actorId ?? null });
  return meeting;
}

/**
 * A member of the space, or a meeting guest admitted to this meeting and still in it (a guest
 * reaches nothing else of the space).
 */
async function memberOrAdmittedGuest(db: Db, actor: Actor, spaceId: string, meetingId: string | undefined): Promise<void> {
  if (actor.meetingGuestOf !== undefined) {
    if (actor.meetingGuestOf === spaceId && meetingId !== undefined && (await guestAdmittedTo(db, actor, meetingId))) return;
    throw ApiError.forbidden('A guest reaches only the meeting it was admitted to.');
  }
  await memberOf(db, actor, spaceId);
}

/** The space's meeting going on now, if the actor is a member (or a guest admitted to it). */
export async function currentMeeting(core: Core, actor: Actor, roomId: string): Promise<{ available: boolean; meeting?: Meeting }> {
  const row = await core.db.selectFrom('meetings').selectAll().where('active_space_id', '=', roomId).executeTakeFirst();
  await memberOrAdmittedGuest(core.db, actor, roomId, row?.id);
  return { available: core.media !== undefined, ...(row !== undefined ? { meeting: await presentMeeting(core.db, row) } : {}) };
}

/** Joins the space's meeting, starting one if none goes on. */
export async function joinMeeting(core: Core, actor: Actor, roomId: string): Promise<{ meeting: Meeting; participantId: string }> {
  requireMedia(core);
  if (actor.type !== 'person') throw ApiError.forbidden('Only people join meetings.');
  return core.events.transact(async (trx, emit) => {
    await memberOf(trx, actor, roomId);
    const now = core.now();
    let row = await trx.selectFrom('meetings').selectAll().where('active_space_id', '=', roomId).executeTakeFirst();
    if (row === undefined) {
      row = { id: newId(), space_id: roomId, active_space_id: roomId, media_room: mediaId(), key_url: null, resource_url: null, key_epoch: 0, started_at: now, ended_at: null };
      await trx.insertInto('meetings').values(row).execute();
    }
    const inIt = await trx.selectFrom('meeting_participants').select((eb) => eb.fn.countAll<number>().as('n')).where('meeting_id', '=', row.id).where('left_at', 'is', null).executeTakeFirstOrThrow();
    if (Number(inIt.n) >= MEETING_LIMITS.participants) throw ApiError.conflict(`The meeting is full: at most ${MEETING_LIMITS.participants} people at a time.`);
    const participantId = newId();
    await trx.insertInto('meeting_participants').values({ id: participantId, meeting_id: row.id, person_id: actor.personId, media_feed: null, joined_at: now, left_at: null }).execute();
    return { meeting: await announce(trx, emit, row, actor.personId), participantId };
  });
}

interface Participation {
  meeting: MeetingRow;
  participant: MeetingParticipantRow;
}

/** The actor's own participant in a meeting going on, while they are still a member of its space; else 404. */
async function ownParticipant(db: Db, actor: Actor, meetingId: string, participantId: string): Promise<Participation> {
  const meeting = await db.selectFrom('meetings').selectAll().where('id', '=', meetingId).executeTakeFirst();
  const participant = await db.selectFrom('meeting_participants').selectAll().where('id', '=', participantId).where('meeting_id', '=', meetingId).executeTakeFirst();
  if (meeting === undefined || participant === undefined || participant.person_id !== actor.personId) throw ApiError.notFound('meeting participant');
  await memberOrAdmittedGuest(db, actor, meeting.space_id, meeting.id);
  if (meeting.ended_at !== null || participant.left_at !== null) throw ApiError.conflict('You are no longer in this meeting: join it again.');
  return { meeting, participant };
}

/** Admits a waiting guest (guests.ts) and tells the meeting, whose participants now include the guest (not yet authorized). */
export async function admitGuest(core: Core, actor: Actor, meetingId: string, knockId: string, participantId: string): Promise<{ knock: MeetingKnock; meeting: Meeting }> {
  return core.events.transact(async (trx, emit) => {
    const { knock } = await admitKnock(trx, emit, core, actor, meetingId, knockId, participantId);
    const row = await trx.selectFrom('meetings').selectAll().where('id', '=', meetingId).executeTakeFirstOrThrow();
    return { knock, meeting: await announce(trx, emit, row, actor.personId) };
  });
}

/** A guest's own knock and, once admitted, the meeting (guests.ts). */
export async function guestView(core: Core, actor: Actor): Promise<{ knock: MeetingKnock; meeting?: Meeting }> {
  if (actor.meetingGuestOf === undefined) throw ApiError.forbidden('Only a meeting guest has a knock.');
  const row = await core.db.selectFrom('meeting_knocks').selectAll().where('person_id', '=', actor.personId).executeTakeFirst();
  if (row === undefined || row.ended_at !== null) throw ApiError.notFound('meeting knock');
  const knock = presentKnock(row, actor.meetingGuestOf);
  if (row.state !== 'admitted') return { knock };
  const meeting = await core.db.selectFrom('meetings').selectAll().where('id', '=', row.meeting_id).executeTakeFirstOrThrow();
  return { knock, meeting: await presentMeeting(core.db, meeting) };
}

/** A guest leaves the lobby or the meeting: its participant leaves, and its account ends. */
export async function guestLeave(core: Core, actor: Actor): Promise<void> {
  if (actor.meetingGuestOf === undefined) throw ApiError.forbidden('Only a meeting guest leaves this way.');
  const row = await core.db.selectFrom('meeting_knocks').selectAll().where('person_id', '=', actor.personId).executeTakeFirst();
  if (row === undefined) throw ApiError.notFound('meeting knock');
  if (row.participant_id !== null) {
    const removed = await removeParticipant(core, row.participant_id, actor.personId);
    await afterRemoval(core, row.participant_id, removed);
  }
  const ended = await core.events.transact(async (trx) => endGuests(trx, core, { personId: actor.personId }));
  forgetGuests(core, ended);
}

/**
 * Names the meeting's next media key (SEC-5): a compare-and-set on the epoch, so two clients that
 * rotate at once do not both win — the loser uses the winner's key. The first key also names the
 * meeting's KMS resource, once. Only a participant already authorized on it may name the next key
 * (the first participant is, by making it); `authorized` records whom the caller just put on the
 * resource. The core checks none of it with the KMS: the SDK verifies the key's binding before
 * using it, and the KMS alone gives keys out.
 */
export async function setMeetingKey(core: Core, actor: Actor, meetingId: string, input: { participantId: string; keyUrl: string; epoch: number; resourceUrl?: string | undefined; authorized?: string[] | undefined }): Promise<Meeting> {
  return core.events.transact(async (trx, emit) => {
    const { meeting, participant } = await ownParticipant(trx, actor, meetingId, input.participantId);
    const current = Number(meeting.key_epoch);
    const first = current === 0;
    if (first && input.resourceUrl === undefined) throw ApiError.badRequest('resourceUrl: the first key names the meeting’s KMS resource.');
    if (!first && input.resourceUrl !== undefined && input.resourceUrl !== meeting.resource_url) throw ApiError.badRequest('resourceUrl: the meeting’s KMS resource is named already and does not change.');
    if (!first && participant.authorized !== 1) throw ApiError.forbidden('Only a participant authorized on the meeting’s KMS resource names its next key.');
    const authorized = input.authorized ?? [];
    if (authorized.length > 0) {
      // One who left while the caller rotated is no error (the rotation after their leaving takes them off again).
      const known = await trx.selectFrom('meeting_participants').select('id').where('meeting_id', '=', meeting.id).where('id', 'in', authorized).execute();
      if (known.length !== authorized.length) throw ApiError.badRequest('authorized: every id must be a participant of this meeting.');
    }
    if (input.epoch !== current + 1) throw ApiError.conflict(`The meeting's key epoch is ${current}: name epoch ${current + 1}, or use the key named already.`);
    const updated = await trx
      .updateTable('meetings')
      .set({ key_url: input.keyUrl, key_epoch: input.epoch, resource_url: meeting.resource_url ?? input.resourceUrl ?? null })
      .where('id', '=', meeting.id)
      .where('key_epoch', '=', current)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw ApiError.conflict('Another participant named the next key first: use that one.');
    const newlyAuthorized = first ? [participant.id, ...authorized] : authorized;
    if (newlyAuthorized.length > 0) await trx.updateTable('meeting_participants').set({ authorized: 1 }).where('id', 'in', newlyAuthorized).where('left_at', 'is', null).execute();
    const row = await trx.selectFrom('meetings').selectAll().where('id', '=', meeting.id).executeTakeFirstOrThrow();
    return announce(trx, emit, row, actor.personId);
  });
}

/** Relays a participant's offer to the media server and records that they publish. */
export async function publishMedia(core: Core, actor: Actor, meetingId: string, input: { participantId: string; offer: string }): Promise<{ answer: string }> {
  const media = requireMedia(core);
  const { meeting, participant } = await ownParticipant(core.db, actor, meetingId, input.participantId);
  if (participant.media_feed !== null) throw ApiError.conflict('This participant publishes already.');
  const feed = mediaId();
  await media.ensureRoom(Number(meeting.media_room));
  const answer = await media.publish(Number(meeting.media_room), feed, participant.id, input.offer);
  await core.events.transact(async (trx, emit) => {
    await trx.updateTable('meeting_participants').set({ media_feed: feed }).where('id', '=', participant.id).execute();
    const current = await trx.selectFrom('meetings').selectAll().where('id', '=', meeting.id).executeTakeFirstOrThrow();
    await announce(trx, emit, current, actor.personId);
  });
  return { answer };
}

/** Starts a subscription to another participant's media: the media server's offer. */
export async function subscribeMedia(core: Core, actor: Actor, meetingId: string, input: { participantId: string; feedParticipantId: string }): Promise<{ subscriptionId: string; offer: string }> {
  const media = requireMedia(core);
  const { meeting, participant } = await ownParticipant(core.db, actor, meetingId, input.participantId);
  const feed = await core.db.selectFrom('meeting_participants').selectAll().where('id', '=', input.feedParticipantId).where('meeting_id', '=', meeting.id).executeTakeFirst();
  if (feed === undefined || feed.left_at !== null) throw ApiError.notFound('meeting participant');
  if (feed.media_feed === null) throw ApiError.conflict('That participant sends no media yet.');
  return media.subscribe(Number(meeting.media_room), Number(feed.media_feed), participant.id);
}

export async function answerSubscription(core: Core, actor: Actor, meetingId: string, input: { participantId: string; subscriptionId: string; answer: string }): Promise<void> {
  const media = requireMedia(core);
  const { participant } = await ownParticipant(core.db, actor, meetingId, input.participantId);
  await media.answer(input.subscriptionId, participant.id, input.answer);
}

export async function updateParticipant(
  core: Core,
  actor: Actor,
  meetingId: string,
  input: { participantId: string; audioMuted?: boolean | undefined; videoOff?: boolean | undefined; sharingScreen?: boolean | undefined; handRaised?: boolean | undefined },
): Promise<Meeting> {
  return core.events.transact(async (trx, emit) => {
    const { meeting, participant } = await ownParticipant(trx, actor, meetingId, input.participantId);
    const flag = (value: boolean | undefined, was: number) => (value === undefined ? was : value ? 1 : 0);
    await trx
      .updateTable('meeting_participants')
      .set({ audio_muted: flag(input.audioMuted, participant.audio_muted), video_off: flag(input.videoOff, participant.video_off), sharing_screen: flag(input.sharingScreen, participant.sharing_screen), hand_raised: flag(input.handRaised, participant.hand_raised) })
      .where('id', '=', participant.id)
      .execute();
    return announce(trx, emit, meeting, actor.personId);
  });
}

/**
 * Takes a participant out; the last one out ends the meeting. Answers what the media server must
 * drop. A guest who leaves, and every guest of a meeting that ends, loses its account (guests.ts).
 */
async function removeParticipant(core: Core, participantId: string, actorId: string | undefined): Promise<{ room: number; ended: boolean } | undefined> {
  const result = await core.events.transact(async (trx, emit) => {
    const participant = await trx.selectFrom('meeting_participants').selectAll().where('id', '=', participantId).executeTakeFirst();
    if (participant === undefined || participant.left_at !== null) return undefined;
    const now = core.now();
    await trx.updateTable('meeting_participants').set({ left_at: now }).where('id', '=', participantId).execute();
    let meeting = await trx.selectFrom('meetings').selectAll().where('id', '=', participant.meeting_id).executeTakeFirstOrThrow();
    // The meeting ends when no member is left in it: guests do not keep it going on their own.
    const left = await trx
      .selectFrom('meeting_participants')
      .innerJoin('people', 'people.id', 'meeting_participants.person_id')
      .select('meeting_participants.id')
      .where('meeting_participants.meeting_id', '=', meeting.id)
      .where('meeting_participants.left_at', 'is', null)
      .where('people.meeting_guest_space', 'is', null)
      .limit(1)
      .executeTakeFirst();
    const ended = left === undefined && meeting.ended_at === null;
    let endedGuests: string[] = [];
    if (ended) {
      await trx.updateTable('meeting_participants').set({ left_at: now }).where('meeting_id', '=', meeting.id).where('left_at', 'is', null).execute();
      await trx.updateTable('meetings').set({ ended_at: now, active_space_id: null }).where('id', '=', meeting.id).execute();
      meeting = { ...meeting, ended_at: now, active_space_id: null };
    }
    await announce(trx, emit, meeting, actorId);
    if (ended) endedGuests = await endGuests(trx, core, { meetingId: meeting.id });
    // A guest who leaves loses its account (a member has no knock: nothing happens).
    else endedGuests = await endGuests(trx, core, { personId: participant.person_id });
    return { room: Number(meeting.media_room), ended, endedGuests };
  });
  if (result === undefined) return undefined;
  forgetGuests(core, result.endedGuests);
  return { room: result.room, ended: result.ended };
}

async function afterRemoval(core: Core, participantId: string, removed: { room: number; ended: boolean } | undefined): Promise<void> {
  if (core.media === undefined) return;
  await core.media.drop(participantId);
  if (removed?.ended === true) await core.media.destroyRoom(removed.room);
}

export async function leaveMeeting(core: Core, actor: Actor, meetingId: string, participantId: string): Promise<void> {
  const participant = await core.db.selectFrom('meeting_participants').selectAll().where('id', '=', participantId).where('meeting_id', '=', meetingId).executeTakeFirst();
  if (participant === undefined || participant.person_id !== actor.personId) throw ApiError.notFound('meeting participant');
  const removed = await removeParticipant(core, participantId, actor.personId);
  await afterRemoval(core, participantId, removed);
}

/** The media server saw a participant's media hang up (a closed tab, a lost network): they left. */
export async function participantHungUp(core: Core, participantId: string): Promise<void> {
  const removed = await removeParticipant(core, participantId, undefined);
  await afterRemoval(core, participantId, removed);
}
