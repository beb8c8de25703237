/**
 * Rows to wire shapes. What a viewer sees of a person depends on who they are (SPEC ID-2).
 * @module
 */
import type { Invitation, Organization, OrgPolicy, Person, Session } from '@flint/protocol';
import type { InvitationRow, OrgRow, PersonRow, SessionRow } from '../db/schema.ts';
import { iso } from '../infra/ids.ts';
import { parsePolicy } from './orgs.ts';

export interface PersonView {
  row: PersonRow;
  roles: readonly string[];
}

/** `full` is for oneself and admins of the person's org; `directory` for others of the same org. */
export function presentPerson(view: PersonView, publicUrl: string, detail: 'full' | 'directory'): Person {
  const { row } = view;
  const person: Person = {
    id: row.id,
    emails: [row.email],
    displayName: row.display_name,
    orgId: row.org_id,
    type: row.type,
    created: iso(row.created_at),
  };
  if (row.first_name !== null) person.firstName = row.first_name;
  if (row.last_name !== null) person.lastName = row.last_name;
  if (row.nick_name !== null) person.nickName = row.nick_name;
  if (row.avatar_key !== null) person.avatar = `${publicUrl}/api/people/${row.id}/avatar?v=${encodeURIComponent(row.avatar_key.slice(-12))}`;
  if (row.is_guest === 1) person.isGuest = true;
  if (detail === 'full') {
    person.roles = [...view.roles];
    person.licenses = row.type === 'person' && row.status !== 'deactivated' ? ['messaging'] : [];
    person.invitePending = row.status === 'invited';
    person.loginEnabled = row.status === 'active';
    person.notificationPrefs = JSON.parse(row.notification_prefs) as Person['notificationPrefs'];
    person.lastModified = iso(row.updated_at);
    if (row.language === 'en' || row.language === 'fr') person.language = row.language;
    if (row.time_zone !== null) person.timezone = row.time_zone;
  }
  return person;
}

export function presentSession(row: SessionRow, currentSessionId: string): Session {
  const session: Session = {
    id: row.id,
    kind: row.kind,
    created: iso(row.created_at),
    lastSeen: iso(row.last_seen_at),
    current: row.id === currentSessionId,
  };
  if (row.ip !== null) session.ip = row.ip;
  if (row.user_agent !== null) session.userAgent = row.user_agent;
  if (row.client_version !== null) session.clientVersion = row.client_version;
  if (row.expires_at !== null) session.expires = iso(row.expires_at);
  return session;
}

export function presentInvitation(row: InvitationRow): Invitation {
  const invitation: Invitation = {
    id: row.id,
    email: row.email,
    orgId: row.org_id,
    invitedBy: row.invited_by,
    personId: row.person_id,
    asGuest: row.as_guest === 1,
    created: iso(row.created_at),
    expires: iso(row.expires_at),
  };
  if (row.accepted_at !== null) invitation.accepted = iso(row.accepted_at);
  if (row.room_id !== null) invitation.roomId = row.room_id;
  return invitation;
}

export function presentOrg(
  row: OrgRow,
  admin: { domains: { domain: string; verified: number; created_at: number }[]; policy: OrgPolicy } | undefined,
  publicUrl: string,
): Organization {
  const policy = parsePolicy(row);
  const org: Organization = {
    id: row.id,
    displayName: row.display_name,
    created: iso(row.created_at),
    // Every member's apps need the defaults (SPEC AD-4); the rest of the policy is the admins'.
    defaults: { timezone: policy.defaultTimezone },
    // Every member's web app enforces the passcode itself (SPEC SEC-7): it must know the policy.
    appLock: { passcodeRequired: policy.appPasscodeRequired, idleMinutes: policy.appPasscodeIdleMinutes },
  };
  // No org language: each browser keeps its own until the person chooses.
  if (policy.defaultLanguage !== undefined && policy.defaultLanguage !== null) org.defaults!.language = policy.defaultLanguage;
  // The version parameter changes with the logo, so a browser may cache each one.
  if (row.logo_key !== null) org.logo = `${publicUrl}/api/organizations/${row.id}/logo?v=${encodeURIComponent(row.logo_key.slice(-17, -5))}`;
  if (admin) {
    org.domains = admin.domains.map((d) => ({ domain: d.domain, verified: d.verified === 1, created: iso(d.created_at) }));
    org.policy = admin.policy;
  }
  return org;
}
