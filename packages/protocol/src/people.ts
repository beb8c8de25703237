/**
 * People: the directory, one's own profile, and the admin API (SPEC ID-2, ID-4, ID-7, ID-9).
 * Shapes follow the Webex Person object.
 * @module
 */
import { Type, type Static } from 'typebox';
import { DisplayName, Email, Id, IdParams, NamePart, PageMax, Password, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

/**
 * `compliance_officer` (SPEC CP-1) opens the org's *ciphertext and metadata* through the core's
 * compliance API (`/api/compliance/…`); the keys stay at the KMS, which grants them only to the
 * officers its own operator named (`flint kms officers add`). Holding the role in the core alone
 * reads nothing.
 */
export const ROLE_IDS = ['org_admin', 'compliance_officer'] as const;
export type RoleId = (typeof ROLE_IDS)[number];
export const RoleId = Type.Enum(ROLE_IDS);

/** The languages the apps speak (SPEC AD-4, MS-8). */
export const LANGUAGES = ['en', 'fr'] as const;
export const Language = Type.Union([Type.Literal('en'), Type.Literal('fr')]);
export type Language = (typeof LANGUAGES)[number];
/** An IANA time zone name (`Europe/Paris`); the server checks it names a zone it knows. */
export const TimeZoneName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+\\-]+(/[A-Za-z0-9_+\\-]+)*$' });

export const NotificationPrefs = Type.Object(
  {
    /** The default level of every space (SPEC MS-5; `notifications.ts`). */
    messages: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('mentions'), Type.Literal('off')])),
    /** E-mail digests of unread activity while away. */
    email: Type.Optional(Type.Boolean()),
    /** Notify me when someone adds me to a space (default on). */
    addedToSpace: Type.Optional(Type.Boolean()),
    /** Do-not-disturb hours, daily, in my time zone (`HH:MM`; `end` before `start` spans midnight). */
    quietHours: Type.Optional(Type.Object({ start: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }), end: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }) }, { additionalProperties: false })),
    /** Opt-in: e-mail me the org's maintenance and incident notices (SPEC AD-3). Off unless set. */
    serviceNotices: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const Person = Type.Object(
  {
    id: Id,
    emails: Type.Array(Type.String()),
    displayName: Type.String(),
    firstName: Type.Optional(Type.String()),
    lastName: Type.Optional(Type.String()),
    nickName: Type.Optional(Type.String()),
    /** URL of the avatar image, when one is set. */
    avatar: Type.Optional(Type.String()),
    orgId: Type.Optional(Id),
    roles: Type.Optional(Type.Array(Type.String())),
    licenses: Type.Optional(Type.Array(Type.String())),
    type: Type.Union([Type.Literal('person'), Type.Literal('bot')]),
    /** True for a guest: invited from outside the org's domains. */
    isGuest: Type.Optional(Type.Boolean()),
    invitePending: Type.Optional(Type.Boolean()),
    loginEnabled: Type.Optional(Type.Boolean()),
    notificationPrefs: Type.Optional(NotificationPrefs),
    /** The person's own language choice (SPEC AD-4), shown to them and admins; absent: the org's default. */
    language: Type.Optional(Language),
    /** The person's own time zone (IANA name, as Webex's `timezone`); absent: the org's default. */
    timezone: Type.Optional(Type.String()),
    created: Type.Optional(Timestamp),
    lastModified: Type.Optional(Timestamp),
  },

);
export type Person = Static<typeof Person>;

export const PeopleList = Type.Object({ items: Type.Array(Person), notFoundIds: Type.Optional(Type.Array(Type.String())) });

export const me = defineMethod({
  id: 'people.me',
  verb: 'GET',
  path: '/api/people/me',
  summary: 'The signed-in person.',
  tag: 'people',
  auth: 'person',
  response: Person,
  status: 200,
});

export const UpdateMeBody = Type.Object(
  {
    displayName: Type.Optional(DisplayName),
    firstName: Type.Optional(NamePart),
    lastName: Type.Optional(NamePart),
    nickName: Type.Optional(NamePart),
    notificationPrefs: Type.Optional(NotificationPrefs),
    /** `null` goes back to the org's default (SPEC AD-4). Not locked by the self-service lock: a preference, not registration data. */
    language: Type.Optional(Type.Union([Language, Type.Null()])),
    timezone: Type.Optional(Type.Union([TimeZoneName, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const updateMe = defineMethod({
  id: 'people.updateMe',
  verb: 'PUT',
  path: '/api/people/me',
  summary: 'Update one’s own profile (refused when the org admin has locked self-service updates).',
  tag: 'people',
  auth: 'person',
  body: UpdateMeBody,
  response: Person,
  status: 200,
});

export const DeleteAccountBody = Type.Object(
  {
    /** One's own e-mail address, typed to confirm. */
    email: Type.String({ minLength: 1, maxLength: 320 }),
    /** Only check (the address, the last-administrator rule); nothing changes. */
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const DeleteAccountResult = Type.Object({
  /** What happens (or happened) to the person's messages: the org's `policy.deletedAccountMessages`. */
  messages: Type.Union([Type.Literal('keep'), Type.Literal('delete')]),
});

export const deleteAccount = defineMethod({
  id: 'people.deleteAccount',
  verb: 'POST',
  path: '/api/people/me/delete',
  summary:
    'Delete one’s own account (SPEC ID-10): memberships end, sessions and tokens die, the person is deactivated and anonymized as “Deleted person”, and their messages are kept under that name or deleted as the org’s policy says. 409 for the org’s last administrator.',
  tag: 'people',
  auth: 'person',
  body: DeleteAccountBody,
  response: DeleteAccountResult,
  status: 200,
});

export const ChangePasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 256 }), newPassword: Password },
  { additionalProperties: false },
);

export const changePassword = defineMethod({
  id: 'people.changePassword',
  verb: 'PUT',
  path: '/api/people/me/password',
  summary: 'Change one’s own password. Every other session is signed out.',
  tag: 'people',
  auth: 'person',
  body: ChangePasswordBody,
  response: null,
  status: 204,
});

/** The avatar upload takes the raw image as the body (image/png, image/jpeg, image/webp or image/gif). */
export const setAvatar = defineMethod({
  id: 'people.setAvatar',
  verb: 'PUT',
  path: '/api/people/me/avatar',
  summary: 'Upload one’s avatar: the raw image as the body. Re-encoded to WebP, at most 512×512.',
  tag: 'people',
  auth: 'person',
  response: Person,
  status: 200,
});

export const deleteAvatar = defineMethod({
  id: 'people.deleteAvatar',
  verb: 'DELETE',
  path: '/api/people/me/avatar',
  summary: 'Remove one’s avatar.',
  tag: 'people',
  auth: 'person',
  response: null,
  status: 204,
});

export const getAvatar = defineMethod({
  id: 'people.getAvatar',
  verb: 'GET',
  path: '/api/people/:id/avatar',
  summary: 'A person’s avatar image (image/webp), for those who may see the person.',
  tag: 'people',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 200,
});

export const ListPeopleQuery = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 254 })),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** Comma-separated ids, at most 85 (as Webex). */
    id: Type.Optional(Type.String({ maxLength: 85 * 37 })),
    max: Type.Optional(PageMax),
    /** Opaque paging cursor from a `Link` header. */
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const listPeople = defineMethod({
  id: 'people.list',
  verb: 'GET',
  path: '/api/people',
  summary: 'People one may see: the org directory, filtered by e-mail, display-name prefix or ids.',
  tag: 'people',
  auth: 'person',
  query: ListPeopleQuery,
  response: PeopleList,
  status: 200,
});

export const getPerson = defineMethod({
  id: 'people.get',
  verb: 'GET',
  path: '/api/people/:id',
  summary: 'One person, if one may see them (else 404).',
  tag: 'people',
  auth: 'person',
  params: IdParams,
  response: Person,
  status: 200,
});

export const CreatePersonBody = Type.Object(
  {
    emails: Type.Array(Email, { minItems: 1, maxItems: 1 }),
    displayName: DisplayName,
    firstName: Type.Optional(NamePart),
    lastName: Type.Optional(NamePart),
    roles: Type.Optional(Type.Array(RoleId, { maxItems: 10 })),
    /** Set an initial password; without one, an invitation e-mail is sent. */
    password: Type.Optional(Password),
  },
  { additionalProperties: false },
);

export const createPerson = defineMethod({
  id: 'people.create',
  verb: 'POST',
  path: '/api/people',
  summary: 'Admin: create a person in one’s org, with a password or an invitation.',
  tag: 'people',
  auth: 'admin',
  body: CreatePersonBody,
  response: Person,
  status: 200,
});

export const UpdatePersonBody = Type.Object(
  {
    displayName: Type.Optional(DisplayName),
    firstName: Type.Optional(NamePart),
    lastName: Type.Optional(NamePart),
    nickName: Type.Optional(NamePart),
    roles: Type.Optional(Type.Array(RoleId, { maxItems: 10 })),
    loginEnabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const updatePerson = defineMethod({
  id: 'people.update',
  verb: 'PUT',
  path: '/api/people/:id',
  summary: 'Admin: update a person of one’s org (profile, roles, login enabled).',
  tag: 'people',
  auth: 'admin',
  params: IdParams,
  body: UpdatePersonBody,
  response: Person,
  status: 200,
});

export const deactivatePerson = defineMethod({
  id: 'people.deactivate',
  verb: 'DELETE',
  path: '/api/people/:id',
  summary: 'Admin: deactivate a person of one’s org; their sessions end at once.',
  tag: 'people',
  auth: 'admin',
  params: IdParams,
  response: null,
  status: 204,
});
