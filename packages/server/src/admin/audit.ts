/**
 * The admin audit log (SPEC CP-5): every administrative action — people, roles, policies, domains,
 * bots, invitations — appended with who acted, when, from which address and user agent, on what,
 * and what changed. There is no update or delete path here, and the table's triggers refuse both
 * (migration 0014). Entries are written in the same transaction as the change they describe when the
 * caller passes its transaction, so an acknowledged change is never missing from the log.
 * @module
 */
import { adminAudit, type AuditCategory, type AuditEvent, type AuditTargetType } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { AdminAuditRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';

interface ActionInfo {
  category: AuditCategory;
  target: AuditTargetType;
  /** Webex's `eventDescription`. */
  description: string;
  /** Completes "<actor> … <target>" in `actionText`. */
  verb: string;
}

/** Every action the log knows: one place, so the console, `/v1` and the tests agree on the words. */
export const AUDIT_ACTIONS = {
  'person.create': { category: 'USERS', target: 'USER', description: 'Person created', verb: 'created' },
  'person.update': { category: 'USERS', target: 'USER', description: 'Person updated', verb: 'updated' },
  'person.deactivate': { category: 'USERS', target: 'USER', description: 'Person deactivated', verb: 'deactivated' },
  'person.reactivate': { category: 'USERS', target: 'USER', description: 'Person reactivated', verb: 'reactivated' },
  'person.passwordReset': { category: 'USERS', target: 'USER', description: 'Password reset', verb: 'reset the password of' },
  'person.sessionsRevoked': { category: 'USERS', target: 'USER', description: 'Sessions ended', verb: 'ended the sessions of' },
  'person.deleteAccount': { category: 'USERS', target: 'USER', description: 'Account deleted by its owner', verb: 'deleted the account of' },
  'person.roles': { category: 'ROLES', target: 'USER', description: 'Roles changed', verb: 'changed the roles of' },
  'org.update': { category: 'ORG_SETTINGS', target: 'ORG', description: 'Organization settings changed', verb: 'changed the settings of' },
  'domain.add': { category: 'DOMAINS', target: 'DOMAIN', description: 'Domain added', verb: 'added the domain' },
  'domain.verify': { category: 'DOMAINS', target: 'DOMAIN', description: 'Domain verified', verb: 'verified the domain' },
  'domain.remove': { category: 'DOMAINS', target: 'DOMAIN', description: 'Domain removed', verb: 'removed the domain' },
  'bot.create': { category: 'BOTS', target: 'USER', description: 'Bot created', verb: 'created the bot' },
  'invitation.create': { category: 'INVITATIONS', target: 'INVITATION', description: 'Invitation sent', verb: 'invited' },
  'invitation.resend': { category: 'INVITATIONS', target: 'INVITATION', description: 'Invitation sent again', verb: 'sent the invitation again to' },
  'invitation.revoke': { category: 'INVITATIONS', target: 'INVITATION', description: 'Invitation withdrawn', verb: 'withdrew the invitation of' },
  // Service notices (SPEC AD-3).
  'notice.create': { category: 'ORG_SETTINGS', target: 'NOTICE', description: 'Notice published', verb: 'published the notice' },
  'notice.withdraw': { category: 'ORG_SETTINGS', target: 'NOTICE', description: 'Notice withdrawn', verb: 'withdrew the notice' },
  // The org's logo in every member's header (issue 16).
  'org.logoSet': { category: 'ORG_SETTINGS', target: 'ORG', description: 'Organization logo changed', verb: 'changed the logo of' },
  'org.logoRemove': { category: 'ORG_SETTINGS', target: 'ORG', description: 'Organization logo removed', verb: 'removed the logo of' },
  // SCIM directory sync (issue 18): its token and its groups.
  'scim.tokenCreate': { category: 'ORG_SETTINGS', target: 'ORG', description: 'SCIM token created', verb: 'created a SCIM token for' },
  'scim.tokenRevoke': { category: 'ORG_SETTINGS', target: 'ORG', description: 'SCIM token revoked', verb: 'revoked the SCIM token of' },
  'scim.groupCreate': { category: 'ORG_SETTINGS', target: 'ORG', description: 'Directory group created', verb: 'created the directory group' },
  'scim.groupUpdate': { category: 'ORG_SETTINGS', target: 'ORG', description: 'Directory group changed', verb: 'changed the directory group' },
  'scim.groupDelete': { category: 'ORG_SETTINGS', target: 'ORG', description: 'Directory group deleted', verb: 'deleted the directory group' },
  'scim.groupMapping': { category: 'ORG_SETTINGS', target: 'ORG', description: 'Directory group mapping changed', verb: 'changed the mapping of the directory group' },
  // Retention and legal hold (SPEC CP-4). Retention periods are `org.update` (they are org policy).
  'legalHold.create': { category: 'COMPLIANCE', target: 'LEGAL_HOLD', description: 'Legal hold placed', verb: 'placed a legal hold on' },
  'legalHold.release': { category: 'COMPLIANCE', target: 'LEGAL_HOLD', description: 'Legal hold released', verb: 'released the legal hold on' },
  // The care assistant's help-desk queues (SPEC SP-7).
  'careQueue.create': { category: 'ORG_SETTINGS', target: 'CARE_QUEUE', description: 'Help-desk queue created', verb: 'created the help-desk queue' },
  'careQueue.update': { category: 'ORG_SETTINGS', target: 'CARE_QUEUE', description: 'Help-desk queue changed', verb: 'changed the help-desk queue' },
  'careQueue.delete': { category: 'ORG_SETTINGS', target: 'CARE_QUEUE', description: 'Help-desk queue deleted', verb: 'deleted the help-desk queue' },
  // Telephony (SPEC CL-4, CL-5, CL-6; docs/telephony.md).
  'telephony.settings.update': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Calling settings changed', verb: 'changed the calling settings of' },
  'telephony.range.create': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Extension range added', verb: 'added the extension range' },
  'telephony.range.delete': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Extension range removed', verb: 'removed the extension range' },
  'telephony.location.create': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Location added', verb: 'added the location' },
  'telephony.location.update': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Location changed', verb: 'changed the location' },
  'telephony.location.delete': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Location removed', verb: 'removed the location' },
  'telephony.number.create': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Number added', verb: 'added the number' },
  'telephony.number.assign': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Number assigned', verb: 'assigned the number' },
  'telephony.number.delete': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Number removed', verb: 'removed the number' },
  'telephony.person.update': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Calling settings of a person changed', verb: 'changed the calling settings of' },
  'telephony.huntGroup.create': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Hunt group created', verb: 'created the hunt group' },
  'telephony.huntGroup.update': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Hunt group changed', verb: 'changed the hunt group' },
  'telephony.huntGroup.delete': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Hunt group deleted', verb: 'deleted the hunt group' },
  'telephony.schedule.create': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Schedule created', verb: 'created the schedule' },
  'telephony.schedule.update': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Schedule changed', verb: 'changed the schedule' },
  'telephony.schedule.delete': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Schedule deleted', verb: 'deleted the schedule' },
  'telephony.attendant.create': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Auto attendant created', verb: 'created the auto attendant' },
  'telephony.attendant.update': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Auto attendant changed', verb: 'changed the auto attendant' },
  'telephony.attendant.delete': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Auto attendant deleted', verb: 'deleted the auto attendant' },
  'telephony.attendant.greeting': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Auto attendant greeting made', verb: 'made a greeting for the auto attendant' },
  'telephony.device.create': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Phone added', verb: 'added the phone' },
  'telephony.device.delete': { category: 'ORG_SETTINGS', target: 'TELEPHONY', description: 'Phone removed', verb: 'removed the phone' },
} as const satisfies Record<string, ActionInfo>;
export type AuditAction = keyof typeof AUDIT_ACTIONS;

/** field → {from, to}; only fields that changed. Never put a secret here. */
export type AuditChanges = Record<string, { from?: unknown; to?: unknown }>;

export interface AuditEntry {
  action: AuditAction;
  /** The org whose log gets the entry; by default the actor's. */
  orgId?: string;
  targetId: string;
  targetName: string;
  changes?: AuditChanges | undefined;
}

/** The fields of `after` that differ from `before` (shallow, JSON equality). */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>): AuditChanges {
  const changes: AuditChanges = {};
  for (const [key, to] of Object.entries(after)) {
    if (to === undefined) continue;
    const from = before[key];
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[key] = { from, to };
  }
  return changes;
}

/** Appends one entry. `db` is the caller's transaction when there is one. */
export async function recordAdminAction(core: Core, db: Db, actor: Actor, entry: AuditEntry): Promise<void> {
  const operator = actor.origin?.operator === true;
  // The org's SCIM directory token acts for no person: the entry says so (its id in the tracking).
  const scim = actor.via === 'scim';
  const who = operator || scim
    ? undefined
    : await db.selectFrom('people').select(['display_name', 'email']).where('id', '=', actor.personId).executeTakeFirst();
  const changes = entry.changes !== undefined && Object.keys(entry.changes).length > 0 ? JSON.stringify(entry.changes) : null;
  await db
    .insertInto('admin_audit')
    .values({
      id: newId(),
      org_id: entry.orgId ?? actor.orgId,
      actor_id: operator || scim ? null : actor.personId,
      actor_name: operator ? 'Operator (flint admin)' : scim ? 'Directory sync (SCIM token)' : (who?.display_name ?? 'Unknown'),
      actor_email: who?.email ?? null,
      actor_ip: actor.origin?.ip ?? null,
      actor_user_agent: actor.origin?.userAgent ?? null,
      tracking_id: actor.origin?.trackingId ?? null,
      action: entry.action,
      category: AUDIT_ACTIONS[entry.action].category,
      target_type: AUDIT_ACTIONS[entry.action].target,
      target_id: entry.targetId,
      target_name: entry.targetName,
      changes,
      created_at: core.now(),
    })
    .execute();
}

export function presentAuditEvent(row: AdminAuditRow): AuditEvent {
  const info: ActionInfo | undefined = (AUDIT_ACTIONS as Record<string, ActionInfo>)[row.action];
  const event: AuditEvent = {
    id: row.id,
    orgId: row.org_id,
    actorName: row.actor_name,
    created: iso(row.created_at),
    action: row.action,
    category: row.category as AuditCategory,
    actionText: `${row.actor_name} ${info?.verb ?? row.action} ${row.target_name}`,
    description: info?.description ?? row.action,
    targetType: row.target_type as AuditTargetType,
    targetId: row.target_id,
    targetName: row.target_name,
  };
  if (row.actor_id !== null) event.actorId = row.actor_id;
  if (row.actor_email !== null) event.actorEmail = row.actor_email;
  if (row.actor_ip !== null) event.actorIp = row.actor_ip;
  if (row.actor_user_agent !== null) event.actorUserAgent = row.actor_user_agent;
  if (row.tracking_id !== null) event.trackingId = row.tracking_id;
  if (row.changes !== null) event.changes = JSON.parse(row.changes) as AuditChanges;
  return event;
}

export interface AuditQuery {
  from?: string | undefined;
  to?: string | undefined;
  actorId?: string | undefined;
  /** Comma-separated. */
  eventCategories?: string | undefined;
  max?: number | undefined;
  offset?: number | undefined;
}

const YEAR_MS = 366 * 24 * 3600 * 1000;

/**
 * One page of the actor's org's log, newest first; `next` when more may follow. The next page pins
 * `to` (when the caller gave none), so entries appended meanwhile do not shift the offsets.
 */
export async function listAuditEvents(core: Core, actor: Actor, query: AuditQuery): Promise<{ items: AuditEvent[]; next?: { offset: number; to: string } }> {
  if (!actor.isAdmin) throw ApiError.forbidden('This requires the organization administrator role.');
  const to = query.to !== undefined ? Date.parse(query.to) : core.now() + 1;
  const from = query.from !== undefined ? Date.parse(query.from) : to - YEAR_MS;
  if (Number.isNaN(from) || Number.isNaN(to)) throw ApiError.badRequest('from, to: not ISO-8601 times');
  if (from > to) throw ApiError.badRequest('from: must not be after to');
  if (to - from > YEAR_MS) throw ApiError.badRequest('from, to: cover at most one year');
  const categories = query.eventCategories
    ?.split(',')
    .map((c) => c.trim().replace(/^EventCategory\./, '').toUpperCase())
    .filter((c) => c !== '');
  const known = new Set<string>(Object.values(AUDIT_ACTIONS).map((a) => a.category));
  const unknown = categories?.find((c) => !known.has(c));
  if (unknown !== undefined) throw ApiError.badRequest(`eventCategories: unknown category ${unknown.slice(0, 40)}`);
  const max = Math.min(query.max ?? 100, adminAudit.AUDIT_PAGE_MAX);
  const offset = query.offset ?? 0;
  let q = core.db
    .selectFrom('admin_audit')
    .selectAll()
    .where('org_id', '=', actor.orgId)
    .where('created_at', '>=', from)
    .where('created_at', '<', to);
  if (query.actorId !== undefined) q = q.where('actor_id', '=', query.actorId);
  if (categories !== undefined && categories.length > 0) q = q.where('category', 'in', categories);
  // One extra row tells whether a next page exists without a count.
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(max + 1).offset(offset).execute();
  const items = rows.slice(0, max).map(presentAuditEvent);
  return rows.length > max ? { items, next: { offset: offset + max, to: new Date(to).toISOString() } } : { items };
}
