/**
 * Native shapes (with content already opened by the caller's `SecureClient`) → the Webex v1
 * shapes of developer.webex.com: hydra ids everywhere, Webex's field names, and content in
 * plaintext. Content that could not be opened is left out and named in `errors` per field, the
 * way Webex marks an undecryptable item in a list (`{title: {code: 'kms_failure', reason}}`).
 * @module
 */
import type { Membership, Message, Person, Room, Team, TeamMembership } from '@flint/protocol';
import type { FlintError, SecureMessage, SecureRoom } from '@flint/sdk';
import { hydra } from './ids.ts';

export type ItemErrors = Record<string, { code: 'kms_failure'; reason: string }>;

function kmsFailure(field: string, error: FlintError | undefined): ItemErrors | undefined {
  return error === undefined ? undefined : { [field]: { code: 'kms_failure', reason: error.message } };
}

export interface WebexPerson {
  id: string;
  emails: string[];
  phoneNumbers: { type: string; value: string }[];
  displayName: string;
  nickName?: string;
  firstName?: string;
  lastName?: string;
  avatar?: string;
  orgId?: string;
  roles: string[];
  licenses: string[];
  created?: string;
  lastModified?: string;
  status: 'unknown';
  type: 'person' | 'bot';
  invitePending?: boolean;
  loginEnabled?: boolean;
}

export function presentPerson(p: Person): WebexPerson {
  const out: WebexPerson = {
    id: hydra.person(p.id),
    emails: p.emails,
    phoneNumbers: [],
    displayName: p.displayName,
    roles: (p.roles ?? []).map(hydra.role),
    licenses: (p.licenses ?? []).map(hydra.license),
    // Flint does not publish presence through this API.
    status: 'unknown',
    type: p.type,
  };
  if (p.nickName !== undefined) out.nickName = p.nickName;
  if (p.firstName !== undefined) out.firstName = p.firstName;
  if (p.lastName !== undefined) out.lastName = p.lastName;
  if (p.avatar !== undefined) out.avatar = p.avatar;
  if (p.orgId !== undefined) out.orgId = hydra.org(p.orgId);
  if (p.created !== undefined) out.created = p.created;
  if (p.lastModified !== undefined) out.lastModified = p.lastModified;
  if (p.invitePending !== undefined) out.invitePending = p.invitePending;
  if (p.loginEnabled !== undefined) out.loginEnabled = p.loginEnabled;
  return out;
}

export interface WebexRoom {
  id: string;
  title?: string;
  type: 'group' | 'direct';
  isLocked: boolean;
  isAnnouncementOnly: boolean;
  isReadOnly: boolean;
  isPublic: boolean;
  teamId?: string;
  lastActivity: string;
  creatorId: string;
  created: string;
  ownerId?: string;
  errors?: ItemErrors;
}

/** `directTitle`: for a direct space, the other person's name (Webex's title for 1:1 spaces). */
export function presentRoom(room: SecureRoom | Room, ownerOrgId: string | undefined, directTitle?: string): WebexRoom {
  const out: WebexRoom = {
    id: hydra.room(room.id),
    type: room.type,
    isLocked: room.isLocked,
    isAnnouncementOnly: room.isAnnouncementOnly,
    isReadOnly: false,
    isPublic: false,
    lastActivity: room.lastActivity,
    creatorId: hydra.person(room.creatorId),
    created: room.created,
  };
  const title = room.type === 'direct' ? directTitle : room.title;
  if (title !== undefined) out.title = title;
  if (room.teamId !== undefined) out.teamId = hydra.team(room.teamId);
  if (ownerOrgId !== undefined) out.ownerId = hydra.org(ownerOrgId);
  const errors = kmsFailure('title', (room as SecureRoom).decryptError);
  if (errors !== undefined) out.errors = errors;
  return out;
}

export interface WebexMembership {
  id: string;
  roomId: string;
  personId: string;
  personEmail: string;
  personDisplayName: string;
  personOrgId: string;
  isModerator: boolean;
  isMonitor: boolean;
  isRoomHidden: boolean;
  roomType: 'group' | 'direct';
  created: string;
}

export function presentMembership(m: Membership): WebexMembership {
  return {
    id: hydra.membership(m.personId, m.roomId),
    roomId: hydra.room(m.roomId),
    personId: hydra.person(m.personId),
    personEmail: m.personEmail,
    personDisplayName: m.personDisplayName,
    personOrgId: hydra.org(m.personOrgId),
    isModerator: m.isModerator,
    isMonitor: false,
    isRoomHidden: false,
    roomType: m.roomType,
    created: m.created,
  };
}

export interface WebexMessage {
  id: string;
  parentId?: string;
  roomId: string;
  roomType: 'group' | 'direct';
  toPersonId?: string;
  toPersonEmail?: string;
  text?: string;
  markdown?: string;
  html?: string;
  files?: string[];
  /** The card, opened (Webex: `[{contentType, content}]`). */
  attachments?: { contentType: string; content: Record<string, unknown> }[];
  personId: string;
  personEmail: string;
  mentionedPeople?: string[];
  mentionedGroups?: string[];
  created: string;
  updated?: string;
  errors?: ItemErrors;
}

/** `origin`: the request's own origin, for the `files[]` content URLs. */
export function presentMessage(m: SecureMessage | Message, origin: string, to?: { personId?: string; personEmail?: string }): WebexMessage {
  const out: WebexMessage = {
    id: hydra.message(m.id),
    roomId: hydra.room(m.roomId),
    roomType: m.roomType,
    personId: hydra.person(m.personId),
    personEmail: m.personEmail,
    created: m.created,
  };
  if (m.parentId !== undefined) out.parentId = hydra.message(m.parentId);
  if (to?.personId !== undefined) out.toPersonId = hydra.person(to.personId);
  if (to?.personEmail !== undefined) out.toPersonEmail = to.personEmail;
  if (m.text !== undefined) out.text = m.text;
  if (m.markdown !== undefined) out.markdown = m.markdown;
  if (m.html !== undefined) out.html = m.html;
  if (m.files !== undefined && m.files.length > 0) out.files = m.files.map((_, i) => `${origin}/v1/contents/${hydra.content(m.id, i)}`);
  const cards = (m as SecureMessage).cards;
  if (cards !== undefined && cards.length > 0) out.attachments = cards.map((c) => ({ contentType: c.contentType, content: c.content }));
  if (m.mentionedPeople !== undefined && m.mentionedPeople.length > 0) out.mentionedPeople = m.mentionedPeople.map(hydra.person);
  if (m.mentionedGroups !== undefined && m.mentionedGroups.length > 0) out.mentionedGroups = [...m.mentionedGroups];
  if (m.updated !== undefined) out.updated = m.updated;
  const errors = kmsFailure('text', (m as SecureMessage).decryptError);
  if (errors !== undefined) out.errors = errors;
  return out;
}

export interface WebexTeam {
  id: string;
  name?: string;
  creatorId: string;
  created: string;
  errors?: ItemErrors;
}

export function presentTeam(t: Team, name: string | undefined, error?: FlintError): WebexTeam {
  const out: WebexTeam = { id: hydra.team(t.id), creatorId: hydra.person(t.creatorId), created: t.created };
  if (name !== undefined) out.name = name;
  const errors = kmsFailure('name', error);
  if (errors !== undefined) out.errors = errors;
  return out;
}

export interface WebexTeamMembership {
  id: string;
  teamId: string;
  personId: string;
  personEmail: string;
  personDisplayName: string;
  personOrgId: string;
  isModerator: boolean;
  created: string;
}

export function presentTeamMembership(m: TeamMembership): WebexTeamMembership {
  return {
    id: hydra.teamMembership(m.personId, m.teamId),
    teamId: hydra.team(m.teamId),
    personId: hydra.person(m.personId),
    personEmail: m.personEmail,
    personDisplayName: m.personDisplayName,
    personOrgId: hydra.org(m.personOrgId),
    isModerator: m.isModerator,
    created: m.created,
  };
}
