/**
 * Attachment actions (SPEC PL-2): someone submits the card of a message (one that carries a card)
 * in a space they belong to.
 * The sealed inputs are stored as they came; the submitter and the message's sender (the bot that
 * posted the card) get an `attachmentAction.created` event, which also drives their webhooks.
 * @module
 */
import type { AttachmentAction } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { AttachmentActionRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { memberOf } from './access.ts';

function present(row: AttachmentActionRow): AttachmentAction {
  return {
    id: row.id,
    type: row.type,
    messageId: row.message_id,
    roomId: row.space_id,
    personId: row.person_id,
    inputs: row.inputs,
    encryptionKeyUrl: row.encryption_key_url,
    created: iso(row.created_at),
  };
}

export async function createAttachmentAction(core: Core, actor: Actor, input: { type: 'submit'; messageId: string; inputs: string; encryptionKeyUrl: string }): Promise<AttachmentAction> {
  return core.events.transact(async (trx, emit) => {
    const message = await trx.selectFrom('messages').select(['id', 'space_id', 'person_id', 'attachments']).where('id', '=', input.messageId).executeTakeFirst();
    // A message of a space one is not in does not exist, as far as one can tell.
    if (message === undefined) throw ApiError.notFound('message');
    await memberOf(trx, actor, message.space_id).catch(() => {
      throw ApiError.notFound('message');
    });
    // An action submits a card: a message without one has nothing to submit.
    if (message.attachments === null) throw ApiError.badRequest('messageId: the message has no card to submit');
    const row: AttachmentActionRow = {
      id: newId(),
      message_id: message.id,
      space_id: message.space_id,
      person_id: actor.personId,
      type: input.type,
      inputs: input.inputs,
      encryption_key_url: input.encryptionKeyUrl,
      created_at: core.now(),
    };
    await trx.insertInto('attachment_actions').values(row).execute();
    const action = present(row);
    emit({ recipients: [...new Set([actor.personId, message.person_id])], type: 'attachmentAction.created', data: action, actorId: actor.personId });
    return action;
  });
}

export async function getAttachmentAction(core: Core, actor: Actor, id: string): Promise<AttachmentAction> {
  const row = await core.db.selectFrom('attachment_actions').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) throw ApiError.notFound('attachment action');
  const sender = await core.db.selectFrom('messages').select('person_id').where('id', '=', row.message_id).executeTakeFirst();
  if (row.person_id !== actor.personId && sender?.person_id !== actor.personId) throw ApiError.notFound('attachment action');
  await memberOf(core.db, actor, row.space_id).catch(() => {
    throw ApiError.notFound('attachment action');
  });
  return present(row);
}
