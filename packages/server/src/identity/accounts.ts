/**
 * Sign-up, sign-in and password changes (SPEC ID-1, ID-3, SEC-4), and the brute-force guard.
 * @module
 */
import type { SignupBody } from '@flint/protocol';
import { ApiError } from '../errors.ts';
import type { Actor, ClientInfo, Core } from '../core.ts';
import { createOrg, emailDomain, isFreshInstall, normalizeEmail, orgOwningEmail, parsePolicy } from './orgs.ts';
import { findPerson, findPersonByEmail, insertPerson } from './people.ts';
import { invitationByToken } from './invitations.ts';
import { revokeOtherSessions, startSession, type IssuedSession } from './sessions.ts';

/**
 * Who may sign up (SPEC ID-2, ID-3):
 * - on a fresh install, the first person founds an org owning their e-mail's domain and is its admin;
 * - with an invitation token, the invited person (any domain; outsiders are guests);
 * - someone whose domain a verified org claims, when that org's policy allows sign-up by domain;
 * - with FLINT_SIGNUP=open, anyone else, founding an org for their domain.
 */
export async function signup(core: Core, body: SignupBody, client: ClientInfo): Promise<IssuedSession> {
  const email = normalizeEmail(body.email);
  const displayName = body.displayName.normalize('NFC').trim();
  if (displayName === '') throw ApiError.badRequest('displayName: must not be blank');
  const passwordHash = await core.passwords.hash(body.password);

  const personId = await core.db.transaction().execute(async (trx) => {
    if (body.invitationToken !== undefined) {
      const invitation = await invitationByToken(core, trx, body.invitationToken);
      if (invitation.email !== email) throw new ApiError('invalid_credentials', 'The invitation was sent to another address.');
      const now = core.now();
      await trx
        .updateTable('people')
        .set({ status: 'active', password_hash: passwordHash, display_name: displayName, updated_at: now })
        .where('id', '=', invitation.person_id)
        .where('status', '=', 'invited')
        .execute();
      await trx.updateTable('invitations').set({ accepted_at: now }).where('id', '=', invitation.id).execute();
      return invitation.person_id;
    }
    const existing = await findPersonByEmail(trx, email);
    if (existing !== undefined) {
      if (existing.status === 'invited') throw new ApiError('signup_closed', 'This address has a pending invitation: use the link in the invitation e-mail.');
      throw ApiError.conflict('This address already has an account.');
    }
    if (await isFreshInstall(trx)) {
      const org = await createOrg(core, trx, { displayName: emailDomain(email), domains: [emailDomain(email)], verified: true });
      const person = await insertPerson(core, trx, { orgId: org.id, email, displayName, status: 'active', passwordHash, roles: ['org_admin'] });
      core.log.info({ orgId: org.id, personId: person.id }, 'first person signed up; founded an org as its admin');
      return person.id;
    }
    const org = await orgOwningEmail(trx, email);
    if (org !== undefined) {
      if (core.config.auth.signup === 'invitation' || parsePolicy(org).signup !== 'domains') {
        throw new ApiError('signup_closed', 'Sign-up is by invitation only.');
      }
      const person = await insertPerson(core, trx, { orgId: org.id, email, displayName, status: 'active', passwordHash });
      return person.id;
    }
    if (core.config.auth.signup === 'open') {
      const claimed = await trx.selectFrom('org_domains').select('org_id').where('domain', '=', emailDomain(email)).executeTakeFirst();
      if (claimed !== undefined) throw new ApiError('signup_closed', 'Sign-up is by invitation only.');
      const org2 = await createOrg(core, trx, { displayName: emailDomain(email), domains: [emailDomain(email)], verified: true });
      const person = await insertPerson(core, trx, { orgId: org2.id, email, displayName, status: 'active', passwordHash, roles: ['org_admin'] });
      return person.id;
    }
    throw new ApiError('signup_closed', 'Sign-up is open only to the organization’s domains or by invitation.');
  });
  return startSession(core, core.db, personId, client);
}

const loginFailEmailKey = (email: string) => `login-fail:email:${email}`;
const loginFailIpKey = (ip: string) => `login-fail:ip:${ip}`;

export async function login(core: Core, input: { email: string; password: string }, client: ClientInfo): Promise<IssuedSession> {
  const email = normalizeEmail(input.email);
  const { loginFailuresPerEmail, loginFailuresPerIp, loginWindowSec } = core.config.rateLimit;
  const ip = client.ip ?? 'unknown';
  const [byEmail, byIp] = await Promise.all([core.limiter.peek(loginFailEmailKey(email)), core.limiter.peek(loginFailIpKey(ip))]);
  // Locked out before the password is even checked, so a correct guess during lock-out is not revealed.
  if (byEmail.count >= loginFailuresPerEmail) throw lockedOut(core, byEmail.resetInSec);
  if (byIp.count >= loginFailuresPerIp) throw lockedOut(core, byIp.resetInSec);

  const person = await findPersonByEmail(core.db, email);
  let ok = false;
  if (person?.password_hash != null && person.status === 'active' && person.type === 'person') {
    ok = await core.passwords.verify(person.password_hash, input.password);
  } else {
    await core.passwords.verifyDummy(input.password);
  }
  if (!ok || person === undefined) {
    await Promise.all([core.limiter.hit(loginFailEmailKey(email), loginWindowSec), core.limiter.hit(loginFailIpKey(ip), loginWindowSec)]);
    core.metrics.signIns.inc({ result: 'failure' });
    throw new ApiError('invalid_credentials', 'The e-mail address or password is not correct.');
  }
  await core.limiter.reset(loginFailEmailKey(email));
  core.metrics.signIns.inc({ result: 'success' });
  return startSession(core, core.db, person.id, client);
}

function lockedOut(core: Core, resetInSec: number): ApiError {
  core.metrics.signIns.inc({ result: 'locked' });
  return ApiError.rateLimited(resetInSec, 'Too many failed sign-ins; try again later.');
}

export async function changePassword(core: Core, actor: Actor, input: { currentPassword: string; newPassword: string }): Promise<void> {
  const person = await findPerson(core.db, actor.personId);
  if (person?.password_hash == null) throw ApiError.forbidden('This account has no password.');
  if (!(await core.passwords.verify(person.password_hash, input.currentPassword))) {
    throw new ApiError('invalid_credentials', 'The current password is not correct.');
  }
  const hash = await core.passwords.hash(input.newPassword);
  await core.db.transaction().execute(async (trx) => {
    await trx.updateTable('people').set({ password_hash: hash, updated_at: core.now() }).where('id', '=', person.id).execute();
    await revokeOtherSessions(core, trx, person.id, actor.sessionId);
  });
}

/** Sets a password without knowing the old one (operator reset); every session ends. */
export async function resetPassword(core: Core, personId: string, newPassword: string): Promise<void> {
  const hash = await core.passwords.hash(newPassword);
  await core.db.transaction().execute(async (trx) => {
    await trx.updateTable('people').set({ password_hash: hash, updated_at: core.now() }).where('id', '=', personId).execute();
    await revokeOtherSessions(core, trx, personId, undefined);
  });
}
