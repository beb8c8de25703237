/**
 * "Forgot password" (issue 16): a single-use, expiring reset link by e-mail.
 *
 * - The answer to a request is the same whether or not the address has an account (202, same
 *   message), and the mail goes out after the answer, so its time tells nothing either.
 * - Rate-limited per address and per client address (hits counted before the lookup, so an
 *   address without an account is limited the same way).
 * - The token is 256 random bits; only its SHA-256 is stored. It expires (FLINT_PASSWORD_RESET_TTL),
 *   is spent by its first use (a conditional update, so two racing uses cannot both win), and a new
 *   password spends every other pending link of the person.
 * - Setting the password ends all the person's sessions. It does not touch the KMS: the KMS's
 *   password credential changes only when an enrolled device of the person sets it
 *   (docs/threat-model.md); the web app does so at the next sign-in on a browser that holds one.
 * @module
 */
import { ApiError } from '../errors.ts';
import type { ClientInfo, Core } from '../core.ts';
import { normalizeEmail } from './orgs.ts';
import { findPersonByEmail } from './people.ts';
import { revokeOtherSessions } from './sessions.ts';
import { hashToken, newToken } from './tokens.ts';

export const RESET_REQUESTED = 'If this address has an account, we sent it a link to choose a new password. The link works once, within the hour.';
const WINDOW_SEC = 3600;

export async function requestPasswordReset(core: Core, input: { email: string }, client: ClientInfo): Promise<void> {
  const email = normalizeEmail(input.email);
  const { passwordResetsPerEmail, passwordResetsPerIp } = core.config.auth;
  const [byEmail, byIp] = await Promise.all([core.limiter.hit(`pw-reset:email:${email}`, WINDOW_SEC), core.limiter.hit(`pw-reset:ip:${client.ip ?? 'unknown'}`, WINDOW_SEC)]);
  if (byEmail.count > passwordResetsPerEmail) throw ApiError.rateLimited(byEmail.resetInSec, 'Too many reset requests for this address; try again later.');
  if (byIp.count > passwordResetsPerIp) throw ApiError.rateLimited(byIp.resetInSec, 'Too many reset requests; try again later.');
  // After the answer: neither a failure nor the time the lookup and the mail take reach the caller.
  setImmediate(() => {
    void mailResetLink(core, email).catch((error: unknown) => core.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'password reset mail failed'));
  });
}

async function mailResetLink(core: Core, email: string): Promise<void> {
  const person = await findPersonByEmail(core.db, email);
  if (person === undefined || person.type !== 'person' || person.status !== 'active') return;
  const token = newToken('reset');
  const now = core.now();
  await core.db
    .insertInto('password_resets')
    .values({ token_hash: await hashToken(token), person_id: person.id, created_at: now, expires_at: now + core.config.auth.passwordResetTtlSec * 1000, used_at: null })
    .execute();
  const link = `${core.config.publicUrl}/#/reset/${token}`;
  const minutes = Math.round(core.config.auth.passwordResetTtlSec / 60);
  await core.mailer.send({
    to: email,
    subject: 'Choose a new Flint password',
    text:
      `Someone (perhaps you) asked to reset the password of the Flint account of this address.\n\n` +
      `Choose a new password here (the link works once, for ${minutes} min):\n${link}\n\n` +
      `Setting it signs you out everywhere. If it was not you, ignore this e-mail: nothing changes.\n`,
  });
}

/** Sets the new password with a link's token: single use, unexpired; every session of the person ends. */
export async function resetPasswordWithToken(core: Core, input: { token: string; newPassword: string }): Promise<void> {
  const tokenHash = await hashToken(input.token);
  const row = await core.db.selectFrom('password_resets').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  if (row === undefined) throw new ApiError('invalid_credentials', 'This reset link is not valid.');
  if (row.used_at !== null) throw new ApiError('gone', 'This reset link has been used already: ask for a new one.');
  if (row.expires_at <= core.now()) throw new ApiError('gone', 'This reset link has expired: ask for a new one.');
  const hash = await core.passwords.hash(input.newPassword);
  await core.db.transaction().execute(async (trx) => {
    const now = core.now();
    const spent = await trx.updateTable('password_resets').set({ used_at: now }).where('token_hash', '=', tokenHash).where('used_at', 'is', null).executeTakeFirst();
    if (Number(spent.numUpdatedRows) !== 1) throw new ApiError('gone', 'This reset link has been used already: ask for a new one.');
    // Every other pending link of the person is spent too: the password they asked for is set.
    await trx.updateTable('password_resets').set({ used_at: now }).where('person_id', '=', row.person_id).where('used_at', 'is', null).execute();
    const person = await trx.updateTable('people').set({ password_hash: hash, updated_at: now }).where('id', '=', row.person_id).where('status', '=', 'active').executeTakeFirst();
    if (Number(person.numUpdatedRows) !== 1) throw new ApiError('invalid_credentials', 'This reset link is not valid.');
    await revokeOtherSessions(core, trx, row.person_id, undefined);
  });
  await core.limiter.reset(`login-fail:email:${(await core.db.selectFrom('people').select('email').where('id', '=', row.person_id).executeTakeFirst())?.email ?? ''}`);
}
