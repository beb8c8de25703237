/**
 * Emoji reactions (issue 16): a member reacts to a message of their space with an emoji sealed
 * with the space's key; every member gets the event. The core stores the ciphertext with who
 * reacted to which message — never the emoji itself — so it cannot tell two reactions' emoji apart:
 * clients toggle (remove their own instead of adding the same emoji twice), and the core bounds the
 * reactions one person puts on one message (`REACTION_LIMITS.perPersonPerMessage`).
 *
 * A reaction goes with its message (deleted, or dropped by retention: the rows cascade). A person
 * who leaves or is removed keeps their past reactions, as their messages stay, but can add or
 * remove none until they are a member again.
 * @module
 */
import type { Kysely } from 'kysely';
import { REACTION_LIMITS, type Reaction } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Database, ReactionsTable } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { memberOf } from './access.ts';

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function presentReaction(row: ReactionsTable): Reaction {
  return {
    id: row.id,
    messageId: row.message_id,
    roomId: row.space_id,
    personId: row.person_id,
    emoji: row.emoji,
    encryptionKeyUrl: row.encryption_key_url,
    created: new Date(Number(row.created_at)).toISOString(),
  };
}

/** Being no member of the space looks like the message not existing (a non-member learns nothing). */
async function memberOrNotFound(db: Kysely<Database>, actor: Actor, spaceId: string, what: string): Promise<void> {
  try {
    await memberOf(db, actor, spaceId);
  } catch (error) {
    if (error instanceof ApiError) throw ApiError.notFound(what);
    throw error;
  }
}

export interface CreateReactionInput {
  messageId: string;
  emoji: string;
  encryptionKeyUrl: string;
}

export async function createReaction(core: Core, actor: Actor, input: CreateReactionInput): Promise<Reaction> {
  return core.events.transact(async (trx, emit) => {
    const message = await trx.selectFrom('messages').select(['id', 'space_id']).where('id', '=', input.messageId).executeTakeFirst();
    if (message === undefined) throw ApiError.notFound('message');
    await memberOrNotFound(trx, actor, message.space_id, 'message');
    const mine = await trx
      .selectFrom('reactions')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('message_id', '=', message.id)
      .where('person_id', '=', actor.personId)
      .executeTakeFirstOrThrow();
    if (Number(mine.n) >= REACTION_LIMITS.perPersonPerMessage) {
      throw ApiError.badRequest(`A person may have at most ${REACTION_LIMITS.perPersonPerMessage} reactions on one message.`);
    }
    const row: ReactionsTable = {
      id: newId(),
      message_id: message.id,
      space_id: message.space_id,
      person_id: actor.personId,
      emoji: input.emoji,
      encryption_key_url: input.encryptionKeyUrl,
      created_at: core.now(),
    };
    await trx.insertInto('reactions').values(row).execute();
    const reaction = presentReaction(row);
    emit({ space: message.space_id, type: 'reaction.created', data: reaction, actorId: actor.personId });
    return reaction;
  });
}

/** Parses the comma-separated message ids of a list request: 1 to `messagesPerList` ids. */
export function parseMessageIds(value: string): string[] {
  const ids = [...new Set(value.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  if (ids.length === 0 || ids.length > REACTION_LIMITS.messagesPerList || ids.some((id) => !ID.test(id))) {
    throw ApiError.badRequest(`messageId: 1 to ${REACTION_LIMITS.messagesPerList} comma-separated message ids`);
  }
  return ids.map((id) => id.toLowerCase());
}

/** The reactions on some messages of a space one belongs to, oldest first (ids of other spaces find nothing). */
export async function listReactions(core: Core, actor: Actor, roomId: string, messageIds: string): Promise<Reaction[]> {
  const ids = parseMessageIds(messageIds);
  await memberOf(core.db, actor, roomId);
  const rows = await core.db
    .selectFrom('reactions')
    .selectAll()
    .where('space_id', '=', roomId)
    .where('message_id', 'in', ids)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(presentReaction);
}

export async function deleteReaction(core: Core, actor: Actor, id: string): Promise<void> {
  await core.events.transact(async (trx, emit) => {
    const row = await trx.selectFrom('reactions').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw ApiError.notFound('reaction');
    await memberOrNotFound(trx, actor, row.space_id, 'reaction');
    if (row.person_id !== actor.personId) throw ApiError.forbidden('Only the person who reacted may remove a reaction.');
    await trx.deleteFrom('reactions').where('id', '=', id).execute();
    emit({ space: row.space_id, type: 'reaction.deleted', data: { id, messageId: row.message_id, roomId: row.space_id, personId: row.person_id }, actorId: actor.personId });
  });
}
