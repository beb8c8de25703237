/**
 * The wire contract between Flint's clients and its servers: method definitions, schemas, error
 * codes and limits. No I/O here; the server and the SDK both import it.
 * @module
 */
export * from './method.ts';
export * from './errors.ts';
export * from './limits.ts';
export * from './common.ts';
export * as auth from './auth.ts';
export * as people from './people.ts';
export * as sessions from './sessions.ts';
export * as invitations from './invitations.ts';
export * as spaceInvitations from './space-invitations.ts';
export type { SpaceInvitation, SpaceInvitationSent, ReceivedSpaceInvitation } from './space-invitations.ts';
export * as organizations from './organizations.ts';
export type { AuthResult, SignupMailed } from './auth.ts';
export type { Person } from './people.ts';
export type { Session } from './sessions.ts';
export type { Invitation, InvitationPreview } from './invitations.ts';
export type { Organization, OrgPolicy } from './organizations.ts';
export type { RoleId } from './people.ts';
export type { SignupBody } from './auth.ts';
export * as spaces from './spaces.ts';
export * as messages from './messages.ts';
export * from './events.ts';
export type { Room, Membership, Team, TeamMembership } from './spaces.ts';
export type { Message, Flag, Presence, MessageAttachment, Availability } from './messages.ts';
export { CARD_CONTENT_TYPE } from './messages.ts';
export * as encryption from './encryption.ts';
export * as search from './search.ts';
export * as files from './files.ts';
export * from './hydra-ids.ts';
export * as webhooks from './webhooks.ts';
export type { Webhook, WebhookEnvelope, WebhookResource, WebhookEvent } from './webhooks.ts';
export * as attachmentActions from './attachment-actions.ts';
export * as reactions from './reactions.ts';
export type { Reaction } from './reactions.ts';
export { REACTION_LIMITS } from './reactions.ts';
export * as whiteboards from './whiteboards.ts';
export type { Whiteboard, WhiteboardUpdate, WhiteboardSnapshot } from './whiteboards.ts';
export { WHITEBOARD_LIMITS } from './whiteboards.ts';
export type { AttachmentAction } from './attachment-actions.ts';
export * as adminAudit from './admin-audit.ts';
export * as compliance from './compliance.ts';
export type { ComplianceEvent, ComplianceRoom, ComplianceResource, ComplianceEventType } from './compliance.ts';
export type { AuditEvent, AuditCategory, AuditTargetType } from './admin-audit.ts';
export * as adminPeople from './admin-people.ts';
export * as adminDomains from './admin-domains.ts';
export type { OrgDomain } from './admin-domains.ts';
export * as adminReports from './admin-reports.ts';
export type { UsageDay } from './admin-reports.ts';
export * as kms from './kms.ts';
export type { KmsKeyObject, KmsResourceObject, KmsAuthorizationObject, KmsEphemeralKeyObject, KmsResourceBinding, KmsCredentialObject, KmsHoldObject, KmsOperation, KmsOperationName, KmsRequestOf, KmsResponseOf } from './kms.ts';
export * as serviceHealth from './service-health.ts';
export type { HealthCheck, HealthComponent, HealthState, ServiceHealth, Notice, NoticeSeverity } from './service-health.ts';
export * as adminRoles from './admin-roles.ts';
export type { RoleSummary } from './admin-roles.ts';
export * as sso from './sso.ts';
export type { SamlIdp, SamlSp, SsoConfig, SsoConfigBody, SsoErrorCode } from './sso.ts';
export * as directory from './directory.ts';
export type { ScimGroupSummary, ScimSettings, TeamKeyShare } from './directory.ts';
export * as feedback from './feedback.ts';
export type { ClientLogEntry, FeedbackReport, FeedbackSummary, SendFeedbackBody } from './feedback.ts';
export { FEEDBACK_LIMITS } from './feedback.ts';
export * as oauth from './oauth.ts';
export type { Integration, Grant, ConsentInfo, ConsentBody, CreateIntegrationBody, OAuthScope } from './oauth.ts';
export { OAUTH_SCOPES, OAUTH_LIMITS, isOAuthScope, integrationGrantKey } from './oauth.ts';
export * as deviceRequests from './device-requests.ts';
export type { DeviceRequest, DeviceRequestStatus } from './device-requests.ts';
export { DEVICE_REQUEST_LIMITS } from './device-requests.ts';
export * as notifications from './notifications.ts';
export type { NotificationLevel, NotificationSettings, NotificationDefaults, ScopeSetting, QuietHours, PushPayload, NotifiableEvent, NotificationContext } from './notifications.ts';
export { NOTIFICATION_LIMITS, shouldNotify, effectiveLevel, isMuted, inQuietHours } from './notifications.ts';
export * as retention from './retention.ts';
export type { LegalHold, LegalHoldKind, SpaceRetention } from './retention.ts';
export { RETENTION_LIMITS } from './retention.ts';
export * as care from './care.ts';
export type { CareQueue, CareExpert, CareRequest, CareStatus } from './care.ts';
export { CARE_LIMITS } from './care.ts';
export * as meetings from './meetings.ts';
export type { Meeting, MeetingParticipant } from './meetings.ts';
export { MEETING_LIMITS } from './meetings.ts';
export * as meetingGuests from './meeting-guests.ts';
export type { MeetingLink, MeetingKnock, KnockState } from './meeting-guests.ts';
export { GUEST_LIMITS } from './meeting-guests.ts';
export * as calls from './calls.ts';
export type { Call, CallEndReason, CallHistoryEntry, CallMedia, CallParty, CallSettings, CallSignal, CallSignalEvent, CallState, CallTarget, IceServer } from './calls.ts';
export { CALL_LIMITS } from './calls.ts';
export * as scheduling from './scheduling.ts';
export type { ScheduledMeeting, MeetingInvitee, MeetingInviteeInput, MeetingState, PersonalRoom, PersonalRoomCard, PersonalRoomEntry, PersonalRoomKnock } from './scheduling.ts';
export { SCHEDULING_LIMITS, ROOM_NAME_PATTERN } from './scheduling.ts';
export * as voicemail from './voicemail.ts';
export type { Voicemail, VoicemailSummary, VoicemailSettings } from './voicemail.ts';
export { VOICEMAIL_LIMITS } from './voicemail.ts';
export * as telephony from './telephony.ts';
export type {
  TelephonyLocation,
  TelephonySettings,
  ExtensionRange,
  EmergencyAddress,
  PhoneNumber,
  NumberOwner,
  OwnerType,
  PersonCalling,
  HuntGroup,
  HuntAgent,
  HuntPolicy,
  Schedule,
  ScheduleEvent,
  ScheduleType,
  AutoAttendant,
  AttendantMenu,
  MenuKey,
  MenuAction,
  SipDevice,
  SipCredentials,
  RouteDecision,
  PhoneCall,
  Weekday,
} from './telephony.ts';
export { TELEPHONY_LIMITS, WEEKDAYS } from './telephony.ts';
