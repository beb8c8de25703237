/**
 * The core's tables, as Kysely sees them. Times are epoch milliseconds (bigint in PostgreSQL,
 * read back as numbers); booleans are 0/1 integers so both engines share one representation.
 * @module
 */
import type { Insertable, Selectable, Updateable } from 'kysely';

export interface OrgsTable {
  id: string;
  display_name: string;
  /** JSON of OrgPolicy. */
  policy: string;
  created_at: number;
}

export interface OrgDomainsTable {
  domain: string;
  org_id: string;
  verified: number;
  created_at: number;
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
}

export interface PersonRolesTable {
  person_id: string;
  role: string;
}

export interface SessionsTable {
  id: string;
  person_id: string;
  kind: 'password' | 'bot';
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
}

export interface Database {
  orgs: OrgsTable;
  org_domains: OrgDomainsTable;
  people: PeopleTable;
  person_roles: PersonRolesTable;
  sessions: SessionsTable;
  access_tokens: AccessTokensTable;
  invitations: InvitationsTable;
}

export type PersonRow = Selectable<PeopleTable>;
export type NewPerson = Insertable<PeopleTable>;
export type PersonUpdate = Updateable<PeopleTable>;
export type OrgRow = Selectable<OrgsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type InvitationRow = Selectable<InvitationsTable>;
