/**
 * The admin audit log (SPEC CP-5): every administrative action, with who did it, when, from where
 * and what changed. Append-only; read by the org's admins (and at `/v1/adminAudit/events`).
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

/** What an entry is about, as Webex groups them (`eventCategory`). */
export const AuditCategory = Type.Union([
  Type.Literal('USERS'),
  Type.Literal('ROLES'),
  Type.Literal('ORG_SETTINGS'),
  Type.Literal('DOMAINS'),
  Type.Literal('BOTS'),
  Type.Literal('INVITATIONS'),
  Type.Literal('COMPLIANCE'),
]);
export type AuditCategory = Static<typeof AuditCategory>;

/** What kind of thing the action changed (`targetType`). */
export const AuditTargetType = Type.Union([Type.Literal('USER'), Type.Literal('ORG'), Type.Literal('DOMAIN'), Type.Literal('INVITATION'), Type.Literal('NOTICE'), Type.Literal('LEGAL_HOLD'), Type.Literal('CARE_QUEUE'), Type.Literal('TELEPHONY')]);
export type AuditTargetType = Static<typeof AuditTargetType>;

export const AuditEvent = Type.Object({
  id: Id,
  orgId: Id,
  /** The admin who acted; absent for the operator's `flint admin` tasks (no person acts). */
  actorId: Type.Optional(Id),
  actorName: Type.String(),
  actorEmail: Type.Optional(Type.String()),
  actorIp: Type.Optional(Type.String()),
  actorUserAgent: Type.Optional(Type.String()),
  trackingId: Type.Optional(Type.String()),
  created: Timestamp,
  /** Machine-readable action, `resource.verb` (e.g. `person.deactivate`). */
  action: Type.String(),
  category: AuditCategory,
  /** One sentence for people: "Ada Lovelace deactivated bob@example.com". */
  actionText: Type.String(),
  description: Type.String(),
  targetType: AuditTargetType,
  targetId: Type.String(),
  targetName: Type.String(),
  /** What changed: field → {from, to} (never a secret such as a password). */
  changes: Type.Optional(Type.Record(Type.String(), Type.Object({ from: Type.Optional(Type.Unknown()), to: Type.Optional(Type.Unknown()) }))),
});
export type AuditEvent = Static<typeof AuditEvent>;

/** The most a page may hold (Webex: 200). */
export const AUDIT_PAGE_MAX = 200;

export const ListAuditQuery = Type.Object(
  {
    /** Entries created at or after this time. */
    from: Type.Optional(Timestamp),
    /** Entries created before this time (default: now). At most a year after `from`. */
    to: Type.Optional(Timestamp),
    actorId: Type.Optional(Id),
    /** Comma-separated categories. */
    eventCategories: Type.Optional(Type.String({ maxLength: 500 })),
    max: Type.Optional(Type.Integer({ minimum: 1, description: `page size, clamped to ${AUDIT_PAGE_MAX}` })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

export const listAuditEvents = defineMethod({
  id: 'adminAudit.list',
  verb: 'GET',
  path: '/api/admin/audit/events',
  summary: 'Admin: the org’s audit log of administrative actions, newest first (Link paging).',
  tag: 'admin',
  auth: 'admin',
  query: ListAuditQuery,
  response: Type.Object({ items: Type.Array(AuditEvent) }),
  status: 200,
});
