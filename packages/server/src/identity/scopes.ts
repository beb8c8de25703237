/**
 * Which of the core's routes an integration's token may call (issue 18, ID-9). The Webex scopes are
 * checked exactly, per `/v1` route, by the gateway; the core checks its own routes too, so a token
 * used directly against the native API gets no more. The core's check is per resource family: to
 * act in a space one must read the space and its members (for its key), so reading a room or its
 * memberships is allowed to any room, membership or message scope. A route not listed here is
 * refused to every integration: sessions, passwords, invitations, admin, webhooks, integrations
 * themselves. A person's or bot's own token (no scopes on the actor) is not limited here.
 * @module
 */
import type { OAuthScope } from '@flint/protocol';
import type { Actor } from './actor.ts';
import { ApiError } from '../errors.ts';

const ROOM_USE: readonly OAuthScope[] = ['spark:rooms_read', 'spark:rooms_write', 'spark:memberships_read', 'spark:memberships_write', 'spark:messages_read', 'spark:messages_write'];
const PEOPLE_USE: readonly OAuthScope[] = ['spark:people_read', ...ROOM_USE, 'spark:teams_read', 'spark:teams_write'];
const ANY = 'any' as const;

/** Method id → the scopes of which one suffices (`any`: every integration token, e.g. "who am I"). */
export const CORE_ROUTE_SCOPES: Readonly<Record<string, readonly OAuthScope[] | typeof ANY>> = {
  'people.me': ANY,
  'auth.tokenInfo': ANY,
  'people.get': PEOPLE_USE,
  'people.list': [...PEOPLE_USE, 'meeting:schedules_write'],
  'people.getAvatar': PEOPLE_USE,
  'search.people': ['spark:people_read'],
  'organizations.get': PEOPLE_USE,
  'rooms.list': [...ROOM_USE, 'spark:teams_read', 'spark:teams_write'],
  'rooms.get': [...ROOM_USE, 'spark:teams_read', 'spark:teams_write', 'meeting:schedules_write', 'spark:calls_write'],
  // Scheduling a meeting makes its space and adds the invitees (SDK scheduling.schedule).
  'rooms.create': ['spark:rooms_write', 'spark:teams_write', 'meeting:schedules_write'],
  'rooms.update': ['spark:rooms_write'],
  'rooms.delete': ['spark:rooms_write'],
  // Writing to a person opens the direct space.
  'rooms.direct': ['spark:rooms_write', 'spark:messages_write', 'spark:calls_write'],
  'memberships.list': ROOM_USE,
  'memberships.get': ROOM_USE,
  'memberships.create': ['spark:memberships_write', 'meeting:schedules_write'],
  'memberships.update': ['spark:memberships_write'],
  'memberships.delete': ['spark:memberships_write'],
  'messages.list': ['spark:messages_read'],
  'messages.get': ['spark:messages_read', 'spark:messages_write'],
  'messages.mentions': ['spark:messages_read'],
  'messages.create': ['spark:messages_write'],
  'messages.update': ['spark:messages_write'],
  'messages.delete': ['spark:messages_write'],
  'search.messages': ['spark:messages_read'],
  'reactions.list': ['spark:messages_read'],
  'reactions.create': ['spark:messages_write'],
  'reactions.delete': ['spark:messages_write'],
  'files.createUpload': ['spark:messages_write'],
  'files.getUpload': ['spark:messages_write'],
  'files.putContent': ['spark:messages_write'],
  'files.getContent': ['spark:messages_read'],
  'files.list': ['spark:messages_read'],
  'teams.list': ['spark:teams_read', 'spark:teams_write'],
  'teams.get': ['spark:teams_read', 'spark:teams_write'],
  'teams.create': ['spark:teams_write'],
  'teams.update': ['spark:teams_write'],
  'teams.delete': ['spark:teams_write'],
  'teamMemberships.list': ['spark:teams_read', 'spark:teams_write'],
  'teamMemberships.create': ['spark:teams_write'],
  'teamMemberships.update': ['spark:teams_write'],
  'teamMemberships.delete': ['spark:teams_write'],
  'meetings.list': ['meeting:schedules_read', 'meeting:schedules_write'],
  'meetings.get': ['meeting:schedules_read', 'meeting:schedules_write'],
  'meetings.create': ['meeting:schedules_write'],
  'meetings.update': ['meeting:schedules_write'],
  'meetings.delete': ['meeting:schedules_write'],
  'personalRoom.get': ['meeting:preferences_read'],
  // Calls (CL-1): Webex's call-control scopes; dialling also opens the direct space (its key's KMS resource).
  'calls.list': ['spark:calls_read', 'spark:calls_write'],
  'calls.get': ['spark:calls_read', 'spark:calls_write'],
  'calls.history': ['spark:calls_read', 'spark:calls_write'],
  'calls.dial': ['spark:calls_write'],
  'calls.answer': ['spark:calls_write'],
  'calls.decline': ['spark:calls_write'],
  'calls.hangup': ['spark:calls_write'],
  'calls.hold': ['spark:calls_write'],
  'calls.resume': ['spark:calls_write'],
  'calls.divert': ['spark:calls_write'],
  'calls.transfer': ['spark:calls_write'],
  'calls.moveToMeeting': ['spark:calls_write'],
  'calls.addPeople': ['spark:calls_write'],
  'calls.park': ['spark:calls_write'],
  'calls.retrieve': ['spark:calls_write'],
  // Voicemail (Webex's /v1/telephony/voiceMessages): read with spark:calls_read, change with spark:calls_write.
  'voicemail.list': ['spark:calls_read', 'spark:calls_write'],
  'voicemail.summary': ['spark:calls_read', 'spark:calls_write'],
  'voicemail.setRead': ['spark:calls_write'],
  'voicemail.delete': ['spark:calls_write'],
  // The KMS relay (and the event stream that carries its replies) only with spark:kms.
  'encryption.kmsInfo': ['spark:kms'],
  'encryption.kmsMessages': ['spark:kms'],
};

/**
 * The scope of a meeting guest's token (docs/meetings.md "Guests"): not an OAuth scope (no
 * integration can ask for it: `isOAuthScope` refuses it), it is set on the guest's one session only.
 */
export const MEETING_GUEST_SCOPE = 'flint:meeting_guest';

/**
 * Everything a meeting guest's token reaches: its own knock, the meeting it was admitted to (each
 * route checks that too), the ICE servers, and the KMS (discovery and relay; the event stream, which
 * carries the relay's replies, and the token exchange take the guest's `spark:kms`). Not a space,
 * a message, a person or anything else.
 */
export const MEETING_GUEST_ROUTES: ReadonlySet<string> = new Set([
  // Its own (ephemeral) person only: people.get, people.list and the directory stay closed.
  'people.me',
  'meetingGuests.me',
  'meetingGuests.leave',
  'meetings.current',
  'meetings.setKey',
  'meetings.publish',
  'meetings.subscribe',
  'meetings.answer',
  'meetings.updateParticipant',
  'meetings.leave',
  'meetings.iceServers',
  'encryption.kmsInfo',
  'encryption.kmsMessages',
]);

/** Throws 403 `insufficient_scope` unless the actor may call the route `methodId`. */
export function assertRouteScope(actor: Actor, methodId: string | undefined): void {
  if (actor.scopes === undefined) return;
  if (actor.scopes.includes(MEETING_GUEST_SCOPE)) {
    if (methodId !== undefined && MEETING_GUEST_ROUTES.has(methodId)) return;
    throw new ApiError('insufficient_scope', 'A meeting guest’s token reaches only its meeting.');
  }
  const needed = methodId === undefined ? undefined : CORE_ROUTE_SCOPES[methodId];
  if (needed === ANY) return;
  if (needed !== undefined && needed.some((s) => actor.scopes!.includes(s))) return;
  const what = needed === undefined ? 'This route is not open to integrations.' : `This needs one of the scopes: ${needed.join(', ')}.`;
  throw new ApiError('insufficient_scope', `The access token was not granted the scope this requires. ${what}`);
}

/** The event stream (which carries the KMS relay's replies) is open to an integration only with `spark:kms`. */
export function assertStreamScope(actor: Actor): void {
  if (actor.scopes === undefined) return;
  if (actor.scopes.includes('spark:kms')) return;
  throw new ApiError('insufficient_scope', 'The event stream needs the scope spark:kms.');
}
