/**
 * Spaces (Webex "rooms"), memberships, teams and team memberships (SPEC SP-1 … SP-5).
 * Titles and team names are ciphertext: the core stores and relays them, never reads them.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Email, Id, IdParams, PageMax, Timestamp } from './common.ts';
import { MESSAGING_LIMITS } from './limits.ts';
import { defineMethod } from './method.ts';

export const Ciphertext = (max: number) => Type.String({ minLength: 1, maxLength: max, description: 'ciphertext (JWE compact); opaque to the server' });
export const KeyUrl = Type.String({ minLength: 1, maxLength: MESSAGING_LIMITS.keyUrlChars, description: 'the KMS key the content is sealed with' });

export const RoomType = Type.Union([Type.Literal('group'), Type.Literal('direct')]);

export const Room = Type.Object({
  id: Id,
  type: RoomType,
  /** Encrypted title; absent for direct spaces (clients show the other person's name). */
  title: Type.Optional(Type.String()),
  encryptionKeyUrl: Type.Optional(Type.String()),
  /** The KMS resource (KRO) whose authorizations mirror the membership. */
  kroUri: Type.Optional(Type.String()),
  isLocked: Type.Boolean(),
  isAnnouncementOnly: Type.Boolean(),
  teamId: Type.Optional(Id),
  /** True for a team's general space. */
  isGeneral: Type.Optional(Type.Boolean()),
  /** For a direct space: the other person. */
  directPersonId: Type.Optional(Id),
  creatorId: Id,
  created: Timestamp,
  lastActivity: Timestamp,
  /** The caller's own state: present when the caller is a member. */
  isFavorite: Type.Optional(Type.Boolean()),
  isModerator: Type.Optional(Type.Boolean()),
  lastReadMessageId: Type.Optional(Id),
  unreadCount: Type.Optional(Type.Integer()),
  mentionCount: Type.Optional(Type.Integer()),
});
export type Room = Static<typeof Room>;

export const RoomFilter = Type.Union([
  Type.Literal('unread'),
  Type.Literal('direct'),
  Type.Literal('favorites'),
  Type.Literal('mentions'),
  Type.Literal('flags'),
]);

export const ListRoomsQuery = Type.Object(
  {
    teamId: Type.Optional(Id),
    type: Type.Optional(RoomType),
    sortBy: Type.Optional(Type.Union([Type.Literal('lastactivity'), Type.Literal('created'), Type.Literal('id')])),
    filter: Type.Optional(RoomFilter),
    max: Type.Optional(PageMax),
    cursor: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
);

export const listRooms = defineMethod({
  id: 'rooms.list',
  verb: 'GET',
  path: '/api/rooms',
  summary: 'Spaces one is a member of (with teamId: the team’s spaces one may see), with one’s read state, filtered and sorted.',
  tag: 'rooms',
  auth: 'person',
  query: ListRoomsQuery,
  response: Type.Object({ items: Type.Array(Room) }),
  status: 200,
});

export const CreateRoomBody = Type.Object(
  {
    title: Ciphertext(MESSAGING_LIMITS.titleChars),
    encryptionKeyUrl: Type.Optional(KeyUrl),
    kroUri: Type.Optional(KeyUrl),
    teamId: Type.Optional(Id),
    isLocked: Type.Optional(Type.Boolean()),
    isAnnouncementOnly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const createRoom = defineMethod({
  id: 'rooms.create',
  verb: 'POST',
  path: '/api/rooms',
  summary: 'Create a group space; the creator is its first member (and moderator if it is locked).',
  tag: 'rooms',
  auth: 'person',
  body: CreateRoomBody,
  response: Room,
  status: 200,
});

export const CreateDirectBody = Type.Object(
  { personId: Type.Optional(Id), personEmail: Type.Optional(Email), encryptionKeyUrl: Type.Optional(KeyUrl), kroUri: Type.Optional(KeyUrl) },
  { additionalProperties: false, minProperties: 1 },
);

export const openDirect = defineMethod({
  id: 'rooms.direct',
  verb: 'POST',
  path: '/api/rooms/direct',
  summary: 'The direct (1:1) space with a person, created on first use: one per pair.',
  tag: 'rooms',
  auth: 'person',
  body: CreateDirectBody,
  response: Room,
  status: 200,
});

export const getRoom = defineMethod({
  id: 'rooms.get',
  verb: 'GET',
  path: '/api/rooms/:id',
  summary: 'One space (404 unless one is a member, or a member of its team).',
  tag: 'rooms',
  auth: 'person',
  params: IdParams,
  response: Room,
  status: 200,
});

export const UpdateRoomBody = Type.Object(
  {
    title: Type.Optional(Ciphertext(MESSAGING_LIMITS.titleChars)),
    encryptionKeyUrl: Type.Optional(KeyUrl),
    /** Set once, for a space created before it had a KMS resource. */
    kroUri: Type.Optional(KeyUrl),
    isLocked: Type.Optional(Type.Boolean()),
    isAnnouncementOnly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const updateRoom = defineMethod({
  id: 'rooms.update',
  verb: 'PUT',
  path: '/api/rooms/:id',
  summary: 'Rename, lock or unlock a space, or make it announcement-only (moderators, when locked).',
  tag: 'rooms',
  auth: 'person',
  params: IdParams,
  body: UpdateRoomBody,
  response: Room,
  status: 200,
});

export const deleteRoom = defineMethod({
  id: 'rooms.delete',
  verb: 'DELETE',
  path: '/api/rooms/:id',
  summary: 'Delete a group space and its messages, for everyone (its creator, or a moderator when locked).',
  tag: 'rooms',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

export const TypingBody = Type.Object({ isTyping: Type.Boolean() }, { additionalProperties: false });

export const setTyping = defineMethod({
  id: 'rooms.typing',
  verb: 'POST',
  path: '/api/rooms/:id/typing',
  summary: 'Tell the other members one is (or stopped) typing. Not stored.',
  tag: 'rooms',
  auth: 'person',
  params: IdParams,
  body: TypingBody,
  response: null,
  status: 204,
});

export const FavoriteBody = Type.Object({ isFavorite: Type.Boolean() }, { additionalProperties: false });

export const setFavorite = defineMethod({
  id: 'rooms.favorite',
  verb: 'PUT',
  path: '/api/rooms/:id/favorite',
  summary: 'Mark or unmark a space as a favourite (one’s own state).',
  tag: 'rooms',
  auth: 'person',
  params: IdParams,
  body: FavoriteBody,
  response: null,
  status: 204,
});

export const ReadBody = Type.Object({ lastReadMessageId: Id }, { additionalProperties: false });

export const markRead = defineMethod({
  id: 'rooms.read',
  verb: 'PUT',
  path: '/api/rooms/:id/read',
  summary: 'Move one’s last-read marker (never backwards); the members get a read receipt.',
  tag: 'rooms',
  auth: 'person',
  params: IdParams,
  body: ReadBody,
  response: null,
  status: 204,
});

export const Membership = Type.Object({
  id: Id,
  roomId: Id,
  personId: Id,
  personEmail: Type.String(),
  personDisplayName: Type.String(),
  personOrgId: Id,
  isModerator: Type.Boolean(),
  roomType: RoomType,
  /** The member's last-read message: read receipts. */
  lastSeenId: Type.Optional(Id),
  /** Present (true) for a guest: someone outside the org's domains, invited (SPEC ID-2, ID-3). */
  personIsGuest: Type.Optional(Type.Boolean()),
  /** Present (true) while the member has not accepted their invitation yet. */
  personInvitePending: Type.Optional(Type.Boolean()),
  created: Timestamp,
});
export type Membership = Static<typeof Membership>;

export const ListMembershipsQuery = Type.Object(
  { roomId: Id, personId: Type.Optional(Id), personEmail: Type.Optional(Email), max: Type.Optional(PageMax), cursor: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

export const listMemberships = defineMethod({
  id: 'memberships.list',
  verb: 'GET',
  path: '/api/memberships',
  summary: 'The members of a space one belongs to.',
  tag: 'memberships',
  auth: 'person',
  query: ListMembershipsQuery,
  response: Type.Object({ items: Type.Array(Membership) }),
  status: 200,
});

export const CreateMembershipBody = Type.Object(
  {
    roomId: Id,
    personId: Type.Optional(Id),
    personEmail: Type.Optional(Email),
    isModerator: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const createMembership = defineMethod({
  id: 'memberships.create',
  verb: 'POST',
  path: '/api/memberships',
  summary: 'Add someone to a space (or join a team space oneself). In a locked space, moderators only.',
  tag: 'memberships',
  auth: 'person',
  body: CreateMembershipBody,
  response: Membership,
  status: 200,
});

export const getMembership = defineMethod({
  id: 'memberships.get',
  verb: 'GET',
  path: '/api/memberships/:id',
  summary: 'One membership of a space one belongs to.',
  tag: 'memberships',
  auth: 'person',
  params: IdParams,
  response: Membership,
  status: 200,
});

export const UpdateMembershipBody = Type.Object({ isModerator: Type.Boolean() }, { additionalProperties: false });

export const updateMembership = defineMethod({
  id: 'memberships.update',
  verb: 'PUT',
  path: '/api/memberships/:id',
  summary: 'Appoint or remove a moderator (moderators of a locked space; anyone may make themselves moderator of an unlocked one, which locks it).',
  tag: 'memberships',
  auth: 'person',
  params: IdParams,
  body: UpdateMembershipBody,
  response: Membership,
  status: 200,
});

export const deleteMembership = defineMethod({
  id: 'memberships.delete',
  verb: 'DELETE',
  path: '/api/memberships/:id',
  summary: 'Remove someone from a space, or leave it (one’s own membership).',
  tag: 'memberships',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

export const Team = Type.Object({
  id: Id,
  /** Encrypted team name. */
  name: Type.String(),
  encryptionKeyUrl: Type.Optional(Type.String()),
  creatorId: Id,
  generalRoomId: Id,
  created: Timestamp,
});
export type Team = Static<typeof Team>;

export const CreateTeamBody = Type.Object(
  {
    name: Ciphertext(MESSAGING_LIMITS.titleChars),
    /** The general space's title (ciphertext); defaults to the team's name. */
    generalTitle: Type.Optional(Ciphertext(MESSAGING_LIMITS.titleChars)),
    encryptionKeyUrl: Type.Optional(KeyUrl),
    /** The general space's KMS resource (KRO): its authorizations follow the team's membership. */
    kroUri: Type.Optional(KeyUrl),
  },
  { additionalProperties: false },
);

export const createTeam = defineMethod({
  id: 'teams.create',
  verb: 'POST',
  path: '/api/teams',
  summary: 'Create a team with its general space; the creator moderates both.',
  tag: 'teams',
  auth: 'person',
  body: CreateTeamBody,
  response: Team,
  status: 200,
});

export const listTeams = defineMethod({
  id: 'teams.list',
  verb: 'GET',
  path: '/api/teams',
  summary: 'The teams one belongs to.',
  tag: 'teams',
  auth: 'person',
  response: Type.Object({ items: Type.Array(Team) }),
  status: 200,
});

export const getTeam = defineMethod({
  id: 'teams.get',
  verb: 'GET',
  path: '/api/teams/:id',
  summary: 'One team one belongs to.',
  tag: 'teams',
  auth: 'person',
  params: IdParams,
  response: Team,
  status: 200,
});

export const UpdateTeamBody = Type.Object({ name: Ciphertext(MESSAGING_LIMITS.titleChars), encryptionKeyUrl: Type.Optional(KeyUrl) }, { additionalProperties: false });

export const updateTeam = defineMethod({
  id: 'teams.update',
  verb: 'PUT',
  path: '/api/teams/:id',
  summary: 'Rename a team (its moderators).',
  tag: 'teams',
  auth: 'person',
  params: IdParams,
  body: UpdateTeamBody,
  response: Team,
  status: 200,
});

export const deleteTeam = defineMethod({
  id: 'teams.delete',
  verb: 'DELETE',
  path: '/api/teams/:id',
  summary: 'Delete a team (its moderators); its spaces stay, detached from it.',
  tag: 'teams',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

export const TeamMembership = Type.Object({
  id: Id,
  teamId: Id,
  personId: Id,
  personEmail: Type.String(),
  personDisplayName: Type.String(),
  personOrgId: Id,
  isModerator: Type.Boolean(),
  created: Timestamp,
});
export type TeamMembership = Static<typeof TeamMembership>;

export const listTeamMemberships = defineMethod({
  id: 'teamMemberships.list',
  verb: 'GET',
  path: '/api/team/memberships',
  summary: 'The members of a team one belongs to.',
  tag: 'teams',
  auth: 'person',
  query: Type.Object({ teamId: Id, max: Type.Optional(PageMax) }, { additionalProperties: false }),
  response: Type.Object({ items: Type.Array(TeamMembership) }),
  status: 200,
});

export const createTeamMembership = defineMethod({
  id: 'teamMemberships.create',
  verb: 'POST',
  path: '/api/team/memberships',
  summary: 'Add someone to a team (its moderators); they join its general space.',
  tag: 'teams',
  auth: 'person',
  body: Type.Object(
    { teamId: Id, personId: Type.Optional(Id), personEmail: Type.Optional(Email), isModerator: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  response: TeamMembership,
  status: 200,
});

export const updateTeamMembership = defineMethod({
  id: 'teamMemberships.update',
  verb: 'PUT',
  path: '/api/team/memberships/:id',
  summary: 'Appoint or remove a team moderator (its moderators).',
  tag: 'teams',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ isModerator: Type.Boolean() }, { additionalProperties: false }),
  response: TeamMembership,
  status: 200,
});

export const deleteTeamMembership = defineMethod({
  id: 'teamMemberships.delete',
  verb: 'DELETE',
  path: '/api/team/memberships/:id',
  summary: 'Remove someone from a team (its moderators), or leave it.',
  tag: 'teams',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});
