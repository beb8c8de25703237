/**
 * A person's voicemail settings (SPEC CL-3, SEC-4): voicemail to e-mail (opt-in) and the voicemail
 * PIN, kept only as an argon2id hash by the same hasher as passwords (identity/passwords.ts).
 * Verifying the PIN is rate-limited per person like sign-in: `pinFailures` wrong PINs lock it for
 * the rest of a `pinWindowSec` window (429 with Retry-After), checked before the hash so a right
 * guess during the lock-out is not revealed; the counters live in the rate limiter (Redis when the
 * core is scaled out, so every instance counts the same).
 * @module
 */
import { VOICEMAIL_LIMITS, type VoicemailSettings } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { ApiError } from '../errors.ts';

const failKey = (personId: string) => `voicemail-pin-fail:${personId}`;

export async function getVoicemailSettings(core: Core, actor: Actor): Promise<VoicemailSettings> {
  const row = await core.db.selectFrom('voicemail_settings').select(['email_copy', 'pin_hash']).where('person_id', '=', actor.personId).executeTakeFirst();
  return { emailCopy: row?.email_copy === 1, pinSet: row?.pin_hash != null };
}

export async function updateVoicemailSettings(core: Core, actor: Actor, input: { emailCopy: boolean }): Promise<VoicemailSettings> {
  const now = core.now();
  const current = await getVoicemailSettings(core, actor);
  if (current.emailCopy !== input.emailCopy) {
    const change = { email_copy: input.emailCopy ? 1 : 0, email_copy_since: input.emailCopy ? now : null, updated_at: now };
    await core.db
      .insertInto('voicemail_settings')
      .values({ person_id: actor.personId, pin_hash: null, ...change })
      .onConflict((oc) => oc.column('person_id').doUpdateSet(change))
      .execute();
  }
  return getVoicemailSettings(core, actor);
}

/** Refuses while locked out; otherwise checks `pin` against `hash`, counting a wrong one. */
async function checkPin(core: Core, actor: Actor, hash: string, pin: string): Promise<void> {
  const failures = await core.limiter.peek(failKey(actor.personId));
  if (failures.count >= VOICEMAIL_LIMITS.pinFailures) throw ApiError.rateLimited(failures.resetInSec, 'Too many wrong voicemail PINs; try again later.');
  if (!(await core.passwords.verify(hash, pin))) {
    await core.limiter.hit(failKey(actor.personId), VOICEMAIL_LIMITS.pinWindowSec);
    throw new ApiError('invalid_credentials', 'The voicemail PIN is not correct.');
  }
  await core.limiter.reset(failKey(actor.personId));
}

export async function setVoicemailPin(core: Core, actor: Actor, input: { pin: string; currentPin?: string | undefined }): Promise<VoicemailSettings> {
  if (/^(\d)\1+$/.test(input.pin)) throw ApiError.badRequest('pin: a PIN of one repeated digit is too easy to guess.');
  const row = await core.db.selectFrom('voicemail_settings').select('pin_hash').where('person_id', '=', actor.personId).executeTakeFirst();
  if (row?.pin_hash != null) {
    // A stolen session must not silently take over the mailbox's phone access.
    if (input.currentPin === undefined) throw ApiError.badRequest('currentPin: changing the PIN needs the current one.');
    await checkPin(core, actor, row.pin_hash, input.currentPin);
  }
  const change = { pin_hash: await core.passwords.hash(input.pin), updated_at: core.now() };
  await core.db
    .insertInto('voicemail_settings')
    .values({ person_id: actor.personId, email_copy: 0, email_copy_since: null, ...change })
    .onConflict((oc) => oc.column('person_id').doUpdateSet(change))
    .execute();
  return getVoicemailSettings(core, actor);
}

export async function verifyVoicemailPin(core: Core, actor: Actor, pin: string): Promise<void> {
  const row = await core.db.selectFrom('voicemail_settings').select('pin_hash').where('person_id', '=', actor.personId).executeTakeFirst();
  if (row?.pin_hash == null) throw ApiError.conflict('No voicemail PIN is set.');
  await checkPin(core, actor, row.pin_hash, pin);
}
