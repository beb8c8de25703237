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
import { acceptOnSignup } from '../spaces/space-invitations.ts';
import { cleanName } from './names.ts';
import { revokeOtherSessions, startSession, type IssuedSession } from './sessions.ts';
import { passwordSignInRefused, ssoForEmail } from './sso.ts';
import { hashToken, newToken } from './tokens.ts';
import { newId } from '../infra/ids.ts';
import type { Db } from '../db/database.ts';

/** What a sign-up did: started a session, or mailed the address (a confirmation link, or "you have an account"). */
export type SignupOutcome = { kind: 'session'; session: IssuedSession } | { kind: 'mailed' };

/** Where a new account of this address would go, decided by policy and the address's domain alone. */
type Placement = { kind: 'first' } | { kind: 'join'; orgId: string } | { kind: 'found' };

const closed = () => new ApiError('signup_closed', 'Sign-up is by invitation only.');

/**
 * Who may sign up (SPEC ID-2, ID-3):
 * - on a fresh install, the first person founds an org owning their e-mail's domain and is its admin;
 * - someone whose domain a verified org claims, when that org's policy allows sign-up by domain;
 * - with FLINT_SIGNUP=open, anyone else, founding an org for their domain.
 * Refusals depend on the domain and the policies only, never on whether the address has an account.
 */
async function placement(core: Core, trx: Db, email: string): Promise<Placement> {
  if (await isFreshInstall(trx)) return { kind: 'first' };
  const org = await orgOwningEmail(trx, email);
  if (org !== undefined) {
    if (core.config.auth.signup === 'invitation' || parsePolicy(org).signup !== 'domains') throw closed();
    return { kind: 'join', orgId: org.id };
  }
  if (core.config.auth.signup === 'open') {
    const claimed = await trx.selectFrom('org_domains').select('org_id').where('domain', '=', emailDomain(email)).executeTakeFirst();
    if (claimed !== undefined) throw closed();
    return { kind: 'found' };
  }
  throw new ApiError('signup_closed', 'Sign-up is open only to the organization’s domains or by invitation.');
}

async function createAccount(core: Core, trx: Db, place: Placement, a: { email: string; displayName: string; passwordHash: string }): Promise<string> {
  if (place.kind === 'join') {
    return (await insertPerson(core, trx, { orgId: place.orgId, email: a.email, displayName: a.displayName, status: 'active', passwordHash: a.passwordHash })).id;
  }
  const org = await createOrg(core, trx, { displayName: emailDomain(a.email), domains: [emailDomain(a.email)], verified: true });
  const person = await insertPerson(core, trx, { orgId: org.id, email: a.email, displayName: a.displayName, status: 'active', passwordHash: a.passwordHash, roles: ['org_admin'] });
  if (place.kind === 'first') core.log.info({ orgId: org.id, personId: person.id }, 'first person signed up; founded an org as its admin');
  return person.id;
}

/**
 * Sign-up. The answer must not tell whether an address has an account (issue 14, finding 6):
 * refusals are decided by policy before the address is looked at; then, with confirmation by
 * e-mail (FLINT_SIGNUP_CONFIRM=email, the default), a new address is sent a one-time link that
 * finishes the account (`confirmSignup`) and an address with an account is told so by mail — the
 * caller gets the same 202 either way, and the same work (one password hash, one mail) is done.
 * Without confirmation (`immediate`) a new address gets its session at once, which tells it apart.
 * The first account of an empty instance, and a sign-up with an invitation token (whose holder
 * proved the mailbox), start a session at once: neither tells anything about other addresses.
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

  type Decided = { personId: string; intoSpace?: string } | { existing: PersonRow } | { pending: string };
  const decided = await core.db.transaction().execute(async (trx): Promise<Decided> => {
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
      return invitation.room_id !== null ? { personId: invitation.person_id, intoSpace: invitation.room_id } : { personId: invitation.person_id };
    }
    const place = await placement(core, trx, email);
    const existing = place.kind === 'first' ? undefined : await findPersonByEmail(trx, email);
    if (existing !== undefined) return { existing };
    if (place.kind === 'first' || core.config.auth.signupConfirmation === 'immediate') {
      return { personId: await createAccount(core, trx, place, { email, displayName, passwordHash }) };
    }
    const now = core.now();
    // Expired confirmations are of no use to anyone: each sign-up sweeps them (indexed by expiry).
    await trx.deleteFrom('signup_confirmations').where('expires_at', '<=', now).execute();
    const token = newToken('signup');
    await trx
      .insertInto('signup_confirmations')
      .values({ id: newId(), token_hash: await hashToken(token), email, display_name: displayName, password_hash: passwordHash, created_at: now, expires_at: now + core.config.auth.signupConfirmationTtlSec * 1000, used_at: null })
      .execute();
    return { pending: token };
  });
  if ('existing' in decided) {
    await mailExistingAccount(core, decided.existing);
    return { kind: 'mailed' };
  }
  if ('pending' in decided) {
    await mailConfirmation(core, email, decided.pending);
    return { kind: 'mailed' };
  }
  // Signing up with a link that named a space accepts that space's invitation: a member's device
  // then admits the newcomer (the core grants no key; spaces/space-invitations.ts).
  if (decided.intoSpace !== undefined) await acceptOnSignup(core, decided.personId, email, decided.intoSpace);
  return { kind: 'session', session: await startSession(core, core.db, decided.personId, client) };
}

async function mailConfirmation(core: Core, email: string, token: string): Promise<void> {
  const link = `${core.config.publicUrl}/#/confirm/${token}`;
  const hours = Math.round(core.config.auth.signupConfirmationTtlSec / 3600);
  await core.mailer.send({
    to: email,
    subject: 'Confirm your address to finish signing up to Flint',
    text:
      `Someone (perhaps you) signed up to Flint with this address.\n\n` +
      `To finish creating your account, open this link and enter the password you chose:\n${link}\n\n` +
      `The link works once, for ${hours >= 1 ? `${hours} hour${hours === 1 ? '' : 's'}` : 'a short while'}. If it was not you, you need do nothing: no account is made without it.\n` +
      `With the API: POST /api/auth/signup/confirm with "token": "${token}" and "password".\n`,
  });
}

/**
 * Finishes a sign-up from its confirmation link: the token (single use, expiring) and the password
 * chosen at sign-up. The account is placed by the policies of now (they may have changed since),
 * and the person signed in. Wrong passwords count as failed sign-ins (same limits and lock-out).
 */
export async function confirmSignup(core: Core, input: { token: string; password: string }, client: ClientInfo): Promise<IssuedSession> {
  const row = await core.db.selectFrom('signup_confirmations').selectAll().where('token_hash', '=', await hashToken(input.token)).executeTakeFirst();
  // 410 for every link that cannot be used (401 is kept for a wrong password, which may be retried).
  if (row === undefined) throw new ApiError('gone', 'The confirmation link is not valid: sign up again.');
  if (row.used_at !== null) throw new ApiError('gone', 'The confirmation link has been used already.');
  if (row.expires_at <= core.now()) throw new ApiError('gone', 'The confirmation link has expired: sign up again.');
  const { loginFailuresPerEmail, loginFailuresPerIp, loginWindowSec } = core.config.rateLimit;
  const ip = client.ip ?? 'unknown';
  const [byEmail, byIp] = await Promise.all([core.limiter.peek(loginFailEmailKey(row.email)), core.limiter.peek(loginFailIpKey(ip))]);
  if (byEmail.count >= loginFailuresPerEmail) throw lockedOut(core, byEmail.resetInSec);
  if (byIp.count >= loginFailuresPerIp) throw lockedOut(core, byIp.resetInSec);
  if (!(await core.passwords.verify(row.password_hash, input.password))) {
    await Promise.all([core.limiter.hit(loginFailEmailKey(row.email), loginWindowSec), core.limiter.hit(loginFailIpKey(ip), loginWindowSec)]);
    throw new ApiError('invalid_credentials', 'This is not the password chosen when signing up.');
  }
  const personId = await core.db.transaction().execute(async (trx) => {
    // Spent first, conditionally: of two confirmations racing, one wins.
    const spent = await trx.updateTable('signup_confirmations').set({ used_at: core.now() }).where('id', '=', row.id).where('used_at', 'is', null).executeTakeFirst();
    if (Number(spent.numUpdatedRows) !== 1) throw new ApiError('gone', 'The confirmation link has been used already.');
    const place = await placement(core, trx, row.email);
    // The caller holds a link mailed to the address: telling them it has an account leaks nothing.
    if (place.kind !== 'first' && (await findPersonByEmail(trx, row.email)) !== undefined) throw ApiError.conflict('This address has an account already: sign in.');
    return createAccount(core, trx, place, { email: row.email, displayName: row.display_name, passwordHash: row.password_hash });
  });
  await core.limiter.reset(loginFailEmailKey(row.email));
  return startSession(core, core.db, personId, client);
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
