/**
 * The core's tables, as Kysely sees them. Times are epoch milliseconds (bigint in PostgreSQL,
 * read back as numbers); booleans are 0/1 integers so both engines share one representation.
 * @module
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface OrgsTable {
  id: string;
  display_name: string;
  /** JSON of OrgPolicy. */
  policy: string;
  created_at: number;
  /** Blob key of the org's logo (WebP, re-encoded by the server; migration 0034); null: none. */
  logo_key: string | null;
}

/** A "forgot password" link: only the token's SHA-256 is kept (migration 0025). */
export interface PasswordResetsTable {
  token_hash: string;
  person_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** A person's chosen status (migration 0026); no row means available. */
export interface PersonStatusTable {
  person_id: string;
  status: 'available' | 'away' | 'dnd';
  text: string | null;
  /** When the status ends by itself (ms); null: until changed. */
  until_at: number | null;
  updated_at: number;
}

export interface OrgDomainsTable {
  domain: string;
  org_id: string;
  verified: number;
  created_at: number;
  /** Set while an admin's claim waits for its DNS TXT record (migration 0016). */
  verification_token: Generated<string | null>;
}

export type PersonStatus = 'active' | 'invited' | 'deactivated';

export interface PeopleTable {
  id: string;
  org_id: string;
  email: string;
  display_name: string;
  first_name: string | null;
  last_name: string | null;
  nick_name: string | null;
  type: 'person' | 'bot';
  status: PersonStatus;
  is_guest: number;
  password_hash: string | null;
  avatar_key: string | null;
  /** JSON of NotificationPrefs. */
  notification_prefs: string;
  created_at: number;
  updated_at: number;
  /** The person's language (`en`, `fr`), null for the org's default (migration 0030, SPEC AD-4). */
  language: Generated<string | null>;
  /** The person's IANA time zone, null for the org's default (migration 0030). */
  time_zone: Generated<string | null>;
  /** A meeting guest's ephemeral account (migration 0052): the space whose meeting it is a guest of. */
  meeting_guest_space: Generated<string | null>;
}

/** A problem report (SPEC AD-5, migration 0031). */
export interface FeedbackReportsTable {
  id: string;
  org_id: string;
  person_id: string;
  person_name: string;
  person_email: string;
  description: string | null;
  /** JSON array of ClientLogEntry ("[]" when the person did not opt in). */
  logs: string;
  log_entries: number;
  screenshot_key: string | null;
  screenshot_type: string | null;
  user_agent: string | null;
  client_version: string | null;
  created_at: number;
}

export interface PersonRolesTable {
  person_id: string;
  role: string;
}

export interface SessionsTable {
  id: string;
  person_id: string;
  /** `sso`: signed in through the org's identity provider (migration 0032). `guest`: a meeting guest's one session (migration 0052). */
  kind: 'password' | 'bot' | 'sso' | 'oauth' | 'guest';
  /** `oauth`: the integration (oauth_clients.id) a person allowed, and the scopes granted (migration 0038). */
  oauth_client: string | null;
  oauth_scopes: string | null;
  refresh_hash: string | null;
  /** The previous refresh token's hash: presenting it again means the token was stolen. */
  prev_refresh_hash: string | null;
  cookie_hash: string | null;
  ip: string | null;
  user_agent: string | null;
  client_version: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface AccessTokensTable {
  hash: string;
  /** `api` (the core's API) or `spark:kms` (the KMS only). */
  scope: Generated<string>;
  session_id: string;
  person_id: string;
  expires_at: number | null;
  created_at: number;
}

export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  person_id: string;
  invited_by: string;
  token_hash: string;
  as_guest: number;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  revoked_at: number | null;
  /** The space the inviter added them to, to land in after accepting. */
  room_id: string | null;
  /** Made for an invitation into a space (migration 0036): listed with the space's, not the org's. */
  via_space: number;
}

/** An org's single sign-on provider (migration 0032). */
export interface OrgSsoTable {
  org_id: string;
  protocol: 'oidc' | 'saml';
  /** OIDC: the issuer URL; SAML: the IdP's entity ID. */
  issuer: string;
  client_id: string;
  /** The OIDC client secret, when the IdP gave one (a confidential client); needed in clear to use it. */
  client_secret: string | null;
  enabled: number;
  /** Just-in-time accounts: a person of the org's domains the IdP vouches for gets an account. */
  jit: number;
  /** Password sign-in off for the org's people, except its admins (break-glass). */
  require_sso: number;
  created_at: number;
  updated_at: number;
  /** SAML: the IdP's metadata XML as imported (migration 0039). */
  saml_metadata: string | null;
  /** SAML: the URL the metadata was read from, when it was not pasted. */
  saml_metadata_url: string | null;
}

/** A SAML request Flint sent (AuthnRequest or LogoutRequest), awaiting its answer (migration 0039). */
export interface SamlRequestsTable {
  id: string;
  org_id: string;
  created_at: number;
  expires_at: number;
}

/** An assertion already used, kept until it expires, so it cannot be replayed. */
export interface SamlAssertionsTable {
  org_id: string;
  assertion_id: string;
  expires_at: number;
}

/** What the IdP said about a session it started, for single logout. */
export interface SsoSessionsTable {
  session_id: string;
  org_id: string;
  protocol: 'oidc' | 'saml';
  name_id: string | null;
  name_id_format: string | null;
  session_index: string | null;
  /** OIDC: the ID token, sent back as `id_token_hint` at sign-out. */
  id_token: string | null;
  created_at: number;
}

/** A sign-in on its way through the IdP: found again by the SHA-256 of its `state`. */
export interface SsoLoginsTable {
  state_hash: string;
  org_id: string;
  code_verifier: string;
  nonce: string;
  /** 1: the browser chose the nonce, and gets the ID token back for the KMS (migration 0037). */
  kms_proof: number;
  created_at: number;
  expires_at: number;
}

/** A browser asking the person's enrolled devices to approve it at the KMS (migration 0037). */
export interface DeviceRequestsTable {
  id: string;
  person_id: string;
  credential_hash: string;
  mac: string;
  status: 'pending' | 'approved' | 'refused';
  user_agent: string | null;
  address: string | null;
  created_at: number;
  expires_at: number;
}

/** A person as a SCIM 2.0 User resource (migration 0033). */
export interface ScimUsersTable {
  person_id: string;
  org_id: string;
  external_id: string | null;
  /** 1 once the SCIM client deleted the resource (the person is deactivated, the resource is gone). */
  deleted: number;
  updated_at: number;
}

/** The org's directory token (migration 0040): its SHA-256 only. */
export interface ScimTokensTable {
  org_id: string;
  id: string;
  hash: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
}

/** A SCIM group; `map_role` (`org_admin`) or `map_team_id` say what its members get. */
export interface ScimGroupsTable {
  id: string;
  org_id: string;
  display_name: string;
  external_id: string | null;
  map_role: string | null;
  map_team_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface ScimGroupMembersTable {
  group_id: string;
  person_id: string;
}

/** A role directory sync granted (and so may take back). */
export interface ScimRoleGrantsTable {
  person_id: string;
  role: string;
}

/** A team change only a moderator's client can finish at the KMS (migration 0040). */
export interface TeamKeySharesTable {
  id: string;
  team_id: string;
  person_id: string;
  op: 'add' | 'remove';
  /** JSON array of space ids (for `remove`: the spaces whose keys to rotate). */
  spaces: string;
  created_at: number;
}
export type TeamKeyShareRow = Selectable<TeamKeySharesTable>;
export type ScimGroupRow = Selectable<ScimGroupsTable>;

export interface Database extends MessagingTables {
  org_sso: OrgSsoTable;
  scim_users: ScimUsersTable;
  scim_tokens: ScimTokensTable;
  scim_groups: ScimGroupsTable;
  scim_group_members: ScimGroupMembersTable;
  scim_role_grants: ScimRoleGrantsTable;
  team_key_shares: TeamKeySharesTable;
  sso_logins: SsoLoginsTable;
  saml_requests: SamlRequestsTable;
  saml_assertions: SamlAssertionsTable;
  sso_sessions: SsoSessionsTable;
  device_requests: DeviceRequestsTable;
  orgs: OrgsTable;
  org_domains: OrgDomainsTable;
  people: PeopleTable;
  feedback_reports: FeedbackReportsTable;
  person_roles: PersonRolesTable;
  sessions: SessionsTable;
  access_tokens: AccessTokensTable;
  oauth_clients: OAuthClientsTable;
  oauth_codes: OAuthCodesTable;
  invitations: InvitationsTable;
  space_invitations: SpaceInvitationsTable;
  signup_confirmations: SignupConfirmationsTable;
  admin_audit: AdminAuditTable;
  notices: NoticesTable;
  password_resets: PasswordResetsTable;
  person_status: PersonStatusTable;
  notification_settings: NotificationSettingsTable;
  push_subscriptions: PushSubscriptionsTable;
  push_deliveries: { event_key: string; subscription_id: string; sent_at: number };
  vapid_keys: { id: number; public_key: string; private_key: string; created_at: number };
  notification_digests: { person_id: string; last_sent_at: number };
  legal_holds: LegalHoldsTable;
  care_queues: CareQueuesTable;
  care_experts: CareExpertsTable;
  care_requests: CareRequestsTable;
  whiteboards: WhiteboardsTable;
  whiteboard_updates: WhiteboardUpdatesTable;
  meetings: MeetingsTable;
  meeting_participants: MeetingParticipantsTable;
  meeting_links: MeetingLinksTable;
  meeting_knocks: MeetingKnocksTable;
  scheduled_meetings: ScheduledMeetingsTable;
  meeting_invitees: MeetingInviteesTable;
  meeting_occurrences: MeetingOccurrencesTable;
  personal_rooms: PersonalRoomsTable;
  calls: CallsTable;
  call_lines: { person_id: string; call_id: string };
  call_parks: CallParksTable;
  call_history: CallHistoryTable;
  call_settings: CallSettingsTable;
  voicemails: VoicemailsTable;
  voicemail_settings: VoicemailSettingsTable;
  telephony_settings: TelephonySettingsTable;
  telephony_extension_ranges: TelephonyExtensionRangesTable;
  telephony_locations: TelephonyLocationsTable;
  telephony_extensions: TelephonyExtensionsTable;
  telephony_numbers: TelephonyNumbersTable;
  telephony_people: TelephonyPeopleTable;
  telephony_hunt_groups: TelephonyHuntGroupsTable;
  telephony_hunt_agents: TelephonyHuntAgentsTable;
  telephony_schedules: TelephonySchedulesTable;
  telephony_attendants: TelephonyAttendantsTable;
  telephony_greetings: TelephonyGreetingsTable;
  telephony_devices: TelephonyDevicesTable;
}

/** A person's notification setting for one space or team (SPEC MS-5; migration 0043). */
export interface NotificationSettingsTable {
  person_id: string;
  scope: 'space' | 'team';
  scope_id: string;
  level: 'all' | 'mentions' | 'off' | null;
  mute_until: number | null;
  updated_at: number;
}

/** One device's Web Push subscription (migration 0043). */
export interface PushSubscriptionsTable {
  id: string;
  person_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: number;
  last_success_at: number | null;
}

/** A legal hold (SPEC CP-4; migration 0042): retention deletes nothing it covers while `released_at` is null. */
export interface LegalHoldsTable {
  id: string;
  org_id: string;
  kind: 'person' | 'space';
  target_id: string;
  /** The person's address, or the space's id (its title is ciphertext). */
  target_name: string;
  reason: string;
  /** The e-mail address of who placed it. */
  created_by: string;
  created_at: number;
  released_by: string | null;
  released_at: number | null;
  /** The matching hold at the KMS, which the admin's client placed (the core cannot place one). */
  kms_hold_uri: string | null;
}
export type LegalHoldRow = Selectable<LegalHoldsTable>;

/** Maintenance and incident notices (SPEC AD-3; migration 0028). Times in ms. */
export interface NoticesTable {
  id: string;
  org_id: string;
  title: string;
  text: string;
  severity: 'info' | 'maintenance' | 'incident';
  starts_at: number;
  ends_at: number;
  created_by: string | null;
  created_at: number;
  emailed: number;
  withdrawn_at: number | null;
}
export type NoticeRow = Selectable<NoticesTable>;

/** The admin audit log (SPEC CP-5): insert only (triggers refuse UPDATE and DELETE). */
export interface AdminAuditTable {
  id: string;
  org_id: string;
  /** Null for the operator's `flint admin` tasks. */
  actor_id: string | null;
  actor_name: string;
  actor_email: string | null;
  actor_ip: string | null;
  actor_user_agent: string | null;
  tracking_id: string | null;
  action: string;
  category: string;
  target_type: string;
  target_id: string;
  target_name: string;
  /** JSON: field → {from, to}. */
  changes: string | null;
  created_at: number;
}
export type AdminAuditRow = Selectable<AdminAuditTable>;

export type PersonRow = Selectable<PeopleTable>;
export type NewPerson = Insertable<PeopleTable>;
export type PersonUpdate = Updateable<PeopleTable>;
export type OrgRow = Selectable<OrgsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type OrgSsoRow = Selectable<OrgSsoTable>;
export type InvitationRow = Selectable<InvitationsTable>;

/** An invitation into a space, by address (migration 0036): accepted by whoever holds the address. */
export interface SpaceInvitationsTable {
  id: string;
  space_id: string;
  email: string;
  invited_by: string;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  accepted_person_id: string | null;
}
export type SpaceInvitationRow = Selectable<SpaceInvitationsTable>;

/** A sign-up waiting for its address to be confirmed (issue 14): the token's SHA-256, never the token. */
export interface SignupConfirmationsTable {
  id: string;
  token_hash: string;
  email: string;
  display_name: string;
  password_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}
export type SignupConfirmationRow = Selectable<SignupConfirmationsTable>;

export interface SpacesTable {
  id: string;
  org_id: string;
  type: 'group' | 'direct';
  title: string | null;
  encryption_key_url: string | null;
  kro_uri: string | null;
  creator_id: string;
  team_id: string | null;
  is_general: number;
  is_locked: number;
  is_announcement_only: number;
  /** For direct spaces: the two person ids, sorted and joined, so there is one space per pair. */
  direct_key: string | null;
  created_at: number;
  last_activity_at: number;
  /** The newest message's id (UUIDv7 sorts by time), for unread checks without counting. */
  last_message_id: string | null;
}

export interface MembershipsTable {
  id: string;
  space_id: string;
  person_id: string;
  is_moderator: number;
  last_read_message_id: string | null;
  last_read_at: number | null;
  created_at: number;
}

export interface MessagesTable {
  id: string;
  space_id: string;
  person_id: string;
  parent_id: string | null;
  text: string | null;
  markdown: string | null;
  html: string | null;
  encryption_key_url: string | null;
  /** JSON arrays, kept for presenting; message_mentions indexes them for queries. */
  mentioned_people: string | null;
  mentioned_groups: string | null;
  /** JSON `[{contentType, content}]`, the content sealed (cards, SPEC PL-2); null without one. */
  attachments: string | null;
  edit_count: number;
  created_at: number;
  updated_at: number | null;
}

export interface MessageMentionsTable {
  message_id: string;
  space_id: string;
  /** A person's id, or `*` for a mention of everyone. */
  person_id: string;
}

/**
 * A searchable message (SPEC SR-1, SR-2); see migrations/0009-search-index.ts. `seq` orders the
 * index by time: the message's creation millisecond × 1024 plus a tie-breaker.
 */
export interface SearchDocsTable {
  seq: number;
  message_id: string;
  space_id: string;
  person_id: string;
  has_file: number;
  /** The message's blinded tokens, 16 bytes each, concatenated (to remove its postings). */
  tokens: Uint8Array;
}

/** One blinded token of one message: an HMAC the core can match but not read. */
export interface SearchPostingsTable {
  token: Uint8Array;
  seq: number;
}

export interface TeamsTable {
  id: string;
  org_id: string;
  name: string;
  encryption_key_url: string | null;
  creator_id: string;
  general_space_id: string;
  created_at: number;
}

export interface TeamMembershipsTable {
  id: string;
  team_id: string;
  person_id: string;
  is_moderator: number;
  created_at: number;
}

export interface FlagsTable {
  id: string;
  person_id: string;
  message_id: string;
  space_id: string;
  created_at: number;
}

/** An emoji reaction (issue 16); see migrations/0023-reactions.ts. `emoji` is ciphertext. */
export interface ReactionsTable {
  id: string;
  message_id: string;
  space_id: string;
  person_id: string;
  emoji: string;
  encryption_key_url: string;
  created_at: number;
}

export interface FavoritesTable {
  person_id: string;
  space_id: string;
  created_at: number;
}

/**
 * The event log (see events/event-log.ts): one row per event. A space's events name the space and
 * reach whoever was a member at the event's position (`stream_memberships`); any other event names
 * its people in `event_recipients`.
 */
export interface EventsTable {
  /** The stream position: global, growing, final once below the horizon (events/positions.ts). */
  id: number;
  space_id: string | null;
  type: string;
  actor_id: string | null;
  /** JSON. */
  data: string;
  /** Set when only one device of the person should get the event (KMS responses). */
  device_id: string | null;
  created_at: number;
}

/** The people an event without a space goes to (read state, KMS replies, invitations, teams). */
export interface EventRecipientsTable {
  event_id: number;
  person_id: string;
}

/** A person's membership of a space as stream positions: they get its events at `from_pos` ≤ id < `to_pos`. */
export interface StreamMembershipsTable {
  person_id: string;
  space_id: string;
  from_pos: number;
  /** Null while still a member. */
  to_pos: number | null;
}

/** One row: where positions start (PostgreSQL) and the next free position (SQLite). */
export interface EventStreamTable {
  id: number;
  base: number;
  next_pos: number;
}

export interface MessagingTables {
  spaces: SpacesTable;
  memberships: MembershipsTable;
  messages: MessagesTable;
  message_mentions: MessageMentionsTable;
  teams: TeamsTable;
  team_memberships: TeamMembershipsTable;
  flags: FlagsTable;
  reactions: ReactionsTable;
  favorites: FavoritesTable;
  events: EventsTable;
  event_recipients: EventRecipientsTable;
  stream_memberships: StreamMembershipsTable;
  event_stream: EventStreamTable;
  event_retention: { id: number; pruned_through: number };
  search_docs: SearchDocsTable;
  search_postings: SearchPostingsTable;
  search_offsets: { n: number };
  files: FilesTable;
  attachment_actions: AttachmentActionsTable;
  jobs: JobsTable;
  webhooks: WebhooksTable;
  cache_versions: { name: string; version: number };
}

/** An uploaded encrypted file (SPEC FL-1); see migrations/0006-files.ts. */
export interface FilesTable {
  id: string;
  space_id: string;
  org_id: string;
  person_id: string;
  blob_key: string;
  /** Declared ciphertext bytes (reserved against the org's quota while pending). */
  size: number;
  status: 'pending' | 'complete';
  /** Set when a message carries the file; null while it is only uploaded. */
  message_id: string | null;
  /** The sealed reference (JWE), opaque. */
  reference: string | null;
  created_at: number;
  completed_at: number | null;
  /** The blob store's record of an upload in progress (0008); null once complete. */
  upload_state: string | null;
  /** On a preview's row: the file it previews (0008). */
  preview_of: string | null;
}

export type FileRow = Selectable<FilesTable>;
export type SpaceRow = Selectable<SpacesTable>;
export type MembershipRow = Selectable<MembershipsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type TeamRow = Selectable<TeamsTable>;
export type TeamMembershipRow = Selectable<TeamMembershipsTable>;

/** A durable background job (see jobs/job-queue.ts). */
export interface JobsTable {
  id: string;
  queue: string;
  /** JSON. */
  payload: string;
  status: 'pending' | 'running' | 'failed';
  /** Claims so far (a claim counts as an attempt even if its worker dies). */
  attempts: number;
  max_attempts: number;
  /** When it may next be claimed: its due time, or the end of the current claim's lease. */
  run_at: number;
  locked_by: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** A webhook registration (SPEC PL-2); see webhooks/. */
export interface WebhooksTable {
  id: string;
  org_id: string;
  created_by: string;
  app_id: string;
  name: string;
  target_url: string;
  resource: string;
  event: string;
  filter: string | null;
  secret: string | null;
  status: 'active' | 'inactive';
  owned_by: 'creator' | 'org';
  id_format: 'native' | 'hydra';
  failures: Generated<number>;
  failures_since: number | null;
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
}

export type JobRow = Selectable<JobsTable>;
export type WebhookRow = Selectable<WebhooksTable>;

/** A card submission (SPEC PL-2); see migrations/0010-attachment-actions.ts. Inputs are ciphertext. */
export interface AttachmentActionsTable {
  id: string;
  message_id: string;
  space_id: string;
  person_id: string;
  type: 'submit';
  inputs: string;
  encryption_key_url: string;
  created_at: number;
}
export type AttachmentActionRow = AttachmentActionsTable;

/** A registered OAuth integration (migration 0038). */
export interface OAuthClientsTable {
  id: string;
  client_id: string;
  secret_hash: string;
  owner_id: string;
  org_id: string;
  name: string;
  /** JSON array of exact redirect URIs. */
  redirect_uris: string;
  /** Space-separated scopes the integration may ask for. */
  scopes: string;
  logo_key: string | null;
  created_at: number;
}
export type OAuthClientRow = Selectable<OAuthClientsTable>;

/** An authorization code waiting to be exchanged (its SHA-256; single use). */
export interface OAuthCodesTable {
  hash: string;
  client_pk: string;
  person_id: string;
  redirect_uri: string;
  scopes: string;
  code_challenge: string | null;
  created_at: number;
  expires_at: number;
}

/** A help-desk queue of an org (SPEC SP-7; migration 0044). */
export interface CareQueuesTable {
  id: string;
  org_id: string;
  name: string;
  created_at: number;
}

/** An expert of a queue; `last_routed_at` orders the rotation among equally loaded experts. */
export interface CareExpertsTable {
  queue_id: string;
  person_id: string;
  last_routed_at: number | null;
}

/** A care request: who asked on which queue, in which space, and who has it (no content). */
export interface CareRequestsTable {
  id: string;
  org_id: string;
  queue_id: string;
  space_id: string;
  asker_id: string;
  status: 'waiting' | 'assigned' | 'resolved';
  expert_id: string | null;
  handed_off_by: string | null;
  created_at: number;
  updated_at: number;
  resolved_at: number | null;
}
export type CareRequestRow = Selectable<CareRequestsTable>;

/** A whiteboard of a space (issue 21; migration 0046). `title`, `snapshot_state`, `snapshot_thumbnail` are ciphertext. */
export interface WhiteboardsTable {
  id: string;
  space_id: string;
  creator_id: string;
  title: string;
  encryption_key_url: string;
  created_at: number;
  updated_at: number;
  last_seq: number;
  pending_updates: number;
  snapshot_seq: number;
  snapshot_state: string | null;
  snapshot_key_url: string | null;
  snapshot_thumbnail: string | null;
  snapshot_by: string | null;
  snapshot_at: number | null;
}

/** One sealed Yjs update of a board, kept until a snapshot covers it. */
export interface WhiteboardUpdatesTable {
  board_id: string;
  seq: number;
  person_id: string;
  update_sealed: string;
  encryption_key_url: string;
  created_at: number;
}
/** A space's meeting (MT-1; migration 0045): `active_space_id` is the space's id until it ends. */
export interface MeetingsTable {
  id: string;
  space_id: string;
  active_space_id: string | null;
  media_room: number;
  key_url: string | null;
  started_at: number;
  ended_at: number | null;
  /** The meeting's own KMS resource (migration 0051), named once by the first participant's client. */
  resource_url: string | null;
  /** How many keys were named: 0 none yet, then 1, 2… (each rotation). */
  key_epoch: Generated<number>;
}
export type MeetingRow = Selectable<MeetingsTable>;

/** One join of a meeting by a person (a second tab is a second participant). */
export interface MeetingParticipantsTable {
  id: string;
  meeting_id: string;
  person_id: string;
  media_feed: number | null;
  audio_muted: Generated<number>;
  video_off: Generated<number>;
  sharing_screen: Generated<number>;
  hand_raised: Generated<number>;
  joined_at: number;
  left_at: number | null;
  /** 1 once a participant's client said it authorized them on the meeting's KMS resource (migration 0051). */
  authorized: Generated<number>;
}
export type MeetingParticipantRow = Selectable<MeetingParticipantsTable>;

/** A link guests join a space's meetings by (migration 0052): only the token's SHA-256 is kept. */
export interface MeetingLinksTable {
  id: string;
  token_hash: string;
  space_id: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}
export type MeetingLinkRow = Selectable<MeetingLinksTable>;

/** A guest at a meeting's lobby (migration 0052); `person_id` is the guest's ephemeral account. */
export interface MeetingKnocksTable {
  id: string;
  meeting_id: string;
  link_id: string;
  person_id: string;
  display_name: string;
  state: 'waiting' | 'admitted' | 'denied';
  created_at: number;
  decided_at: number | null;
  decided_by: string | null;
  participant_id: string | null;
  ended_at: number | null;
}
export type MeetingKnockRow = Selectable<MeetingKnocksTable>;
/** A scheduled meeting (SPEC MT-4; migration 0047): the schedule an invitation carries in clear, and its space. */
export interface ScheduledMeetingsTable {
  id: string;
  org_id: string;
  host_id: string;
  space_id: string;
  title: string;
  start_at: number;
  end_at: number;
  timezone: string;
  meeting_number: string;
  sequence: number;
  created_at: number;
  updated_at: number;
  /** RFC 5545 RRULE (normalized), null for a single meeting (migration 0056). */
  recurrence: string | null;
}
export type ScheduledMeetingRow = Selectable<ScheduledMeetingsTable>;

/** One occurrence of a scheduled meeting; a single meeting has one (migration 0056). */
export interface MeetingOccurrencesTable {
  meeting_id: string;
  start_at: number;
  end_at: number;
}

/** Who a meeting's invitation went to (migration 0047). */
export interface MeetingInviteesTable {
  meeting_id: string;
  email: string;
  display_name: string | null;
  person_id: string | null;
}
export type MeetingInviteeRow = Selectable<MeetingInviteesTable>;

/** A person's room name and its space (SPEC MT-3; migration 0047). */
export interface PersonalRoomsTable {
  person_id: string;
  name: string;
  space_id: string | null;
  updated_at: number;
}
export type PersonalRoomRow = Selectable<PersonalRoomsTable>;

/** A call between two people (CL-1; migration 0048): its state machine, metadata only. */
export interface CallsTable {
  id: string;
  caller_id: string;
  callee_id: string;
  space_id: string | null;
  key_url: string | null;
  state: 'ringing' | 'connected' | 'held' | 'parked' | 'ended';
  media: 'audio' | 'video';
  caller_endpoint: string | null;
  callee_endpoint: string | null;
  held_by: string | null;
  ring_leg: Generated<number>;
  ring_until: number | null;
  leg_started_at: number;
  redirections: Generated<string>;
  created_at: number;
  answered_at: number | null;
  ended_at: number | null;
  end_reason: 'hangup' | 'cancelled' | 'no_answer' | 'declined' | 'busy' | 'dnd' | 'moved_to_meeting' | null;
  ended_by: string | null;
  /** When the call became a conference (migration 0053): the group space whose meeting carries it, the people invited (JSON ids), who added them. */
  conference_room_id: Generated<string | null>;
  conference_invited: Generated<string | null>;
  conference_by: Generated<string | null>;
  /** While parked (migration 0053): who parked it, and whose park slot holds it (`call_parks`). */
  parked_by: Generated<string | null>;
  parked_against: Generated<string | null>;
  /** 'park' on a leg that rings the parker because nobody retrieved the call. */
  recall: Generated<'park' | null>;
}

/** A person's park slot: at most one parked call (migration 0053). */
export interface CallParksTable {
  person_id: string;
  call_id: string;
}
export type CallRow = Selectable<CallsTable>;

/** One person's leg of a call, kept when it ends (their call history). */
export interface CallHistoryTable {
  id: string;
  person_id: string;
  call_id: string;
  type: 'placed' | 'received' | 'missed';
  outcome: 'answered' | 'hangup' | 'cancelled' | 'no_answer' | 'declined' | 'busy' | 'dnd' | 'moved_to_meeting' | 'transferred' | 'forwarded';
  media: 'audio' | 'video';
  other_person_id: string;
  space_id: string | null;
  started_at: number;
  answered_at: number | null;
  ended_at: number;
}

/** A person's call settings (CL-2): do not disturb and forwards to another person. */
export interface CallSettingsTable {
  person_id: string;
  dnd: Generated<number>;
  forward_always: string | null;
  forward_busy: string | null;
  forward_no_answer: string | null;
  updated_at: number;
}

/** A voicemail (SPEC CL-3; migration 0049): metadata and the sealed reference; the audio is a ciphertext blob. */
export interface VoicemailsTable {
  id: string;
  space_id: string;
  caller_id: string;
  callee_id: string;
  blob_key: string;
  size: number;
  duration_ms: number;
  reference: string;
  encryption_key_url: string;
  status: 'pending' | 'complete';
  read_at: number | null;
  email_claimed_at: number | null;
  created_at: number;
  completed_at: number | null;
}
export type VoicemailRow = Selectable<VoicemailsTable>;

/** A person's voicemail settings (migration 0049): the PIN as an argon2id hash only (SEC-4). */
export interface VoicemailSettingsTable {
  person_id: string;
  email_copy: number;
  email_copy_since: number | null;
  pin_hash: string | null;
  updated_at: number;
}

/** Telephony (migration 0050, docs/telephony.md): the org's calling settings. */
export interface TelephonySettingsTable {
  org_id: string;
  company_number: string | null;
  international_calling: number;
  updated_at: number;
}

export interface TelephonyExtensionRangesTable {
  id: string;
  org_id: string;
  first_ext: string;
  last_ext: string;
  created_at: number;
}

export interface TelephonyLocationsTable {
  id: string;
  org_id: string;
  name: string;
  time_zone: string;
  address1: string;
  address2: string | null;
  city: string;
  state: string | null;
  postal_code: string;
  country: string;
  created_at: number;
}

/** An assigned extension; `owner_type` is `person`, `huntGroup` or `attendant`. */
export interface TelephonyExtensionsTable {
  org_id: string;
  extension: string;
  owner_type: string;
  owner_id: string;
}

export interface TelephonyNumbersTable {
  id: string;
  org_id: string;
  location_id: string;
  phone_number: string;
  owner_type: string | null;
  owner_id: string | null;
  created_at: number;
}

export interface TelephonyPeopleTable {
  person_id: string;
  org_id: string;
  location_id: string | null;
  caller_id: string;
  international: string;
  updated_at: number;
}

export interface TelephonyHuntGroupsTable {
  id: string;
  org_id: string;
  location_id: string;
  name: string;
  policy: string;
  enabled: number;
  advance_enabled: number;
  advance_rings: number;
  overflow_destination: string | null;
  circular_next: number;
  created_at: number;
}

export interface TelephonyHuntAgentsTable {
  group_id: string;
  person_id: string;
  position: number;
  weight: number;
  logged_in: number;
  idle_since: number | null;
}

export interface TelephonySchedulesTable {
  id: string;
  org_id: string;
  location_id: string;
  name: string;
  type: string;
  events: string;
  created_at: number;
}

export interface TelephonyAttendantsTable {
  id: string;
  org_id: string;
  location_id: string;
  name: string;
  business_schedule_id: string | null;
  holiday_schedule_id: string | null;
  business_menu: string;
  after_hours_menu: string;
  created_at: number;
}

export interface TelephonyGreetingsTable {
  attendant_id: string;
  menu: string;
  source: string;
  text: string | null;
  blob_key: string;
  bytes: number;
  created_at: number;
}

export interface TelephonyDevicesTable {
  id: string;
  org_id: string;
  person_id: string;
  mac: string;
  sip_username: string;
  ha1: string | null;
  code_id: string | null;
  code_hash: string | null;
  code_expires_at: number | null;
  activated_at: number | null;
  created_at: number;
}
