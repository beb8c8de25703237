/**
 * Personal rooms (SPEC MT-3): every person has a persistent link `<base>/meet/<name>`. The name is
 * given on first use (from their address), may be changed (the old link stops working at once; a
 * taken name is a 409), and opens a space of the owner's — end-to-end encrypted like every space,
 * so made by the owner's client the first time (the core never makes keys) and named here. A
 * signed-in visitor who is not a member knocks; the owner's client authorizes them at the KMS and
 * adds them (`personal_room.knock`), as only a member's client can (DESIGN §2, invariant 2).
 * @module
 */
import type { PersonalRoom, PersonalRoomCard, PersonalRoomEntry } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { PersonalRoomRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { memberOf, membershipOf } from '../spaces/access.ts';
import { checkRoomName, suggestRoomName } from './room-names.ts';

export function roomLink(core: Core, name: string): string {
  return `${core.config.publicUrl}/meet/${name}`;
}

async function nameTaken(db: Db, name: string): Promise<boolean> {
  return (await db.selectFrom('personal_rooms').select('person_id').where('name', '=', name).executeTakeFirst()) !== undefined;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && /unique/i.test(error.message);
}

async function present(db: Db, core: Core, row: PersonalRoomRow): Promise<PersonalRoom> {
  const owner = await db.selectFrom('people').select(['display_name', 'email']).where('id', '=', row.person_id).executeTakeFirstOrThrow();
  return {
    name: row.name,
    link: roomLink(core, row.name),
    ownerId: row.person_id,
    ownerDisplayName: owner.display_name,
    ownerEmail: owner.email,
    ...(row.space_id !== null ? { roomId: row.space_id } : {}),
  };
}

/** One's room row, given a name on first use. */
async function ownRoom(core: Core, actor: Actor): Promise<PersonalRoomRow> {
  const existing = await core.db.selectFrom('personal_rooms').selectAll().where('person_id', '=', actor.personId).executeTakeFirst();
  if (existing !== undefined) return existing;
  const person = await core.db.selectFrom('people').select('email').where('id', '=', actor.personId).executeTakeFirstOrThrow();
  for (let attempt = 0; attempt < 3; attempt++) {
    const name = await suggestRoomName(person.email, (n) => nameTaken(core.db, n));
    const row: PersonalRoomRow = { person_id: actor.personId, name, space_id: null, updated_at: core.now() };
    try {
      await core.db.insertInto('personal_rooms').values(row).execute();
      return row;
    } catch (error) {
      // Someone took the name (or this person's other request made the row) meanwhile.
      if (!isUniqueViolation(error)) throw error;
      const made = await core.db.selectFrom('personal_rooms').selectAll().where('person_id', '=', actor.personId).executeTakeFirst();
      if (made !== undefined) return made;
    }
  }
  throw ApiError.conflict('Could not give the room a name; try again.');
}

export async function getPersonalRoom(core: Core, actor: Actor): Promise<PersonalRoom> {
  return present(core.db, core, await ownRoom(core, actor));
}

/** Renames one's room; the old name is free at once (its link finds nobody). */
export async function renamePersonalRoom(core: Core, actor: Actor, name: string): Promise<PersonalRoom> {
  checkRoomName(name);
  // Refusals first: a refused request changes nothing (not even the first-use row).
  const holder = await core.db.selectFrom('personal_rooms').select('person_id').where('name', '=', name).executeTakeFirst();
  if (holder !== undefined && holder.person_id !== actor.personId) throw ApiError.conflict('That room name is taken; choose another.');
  const row = await ownRoom(core, actor);
  if (row.name === name) return present(core.db, core, row);
  try {
    await core.db.updateTable('personal_rooms').set({ name, updated_at: core.now() }).where('person_id', '=', actor.personId).execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw ApiError.conflict('That room name is taken; choose another.');
    throw error;
  }
  return present(core.db, core, { ...row, name });
}

/** Names the room's space: a group space outside any team that the owner made and is a member of; once. */
export async function setPersonalRoomSpace(core: Core, actor: Actor, roomId: string): Promise<PersonalRoom> {
  const access = await memberOf(core.db, actor, roomId);
  if (access.space.type !== 'group' || access.space.team_id !== null || access.space.creator_id !== actor.personId) {
    throw ApiError.badRequest('roomId: must be a group space you made, outside any team', ['roomId: not your own group space']);
  }
  if ((await core.db.selectFrom('scheduled_meetings').select('id').where('space_id', '=', roomId).executeTakeFirst()) !== undefined) {
    throw ApiError.badRequest('roomId: a scheduled meeting’s space cannot be a personal room', ['roomId: a meeting’s space']);
  }
  const row = await ownRoom(core, actor);
  if (row.space_id !== null) {
    if (row.space_id === roomId) return present(core.db, core, row);
    throw ApiError.conflict('Your personal room has its space already.');
  }
  const result = await core.db.updateTable('personal_rooms').set({ space_id: roomId, updated_at: core.now() }).where('person_id', '=', actor.personId).where('space_id', 'is', null).executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw ApiError.conflict('Your personal room has its space already.');
  return present(core.db, core, { ...row, space_id: roomId });
}

async function roomByName(db: Db, name: string): Promise<PersonalRoomRow & { display_name: string; status: string }> {
  // A name that cannot be valid finds nobody, without a query.
  if (!/^[a-z0-9.-]{3,40}$/.test(name)) throw ApiError.notFound('personal room');
  const row = await db
    .selectFrom('personal_rooms')
    .innerJoin('people', 'people.id', 'personal_rooms.person_id')
    .select(['personal_rooms.person_id', 'personal_rooms.name', 'personal_rooms.space_id', 'personal_rooms.updated_at', 'people.display_name', 'people.status'])
    .where('personal_rooms.name', '=', name)
    .executeTakeFirst();
  if (row === undefined || row.status !== 'active') throw ApiError.notFound('personal room');
  return row;
}

/** Whose room a link is: open to anyone holding the link (the owner's name only). */
export async function resolvePersonalRoom(core: Core, name: string): Promise<PersonalRoomCard> {
  const row = await roomByName(core.db, name);
  return { name: row.name, link: roomLink(core, row.name), ownerDisplayName: row.display_name };
}

/** For a signed-in visitor: the owner, the room's space and whether one is in it. */
export async function enterPersonalRoom(core: Core, actor: Actor, name: string): Promise<PersonalRoomEntry> {
  const row = await roomByName(core.db, name);
  const isMember = row.space_id !== null && (await membershipOf(core.db, row.space_id, actor.personId)) !== undefined;
  return { name: row.name, ownerId: row.person_id, ownerDisplayName: row.display_name, ...(row.space_id !== null ? { roomId: row.space_id } : {}), isMember };
}

/** A signed-in visitor asks to enter: the owner is told; their client adds the visitor (module comment). */
export async function knockPersonalRoom(core: Core, actor: Actor, name: string): Promise<{ ownerDisplayName: string }> {
  const row = await roomByName(core.db, name);
  if (row.space_id === null) throw ApiError.conflict(`${row.display_name} has not opened their room yet.`);
  const spaceId = row.space_id;
  if ((await membershipOf(core.db, spaceId, actor.personId)) !== undefined) return { ownerDisplayName: row.display_name };
  const me = await core.db.selectFrom('people').select('display_name').where('id', '=', actor.personId).executeTakeFirstOrThrow();
  await core.events.transact(async (_trx, emit) => {
    emit({ recipients: [row.person_id], type: 'personal_room.knock', data: { roomId: spaceId, personId: actor.personId, displayName: me.display_name, name: row.name }, actorId: actor.personId });
  });
  return { ownerDisplayName: row.display_name };
}
