/**
 * Organizations, their domains and policies, roles and licences (SPEC ID-2, ID-4, ID-5, ID-7).
 * @module
 */
import { Type, type Static } from 'typebox';
import { DisplayName, Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';
import { Language, TimeZoneName } from './people.ts';
import { RetentionDays } from './retention.ts';

export const OrgPolicy = Type.Object(
  {
    /** `domains`: anyone with an address in one of the org's verified domains may sign up; `invitation`: only the invited. */
    signup: Type.Union([Type.Literal('domains'), Type.Literal('invitation')]),
    /** When true, people cannot change their own name, avatar or names; admins still can. */
    selfServiceLocked: Type.Boolean(),
    /** Web (cookie) sessions end after this many minutes without activity; 0 means the server default. */
    webSessionIdleMinutes: Type.Integer({ minimum: 0, maximum: 60 * 24 * 90 }),
    /**
     * When not empty, `webSessionIdleMinutes` applies only to requests from outside these network
     * ranges (CIDR, IPv4 or IPv6, e.g. the office's); inside them the server default applies.
     */
    webSessionIdleOnlyOutside: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100 }),
    /** Whether non-admin members may send invitations. */
    membersMayInvite: Type.Boolean(),
    /** The language of people who have not chosen one (SPEC AD-4); absent or null: each browser's language. */
    defaultLanguage: Type.Optional(Type.Union([Language, Type.Null()])),
    /** The time zone (IANA) of people who have not chosen one (SPEC AD-4). */
    defaultTimezone: TimeZoneName,
    /**
     * What happens to a person's messages when they delete their account (SPEC ID-10): `keep` them
     * in their spaces under a "deleted person" name, or `delete` them.
     */
    deletedAccountMessages: Type.Union([Type.Literal('keep'), Type.Literal('delete')]),
    /**
     * Retention (SPEC CP-4): messages of the org's spaces older than this many days are deleted,
     * with their files, search postings and events, except what a legal hold covers; null: kept forever.
     */
    messageRetentionDays: RetentionDays,
    /** Files of the org's spaces older than this many days are deleted (a file never outlives its message); null: kept forever. */
    fileRetentionDays: RetentionDays,
    /**
     * App passcode (SPEC SEC-7): when true, the web app asks each member to choose a passcode that
     * unlocks it on reload and after `appPasscodeIdleMinutes` without activity; the passcode wraps
     * the key of the app's encrypted local cache and never leaves the browser.
     */
    appPasscodeRequired: Type.Boolean(),
    /** Minutes without activity after which a passcode-locked app locks itself (1 … 1440). */
    appPasscodeIdleMinutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }),
  },
  { additionalProperties: false },
);
export type OrgPolicy = Static<typeof OrgPolicy>;

export const Domain = Type.Object({ domain: Type.String(), verified: Type.Boolean(), created: Timestamp });

export const Organization = Type.Object(
  {
    id: Id,
    displayName: Type.String(),
    created: Timestamp,
    domains: Type.Optional(Type.Array(Domain)),
    policy: Type.Optional(OrgPolicy),
    /** What every member's apps fall back to when they have not chosen (SPEC AD-4). */
    defaults: Type.Optional(Type.Object({ language: Type.Optional(Language), timezone: Type.String() })),
    /** URL of the org's logo (same origin, image/webp; changes when the logo does); absent: no logo. */
    logo: Type.Optional(Type.String()),
    /** What every member's web app must enforce locally (SPEC SEC-7): the app passcode policy. */
    appLock: Type.Optional(Type.Object({ passcodeRequired: Type.Boolean(), idleMinutes: Type.Integer() })),
  },

);
export type Organization = Static<typeof Organization>;

export const listOrganizations = defineMethod({
  id: 'organizations.list',
  verb: 'GET',
  path: '/api/organizations',
  summary: 'The organizations one belongs to (one).',
  tag: 'organizations',
  auth: 'person',
  response: Type.Object({ items: Type.Array(Organization) }),
  status: 200,
});

export const getOrganization = defineMethod({
  id: 'organizations.get',
  verb: 'GET',
  path: '/api/organizations/:id',
  summary: 'One’s organization; admins also see domains and policy.',
  tag: 'organizations',
  auth: 'person',
  params: IdParams,
  response: Organization,
  status: 200,
});

export const UpdateOrganizationBody = Type.Object(
  { displayName: Type.Optional(DisplayName), policy: Type.Optional(Type.Partial(OrgPolicy, { additionalProperties: false })) },
  { additionalProperties: false, minProperties: 1 },
);

export const updateOrganization = defineMethod({
  id: 'organizations.update',
  verb: 'PUT',
  path: '/api/organizations/:id',
  summary: 'Admin: rename the org or change its policy.',
  tag: 'organizations',
  auth: 'admin',
  params: IdParams,
  body: UpdateOrganizationBody,
  response: Organization,
  status: 200,
});

/** The org logo upload takes the raw image as the body (image/png, image/jpeg or image/webp). */
export const setOrgLogo = defineMethod({
  id: 'organizations.setLogo',
  verb: 'PUT',
  path: '/api/organizations/:id/logo',
  summary: 'Admin: upload the org’s logo, the raw PNG, JPEG or WebP image as the body (at most 256 KiB). Re-encoded to WebP, at most 512×512.',
  tag: 'organizations',
  auth: 'admin',
  params: IdParams,
  response: Organization,
  status: 200,
});

export const deleteOrgLogo = defineMethod({
  id: 'organizations.deleteLogo',
  verb: 'DELETE',
  path: '/api/organizations/:id/logo',
  summary: 'Admin: remove the org’s logo; the header shows the org’s name alone.',
  tag: 'organizations',
  auth: 'admin',
  params: IdParams,
  response: null,
  status: 204,
});

export const getOrgLogo = defineMethod({
  id: 'organizations.getLogo',
  verb: 'GET',
  path: '/api/organizations/:id/logo',
  summary: 'One’s org’s logo (image/webp).',
  tag: 'organizations',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 200,
});

export const Role = Type.Object({ id: Type.String(), name: Type.String() });

export const listRoles = defineMethod({
  id: 'roles.list',
  verb: 'GET',
  path: '/api/roles',
  summary: 'The roles a person can hold.',
  tag: 'organizations',
  auth: 'person',
  response: Type.Object({ items: Type.Array(Role) }),
  status: 200,
});

export const License = Type.Object({
  id: Type.String(),
  name: Type.String(),
  /** -1 for unlimited. */
  totalUnits: Type.Integer(),
  consumedUnits: Type.Integer(),
  consumedByUsers: Type.Integer(),
});

export const listLicenses = defineMethod({
  id: 'licenses.list',
  verb: 'GET',
  path: '/api/licenses',
  summary: 'Admin: the org’s licences and their usage.',
  tag: 'organizations',
  auth: 'admin',
  response: Type.Object({ items: Type.Array(License) }),
  status: 200,
});

export const CreateBotBody = Type.Object({ displayName: DisplayName }, { additionalProperties: false });

export const BotCreated = Type.Object({ personId: Id, email: Type.String(), token: Type.String() });

export const createBot = defineMethod({
  id: 'bots.create',
  verb: 'POST',
  path: '/api/bots',
  summary: 'Admin: create a bot account and return its long-lived token (shown once).',
  tag: 'people',
  auth: 'admin',
  body: CreateBotBody,
  response: BotCreated,
  status: 200,
});
