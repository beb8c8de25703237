/**
 * People: creation, the directory, profiles, roles, avatars and deactivation
 * (SPEC ID-2, ID-4, ID-7).
 * @module
 */
import type { Person, RoleId } from '@flint/protocol';
import { LIMITS } from '@flint/protocol';
import { ApiError } from '../errors.ts';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { PersonRow, PersonStatus } from '../db/schema.ts';
import { newId } from '../infra/ids.ts';
import { normalizeEmail, getOrg, parsePolicy } from './orgs.ts';
import { presentPerson } from './presenters.ts';
import { checkTimeZone } from './locale.ts';
import { cleanName, cleanOptionalName } from './names.ts';

export interface NewPersonInput {
  orgId: string;
  email: string;
  displayName: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
  type?: 'person' | 'bot';
  status: PersonStatus;
  isGuest?: boolean;
  /** A meeting guest's ephemeral account: the space whose meeting it is a guest of (migration 0052). */
  meetingGuestSpace?: string;
  passwordHash?: string | null;
  roles?: readonly RoleId[];
}

export async function insertPerson(core: Pick<Core, 'now'>, db: Db, input: NewPersonInput): Promise<PersonRow> {
  const now = core.now();
  const row: PersonRow = {
    id: newId(),
    org_id: input.orgId,
    email: normalizeEmail(input.email),
    display_name: input.displayName,
    first_name: input.firstName ?? null,
    last_name: input.lastName ?? null,
    nick_name: null,
    type: input.type ?? 'person',
    status: input.status,
    is_guest: input.isGuest === true ? 1 : 0,
    password_hash: input.passwordHash ?? null,
    avatar_key: null,
    notification_prefs: JSON.stringify({ messages: 'all', email: true }),
    created_at: now,
    updated_at: now,
    language: null,
    time_zone: null,
    meeting_guest_space: input.meetingGuestSpace ?? null,
  };
  await db.insertInto('people').values(row).execute();
  // A role named twice is one role (a second insert would break the primary key after the person row).
  for (const role of new Set(input.roles ?? [])) await db.insertInto('person_roles').values({ person_id: row.id, role }).execute();
  return row;
}

export async function findPersonByEmail(db: Db, email: string): Promise<PersonRow | undefined> {
  return db.selectFrom('people').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
}

export async function findPerson(db: Db, id: string): Promise<PersonRow | undefined> {
  return db.selectFrom('people').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function rolesOf(db: Db, personIds: readonly string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (personIds.length === 0) return map;
  const rows = await db.selectFrom('person_roles').selectAll().where('person_id', 'in', personIds).execute();
  for (const r of rows) map.set(r.person_id, [...(map.get(r.person_id) ?? []), r.role]);
  return map;
}

export async function setRoles(db: Db, personId: string, roles: readonly RoleId[]): Promise<void> {
  await db.deleteFrom('person_roles').where('person_id', '=', personId).execute();
  for (const role of new Set(roles)) await db.insertInto('person_roles').values({ person_id: personId, role }).execute();
}

/**
 * Who may see whom (SPEC ID-2): oneself; members (not guests) of the same org see each other.
 * Shared spaces widen this once spaces exist (SP-2).
 */
export function canSee(actor: Actor, target: PersonRow): boolean {
  if (actor.personId === target.id) return true;
  if (actor.orgId !== target.org_id) return false;
  if (actor.isAdmin) return true;
  return !actor.isGuest && target.is_guest === 0;
}

function detailFor(actor: Actor, target: PersonRow): 'full' | 'directory' {
  return actor.personId === target.id || (actor.isAdmin && actor.orgId === target.org_id) ? 'full' : 'directory';
}

export async function presentFor(core: Core, actor: Actor, row: PersonRow): Promise<Person> {
  const roles = (await rolesOf(core.db, [row.id])).get(row.id) ?? [];
  return presentPerson({ row, roles }, core.config.publicUrl, detailFor(actor, row));
}

export async function getVisiblePerson(core: Core, actor: Actor, id: string): Promise<PersonRow> {
  const row = await findPerson(core.db, id);
  // An invisible person is answered exactly like a missing one, so ids cannot be probed.
  if (row === undefined || !canSee(actor, row)) throw ApiError.notFound('person');
  return row;
}

export interface ListPeopleInput {
  email?: string | undefined;
  displayName?: string | undefined;
  ids?: readonly string[] | undefined;
  max: number;
  /** Exclusive lower bound on (display_name, id) for keyset paging. */
  after?: { name: string; id: string } | undefined;
}

export async function listPeople(core: Core, actor: Actor, input: ListPeopleInput): Promise<{ items: Person[]; notFoundIds?: string[]; next?: { name: string; id: string } }> {
  let q = core.db.selectFrom('people').selectAll().where('org_id', '=', actor.orgId);
  if (!actor.isAdmin) {
    if (actor.isGuest) q = q.where('id', '=', actor.personId);
    else q = q.where('is_guest', '=', 0);
  }
  if (input.email !== undefined) q = q.where('email', '=', normalizeEmail(input.email));
  if (input.displayName !== undefined) {
    // Prefix match, case-insensitive, on both engines; LIKE wildcards in the input are escaped.
    const escaped = input.displayName.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    q = q.where((eb) => eb(eb.fn('lower', ['display_name']), 'like', `${escaped}%`));
  }
  if (input.ids !== undefined) q = q.where('id', 'in', input.ids.length > 0 ? [...input.ids] : ['']);
  if (input.after !== undefined) {
    const { name, id } = input.after;
    q = q.where((eb) => eb.or([eb('display_name', '>', name), eb.and([eb('display_name', '=', name), eb('id', '>', id)])]));
  }
  const rows = await q.orderBy('display_name').orderBy('id').limit(input.max + 1).execute();
  const page = rows.slice(0, input.max);
  const roles = await rolesOf(core.db, page.map((r) => r.id));
  const items = page.map((row) => presentPerson({ row, roles: roles.get(row.id) ?? [] }, core.config.publicUrl, detailFor(actor, row)));
  const result: { items: Person[]; notFoundIds?: string[]; next?: { name: string; id: string } } = { items };
  if (input.ids !== undefined) {
    const found = new Set(page.map((r) => r.id));
    const missing = input.ids.filter((id) => !found.has(id));
    if (missing.length > 0) result.notFoundIds = missing;
  }
  const last = page.at(-1);
  if (rows.length > input.max && last !== undefined) result.next = { name: last.display_name, id: last.id };
  return result;
}

async function assertSelfServiceAllowed(core: Core, actor: Actor): Promise<void> {
  if (actor.isAdmin) return;
  const org = await getOrg(core.db, actor.orgId);
  if (org !== undefined && parsePolicy(org).selfServiceLocked) {
    throw new ApiError('self_service_locked', 'Your organization’s administrator has locked profile changes.');
  }
}

export interface ProfileUpdate {
  displayName?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  nickName?: string | undefined;
  notificationPrefs?: Record<string, unknown> | undefined;
  /** `null` goes back to the org's default. */
  language?: string | null | undefined;
  timezone?: string | null | undefined;
}

export async function updateProfile(core: Core, actor: Actor, personId: string, input: ProfileUpdate): Promise<PersonRow> {
  const row = await findPerson(core.db, personId);
  if (row === undefined) throw ApiError.notFound('person');
  const changesProfile = input.displayName !== undefined || input.firstName !== undefined || input.lastName !== undefined || input.nickName !== undefined;
  // Notification preferences stay one's own even when the profile is locked (they are not registration data).
  if (personId === actor.personId && changesProfile) await assertSelfServiceAllowed(core, actor);
  const set: Partial<PersonRow> = { updated_at: core.now() };
  if (input.displayName !== undefined) set.display_name = cleanName('displayName', input.displayName);
  if (input.firstName !== undefined) set.first_name = cleanOptionalName('firstName', input.firstName);
  if (input.lastName !== undefined) set.last_name = cleanOptionalName('lastName', input.lastName);
  if (input.nickName !== undefined) set.nick_name = cleanOptionalName('nickName', input.nickName);
  // Language and time zone are preferences, not registration data: the self-service lock leaves them.
  if (input.language !== undefined) set.language = input.language;
  if (input.timezone !== undefined) set.time_zone = input.timezone === null ? null : checkTimeZone('timezone', input.timezone);
  if (input.notificationPrefs !== undefined) {
    set.notification_prefs = JSON.stringify({ ...(JSON.parse(row.notification_prefs) as object), ...input.notificationPrefs });
  }
  await core.db.updateTable('people').set(set).where('id', '=', personId).execute();
  return { ...row, ...set };
}

const AVATAR_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);
const SHARP_FORMATS = new Set(['png', 'jpeg', 'webp', 'gif']);

/**
 * Stores an avatar. The upload is decoded and re-encoded (WebP, at most 512×512), which checks
 * that it really is an image of an accepted type and strips its metadata (location, camera).
 */
export async function setAvatar(core: Core, actor: Actor, contentType: string | undefined, data: Uint8Array): Promise<PersonRow> {
  await assertSelfServiceAllowed(core, actor);
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!AVATAR_TYPES.has(type)) throw new ApiError('unsupported_media_type', 'An avatar must be a PNG, JPEG, WebP or GIF image.');
  if (data.byteLength > LIMITS.avatarBytes) throw new ApiError('payload_too_large', `An avatar may be at most ${LIMITS.avatarBytes} bytes.`);
  if (data.byteLength === 0) throw ApiError.badRequest('The avatar image is empty.');
  let webp: Buffer;
  // sharp (libvips) is loaded on first use: it adds tens of MiB that an idle server need not hold.
  const { default: sharp } = await import('sharp');
  try {
    const image = sharp(data, { limitInputPixels: 50_000_000, animated: false });
    const meta = await image.metadata();
    if (meta.format === undefined || !SHARP_FORMATS.has(meta.format)) throw new Error('format');
    webp = await image
      .rotate()
      .resize(LIMITS.avatarPixels, LIMITS.avatarPixels, { fit: 'cover', withoutEnlargement: true })
      .webp({ quality: 82 })
      .toBuffer();
  } catch {
    throw ApiError.badRequest('The avatar is not a readable PNG, JPEG, WebP or GIF image.');
  }
  const row = await findPerson(core.db, actor.personId);
  if (row === undefined) throw ApiError.notFound('person');
  const key = `avatars/${row.id}/${newId()}.webp`;
  await core.blobs.put(key, webp, 'image/webp');
  await core.db.updateTable('people').set({ avatar_key: key, updated_at: core.now() }).where('id', '=', row.id).execute();
  if (row.avatar_key !== null) await core.blobs.delete(row.avatar_key);
  return { ...row, avatar_key: key };
}

export async function deleteAvatar(core: Core, actor: Actor): Promise<void> {
  await assertSelfServiceAllowed(core, actor);
  const row = await findPerson(core.db, actor.personId);
  if (row?.avatar_key == null) return;
  await core.db.updateTable('people').set({ avatar_key: null, updated_at: core.now() }).where('id', '=', row.id).execute();
  await core.blobs.delete(row.avatar_key);
}

/** Deactivation keeps the row (messages still name their sender) but ends every session. */
export async function deactivatePerson(core: Core, db: Db, personId: string): Promise<void> {
  const now = core.now();
  await db.updateTable('people').set({ status: 'deactivated', updated_at: now }).where('id', '=', personId).execute();
  await db.updateTable('sessions').set({ revoked_at: now }).where('person_id', '=', personId).where('revoked_at', 'is', null).execute();
  core.authCache.clear();
  core.events.hub.closeSessions(personId);
}

export async function reactivatePerson(core: Core, db: Db, personId: string): Promise<void> {
  await db.updateTable('people').set({ status: 'active', updated_at: core.now() }).where('id', '=', personId).where('status', '=', 'deactivated').execute();
}
