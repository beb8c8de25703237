/**
 * Flint's isomorphic client SDK. Everything starts with `createSession` (see README.md): the
 * session owns the transport, the KMS client and key caches and the event stream, and exposes the
 * domain in plaintext. The layers underneath are the SDK's own and are not exported to assemble.
 * @module
 */
export { createSession, joinMeetingAsGuest, Session, type SessionOptions, type SessionAuth } from './session.ts';
export type { KmsPath, KmsCredentialSource } from './session/kms.ts';
export { newDeviceSecret, passwordCredential, tokenDeviceSecret, deviceCredentialHash, newRecoveryKey, normalizeRecoveryKey, formatRecoveryKey, idpNonce, newApprovalCode, normalizeApprovalCode, deviceRequestMac, PASSWORD_CREDENTIAL_ROUNDS, type KmsDeviceCredential } from './kms/credentials.ts';
export type { SessionStorage, Signal, StreamState, StartOptions } from './session/events.ts';
export type { Spaces, CreateSpaceInput } from './session/spaces.ts';
export type { Members } from './session/members.ts';
export type { Invitations } from './session/invitations.ts';
export type { Teams } from './session/teams.ts';
export type { Messages, SendInput, SendFile, SendUrl, SentMessage, EditInput } from './session/messages.ts';
export type { Files, FileEntry } from './session/files.ts';
export type { VoicemailBox, VoicemailAudio, VoicemailRecording, VoicemailReference } from './session/voicemail.ts';
export type { Reactions, OpenReaction } from './session/reactions.ts';
export type { Whiteboards, WhiteboardSync, OpenWhiteboard } from './session/whiteboards.ts';
export { keeperOf, meetingBinding, epochKeyId, type Meetings, type MediaKey, type Rotation, type MeetingState } from './session/meetings.ts';
export type { Search, SearchOptions, SearchResult, SearchHit, SearchResults, FileHit, SpaceHit } from './session/search.ts';
export type { People } from './session/people.ts';
export { EXPORT_SECTIONS, CSV_COLUMNS, safeFileName, spaceRecord, membershipRecord, fileRecord, messageRecord, eventRecord, type ExportSection } from './compliance-records.ts';
export type { Compliance, CompliancePage, ComplianceSpace, ComplianceFile, OpenedComplianceEvent, ComplianceSearchOptions } from './session/compliance.ts';
export type { Events } from './session/events.ts';
export type { SecureRoom, SecureTeam, SecureMessage, MessageContent, PersonRef } from './session/types.ts';
export { runConnectionTest, type ConnectionTestResult, type ConnectionStepResult, type ConnectionTestStep, type ConnectionTestOptions } from './connection-test.ts';
export { FlintError, type FlintErrorKind, type FlintErrorInit } from './errors.ts';
export type { FlintClient, Page } from './client.ts';
export { nextLink, type FetchLike } from './transport.ts';
export type { EventStream, WebSocketConstructor, WebSocketLike } from './event-stream.ts';
export type { KmsTransport, KmsReplyMatcher } from './kms/transport.ts';
export type { KmsKey, KmsClient, KmsDevice, KmsResourceBinding, KmsHold } from './kms/client.ts';
export type { SearchEpoch } from './search/search-keys.ts';
export type { Card } from './secure/cards.ts';
export { mapLink, locationFallback, LOCATION_LIMITS, type SharedLocation } from './secure/location.ts';
export type { FileReference, Preview } from './files/reference.ts';
export type { Download, DownloadOptions } from './files/download.ts';
export type { UploadSource, UploadOptions, UploadedFile, UploadedPreview } from './files/upload.ts';
export { checkSourceUrl, nameFromResponse, URL_UPLOAD_LIMITS, type UrlUploadOptions } from './files/from-url.ts';
export { webhookSignature, verifyWebhookSignature } from './webhook-signature.ts';
export { PREVIEW_LIMITS, previewKind, fitPreview, type PreviewMaker, type PreviewImage, type PreviewSource } from './previews/preview.ts';
