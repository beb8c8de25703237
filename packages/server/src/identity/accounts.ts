/**
 * Sign-up, sign-in and password changes (SPEC ID-1, ID-3, SEC-4), and the brute-force guard.
 * @module
 */
import type { SignupBody } from '@flint/protocol';
import { ApiError } from '../errors.ts';
import type { Actor, ClientInfo, Core } from '../core.ts';
import type { PersonRow } from '../db/schema.ts';
import { createOrg, emailDomain, isFreshInstall, normalizeEmail, orgOwningEmail, parsePolicy } from './orgs.ts';
import { findPerson, findPersonByEmail, insertPerson } from './people.ts';
import { invitationByToken } from './invitations.ts';
import { cleanName } from './names.ts';
import { revokeOtherSessions, startSession, type IssuedSession } from './sessions.ts';
import { passwordSignInRefused, ssoForEmail } from './sso.ts';

/** What a sign-up did: started a session, or (for an address that has an account) mailed its owner. */
export type SignupOutcome = { kind: 'session'; session: IssuedSession } | { kind: 'mailed' };

/**
 * Who may sign up (SPEC ID-2, ID-3):
 * - on a fresh install, the first person founds an org owning their e-mail's domain and is its admin;
 * - with an invitation token, the invited person (any domain; outsiders are guests);
 * - someone whose domain a verified org claims, when that org's policy allows sign-up by domain;
 * - with FLINT_SIGNUP=open, anyone else, founding an org for their domain.
 *
 * The answer must not tell whether an address has an account (issue 14, finding 6): refusals are
 * decided by policy before the address is looked at, so they are the same for both; and an
 * address that has an account, where sign-up would be open, is not told "conflict" — the owner of
 * the address is mailed instead (sign in, or use the invitation), and the caller only hears that
 * mail was sent. A new address still gets its account at once (sign-up confirms no address), so
 * a caller who owns no mailbox can still tell the two apart by whether a session comes back.
 */
export async function signup(core: Core, body: SignupBody, client: ClientInfo): Promise<SignupOutcome> {
  const email = normalizeEmail(body.email);
  const displayName = cleanName('displayName', body.displayName);
  // An org that requires SSO makes no password accounts (sign-up confirms no address, so this would
  // be a way in around the provider): its people come in through the provider (JIT) or SCIM.
  if ((await ssoForEmail(core.db, email))?.require_sso === 1) {
    throw new ApiError('sso_required', 'Your organization signs you in through its identity provider.');
  }
  const passwordHash = await core.passwords.hash(body.password);

  const decided = await core.db.transaction().execute(async (trx): Promise<{ personId: string } | { existing: PersonRow }> => {
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
      return { personId: invitation.person_id };
    }
    if (await isFreshInstall(trx)) {
      const org = await createOrg(core, trx, { displayName: emailDomain(email), domains: [emailDomain(email)], verified: true });
      const person = await insertPerson(core, trx, { orgId: org.id, email, displayName, status: 'active', passwordHash, roles: ['org_admin'] });
      core.log.info({ orgId: org.id, personId: person.id }, 'first person signed up; founded an org as its admin');
      return { personId: person.id };
    }
    const org = await orgOwningEmail(trx, email);
    if (org !== undefined) {
      if (core.config.auth.signup === 'invitation' || parsePolicy(org).signup !== 'domains') {
        throw new ApiError('signup_closed', 'Sign-up is by invitation only.');
      }
      const existing = await findPersonByEmail(trx, email);
      if (existing !== undefined) return { existing };
      const person = await insertPerson(core, trx, { orgId: org.id, email, displayName, status: 'active', passwordHash });
      return { personId: person.id };
    }
    if (core.config.auth.signup === 'open') {
      const claimed = await trx.selectFrom('org_domains').select('org_id').where('domain', '=', emailDomain(email)).executeTakeFirst();
      if (claimed !== undefined) throw new ApiError('signup_closed', 'Sign-up is by invitation only.');
      const existing = await findPersonByEmail(trx, email);
      if (existing !== undefined) return { existing };
      const org2 = await createOrg(core, trx, { displayName: emailDomain(email), domains: [emailDomain(email)], verified: true });
      const person = await insertPerson(core, trx, { orgId: org2.id, email, displayName, status: 'active', passwordHash, roles: ['org_admin'] });
      return { personId: person.id };
    }
    throw new ApiError('signup_closed', 'Sign-up is open only to the organization’s domains or by invitation.');
  });
  if ('existing' in decided) {
    await mailExistingAccount(core, decided.existing);
    return { kind: 'mailed' };
  }
  return { kind: 'session', session: await startSession(core, core.db, decided.personId, client) };
}

/** Tells an address's owner that someone tried to sign up with it, and what to do if it was them. */
async function mailExistingAccount(core: Core, person: PersonRow): Promise<void> {
  if (person.status === 'deactivated') return;
  const text =
    person.status === 'invited'
      ? 'Someone (perhaps you) tried to sign up to Flint with this address. You have a pending invitation: use the link in the invitation e-mail to choose a password.\n'
      : `Someone (perhaps you) tried to sign up to Flint with this address, which already has an account.\n\nIf it was you, sign in at ${core.config.publicUrl}/ instead (your organization's administrator can reset a forgotten password). If it was not you, you need do nothing: no account was changed.\n`;
  await core.mailer.send({ to: person.email, subject: 'Signing up to Flint', text });
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
  // An org that requires SSO takes no passwords but its admins' (break-glass); the web app then
  // sends the person to the org's provider.
  if (await passwordSignInRefused(core.db, email)) {
    throw new ApiError('sso_required', 'Your organization signs you in through its identity provider.');
  }

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
