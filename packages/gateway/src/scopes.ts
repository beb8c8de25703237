/**
 * The Webex scopes each `/v1` route needs from an integration's token (issue 18, ID-9). Every
 * route the gateway registers must be listed here — `v1()` refuses to register one that is not —
 * so no route is left unchecked. `any`: every token (service discovery); `closed`: not open to
 * integrations at all (administration, webhooks). A person's or bot's own token is not limited
 * (the core answers `scopes: null` for it). The core checks its own routes too (server
 * `identity/scopes.ts`); this table is the exact, Webex-shaped one.
 * @module
 */
import type { OAuthScope } from '@flint/protocol';
import { WebexError } from './errors.ts';

export type RouteScope = OAuthScope | 'any' | 'closed';

const people = 'spark:people_read';
// listen/catalog.ts's prefixes, written out: importing them would make an import cycle through context.ts.
const U2C_PREFIX = '/u2c/api/v1';
const WDM_PREFIX = '/wdm/api/v1';
const table: Record<string, RouteScope> = {
  'GET /v1/people/me': people,
  'GET /v1/people': people,
  'GET /v1/people/:personId': people,
  'POST /v1/people': 'closed',
  'PUT /v1/people/:personId': 'closed',
  'DELETE /v1/people/:personId': 'closed',
  'GET /v1/rooms': 'spark:rooms_read',
  'GET /v1/rooms/:roomId': 'spark:rooms_read',
  'POST /v1/rooms': 'spark:rooms_write',
  'PUT /v1/rooms/:roomId': 'spark:rooms_write',
  'DELETE /v1/rooms/:roomId': 'spark:rooms_write',
  'GET /v1/memberships': 'spark:memberships_read',
  'GET /v1/memberships/:membershipId': 'spark:memberships_read',
  'POST /v1/memberships': 'spark:memberships_write',
  'PUT /v1/memberships/:membershipId': 'spark:memberships_write',
  'DELETE /v1/memberships/:membershipId': 'spark:memberships_write',
  'GET /v1/messages': 'spark:messages_read',
  'GET /v1/messages/direct': 'spark:messages_read',
  'GET /v1/messages/:messageId': 'spark:messages_read',
  'POST /v1/messages': 'spark:messages_write',
  'PUT /v1/messages/:messageId': 'spark:messages_write',
  'DELETE /v1/messages/:messageId': 'spark:messages_write',
  'GET /v1/contents/:contentId': 'spark:messages_read',
  'HEAD /v1/contents/:contentId': 'spark:messages_read',
  'POST /v1/attachment/actions': 'spark:messages_write',
  'GET /v1/attachment/actions/:actionId': 'spark:messages_read',
  'GET /v1/teams': 'spark:teams_read',
  'GET /v1/teams/:teamId': 'spark:teams_read',
  'POST /v1/teams': 'spark:teams_write',
  'PUT /v1/teams/:teamId': 'spark:teams_write',
  'DELETE /v1/teams/:teamId': 'spark:teams_write',
  'GET /v1/team/memberships': 'spark:teams_read',
  'GET /v1/team/memberships/:membershipId': 'spark:teams_read',
  'POST /v1/team/memberships': 'spark:teams_write',
  'PUT /v1/team/memberships/:membershipId': 'spark:teams_write',
  'DELETE /v1/team/memberships/:membershipId': 'spark:teams_write',
  // Meetings (Webex's user scopes); scheduling also makes the meeting's space, which the core
  // allows to meeting:schedules_write (server identity/scopes.ts).
  // Webex Calling's voicemail (SPEC CL-3): read with spark:calls_read, change with spark:calls_write.
  'GET /v1/telephony/voiceMessages': 'spark:calls_read',
  'GET /v1/telephony/voiceMessages/summary': 'spark:calls_read',
  'POST /v1/telephony/voiceMessages/markAsRead': 'spark:calls_write',
  'POST /v1/telephony/voiceMessages/markAsUnread': 'spark:calls_write',
  'DELETE /v1/telephony/voiceMessages/:messageId': 'spark:calls_write',
  'GET /v1/meetings': 'meeting:schedules_read',
  'GET /v1/meetings/:meetingId': 'meeting:schedules_read',
  'POST /v1/meetings': 'meeting:schedules_write',
  'PUT /v1/meetings/:meetingId': 'meeting:schedules_write',
  'DELETE /v1/meetings/:meetingId': 'meeting:schedules_write',
  'GET /v1/meetingPreferences/personalMeetingRoom': 'meeting:preferences_read',
  // Call control (Webex: spark:calls_read for GET, spark:calls_write for the rest, on a user token).
  'POST /v1/telephony/calls/dial': 'spark:calls_write',
  'POST /v1/telephony/calls/answer': 'spark:calls_write',
  'POST /v1/telephony/calls/reject': 'spark:calls_write',
  'POST /v1/telephony/calls/hangup': 'spark:calls_write',
  'POST /v1/telephony/calls/hold': 'spark:calls_write',
  'POST /v1/telephony/calls/resume': 'spark:calls_write',
  'POST /v1/telephony/calls/divert': 'spark:calls_write',
  'POST /v1/telephony/calls/transfer': 'spark:calls_write',
  'POST /v1/telephony/calls/park': 'spark:calls_write',
  'POST /v1/telephony/calls/retrieve': 'spark:calls_write',
  'GET /v1/telephony/calls': 'spark:calls_read',
  'GET /v1/telephony/calls/history': 'spark:calls_read',
  'GET /v1/telephony/calls/:callId': 'spark:calls_read',
  // Telephony configuration (SPEC CL-4, CL-5): administration, closed to integrations as people's writes are.
  'GET /v1/telephony/config/locations': 'closed',
  'POST /v1/telephony/config/locations': 'closed',
  'GET /v1/telephony/config/locations/:locationId': 'closed',
  'PUT /v1/telephony/config/locations/:locationId': 'closed',
  'GET /v1/telephony/config/numbers': 'closed',
  'GET /v1/telephony/config/huntGroups': 'closed',
  'POST /v1/telephony/config/locations/:locationId/huntGroups': 'closed',
  'GET /v1/telephony/config/locations/:locationId/huntGroups/:huntGroupId': 'closed',
  'PUT /v1/telephony/config/locations/:locationId/huntGroups/:huntGroupId': 'closed',
  'DELETE /v1/telephony/config/locations/:locationId/huntGroups/:huntGroupId': 'closed',
  'GET /v1/telephony/config/autoAttendants': 'closed',
  'GET /v1/telephony/config/locations/:locationId/autoAttendants/:autoAttendantId': 'closed',
  'DELETE /v1/telephony/config/locations/:locationId/autoAttendants/:autoAttendantId': 'closed',
  'GET /v1/people/:personId/features/callerId': 'closed',
  'PUT /v1/people/:personId/features/callerId': 'closed',
  'GET /v1/webhooks': 'closed',
  'GET /v1/webhooks/:webhookId': 'closed',
  'POST /v1/webhooks': 'closed',
  'PUT /v1/webhooks/:webhookId': 'closed',
  'DELETE /v1/webhooks/:webhookId': 'closed',
  'GET /v1/organizations': 'closed',
  'GET /v1/organizations/:orgId': 'closed',
  'GET /v1/roles': 'closed',
  'GET /v1/roles/:roleId': 'closed',
  'GET /v1/licenses': 'closed',
  'GET /v1/licenses/:licenseId': 'closed',
  'GET /v1/adminAudit/events': 'closed',
  'GET /v1/adminAudit/eventCategories': 'closed',
  // The compliance API (Webex: spark-compliance:events_read): officers' own tokens only.
  'GET /v1/events': 'closed',
  [`GET ${U2C_PREFIX}/catalog`]: 'any',
  // listen(): the device that receives message activities.
  [`POST ${WDM_PREFIX}/devices`]: 'spark:messages_read',
  [`PUT ${WDM_PREFIX}/devices/:deviceId`]: 'spark:messages_read',
  [`GET ${WDM_PREFIX}/devices/:deviceId`]: 'spark:messages_read',
  [`DELETE ${WDM_PREFIX}/devices/:deviceId`]: 'spark:messages_read',
};

/** The scope a route needs; throws (at start-up) for a route nobody classified. */
export function routeScope(verb: string, path: string): RouteScope {
  const scope = table[`${verb} ${path}`];
  if (scope === undefined) throw new Error(`gateway: no scope declared for ${verb} ${path} (packages/gateway/src/scopes.ts)`);
  return scope;
}

/** 403 in the Webex shape unless the token's scopes (null: a person's or bot's own token) open the route. */
export function assertScope(scopes: readonly string[] | null, needed: RouteScope): void {
  if (scopes === null || needed === 'any') return;
  if (needed !== 'closed' && scopes.includes(needed)) return;
  const why = needed === 'closed' ? 'This API is not open to integrations.' : `This needs the scope ${needed}.`;
  throw new WebexError('insufficient_scope', `The access token was not granted the scope this requires. ${why}`, [why]);
}
