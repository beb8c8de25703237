/**
 * Webex ids at the gateway's edge: every id leaves as a hydra id and every id that arrives is
 * decoded here (hydra, either base64 alphabet, with or without padding, or a raw UUID). A malformed
 * id in a path is a 404 (Webex's answer for an unknown id); in a body or query it is a 400.
 * @module
 */
import { fromHydraId, parseHydraId, toHydraId, type HydraType } from '@flint/protocol';
import { WebexError } from './errors.ts';

export const hydra = {
  person: (uuid: string) => toHydraId('PEOPLE', uuid),
  room: (uuid: string) => toHydraId('ROOM', uuid),
  message: (uuid: string) => toHydraId('MESSAGE', uuid),
  team: (uuid: string) => toHydraId('TEAM', uuid),
  org: (uuid: string) => toHydraId('ORGANIZATION', uuid),
  /** Webex's membership id names the person and the space: `personUUID:roomUUID`. */
  membership: (personId: string, roomId: string) => toHydraId('MEMBERSHIP', `${personId}:${roomId}`),
  teamMembership: (personId: string, teamId: string) => toHydraId('TEAM_MEMBERSHIP', `${personId}:${teamId}`),
  /** A file of a message: `messageUUID/index`, as the Webex SDK builds content ids. */
  content: (messageId: string, index: number) => toHydraId('CONTENT', `${messageId}/${index}`),
  role: (id: string) => toHydraId('ROLE', id),
  license: (id: string) => toHydraId('LICENSE', id),
  webhook: (uuid: string) => toHydraId('WEBHOOK', uuid),
  application: (uuid: string) => toHydraId('APPLICATION', uuid),
  invitation: (uuid: string) => toHydraId('INVITATION', uuid),
  attachmentAction: (uuid: string) => toHydraId('ATTACHMENT_ACTION', uuid),
  /** A compliance event: its position in the core's log (and, for a file, the file's place). */
  event: (local: string) => toHydraId('EVENT', local),
  location: (uuid: string) => toHydraId('LOCATION', uuid),
  huntGroup: (uuid: string) => toHydraId('HUNT_GROUP', uuid),
  autoAttendant: (uuid: string) => toHydraId('AUTO_ATTENDANT', uuid),
  schedule: (uuid: string) => toHydraId('SCHEDULE', uuid),
};

const NAMES: Record<HydraType, string> = {
  PEOPLE: 'person',
  ROOM: 'room',
  MESSAGE: 'message',
  MEMBERSHIP: 'membership',
  TEAM: 'team',
  TEAM_MEMBERSHIP: 'team membership',
  WEBHOOK: 'webhook',
  ORGANIZATION: 'organization',
  CONTENT: 'content',
  ATTACHMENT_ACTION: 'attachment action',
  LICENSE: 'license',
  ROLE: 'role',
  APPLICATION: 'application',
  INVITATION: 'invitation',
  EVENT: 'event',
  CALL: 'call',
  LOCATION: 'location',
  HUNT_GROUP: 'hunt group',
  AUTO_ATTENDANT: 'auto attendant',
  SCHEDULE: 'schedule',
};

/** The UUID behind an id in a path; 404 if it is not one of `type`. */
export function pathId(type: HydraType, id: string): string {
  const uuid = fromHydraId(type, id);
  if (uuid === undefined) throw WebexError.notFound(NAMES[type]);
  return uuid;
}

/** The UUID behind an id in a body or query field; 400 naming the field if it is not one of `type`. */
export function fieldId(type: HydraType, id: unknown, field: string): string {
  const uuid = typeof id === 'string' ? fromHydraId(type, id) : undefined;
  if (uuid === undefined) throw WebexError.badRequest(`${field}: not a valid ${NAMES[type]} id`);
  return uuid;
}

/** A composite id `a:b` of `type` (memberships), as its two UUIDs; undefined if malformed. */
export function pairId(type: HydraType, id: string): [string, string] | undefined {
  const decoded = parseHydraId(id);
  if (decoded === undefined || decoded.type !== type) return undefined;
  const parts = decoded.localId.split(':');
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (parts.length !== 2 || !uuid.test(parts[0]!) || !uuid.test(parts[1]!)) return undefined;
  return [parts[0]!.toLowerCase(), parts[1]!.toLowerCase()];
}

/** A content id `messageUUID/index`; undefined if malformed. */
export function contentId(id: string): { messageId: string; index: number } | undefined {
  const decoded = parseHydraId(id);
  if (decoded === undefined || decoded.type !== 'CONTENT') return undefined;
  const match = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/(\d{1,3})$/i.exec(decoded.localId);
  if (match === null) return undefined;
  return { messageId: match[1]!.toLowerCase(), index: Number(match[2]) };
}
