/**
 * Spaces: create (group and direct), list with one's state, get, update, delete; favourites, the
 * last-read marker with read receipts, and typing (SPEC SP-1, SP-4, SP-5, MS-4, MS-7).
 * @module
 */
import type { Kysely } from 'kysely';
import { MESSAGING_LIMITS, type Room } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Database, MembershipRow, SpaceRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { canSee, findPerson, findPersonByEmail } from '../identity/people.ts';
import type { Emit } from '../events/event-service.ts';
import { isTeamMember, memberIds, memberOf, membershipOf, requireModeratorIfLocked, seeSpace, shareASpace } from './access.ts';
import { presentRoom, type RoomState } from './presenters.ts';
import { detachSpaceFiles, removeBlobs } from '../files/cleanup.ts';

export interface CreateRoomInput {
  title: string;
  encryptionKeyUrl?: string | undefined;
  kroUri?: string | undefined;
  teamId?: string | undefined;
  isLocked?: boolean | undefined;
  isAnnouncementOnly?: boolean | undefined;
}

/**
 * A KMS resource protects one space (issue 14): a second space naming the same `kroUri` would let
 * its members authorize strangers on, or take keys away from, the first space's members. Clients
 * also check the resource's binding at the KMS; this refusal keeps honest cores consistent. The
 * unique index (migration 0014) settles races.
 */
async function requireUnusedKro(trx: Kysely<Database>, kroUri: string | undefined): Promise<void> {
  if (kroUri === undefined) return;
  const used = await trx.selectFrom('spaces').select('id').where('kro_uri', '=', kroUri).executeTakeFirst();
  if (used !== undefined) throw ApiError.conflict('kroUri: that KMS resource protects another space.');
}

export async function insertSpace(
  trx: Kysely<Database>,
  now: number,
  actor: Actor,
  input: CreateRoomInput & { type: 'group' | 'direct'; directKey?: string; isGeneral?: boolean },
): Promise<SpaceRow> {
  await requireUnusedKro(trx, input.kroUri);
  const space: SpaceRow = {
    id: newId(),
    org_id: actor.orgId,
    type: input.type,
    title: input.type === 'group' ? input.title : null,
    encryption_key_url: input.encryptionKeyUrl ?? null,
    kro_uri: input.kroUri ?? null,
    creator_id: actor.personId,
    team_id: input.teamId ?? null,
    is_general: input.isGeneral === true ? 1 : 0,
    is_locked: input.isLocked === true ? 1 : 0,
    is_announcement_only: input.isAnnouncementOnly === true ? 1 : 0,
    direct_key: input.directKey ?? null,
    created_at: now,
    last_activity_at: now,
    last_message_id: null,
  };
  await trx.insertInto('spaces').values(space).execute();
  return space;
}

/** Adds a member, and starts their share of the space's event stream at this point of the transaction. */
export async function insertMembership(trx: Kysely<Database>, emit: Emit, now: number, spaceId: string, personId: string, isModerator: boolean): Promise<MembershipRow> {
  const row: MembershipRow = { id: newId(), space_id: spaceId, person_id: personId, is_moderator: isModerator ? 1 : 0, last_read_message_id: null, last_read_at: null, created_at: now };
  await trx.insertInto('memberships').values(row).execute();
  emit({ change: 'join', spaceId, personIds: [personId] });
  return row;
}

export async function createRoom(core: Core, actor: Actor, input: CreateRoomInput): Promise<Room> {
  if (input.isAnnouncementOnly === true && input.isLocked !== true) throw ApiError.badRequest('isAnnouncementOnly: an announcement-only space must be locked');
  return core.events.transact(async (trx, emit) => {
    if (input.teamId !== undefined && !(await isTeamMember(trx, input.teamId, actor.personId))) throw ApiError.notFound('team');
    const now = core.now();
    const space = await insertSpace(trx, now, actor, { ...input, type: 'group' });
    const membership = await insertMembership(trx, emit, now, space.id, actor.personId, input.isLocked === true);
    const room = presentRoom(space, { membership });
    emit({ recipients: [actor.personId], type: 'room.created', data: presentRoom(space), actorId: actor.personId });
    return room;
  });
}

export async function openDirect(core: Core, actor: Actor, target: { personId?: string | undefined; personEmail?: string | undefined; encryptionKeyUrl?: string | undefined; kroUri?: string | undefined }): Promise<{ room: Room; created: boolean }> {
  const other = target.personId !== undefined ? await findPerson(core.db, target.personId) : target.personEmail !== undefined ? await findPersonByEmail(core.db, target.personEmail) : undefined;
  // Someone the caller may not see (another org, a guest) whom they share no space with is answered
  // exactly like an address without an account: the lookup must not tell who has one.
  if (other === undefined || other.status === 'deactivated') throw ApiError.notFound('person');
  if (!canSee(actor, other) && !(await shareASpace(core.db, actor.personId, other.id))) throw ApiError.notFound('person');
  if (other.id === actor.personId) throw ApiError.badRequest('A direct space needs another person.');
  const key = [actor.personId, other.id].sort().join(':');
  const existing = await core.db.selectFrom('spaces').selectAll().where('direct_key', '=', key).executeTakeFirst();
  if (existing !== undefined) {
    const membership = await membershipOf(core.db, existing.id, actor.personId);
    return { room: presentRoom(existing, { membership, directPersonId: other.id }), created: false };
  }
  return core.events.transact(async (trx, emit) => {
    const now = core.now();
    const space = await insertSpace(trx, now, actor, { title: '', type: 'direct', directKey: key, encryptionKeyUrl: target.encryptionKeyUrl, kroUri: target.kroUri });
    const mine = await insertMembership(trx, emit, now, space.id, actor.personId, false);
    await insertMembership(trx, emit, now, space.id, other.id, false);
    emit({ recipients: [actor.personId], type: 'room.created', data: presentRoom(space, { directPersonId: other.id }), actorId: actor.personId });
    emit({ recipients: [other.id], type: 'room.created', data: presentRoom(space, { directPersonId: actor.personId }), actorId: actor.personId });
    return { room: presentRoom(space, { membership: mine, directPersonId: other.id }), created: true };
  });
}

/** The other member of a direct space, seen from `personId`. */
async function directPeer(db: Kysely<Database>, space: SpaceRow, personId: string): Promise<string | undefined> {
  if (space.type !== 'direct' || space.direct_key === null) return undefined;
  return space.direct_key.split(':').find((id) => id !== personId);
}

export async function getRoom(core: Core, actor: Actor, spaceId: string): Promise<Room> {
  const access = await seeSpace(core.db, actor, spaceId);
  const [state] = await roomStates(core.db, actor.personId, [access.space]);
  return presentRoom(access.space, { ...state, directPersonId: await directPeer(core.db, access.space, actor.personId) });
}

/** One's unread and mention counts, and favourites, for a page of spaces — in three grouped queries. */
async function roomStates(db: Kysely<Database>, personId: string, spaces: readonly SpaceRow[]): Promise<RoomState[]> {
  if (spaces.length === 0) return [];
  const ids = spaces.map((s) => s.id);
  const memberships = await db.selectFrom('memberships').selectAll().where('person_id', '=', personId).where('space_id', 'in', ids).execute();
  const byId = new Map(memberships.map((m) => [m.space_id, m]));
  const favorites = new Set((await db.selectFrom('favorites').select('space_id').where('person_id', '=', personId).where('space_id', 'in', ids).execute()).map((r) => r.space_id));
  const unread = await db
    .selectFrom('messages as m')
    .innerJoin('memberships as ms', (j) => j.onRef('ms.space_id', '=', 'm.space_id').on('ms.person_id', '=', personId))
    .select(['m.space_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('m.space_id', 'in', ids)
    .where('m.person_id', '!=', personId)
    .where((eb) => eb.or([eb('ms.last_read_message_id', 'is', null), eb('m.id', '>', eb.ref('ms.last_read_message_id'))]))
    .groupBy('m.space_id')
    .execute();
  const mentions = await db
    .selectFrom('message_mentions as mm')
    .innerJoin('messages as m', 'm.id', 'mm.message_id')
    .innerJoin('memberships as ms', (j) => j.onRef('ms.space_id', '=', 'mm.space_id').on('ms.person_id', '=', personId))
    .select(['mm.space_id', (eb) => eb.fn.count<number>('mm.message_id').distinct().as('n')])
    .where('mm.space_id', 'in', ids)
    .where('mm.person_id', 'in', [personId, '*'])
    .where('m.person_id', '!=', personId)
    .where((eb) => eb.or([eb('ms.last_read_message_id', 'is', null), eb('mm.message_id', '>', eb.ref('ms.last_read_message_id'))]))
    .groupBy('mm.space_id')
    .execute();
  const unreadBy = new Map(unread.map((r) => [r.space_id, Number(r.n)]));
  const mentionsBy = new Map(mentions.map((r) => [r.space_id, Number(r.n)]));
  return spaces.map((s) => {
    const membership = byId.get(s.id);
    if (membership === undefined) return {};
    return { membership, isFavorite: favorites.has(s.id), unreadCount: unreadBy.get(s.id) ?? 0, mentionCount: mentionsBy.get(s.id) ?? 0 };
  });
}

export interface ListRoomsInput {
  teamId?: string | undefined;
  type?: 'group' | 'direct' | undefined;
  sortBy?: 'lastactivity' | 'created' | 'id' | undefined;
  filter?: 'unread' | 'direct' | 'favorites' | 'mentions' | 'flags' | undefined;
  max: number;
  after?: [number | string, string] | undefined;
}

export async function listRooms(core: Core, actor: Actor, input: ListRoomsInput): Promise<{ items: Room[]; next?: [number | string, string] }> {
  const db = core.db;
  const me = actor.personId;
  let q = db.selectFrom('spaces as s').selectAll('s');
  if (input.teamId !== undefined) {
    if (!(await isTeamMember(db, input.teamId, me))) throw ApiError.notFound('team');
    q = q.where('s.team_id', '=', input.teamId);
  } else {
    q = q.where((eb) => eb.exists(eb.selectFrom('memberships as m').select('m.id').whereRef('m.space_id', '=', 's.id').where('m.person_id', '=', me)));
  }
  if (input.type !== undefined) q = q.where('s.type', '=', input.type);
  switch (input.filter) {
    case undefined:
      break;
    case 'direct':
      q = q.where('s.type', '=', 'direct');
      break;
    case 'favorites':
      q = q.where((eb) => eb.exists(eb.selectFrom('favorites as f').select('f.space_id').whereRef('f.space_id', '=', 's.id').where('f.person_id', '=', me)));
      break;
    case 'flags':
      q = q.where((eb) => eb.exists(eb.selectFrom('flags as fl').select('fl.id').whereRef('fl.space_id', '=', 's.id').where('fl.person_id', '=', me)));
      break;
    case 'unread':
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('memberships as m')
            .select('m.id')
            .whereRef('m.space_id', '=', 's.id')
            .where('m.person_id', '=', me)
            .where('s.last_message_id', 'is not', null)
            .where((e) => e.or([e('m.last_read_message_id', 'is', null), e('s.last_message_id', '>', e.ref('m.last_read_message_id'))])),
        ),
      );
      break;
    case 'mentions':
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('message_mentions as mm')
            .innerJoin('messages as msg', 'msg.id', 'mm.message_id')
            .innerJoin('memberships as m', (j) => j.onRef('m.space_id', '=', 'mm.space_id').on('m.person_id', '=', me))
            .select('mm.message_id')
            .whereRef('mm.space_id', '=', 's.id')
            .where('mm.person_id', 'in', [me, '*'])
            .where('msg.person_id', '!=', me)
            .where((e) => e.or([e('m.last_read_message_id', 'is', null), e('mm.message_id', '>', e.ref('m.last_read_message_id'))])),
        ),
      );
      break;
  }
  const sortBy = input.sortBy ?? 'lastactivity';
  if (sortBy === 'id') {
    if (input.after) q = q.where('s.id', '>', input.after[1]);
    q = q.orderBy('s.id');
  } else {
    const column = sortBy === 'created' ? 's.created_at' : 's.last_activity_at';
    if (input.after) {
      const [value, id] = input.after;
      q = q.where((eb) => eb.or([eb(column, '<', Number(value)), eb.and([eb(column, '=', Number(value)), eb('s.id', '<', id)])]));
    }
    q = q.orderBy(column, 'desc').orderBy('s.id', 'desc');
  }
  const rows = await q.limit(input.max + 1).execute();
  const page = rows.slice(0, input.max);
  const states = await roomStates(db, me, page);
  const items = await Promise.all(page.map(async (s, i) => presentRoom(s, { ...states[i], directPersonId: await directPeer(db, s, me) })));
  const last = page.at(-1);
  if (rows.length > input.max && last !== undefined) {
    const value = sortBy === 'id' ? '' : sortBy === 'created' ? last.created_at : last.last_activity_at;
    return { items, next: [value, last.id] };
  }
  return { items };
}

export interface UpdateRoomInput {
  title?: string | undefined;
  encryptionKeyUrl?: string | undefined;
  kroUri?: string | undefined;
  isLocked?: boolean | undefined;
  isAnnouncementOnly?: boolean | undefined;
}

export async function updateRoom(core: Core, actor: Actor, spaceId: string, input: UpdateRoomInput): Promise<Room> {
  return core.events.transact(async (trx, emit) => {
    const access = await memberOf(trx, actor, spaceId);
    const { space, membership } = access;
    if (space.type === 'direct' && (input.title !== undefined || input.isLocked !== undefined || input.isAnnouncementOnly !== undefined)) {
      throw ApiError.badRequest('A direct space has no title and cannot be locked.');
    }
    const isModerator = membership.is_moderator === 1;
    const set: Partial<SpaceRow> = {};
    if (space.is_locked === 1) {
      requireModeratorIfLocked({ space, membership }, 'change the space');
    } else if (input.isAnnouncementOnly === true && input.isLocked !== true) {
      throw ApiError.badRequest('isAnnouncementOnly: lock the space first');
    }
    if (input.title !== undefined) set.title = input.title;
    if (input.encryptionKeyUrl !== undefined) set.encryption_key_url = input.encryptionKeyUrl;
    if (input.kroUri !== undefined && input.kroUri !== space.kro_uri) {
      // A space's KMS resource is its access list; replacing it would silently drop authorizations.
      if (space.kro_uri !== null) throw ApiError.conflict('This space has a KMS resource already.');
      await requireUnusedKro(trx, input.kroUri);
      set.kro_uri = input.kroUri;
    }
    if (input.isLocked !== undefined) set.is_locked = input.isLocked ? 1 : 0;
    if (input.isAnnouncementOnly !== undefined) set.is_announcement_only = input.isAnnouncementOnly ? 1 : 0;
    if (input.isLocked === false) set.is_announcement_only = 0;
    let myMembership = membership;
    // Locking an unlocked space makes the one who locks it its moderator, as in Webex.
    if (space.is_locked === 0 && input.isLocked === true && !isModerator) {
      await trx.updateTable('memberships').set({ is_moderator: 1 }).where('id', '=', membership.id).execute();
      myMembership = { ...membership, is_moderator: 1 };
    }
    if (Object.keys(set).length > 0) await trx.updateTable('spaces').set(set).where('id', '=', space.id).execute();
    const updated = { ...space, ...set };
    emit({ space: space.id, type: 'room.updated', data: presentRoom(updated), actorId: actor.personId });
    return presentRoom(updated, { membership: myMembership });
  });
}

export async function deleteRoom(core: Core, actor: Actor, spaceId: string): Promise<void> {
  const fileBlobs = await core.events.transact(async (trx, emit) => {
    const { space, membership } = await memberOf(trx, actor, spaceId);
    if (space.type === 'direct') throw ApiError.forbidden('A direct space cannot be deleted.');
    if (space.is_general === 1) throw ApiError.forbidden('A team’s general space goes with the team.');
    const allowed = space.is_locked === 1 ? membership.is_moderator === 1 : space.creator_id === actor.personId;
    if (!allowed) throw ApiError.forbidden(space.is_locked === 1 ? 'Only moderators may delete a locked space.' : 'Only the creator may delete this space.');
    const members = await memberIds(trx, space.id);
    const blobs = await detachSpaceFiles(trx, space.id);
    await trx.deleteFrom('spaces').where('id', '=', space.id).execute();
    emit({ space: space.id, type: 'room.deleted', data: { id: space.id }, actorId: actor.personId });
    emit({ change: 'leave', spaceId: space.id, personIds: members });
    return blobs;
  });
  // After the commit, as for a deleted message: a rolled-back delete must not lose its files.
  await removeBlobs(core, fileBlobs);
}

export async function setFavorite(core: Core, actor: Actor, spaceId: string, isFavorite: boolean): Promise<void> {
  await core.events.transact(async (trx, emit) => {
    await memberOf(trx, actor, spaceId);
    if (isFavorite) {
      await trx.insertInto('favorites').values({ person_id: actor.personId, space_id: spaceId, created_at: core.now() }).onConflict((oc) => oc.columns(['person_id', 'space_id']).doNothing()).execute();
    } else {
      await trx.deleteFrom('favorites').where('person_id', '=', actor.personId).where('space_id', '=', spaceId).execute();
    }
    emit({ recipients: [actor.personId], type: 'room.favorite', data: { roomId: spaceId, isFavorite }, actorId: actor.personId });
  });
}

/** Moves one's last-read marker forward (never back) and sends read receipts to the members (MS-4). */
export async function markRead(core: Core, actor: Actor, spaceId: string, messageId: string): Promise<void> {
  await core.events.transact(async (trx, emit) => {
    const { membership } = await memberOf(trx, actor, spaceId);
    const message = await trx.selectFrom('messages').select(['id', 'space_id']).where('id', '=', messageId).executeTakeFirst();
    if (message === undefined || message.space_id !== spaceId) throw ApiError.badRequest('lastReadMessageId: not a message of this space');
    if (membership.last_read_message_id !== null && membership.last_read_message_id >= messageId) return;
    await moveReadMarker(trx, core.now(), membership.id, messageId);
    emit({ recipients: [actor.personId], type: 'room.read', data: { roomId: spaceId, lastReadMessageId: messageId }, actorId: actor.personId });
    emit({ space: spaceId, type: 'membership.seen', data: { roomId: spaceId, personId: actor.personId, lastSeenId: messageId }, actorId: actor.personId });
  });
}

export async function moveReadMarker(trx: Kysely<Database>, now: number, membershipId: string, messageId: string): Promise<void> {
  await trx
    .updateTable('memberships')
    .set({ last_read_message_id: messageId, last_read_at: now })
    .where('id', '=', membershipId)
    .where((eb) => eb.or([eb('last_read_message_id', 'is', null), eb('last_read_message_id', '<', messageId)]))
    .execute();
}

export async function typing(core: Core, actor: Actor, spaceId: string, isTyping: boolean): Promise<void> {
  await memberOf(core.db, actor, spaceId);
  const others = (await memberIds(core.db, spaceId)).filter((id) => id !== actor.personId);
  await core.events.hub.typing(others, { roomId: spaceId, personId: actor.personId, isTyping });
}

export function assertMemberLimit(count: number): void {
  if (count >= MESSAGING_LIMITS.membersPerSpace) throw ApiError.badRequest(`A space has at most ${MESSAGING_LIMITS.membersPerSpace} members.`);
}

