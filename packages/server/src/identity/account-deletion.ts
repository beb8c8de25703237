/**
 * A person deletes their own account (SPEC ID-10). Confirmed by typing one's own address; refused
 * (409) for the org's last administrator. Then, as the org's `policy.deletedAccountMessages` says,
 * their messages are deleted (each as a sender's own delete: tombstones to the members, files
 * gone) or kept; their memberships (spaces and teams) end, every session and token dies, and the
 * person is deactivated and anonymized: "Deleted person", no avatar, no password, no roles, and the
 * address freed (replaced by a tombstone that cannot receive mail) so it may sign up again.
 * Their voicemail box goes (rows, then blobs), with their voicemail settings and PIN hash; the
 * voicemails they left for others follow the messages' policy.
 * The client removes its own KMS authorizations and devices before (the core has no way to).
 * @module
 */
import type { Actor, Core } from '../core.ts';
import { forgetPersonIntegrations } from './oauth.ts';
import { ApiError } from '../errors.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { deleteMessage } from '../spaces/messages.ts';
import { deactivatePerson, findPerson } from './people.ts';
import { getOrg, normalizeEmail, parsePolicy } from './orgs.ts';

export const DELETED_PERSON_NAME = 'Deleted person';

export interface DeleteAccountInput {
  /** One's own address, typed to confirm. */
  email: string;
  /** Checks only (address, last admin): nothing changes. The client asks this before its KMS clean-up. */
  dryRun?: boolean;
}

export async function deleteOwnAccount(core: Core, actor: Actor, input: DeleteAccountInput): Promise<{ messages: 'keep' | 'delete' }> {
  const person = await findPerson(core.db, actor.personId);
  if (person === undefined || person.status === 'deactivated') throw ApiError.notFound('person');
  if (person.type !== 'person') throw ApiError.badRequest('A bot cannot delete itself; an administrator removes it.');
  if (normalizeEmail(input.email) !== normalizeEmail(person.email)) throw ApiError.badRequest('Type your own e-mail address to confirm.');
  const isAdmin = (await core.db.selectFrom('person_roles').select('role').where('person_id', '=', person.id).where('role', '=', 'org_admin').executeTakeFirst()) !== undefined;
  if (isAdmin) {
    const others = await core.db
      .selectFrom('person_roles')
      .innerJoin('people', 'people.id', 'person_roles.person_id')
      .select('people.id')
      .where('person_roles.role', '=', 'org_admin')
      .where('people.org_id', '=', person.org_id)
      .where('people.status', '!=', 'deactivated')
      .where('people.id', '!=', person.id)
      .limit(1)
      .executeTakeFirst();
    if (others === undefined) throw ApiError.conflict('You are the organization’s last administrator: make someone else an administrator before deleting your account.');
  }
  const org = await getOrg(core.db, person.org_id);
  const policy = org === undefined ? 'keep' : parsePolicy(org).deletedAccountMessages;
  if (input.dryRun === true) return { messages: policy };

  // Recorded first: the entry names who acted, before the name goes.
  await recordAdminAction(core, core.db, actor, { action: 'person.deleteAccount', targetId: person.id, targetName: person.email, changes: { messages: { from: null, to: policy } } });

  if (policy === 'delete') {
    // Each as the sender's own delete (members get the tombstone, files are detached and removed),
    // in the spaces the person is still in; one by one, so the work is bounded per transaction.
    const own = await core.db
      .selectFrom('messages')
      .innerJoin('memberships', (j) => j.onRef('memberships.space_id', '=', 'messages.space_id').on('memberships.person_id', '=', person.id))
      .select('messages.id')
      .where('messages.person_id', '=', person.id)
      .orderBy('messages.id', 'desc')
      .execute();
    for (const { id } of own) await deleteMessage(core, actor, id).catch((error: unknown) => {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    });
  }

  const voicemails = await core.db
    .selectFrom('voicemails')
    .select(['id', 'blob_key', 'callee_id'])
    .where((eb) => (policy === 'delete' ? eb.or([eb('callee_id', '=', person.id), eb('caller_id', '=', person.id)]) : eb('callee_id', '=', person.id)))
    .execute();

  await core.events.transact(async (trx, emit) => {
    if (voicemails.length > 0) await trx.deleteFrom('voicemails').where('id', 'in', voicemails.map((v) => v.id)).execute();
    // Someone else's mailbox loses a message the person left: their indicator is told.
    for (const v of voicemails) if (v.callee_id !== person.id) emit({ recipients: [v.callee_id], type: 'voicemail.deleted', data: { id: v.id }, actorId: person.id });
    await trx.deleteFrom('voicemail_settings').where('person_id', '=', person.id).execute();
    const memberships = await trx.selectFrom('memberships').selectAll().where('person_id', '=', person.id).execute();
    await trx.deleteFrom('memberships').where('person_id', '=', person.id).execute();
    await trx.deleteFrom('favorites').where('person_id', '=', person.id).execute();
    await trx.deleteFrom('team_memberships').where('person_id', '=', person.id).execute();
    for (const m of memberships) emit({ change: 'leave', spaceId: m.space_id, personIds: [person.id] });
    await trx.deleteFrom('person_roles').where('person_id', '=', person.id).execute();
    // Their browsers' requests for KMS approval (user agents and addresses) go with the account.
    await trx.deleteFrom('device_requests').where('person_id', '=', person.id).execute();
    // Push endpoints identify the person's devices; settings go with the account.
    await trx.deleteFrom('push_subscriptions').where('person_id', '=', person.id).execute();
    await trx.deleteFrom('notification_settings').where('person_id', '=', person.id).execute();
    await trx
      .updateTable('people')
      .set({
        display_name: DELETED_PERSON_NAME,
        first_name: null,
        last_name: null,
        nick_name: null,
        email: `deleted-${person.id}@deleted.invalid`,
        password_hash: null,
        avatar_key: null,
        updated_at: core.now(),
      })
      .where('id', '=', person.id)
      .execute();
    await trx.deleteFrom('access_tokens').where('person_id', '=', person.id).execute();
    // What the org's IdP said about the person's sessions (their address as SAML NameID, an ID token).
    await trx.deleteFrom('sso_sessions').where('session_id', 'in', trx.selectFrom('sessions').select('id').where('person_id', '=', person.id)).execute();
  });
  if (person.avatar_key !== null) await core.blobs.delete(person.avatar_key).catch(() => undefined);
  // After the rows, as a voicemail's own delete: a crash here leaves unreachable ciphertext, never a row without audio.
  for (const v of voicemails) await core.blobs.delete(v.blob_key).catch(() => undefined);
  await forgetPersonIntegrations(core, person.id);
  await deactivatePerson(core, core.db, person.id);
  return { messages: policy };
}
