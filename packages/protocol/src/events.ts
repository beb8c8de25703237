/**
 * The event stream (`/api/events`, WebSocket). Every change a person may see is a stored event
 * with an id that only grows; a reconnecting client sends the last id it holds and gets exactly
 * what it missed, in order. Typing and presence are live only (no id, not stored).
 * @module
 */
import type { Membership, Room, Team, TeamMembership } from './spaces.ts';
import type { Flag, Message, Presence } from './messages.ts';
import type { AttachmentAction } from './attachment-actions.ts';
import type { Reaction } from './reactions.ts';
import type { ReceivedSpaceInvitation, SpaceInvitation } from './space-invitations.ts';
import type { CareRequest } from './care.ts';
import type { WhiteboardUpdate } from './whiteboards.ts';
import type { Meeting } from './meetings.ts';
import type { MeetingKnock } from './meeting-guests.ts';
import type { Call, CallSignalEvent } from './calls.ts';
import type { PersonalRoomKnock, ScheduledMeeting } from './scheduling.ts';
import type { Voicemail } from './voicemail.ts';
import type { PhoneCall } from './telephony.ts';

/** Stored event types and their data. */
export interface EventData {
  'message.created': Message;
  'message.updated': Message;
  'message.deleted': Message;
  'room.created': Room;
  'room.updated': Room;
  'room.deleted': { id: string };
  'membership.created': Membership;
  'membership.updated': Membership;
  'membership.deleted': Membership;
  /** A member's read receipt moved (MS-4). */
  'membership.seen': { roomId: string; personId: string; lastSeenId: string };
  'team.created': Team;
  'team.updated': Team;
  'team.deleted': { id: string };
  'team.membership.created': TeamMembership;
  'team.membership.updated': TeamMembership;
  'team.membership.deleted': TeamMembership;
  /** To a team's moderators: the directory (a SCIM group mapped to the team) left a change only a client can finish at the KMS. */
  'team.keyShare.pending': { teamId: string };
  'flag.created': Flag;
  'flag.deleted': { id: string; messageId: string };
  /** Someone reacted to a message (to every member; the emoji sealed). */
  'reaction.created': Reaction;
  'reaction.deleted': { id: string; messageId: string; roomId: string; personId: string };
  'room.favorite': { roomId: string; isFavorite: boolean };
  /** One's own last-read marker moved (on another device, too). */
  'room.read': { roomId: string; lastReadMessageId: string };
  /** A card was submitted (to the submitter and the message's sender). */
  'attachmentAction.created': AttachmentAction;
  /** An invitation into a space reached one's address (to the invitee). */
  'space_invitation.received': ReceivedSpaceInvitation;
  /** The invitee accepted (to the inviter, whose device admits them; or to the members if the inviter left). */
  'space_invitation.accepted': SpaceInvitation;
  /** An invitation one received is gone: declined, withdrawn or admitted (to the invitee's other devices). */
  'space_invitation.removed': { id: string; roomId: string };
  /** A care request changed (SP-7): to the asker, its expert, whoever handed it off, and the experts of its queue (and of the queue it left). */
  'care_request.updated': CareRequest;
  /** A space's meeting started, changed (someone joined, left, muted, shared…) or ended (MT-1): to the space's members. */
  'meeting.updated': Meeting;
  /** A guest knocked at a meeting's lobby, or was admitted or denied (MT-3): to the members in the meeting, and to the guest. */
  'meeting.knock': MeetingKnock;
  /** A call changed (CL-1): to both parties (every endpoint: the callee's all ring), and to whoever just left it (a transfer, a forward). */
  'call.updated': Call;
  /** A WebRTC offer, answer or ICE candidate from the other party's endpoint in a call (to its person; the named endpoint takes it). */
  'call.signal': CallSignalEvent;
  /** A phone call from the PSTN rings one's browser, is answered, or ends (CL-4): to the person rung. */
  'phone_call.updated': PhoneCall;
  /** A meeting was scheduled or changed (MT-4): to its host and the invitees who have accounts. */
  'scheduled_meeting.updated': ScheduledMeeting;
  /** A scheduled meeting was cancelled (to its host and invitees). */
  'scheduled_meeting.deleted': { id: string; roomId: string };
  /** Someone asks to enter one's personal room (MT-3): to its owner, whose client adds them. */
  'personal_room.knock': PersonalRoomKnock;
  /** A voicemail's audio is in (CL-3): to the callee, whose devices raise the message-waiting indicator. */
  'voicemail.created': Voicemail;
  /** One of one's voicemails was marked read or unread (on any device): to the callee. */
  'voicemail.updated': Voicemail;
  /** One of one's voicemails was deleted: to the callee. */
  'voicemail.deleted': { id: string };
  /** A KMS response for the device that asked (SEC-2). */
  'encryption.kms_message': { encryption: { kmsMessages: string[] } };
}
export type EventType = keyof EventData;

export interface StoredEvent<T extends EventType = EventType> {
  id: number;
  type: T;
  data: EventData[T];
  actorId?: string;
  created: string;
}

/** Server → client frames. */
export type ServerFrame =
  | { type: 'ready'; lastEventId: number; connectionId: string }
  | { type: 'event'; event: StoredEvent }
  /** The gap since the client's last id is no longer stored: refetch state, then go on from `lastEventId`. */
  | { type: 'reset'; lastEventId: number }
  | { type: 'typing'; roomId: string; personId: string; isTyping: boolean }
  | { type: 'presence'; presence: Presence }
  /** A sealed update of a board this connection watches (live only; the board's state read catches up). */
  | { type: 'whiteboard.update'; roomId: string; update: WhiteboardUpdate }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string };

/** Client → server frames. The first must be `hello`. */
export type ClientFrame =
  | { type: 'hello'; token?: string; lastEventId?: number; deviceId?: string }
  | { type: 'ping' }
  | { type: 'presence.subscribe'; personIds: string[] }
  /** The boards whose live updates this connection wants (replaces the previous set; members only get them). */
  | { type: 'whiteboard.watch'; boardIds: string[] };

export const EVENTS_PATH = '/api/events';
/** The server pings every connection this often; one that misses two pings is closed. */
export const HEARTBEAT_MS = 25_000;
