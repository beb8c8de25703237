/**
 * Space, membership, message and team rows to their wire shapes.
 * @module
 */
import type { Flag, Membership, Message, Room, Team, TeamMembership } from '@flint/protocol';
import type { MembershipRow, MessageRow, SpaceRow, TeamMembershipRow, TeamRow } from '../db/schema.ts';
import { iso } from '../infra/ids.ts';

export interface PersonBrief {
  id: string;
  email: string;
  display_name: string;
  org_id: string;
  /** Member lists mark guests and people who have not accepted their invitation yet (SPEC ID-3). */
  is_guest?: number;
  status?: string;
}

export interface RoomState {
  membership?: MembershipRow | undefined;
  isFavorite?: boolean;
  unreadCount?: number;
  mentionCount?: number;
  /** For a direct space, the other member (from the viewer's side). */
  directPersonId?: string | undefined;
}

export function presentRoom(row: SpaceRow, state: RoomState = {}): Room {
  const room: Room = {
    id: row.id,
    type: row.type,
    isLocked: row.is_locked === 1,
    isAnnouncementOnly: row.is_announcement_only === 1,
    creatorId: row.creator_id,
    created: iso(row.created_at),
    lastActivity: iso(row.last_activity_at),
  };
  if (row.title !== null) room.title = row.title;
  if (row.encryption_key_url !== null) room.encryptionKeyUrl = row.encryption_key_url;
  if (row.kro_uri !== null) room.kroUri = row.kro_uri;
  if (row.team_id !== null) room.teamId = row.team_id;
  if (row.is_general === 1) room.isGeneral = true;
  if (state.directPersonId !== undefined) room.directPersonId = state.directPersonId;
  if (state.membership !== undefined) {
    room.isModerator = state.membership.is_moderator === 1;
    room.isFavorite = state.isFavorite ?? false;
    if (state.membership.last_read_message_id !== null) room.lastReadMessageId = state.membership.last_read_message_id;
    room.unreadCount = state.unreadCount ?? 0;
    room.mentionCount = state.mentionCount ?? 0;
  }
  return room;
}

export function presentMembership(row: MembershipRow, person: PersonBrief, roomType: SpaceRow['type']): Membership {
  const m: Membership = {
    id: row.id,
    roomId: row.space_id,
    personId: row.person_id,
    personEmail: person.email,
    personDisplayName: person.display_name,
    personOrgId: person.org_id,
    isModerator: row.is_moderator === 1,
    roomType,
    created: iso(row.created_at),
  };
  if (row.last_read_message_id !== null) m.lastSeenId = row.last_read_message_id;
  if (person.is_guest === 1) m.personIsGuest = true;
  if (person.status === 'invited') m.personInvitePending = true;
  return m;
}

export function presentMessage(row: MessageRow, roomType: SpaceRow['type'], senderEmail: string, files?: Message['files']): Message {
  const m: Message = {
    id: row.id,
    roomId: row.space_id,
    roomType,
    personId: row.person_id,
    personEmail: senderEmail,
    created: iso(row.created_at),
  };
  if (row.parent_id !== null) m.parentId = row.parent_id;
  if (row.text !== null) m.text = row.text;
  if (row.markdown !== null) m.markdown = row.markdown;
  if (row.html !== null) m.html = row.html;
  if (row.encryption_key_url !== null) m.encryptionKeyUrl = row.encryption_key_url;
  if (row.mentioned_people !== null) m.mentionedPeople = JSON.parse(row.mentioned_people) as string[];
  if (row.mentioned_groups !== null) m.mentionedGroups = JSON.parse(row.mentioned_groups) as 'all'[];
  if (row.updated_at !== null) m.updated = iso(row.updated_at);
  if (files !== undefined && files.length > 0) m.files = files;
  if (row.attachments !== null) m.attachments = JSON.parse(row.attachments) as NonNullable<Message['attachments']>;
  return m;
}

export function presentTeam(row: TeamRow): Team {
  const t: Team = { id: row.id, name: row.name, creatorId: row.creator_id, generalRoomId: row.general_space_id, created: iso(row.created_at) };
  if (row.encryption_key_url !== null) t.encryptionKeyUrl = row.encryption_key_url;
  return t;
}

export function presentTeamMembership(row: TeamMembershipRow, person: PersonBrief): TeamMembership {
  return {
    id: row.id,
    teamId: row.team_id,
    personId: row.person_id,
    personEmail: person.email,
    personDisplayName: person.display_name,
    personOrgId: person.org_id,
    isModerator: row.is_moderator === 1,
    created: iso(row.created_at),
  };
}

export function presentFlag(row: { id: string; message_id: string; space_id: string; created_at: number }): Flag {
  return { id: row.id, messageId: row.message_id, roomId: row.space_id, created: iso(row.created_at) };
}
