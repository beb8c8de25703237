/**
 * The web app's one door to invitations and the admin API (SPEC ID-3, ID-7, CP-5): typed calls by
 * method object through the signed-in FlintClient, so the console and the invitation page never
 * build a URL or a body by hand. The server enforces who may call what; nothing here decides it.
 * @module
 */
import type { FlintClient } from '@flint/sdk';
import {
  adminAudit,
  adminDomains,
  adminPeople,
  adminReports,
  adminRoles,
  invitations,
  serviceHealth,
  methodPath,
  organizations,
  people,
  retention,
  sso,
  directory,
  type ScimGroupSummary,
  type ScimSettings,
  type AuditEvent,
  type Invitation,
  type InvitationPreview,
  type MethodBody,
  type MethodQuery,
  type Organization,
  type OrgDomain,
  type Person,
  type Session as SessionInfo,
  type SsoConfig,
  type SsoConfigBody,
  type SamlSp,
  type UsageDay,
  type Notice,
  type RoleSummary,
  type LegalHold,
  type CareQueue,
  type SpaceRetention,
  type ServiceHealth,
} from '@flint/protocol';
import { nextLink as linkOf } from '@flint/sdk';

/** Who invited the holder of a token (no sign-in needed). */
export function previewInvitation(client: FlintClient, invitationToken: string): Promise<InvitationPreview> {
  return client.transport.call(invitations.previewInvitation, { body: { invitationToken } });
}

/** Invites someone by e-mail, into a space when `roomId` is given. */
export function invite(client: FlintClient, email: string, roomId?: string): Promise<Invitation> {
  return client.transport.call(invitations.createInvitation, { body: roomId === undefined ? { email } : { email, roomId } });
}

export async function pendingInvitations(client: FlintClient): Promise<Invitation[]> {
  return (await client.transport.call(invitations.listInvitations, {})).items;
}

export function resendInvitation(client: FlintClient, id: string): Promise<Invitation> {
  return client.transport.call(invitations.resendInvitation, { params: { id } });
}

export function revokeInvitation(client: FlintClient, id: string): Promise<void> {
  return client.transport.call(invitations.revokeInvitation, { params: { id } });
}

export type AuditQuery = MethodQuery<typeof adminAudit.listAuditEvents>;

/** One page of the audit log, and the query of the next page if there is one (offset, `to` pinned). */
export async function auditEvents(client: FlintClient, query: AuditQuery): Promise<{ items: AuditEvent[]; next?: AuditQuery }> {
  const response = await client.transport.send(adminAudit.listAuditEvents, { query });
  const body = (await response.json()) as { items: AuditEvent[] };
  const link = linkOf(response);
  if (link === undefined) return body;
  const params = new URL(link).searchParams;
  return { ...body, next: { ...query, offset: Number(params.get('offset')), ...(params.get('to') !== null ? { to: params.get('to')! } : {}) } };
}

/** One page of the org's people (admins see everyone: guests, the invited, the deactivated). */
export async function peoplePage(client: FlintClient, query: MethodQuery<typeof people.listPeople>): Promise<{ items: Person[]; next?: string }> {
  const response = await client.transport.send(people.listPeople, { query });
  const body = (await response.json()) as { items: Person[] };
  const link = linkOf(response);
  const cursor = link === undefined ? null : new URL(link).searchParams.get('cursor');
  return cursor === null ? { items: body.items } : { items: body.items, next: cursor };
}

export function createPerson(client: FlintClient, body: MethodBody<typeof people.createPerson>): Promise<Person> {
  return client.transport.call(people.createPerson, { body });
}

export function updatePerson(client: FlintClient, id: string, body: MethodBody<typeof people.updatePerson>): Promise<Person> {
  return client.transport.call(people.updatePerson, { params: { id }, body });
}

export async function resetPassword(client: FlintClient, id: string): Promise<string> {
  return (await client.transport.call(adminPeople.resetPassword, { params: { id } })).password;
}

export async function personSessions(client: FlintClient, id: string): Promise<SessionInfo[]> {
  return (await client.transport.call(adminPeople.listPersonSessions, { params: { id } })).items;
}

export function endSessions(client: FlintClient, id: string): Promise<void> {
  return client.transport.call(adminPeople.endPersonSessions, { params: { id } });
}

export async function myOrg(client: FlintClient): Promise<Organization | undefined> {
  return (await client.transport.call(organizations.listOrganizations, {})).items[0];
}

export function updateOrg(client: FlintClient, id: string, body: MethodBody<typeof organizations.updateOrganization>): Promise<Organization> {
  return client.transport.call(organizations.updateOrganization, { params: { id }, body });
}

export async function domains(client: FlintClient): Promise<OrgDomain[]> {
  return (await client.transport.call(adminDomains.listDomains, {})).items;
}

export function claimDomain(client: FlintClient, domain: string): Promise<OrgDomain> {
  return client.transport.call(adminDomains.addDomain, { body: { domain } });
}

export function verifyDomain(client: FlintClient, domain: string): Promise<OrgDomain> {
  return client.transport.call(adminDomains.verifyDomain, { params: { domain } });
}

export function removeDomain(client: FlintClient, domain: string): Promise<void> {
  return client.transport.call(adminDomains.removeDomain, { params: { domain } });
}

export async function usage(client: FlintClient, from: string, to: string): Promise<UsageDay[]> {
  return (await client.transport.call(adminReports.usageReport, { query: { from, to } })).days;
}

/** Where the browser downloads the CSV (a GET: the session cookie goes with it, no CSRF header needed). */
export function usageCsvHref(from: string, to: string): string {
  return `${methodPath(adminReports.usageReportCsv.path, undefined)}?${new URLSearchParams({ from, to }).toString()}`;
}

// --- Roles, licences, service health and notices (SPEC ID-7, AD-3) ---

export async function roleSummaries(client: FlintClient): Promise<RoleSummary[]> {
  return (await client.transport.call(adminRoles.listRoleHolders, {})).items;
}

export async function licenses(client: FlintClient) {
  return (await client.transport.call(organizations.listLicenses, {})).items;
}

export function serviceStatus(client: FlintClient): Promise<ServiceHealth> {
  return client.transport.call(serviceHealth.getServiceHealth, {});
}

export async function orgNotices(client: FlintClient): Promise<Notice[]> {
  return (await client.transport.call(serviceHealth.listNotices, {})).items;
}

export function publishNotice(client: FlintClient, body: MethodBody<typeof serviceHealth.createNotice>): Promise<Notice> {
  return client.transport.call(serviceHealth.createNotice, { body });
}

export function withdrawNotice(client: FlintClient, id: string): Promise<void> {
  return client.transport.call(serviceHealth.withdrawNotice, { params: { id } });
}

/** The notices active now for the signed-in person's org (every person: the banner). */
export async function activeNotices(client: FlintClient): Promise<Notice[]> {
  return (await client.transport.call(serviceHealth.activeNotices, {})).items;
}

/** Dispatched on `window` when this tab published or withdrew a notice, so the banner reloads at once. */
export const NOTICES_CHANGED = 'flint:notices-changed';
/** The org's single sign-on provider (issue 18), or undefined when none is set. */
export async function ssoConfig(client: FlintClient): Promise<SsoConfig | undefined> {
  try {
    return await client.transport.call(sso.getConfig, {});
  } catch (error) {
    if (error instanceof Error && 'status' in error && (error as { status: number }).status === 404) return undefined;
    throw error;
  }
}

export function saveSsoConfig(client: FlintClient, body: SsoConfigBody): Promise<SsoConfig> {
  return client.transport.call(sso.putConfig, { body });
}

/** Flint's SAML service provider for the org: what the admin registers at the IdP. */
export function samlSpInfo(client: FlintClient): Promise<SamlSp> {
  return client.transport.call(sso.samlSp, {});
}

/** Before sign-out: the provider's logout URL for this session (SAML single logout, OIDC end-session), if any. */
export async function ssoLogoutUrl(client: FlintClient): Promise<string | undefined> {
  return (await client.transport.call(sso.singleLogout, {})).redirectUrl;
}

export function removeSsoConfig(client: FlintClient): Promise<void> {
  return client.transport.call(sso.deleteConfig, {});
}

/** For the sign-in page: where the address's org signs its people in, if it uses single sign-on. */
export function startSso(client: FlintClient, email: string, nonce?: string): Promise<{ sso: boolean; redirectUrl?: string }> {
  return client.transport.call(sso.discover, { body: { email, ...(nonce !== undefined ? { nonce } : {}) } });
}

/** Directory sync (issue 18): the SCIM base URL, the token's state and the groups with their mappings. */
export function scimSettings(client: FlintClient): Promise<ScimSettings> {
  return client.transport.call(directory.getScim, {});
}

/** Creates or rotates the org's SCIM token; the answer holds it, once. */
export function createScimToken(client: FlintClient): Promise<{ token: string; created: string }> {
  return client.transport.call(directory.createToken, {});
}

export function revokeScimToken(client: FlintClient): Promise<void> {
  return client.transport.call(directory.revokeToken, {});
}

export function mapScimGroup(client: FlintClient, id: string, mapping: { role?: 'org_admin'; teamId?: string }): Promise<ScimGroupSummary> {
  return client.transport.call(directory.mapGroup, { params: { id }, body: mapping });
}

/** The retention periods that apply to a space (SPEC SP-6): any member may read them. */
export function spaceRetention(client: FlintClient, roomId: string): Promise<SpaceRetention> {
  return client.transport.call(retention.getSpaceRetention, { params: { id: roomId } });
}

/** The org's legal holds, active first (SPEC CP-4). */
export async function legalHolds(client: FlintClient): Promise<LegalHold[]> {
  return (await client.transport.call(retention.listLegalHolds, {})).items;
}

export function placeLegalHold(client: FlintClient, body: MethodBody<typeof retention.createLegalHold>): Promise<LegalHold> {
  return client.transport.call(retention.createLegalHold, { body });
}

export function releaseLegalHold(client: FlintClient, id: string): Promise<void> {
  return client.transport.call(retention.releaseLegalHold, { params: { id } });
}

/** The org's help-desk queues with their experts (SPEC SP-7; any member lists them, admins change them). */
export function careQueues(client: FlintClient): Promise<CareQueue[]> {
  return client.care.queues();
}

export function createCareQueue(client: FlintClient, body: { name: string; expertIds: string[] }): Promise<CareQueue> {
  return client.care.createQueue(body);
}

export function updateCareQueue(client: FlintClient, id: string, body: { name?: string; expertIds?: string[] }): Promise<CareQueue> {
  return client.care.updateQueue(id, body);
}

export function deleteCareQueue(client: FlintClient, id: string): Promise<void> {
  return client.care.deleteQueue(id);
}
