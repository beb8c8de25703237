/**
 * Retention and legal hold (SPEC CP-4, SP-6). The org's retention periods live in its policy
 * (`OrgPolicy.messageRetentionDays`, `fileRetentionDays`, set through `PUT /api/organizations/:id`);
 * every member reads the periods that apply to a space; legal holds exempt a person's or a space's
 * content from deletion until they are released.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

export const RETENTION_LIMITS = {
  /** Shortest period: a day, so nothing sent today disappears before its readers saw it. */
  minDays: 1,
  /** Longest period that is not "forever": 100 years. */
  maxDays: 36_500,
  /** Active and released holds listed at most. */
  holdsListed: 500,
  /** Active holds per org. */
  activeHolds: 200,
  reasonChars: 500,
} as const;

/** Days, or null for "keep forever" (the default). */
export const RetentionDays = Type.Union([Type.Integer({ minimum: RETENTION_LIMITS.minDays, maximum: RETENTION_LIMITS.maxDays }), Type.Null()]);

/** What a member sees in a space's details (SP-6). Holds are not shown to members, as in Webex. */
export const SpaceRetention = Type.Object({
  /** Messages older than this many days are deleted; null: kept forever. */
  messageDays: RetentionDays,
  /** Files older than this many days are deleted (a file never outlives its message); null: kept forever. */
  fileDays: RetentionDays,
});
export type SpaceRetention = Static<typeof SpaceRetention>;

export const getSpaceRetention = defineMethod({
  id: 'rooms.retention',
  verb: 'GET',
  path: '/api/rooms/:id/retention',
  summary: 'The retention policy that applies to a space (its organization’s): members only.',
  tag: 'rooms',
  auth: 'person',
  params: IdParams,
  response: SpaceRetention,
  status: 200,
});

export const LegalHoldKind = Type.Union([Type.Literal('person'), Type.Literal('space')]);
export type LegalHoldKind = Static<typeof LegalHoldKind>;

export const LegalHold = Type.Object({
  id: Id,
  kind: LegalHoldKind,
  /** The person's or the space's id. */
  targetId: Id,
  /** The person's e-mail address; for a space, its id (the core cannot read a space's title). */
  targetName: Type.String(),
  reason: Type.String(),
  createdBy: Type.String(),
  created: Timestamp,
  /** Absent while the hold is active. */
  released: Type.Optional(Timestamp),
  releasedBy: Type.Optional(Type.String()),
  /** The hold the admin's client placed at the KMS beside this one, which keeps the KMS from shredding the content's keys. */
  kmsHoldUri: Type.Optional(Type.String()),
});
export type LegalHold = Static<typeof LegalHold>;

export const CreateLegalHoldBody = Type.Object(
  {
    /** A person of one's organization (by address), or a space of one's organization (by id): exactly one. */
    personEmail: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
    roomId: Type.Optional(Id),
    reason: Type.String({ minLength: 1, maxLength: RETENTION_LIMITS.reasonChars }),
    /** The hold the client placed at the KMS for the same target (`kms://…/holds/…`), to release with this one. */
    kmsHoldUri: Type.Optional(Type.String({ pattern: '^kms://[^/]+/holds/[A-Za-z0-9%-]{1,80}$', maxLength: 300 })),
  },
  { additionalProperties: false },
);

export const createLegalHold = defineMethod({
  id: 'legalHolds.create',
  verb: 'POST',
  path: '/api/admin/legal-holds',
  summary: 'Put a person’s or a space’s content on legal hold: retention deletes none of it until the hold is released. Org admins; audited.',
  tag: 'admin',
  auth: 'person',
  body: CreateLegalHoldBody,
  response: LegalHold,
  status: 200,
});

export const listLegalHolds = defineMethod({
  id: 'legalHolds.list',
  verb: 'GET',
  path: '/api/admin/legal-holds',
  summary: 'The org’s legal holds, active first, then released (newest first).',
  tag: 'admin',
  auth: 'person',
  response: Type.Object({ items: Type.Array(LegalHold) }),
  status: 200,
});

export const releaseLegalHold = defineMethod({
  id: 'legalHolds.release',
  verb: 'DELETE',
  path: '/api/admin/legal-holds/:id',
  summary: 'Release a legal hold (it stays listed as released); the content becomes subject to retention again. Audited.',
  tag: 'admin',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});
