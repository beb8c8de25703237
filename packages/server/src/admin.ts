/**
 * Operator tasks behind `flint admin …`: run on the server machine against the core's database,
 * for first-run set-up and recovery (no running server or token needed).
 * @module
 */
import type { RoleId } from '@flint/protocol';
import { randomToken } from '@flint/crypto';
import type { FlintConfig } from './config/config.ts';
import type { Actor, Core } from './core.ts';
import { ApiError } from './errors.ts';
import { createLogger } from './infra/logger.ts';
import { resetPassword } from './identity/accounts.ts';
import { createBot, createPersonAsAdmin } from './identity/org-admin.ts';
import { addDomain, createOrg, findOrgByNameOrDomain, listDomains, normalizeDomain, orgOwningEmail, emailDomain } from './identity/orgs.ts';
import { recordAdminAction } from './admin/audit.ts';
import { findPersonByEmail, setRoles, rolesOf } from './identity/people.ts';
import { openCore } from './server.ts';

export class AdminError extends Error {
  override readonly name = 'AdminError';
}

export interface Admin extends AsyncDisposable {
  core: Core;
  createOrg(input: { name: string; domains: string[] }): Promise<{ id: string; name: string; domains: string[] }>;
  addDomain(org: string, domain: string): Promise<void>;
  createPerson(input: { email: string; name: string; org?: string | undefined; password?: string | undefined; admin?: boolean }): Promise<{ id: string; email: string; status: string; invited: boolean }>;
  makeAdmin(email: string, on?: boolean): Promise<void>;
  resetPassword(email: string, password?: string): Promise<{ password: string; generated: boolean }>;
  createBot(input: { name: string; org: string }): Promise<{ id: string; email: string; token: string }>;
  /** Who an address is, checked to be a member of `org` (for grants kept outside the core, e.g. at the KMS). */
  identify(email: string, org: string): Promise<{ personId: string; displayName: string; email: string; orgId: string; orgName: string }>;
  /** An org by one of its domains, its name or id (for `flint kms retention`). */
  findOrg(org: string): Promise<{ orgId: string; orgName: string }>;
  close(): Promise<void>;
}

/** An org's first admin stands in as the acting admin for operator tasks that need an actor. */
async function operatorActor(core: Core, orgId: string): Promise<Actor> {
  const admin = await core.db
    .selectFrom('people')
    .innerJoin('person_roles', 'person_roles.person_id', 'people.id')
    .select(['people.id'])
    .where('people.org_id', '=', orgId)
    .where('person_roles.role', '=', 'org_admin')
    .orderBy('people.created_at')
    .executeTakeFirst();
  return {
    personId: admin?.id ?? '00000000-0000-0000-0000-000000000000',
    orgId,
    sessionId: 'operator',
    type: 'person',
    isAdmin: true,
    isGuest: false,
    via: 'bearer',
    // The audit log names the operator, not the stand-in admin (SPEC CP-5).
    origin: { operator: true, userAgent: 'flint admin' },
  };
}

export async function openAdmin(config: FlintConfig): Promise<Admin> {
  const { core, dispose } = await openCore(config, createLogger('warn'));
  const resolveOrg = async (ref: string) => {
    const org = await findOrgByNameOrDomain(core.db, ref);
    if (org === undefined) throw new AdminError(`no organization named ${ref} (give its id, name or one of its domains)`);
    return org;
  };
  const wrap = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof ApiError) throw new AdminError([error.message, ...error.details].join(' '));
      throw error;
    }
  };
  const admin: Admin = {
    core,
    createOrg: ({ name, domains }) =>
      wrap(async () => {
        const org = await core.db.transaction().execute((trx) => createOrg(core, trx, { displayName: name, domains, verified: true }));
        return { id: org.id, name: org.display_name, domains: (await listDomains(core.db, org.id)).map((d) => d.domain) };
      }),
    addDomain: (ref, domain) =>
      wrap(async () => {
        const org = await resolveOrg(ref);
        const before = (await listDomains(core.db, org.id)).find((d) => d.domain === normalizeDomain(domain));
        await addDomain(core, core.db, org.id, domain, true);
        const action = before === undefined ? 'domain.add' : 'domain.verify';
        if (before?.verified !== 1) await recordAdminAction(core, core.db, await operatorActor(core, org.id), { action, targetId: normalizeDomain(domain), targetName: normalizeDomain(domain), changes: { verified: { from: before === undefined ? undefined : false, to: true } } });
      }),
    createPerson: ({ email, name, org, password, admin: isAdmin }) =>
      wrap(async () => {
        const orgRow = org !== undefined ? await resolveOrg(org) : await orgOwningEmail(core.db, email);
        if (orgRow === undefined) throw new AdminError(`no organization owns ${emailDomain(email)}; pass --org`);
        const roles: RoleId[] = isAdmin ? ['org_admin'] : [];
        const row = await createPersonAsAdmin(core, await operatorActor(core, orgRow.id), { email, displayName: name, password, roles });
        return { id: row.id, email: row.email, status: row.status, invited: password === undefined };
      }),
    identify: (email, orgRef) =>
      wrap(async () => {
        const org = await resolveOrg(orgRef);
        const person = await findPersonByEmail(core.db, email);
        if (person === undefined || person.org_id !== org.id) throw new AdminError(`${email} is not a person of ${org.display_name}`);
        return { personId: person.id, displayName: person.display_name, email: person.email, orgId: org.id, orgName: org.display_name };
      }),
    findOrg: (orgRef) =>
      wrap(async () => {
        const org = await resolveOrg(orgRef);
        return { orgId: org.id, orgName: org.display_name };
      }),
    makeAdmin: (email, on = true) =>
      wrap(async () => {
        const person = await findPersonByEmail(core.db, email);
        if (person === undefined) throw new AdminError(`no person with e-mail ${email}`);
        const roles = new Set((await rolesOf(core.db, [person.id])).get(person.id) ?? []);
        if (on) roles.add('org_admin');
        else roles.delete('org_admin');
        const before = [...((await rolesOf(core.db, [person.id])).get(person.id) ?? [])].sort();
        await setRoles(core.db, person.id, [...roles] as RoleId[]);
        core.authCache.clear();
        const after = [...roles].sort();
        if (JSON.stringify(before) !== JSON.stringify(after)) {
          await recordAdminAction(core, core.db, await operatorActor(core, person.org_id), { action: 'person.roles', targetId: person.id, targetName: person.email, changes: { roles: { from: before, to: after } } });
        }
      }),
    resetPassword: (email, password) =>
      wrap(async () => {
        const person = await findPersonByEmail(core.db, email);
        if (person === undefined || person.type !== 'person') throw new AdminError(`no person with e-mail ${email}`);
        const generated = password === undefined;
        const value = password ?? randomToken('pw').slice(3, 23);
        await resetPassword(core, person.id, value);
        if (person.status === 'invited') await core.db.updateTable('people').set({ status: 'active' }).where('id', '=', person.id).execute();
        await recordAdminAction(core, core.db, await operatorActor(core, person.org_id), { action: 'person.passwordReset', targetId: person.id, targetName: person.email });
        return { password: value, generated };
      }),
    createBot: ({ name, org }) =>
      wrap(async () => {
        const { person, token } = await createBot(core, await operatorActor(core, (await resolveOrg(org)).id), name);
        return { id: person.id, email: person.email, token };
      }),
    close: dispose,
    [Symbol.asyncDispose]: dispose,
  };
  return admin;
}
