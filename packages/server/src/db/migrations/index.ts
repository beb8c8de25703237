/**
 * The ordered list of migrations. A migration, once released, is never edited: add a new one.
 * @module
 */
import type { Migration } from 'kysely';
import * as identity from './0001-identity.ts';
import * as messaging from './0002-messaging.ts';
import * as tokenScope from './0003-token-scope.ts';
import * as eventRetention from './0004-event-retention.ts';
import * as search from './0005-search.ts';
import * as files from './0006-files.ts';
import * as jobsWebhooks from './0007-jobs-webhooks.ts';
import * as fileUploads from './0008-file-uploads.ts';
import * as searchIndex from './0009-search-index.ts';
import * as attachmentActions from './0010-attachment-actions.ts';
import * as messageCards from './0013-message-cards.ts';
import * as eventStream from './0014-event-stream.ts';
import * as adminAudit from './0015-admin-audit.ts';
import * as invitationSpace from './0016-invitation-space.ts';
import * as domainVerification from './0017-domain-verification.ts';
import * as kroUnique from './0018-kro-unique.ts';
import * as notices from './0028-notices.ts';
import * as sso from './0032-sso.ts';
import * as scim from './0033-scim.ts';
import * as signupConfirmations from './0019-signup-confirmations.ts';
import * as reactions from './0023-reactions.ts';
import * as passwordResets from './0025-password-resets.ts';
import * as personStatus from './0026-person-status.ts';
import * as personLocale from './0030-person-locale.ts';
import * as feedback from './0031-feedback.ts';
import * as kmsEnrollment from './0037-kms-enrollment.ts';
import * as orgLogo from './0034-org-logo.ts';
import * as oauth from './0038-oauth.ts';
import * as saml from './0039-saml.ts';
import * as spaceInvitations from './0036-space-invitations.ts';
import * as notifications from './0043-notifications.ts';
import * as scimGroups from './0040-scim-groups.ts';
import * as legalHolds from './0042-legal-holds.ts';
import * as care from './0044-care.ts';
import * as meetings from './0045-meetings.ts';
import * as whiteboards from './0046-whiteboards.ts';
import * as scheduling from './0047-scheduling.ts';
import * as calls from './0048-calls.ts';
import * as voicemail from './0049-voicemail.ts';
import * as telephony from './0050-telephony.ts';
import * as meetingKeyEpochs from './0051-meeting-key-epochs.ts';
import * as meetingGuests from './0052-meeting-guests.ts';
import * as callConferencesAndPark from './0053-call-conferences-and-park.ts';
import * as meetingRecurrence from './0056-meeting-recurrence.ts';

export const migrations: Record<string, Migration> = {
  '0001-identity': identity,
  '0002-messaging': messaging,
  '0003-token-scope': tokenScope,
  '0004-event-retention': eventRetention,
  '0005-search': search,
  '0006-files': files,
  '0007-jobs-webhooks': jobsWebhooks,
  '0008-file-uploads': fileUploads,
  '0009-search-index': searchIndex,
  '0010-attachment-actions': attachmentActions,
  '0013-message-cards': messageCards,
  '0014-event-stream': eventStream,
  '0015-admin-audit': adminAudit,
  '0016-invitation-space': invitationSpace,
  '0017-domain-verification': domainVerification,
  '0018-kro-unique': kroUnique,
  '0028-notices': notices,
  '0032-sso': sso,
  '0033-scim': scim,
  '0019-signup-confirmations': signupConfirmations,
  '0023-reactions': reactions,
  '0025-password-resets': passwordResets,
  '0026-person-status': personStatus,
  '0030-person-locale': personLocale,
  '0031-feedback': feedback,
  '0034-org-logo': orgLogo,
  '0038-oauth': oauth,
  '0039-saml': saml,
  '0036-space-invitations': spaceInvitations,
  '0037-kms-enrollment': kmsEnrollment,
  '0043-notifications': notifications,
  '0040-scim-groups': scimGroups,
  '0042-legal-holds': legalHolds,
  '0044-care': care,
  '0045-meetings': meetings,
  '0046-whiteboards': whiteboards,
  '0047-scheduling': scheduling,
  '0048-calls': calls,
  '0049-voicemail': voicemail,
  '0050-telephony': telephony,
  '0051-meeting-key-epochs': meetingKeyEpochs,
  '0052-meeting-guests': meetingGuests,
  '0053-call-conferences-and-park': callConferencesAndPark,
  '0056-meeting-recurrence': meetingRecurrence,
};
