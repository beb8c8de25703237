/**
 * An org admin's actions on one person beyond profile and roles (SPEC ID-5, ID-7, ID-8): a new
 * password, and their sessions. Each is audited (CP-5); a person of another org is "not found".
 * @module
 */
import { randomToken } from '@flint/crypto';
import type { Actor, Core } from '../core.ts';
import type { PersonRow, SessionRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { resetPassword } from '../identity/accounts.ts';
import { findPerson } from '../identity/people.ts';
import { revokeOtherSessions } from '../identity/sessions.ts';
import { recordAdminAction } from './audit.ts';

async function personOfOrg(core: Core, actor: Actor, personId: string): Promise<PersonRow> {
  const person = await findPerson(core.db, personId);
  if (person === undefined || person.org_id !== actor.orgId) throw ApiError.notFound('person');
  return person;
}

/** A generated password (about 120 bits), set now; every session of the person ends. */
export async function resetPasswordAsAdmin(core: Core, actor: Actor, personId: string): Promise<string> {
  const person = await personOfOrg(core, actor, personId);
  if (person.type !== 'person') throw ApiError.badRequest('A bot has no password; create a new bot instead.');
  if (personId === actor.personId) throw ApiError.badRequest('Change your own password in your settings.');
  const password = randomToken('pw').slice(3, 27);
  await resetPassword(core, personId, password);
  await recordAdminAction(core, core.db, actor, { action: 'person.passwordReset', targetId: personId, targetName: person.email });
  return password;
}

export async function sessionsOf(core: Core, actor: Actor, personId: string): Promise<SessionRow[]> {
  await personOfOrg(core, actor, personId);
  const now = core.now();
  return core.db
    .selectFrom('sessions')
    .selectAll()
    .where('person_id', '=', personId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('created_at', 'desc')
    .execute();
}

export async function endSessionsOf(core: Core, actor: Actor, personId: string): Promise<void> {
  const person = await personOfOrg(core, actor, personId);
  if (personId === actor.personId) throw ApiError.badRequest('Sign out of your own sessions in your settings.');
  await revokeOtherSessions(core, core.db, personId, undefined);
  await recordAdminAction(core, core.db, actor, { action: 'person.sessionsRevoked', targetId: personId, targetName: person.email });
}
