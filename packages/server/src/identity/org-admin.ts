/**
 * What an org admin (or the operator, through `flint admin`) does to people: create them with a
 * password or an invitation, change them, and create bots (SPEC ID-7, ID-9).
 * @module
 */
import type { RoleId } from '@flint/protocol';
import { randomBytes, toHex } from '@flint/crypto';
import { ApiError } from '../errors.ts';
import type { Actor, Core } from '../core.ts';
import type { PersonRow } from '../db/schema.ts';
import { newId } from '../infra/ids.ts';
import { assertMayCreateAccount, emailDomain, getOrg, listDomains, normalizeEmail } from './orgs.ts';
import { deactivatePerson, findPerson, findPersonByEmail, insertPerson, reactivatePerson, rolesOf, setRoles, updateProfile } from './people.ts';
import { invite } from './invitations.ts';
import { cleanName, cleanOptionalName } from './names.ts';
import { issueAccessToken } from './sessions.ts';
import { diff, recordAdminAction } from '../admin/audit.ts';

export interface CreatePersonInput {
  email: string;
  displayName: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
  roles?: readonly RoleId[] | undefined;
  /** With a password the person is active at once; without one, they get an invitation. */
  password?: string | undefined;
}

/** `by` is the admin acting; for operator tasks it is the org's first admin. */
export async function createPersonAsAdmin(core: Core, by: Actor, input: CreatePersonInput): Promise<PersonRow> {
  const email = normalizeEmail(input.email);
  const displayName = cleanName('displayName', input.displayName);
  const firstName = input.firstName === undefined ? undefined : (cleanOptionalName('firstName', input.firstName) ?? undefined);
  const lastName = input.lastName === undefined ? undefined : (cleanOptionalName('lastName', input.lastName) ?? undefined);
  if (input.password === undefined) {
    const invitation = await invite(core, by, { email, displayName, newAccountOnly: true });
    if (input.roles?.length) {
      await setRoles(core.db, invitation.person_id, input.roles);
      core.authCache.clear();
    }
    const row = await findPerson(core.db, invitation.person_id);
    if (row === undefined) throw ApiError.notFound('person');
    await recordAdminAction(core, core.db, by, { action: 'person.create', targetId: row.id, targetName: row.email, changes: { status: { to: 'invited' }, ...(input.roles?.length ? { roles: { to: input.roles } } : {}) } });
    return row;
  }
  await assertMayCreateAccount(core.db, by.orgId, email);
  if ((await findPersonByEmail(core.db, email)) !== undefined) throw ApiError.conflict('This address already has an account.');
  const ownDomains = new Set((await listDomains(core.db, by.orgId)).filter((d) => d.verified === 1).map((d) => d.domain));
  const passwordHash = await core.passwords.hash(input.password);
  const row = await insertPerson(core, core.db, {
    orgId: by.orgId,
    email,
    displayName,
    firstName,
    lastName,
    status: 'active',
    isGuest: !ownDomains.has(emailDomain(email)),
    passwordHash,
    roles: input.roles ?? [],
  });
  await recordAdminAction(core, core.db, by, { action: 'person.create', targetId: row.id, targetName: row.email, changes: { status: { to: 'active' }, ...(input.roles?.length ? { roles: { to: input.roles } } : {}) } });
  return row;
}

export interface AdminUpdateInput {
  displayName?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  nickName?: string | undefined;
  roles?: readonly RoleId[] | undefined;
  loginEnabled?: boolean | undefined;
}

export async function updatePersonAsAdmin(core: Core, actor: Actor, personId: string, input: AdminUpdateInput): Promise<PersonRow> {
  const target = await findPerson(core.db, personId);
  if (target === undefined || target.org_id !== actor.orgId) throw ApiError.notFound('person');
  if (personId === actor.personId && (input.loginEnabled === false || (input.roles && !input.roles.includes('org_admin')))) {
    // An admin locking themselves out is almost always a mistake, and may leave the org with none.
    throw ApiError.badRequest('You cannot remove your own admin role or disable your own login.');
  }
  const { roles, loginEnabled, ...profile } = input;
  await updateProfile(core, actor, personId, profile);
  const audit = (action: Parameters<typeof recordAdminAction>[3]['action'], changes?: Record<string, { from?: unknown; to?: unknown }>) =>
    recordAdminAction(core, core.db, actor, { action, targetId: personId, targetName: target.email, changes });
  const profileChanges = diff(
    { displayName: target.display_name, firstName: target.first_name ?? '', lastName: target.last_name ?? '', nickName: target.nick_name ?? '' },
    profile,
  );
  if (Object.keys(profileChanges).length > 0) await audit('person.update', profileChanges);
  if (roles !== undefined) {
    const before = [...((await rolesOf(core.db, [personId])).get(personId) ?? [])].sort();
    await setRoles(core.db, personId, roles);
    core.authCache.clear();
    const after = [...new Set(roles)].sort();
    if (JSON.stringify(before) !== JSON.stringify(after)) await audit('person.roles', { roles: { from: before, to: after } });
  }
  if (loginEnabled === false && target.status !== 'deactivated') {
    await deactivatePerson(core, core.db, personId);
    await audit('person.deactivate', { status: { from: target.status, to: 'deactivated' } });
  }
  if (loginEnabled === true && target.status === 'deactivated') {
    await reactivatePerson(core, core.db, personId);
    await audit('person.reactivate', { status: { from: 'deactivated', to: 'active' } });
  }
  const row = await findPerson(core.db, personId);
  if (row === undefined) throw ApiError.notFound('person');
  return row;
}

export async function deactivateAsAdmin(core: Core, actor: Actor, personId: string): Promise<void> {
  const target = await findPerson(core.db, personId);
  if (target === undefined || target.org_id !== actor.orgId) throw ApiError.notFound('person');
  if (personId === actor.personId) throw ApiError.badRequest('You cannot deactivate yourself.');
  await deactivatePerson(core, core.db, personId);
  await recordAdminAction(core, core.db, actor, { action: 'person.deactivate', targetId: personId, targetName: target.email, changes: { status: { from: target.status, to: 'deactivated' } } });
}

/** A bot: a person of type `bot` with one long-lived token (shown once), revocable like a session. */
export async function createBot(core: Core, actor: Actor, displayName: string): Promise<{ person: PersonRow; token: string }> {
  const orgId = actor.orgId;
  const org = await getOrg(core.db, orgId);
  if (org === undefined) throw ApiError.notFound('organization');
  const slug = displayName.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 32) || 'bot';
  const email = `${slug}-${toHex(randomBytes(3))}@bots.flint.invalid`;
  return core.db.transaction().execute(async (trx) => {
    const person = await insertPerson(core, trx, { orgId, email, displayName: cleanName('displayName', displayName), type: 'bot', status: 'active' });
    const now = core.now();
    const sessionId = newId();
    await trx
      .insertInto('sessions')
      .values({
        id: sessionId,
        person_id: person.id,
        kind: 'bot',
        refresh_hash: null,
        prev_refresh_hash: null,
        cookie_hash: null,
        ip: null,
        user_agent: null,
        client_version: null,
        created_at: now,
        last_seen_at: now,
        expires_at: null,
        revoked_at: null,
      })
      .execute();
    const token = await issueAccessToken(core, trx, sessionId, person.id, null);
    await recordAdminAction(core, trx, actor, { action: 'bot.create', targetId: person.id, targetName: person.display_name });
    return { person, token };
  });
}
