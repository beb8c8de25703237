/**
 * Messages: post (ciphertext, to a space or a person, in a thread), list newest first, get, edit,
 * delete with a tombstone; mentions indexed for "mentions of me" and counts (SPEC MS-1, MS-2).
 * The content fields are opaque: stored and relayed, never parsed or logged.
 * @module
 */
import type { Kysely } from 'kysely';
import { MESSAGING_LIMITS, type Message } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Database, MessageRow, SpaceRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import type { Emit } from '../events/event-service.ts';
import { memberOf, personBriefs } from './access.ts';
import { presentMessage } from './presenters.ts';
import { indexMessage, reindexMessage } from '../search/index-writes.ts';
import { moveReadMarker, openDirect } from './rooms.ts';
import { attachFiles } from '../files/attachments.ts';
import { detachMessageFiles, removeBlobs } from '../files/cleanup.ts';
import { filesOfMessages } from './message-files.ts';

export interface MessageContent {
  text?: string | undefined;
  markdown?: string | undefined;
  html?: string | undefined;
  encryptionKeyUrl?: string | undefined;
  mentionedPeople?: string[] | undefined;
  mentionedGroups?: 'all'[] | undefined;
  /** Blinded search tokens (SPEC SR-1): stored, never presented back. */
  searchTokens?: string[] | undefined;
}

export interface CreateMessageInput extends MessageContent {
  roomId?: string | undefined;
  toPersonId?: string | undefined;
  toPersonEmail?: string | undefined;
  parentId?: string | undefined;
  /** Uploaded blobs of the space with their sealed references (SPEC FL-1). */
  files?: { blobId: string; reference: string }[] | undefined;
  /** A card, sealed (SPEC PL-2); needs `text` or `markdown` beside it as the fallback. */
  attachments?: { contentType: string; content: string }[] | undefined;
}

function hasContent(c: MessageContent): boolean {
  return c.text !== undefined || c.markdown !== undefined || c.html !== undefined;
}

async function senderEmail(db: Kysely<Database>, personId: string): Promise<string> {
  return (await personBriefs(db, [personId])).get(personId)?.email ?? '';
}

async function checkMentions(trx: Kysely<Database>, spaceId: string, people: readonly string[]): Promise<void> {
  if (people.length === 0) return;
  const members = await trx.selectFrom('memberships').select('person_id').where('space_id', '=', spaceId).where('person_id', 'in', [...people]).execute();
  if (members.length !== new Set(people).size) throw ApiError.badRequest('mentionedPeople: only members of the space can be mentioned');
}

async function indexMentions(trx: Kysely<Database>, message: MessageRow, c: MessageContent): Promise<void> {
  await trx.deleteFrom('message_mentions').where('message_id', '=', message.id).execute();
  const targets = [...new Set([...(c.mentionedPeople ?? []), ...(c.mentionedGroups?.includes('all') ? ['*'] : [])])];
  if (targets.length > 0) {
    await trx.insertInto('message_mentions').values(targets.map((person_id) => ({ message_id: message.id, space_id: message.space_id, person_id }))).execute();
  }
}

export async function createMessage(core: Core, actor: Actor, input: CreateMessageInput): Promise<Message> {
  const targets = [input.roomId, input.toPersonId, input.toPersonEmail].filter((t) => t !== undefined).length;
  if (targets !== 1) throw ApiError.badRequest('Give exactly one of roomId, toPersonId and toPersonEmail.');
  if (!hasContent(input) && input.files === undefined) throw ApiError.badRequest('A message needs text, markdown, html or files.');
  // Clients that cannot show a card show the fallback instead (as Webex requires of bots).
  if (input.attachments !== undefined && input.text === undefined && input.markdown === undefined) throw ApiError.badRequest('attachments: a message with a card needs text or markdown as its fallback');
  let roomId = input.roomId;
  if (roomId === undefined) {
    if (input.parentId !== undefined) throw ApiError.badRequest('parentId: threads need roomId');
    roomId = (await openDirect(core, actor, { personId: input.toPersonId, personEmail: input.toPersonEmail })).room.id;
  }
  const spaceId = roomId;
  return core.events.transact(async (trx, emit) => {
    const { space, membership } = await memberOf(trx, actor, spaceId);
    if (space.is_announcement_only === 1 && membership.is_moderator !== 1) throw ApiError.forbidden('Only moderators post in an announcement-only space.');
    if (input.parentId !== undefined) {
      const parent = await trx.selectFrom('messages').select(['space_id', 'parent_id']).where('id', '=', input.parentId).executeTakeFirst();
      if (parent === undefined || parent.space_id !== space.id) throw ApiError.badRequest('parentId: not a message of this space');
      if (parent.parent_id !== null) throw ApiError.badRequest('parentId: replies go to the thread’s first message');
    }
    await checkMentions(trx, space.id, input.mentionedPeople ?? []);
    const now = core.now();
    const row: MessageRow = {
      id: newId(),
      space_id: space.id,
      person_id: actor.personId,
      parent_id: input.parentId ?? null,
      text: input.text ?? null,
      markdown: input.markdown ?? null,
      html: input.html ?? null,
      encryption_key_url: input.encryptionKeyUrl ?? null,
      mentioned_people: input.mentionedPeople?.length ? JSON.stringify(input.mentionedPeople) : null,
      mentioned_groups: input.mentionedGroups?.length ? JSON.stringify(input.mentionedGroups) : null,
      attachments: input.attachments?.length ? JSON.stringify(input.attachments.map((a) => ({ contentType: a.contentType, content: a.content }))) : null,
      edit_count: 0,
      created_at: now,
      updated_at: null,
    };
    await trx.insertInto('messages').values(row).execute();
    await attachFiles(trx, actor, space.id, row.id, input.files);
    await indexMentions(trx, row, input);
    await indexMessage(trx, { spaceId: space.id, messageId: row.id, personId: actor.personId, createdAt: now, hasFile: (input.files?.length ?? 0) > 0 }, input.searchTokens);
    await trx.updateTable('spaces').set({ last_activity_at: now, last_message_id: row.id }).where('id', '=', space.id).execute();
    // One's own message is read by oneself.
    await moveReadMarker(trx, now, membership.id, row.id);
    const attached = input.files === undefined ? undefined : (await filesOfMessages(trx, [row.id])).get(row.id);
    const message = presentMessage(row, space.type, await senderEmail(trx, actor.personId), attached);
    emit({ space: space.id, type: 'message.created', data: message, actorId: actor.personId });
    return message;
  });
}

async function loadMessage(db: Kysely<Database>, actor: Actor, id: string): Promise<{ row: MessageRow; space: SpaceRow; isModerator: boolean }> {
  const row = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) throw ApiError.notFound('message');
  try {
    const { space, membership } = await memberOf(db, actor, row.space_id);
    return { row, space, isModerator: membership.is_moderator === 1 };
  } catch (error) {
    if (error instanceof ApiError) throw ApiError.notFound('message');
    throw error;
  }
}

export async function getMessage(core: Core, actor: Actor, id: string): Promise<Message> {
  const { row, space } = await loadMessage(core.db, actor, id);
  return presentMessage(row, space.type, await senderEmail(core.db, row.person_id), (await filesOfMessages(core.db, [row.id])).get(row.id));
}

export interface ListMessagesInput {
  roomId: string;
  parentId?: string | undefined;
  mentionedMe?: boolean;
  before?: number | undefined;
  beforeMessage?: string | undefined;
  max: number;
}

export async function listMessages(core: Core, actor: Actor, input: ListMessagesInput): Promise<{ items: Message[]; next?: string }> {
  const { space } = await memberOf(core.db, actor, input.roomId);
  let q = core.db.selectFrom('messages as m').selectAll('m').where('m.space_id', '=', space.id);
  if (input.parentId !== undefined) q = q.where('m.parent_id', '=', input.parentId);
  if (input.before !== undefined) q = q.where('m.created_at', '<', input.before);
  if (input.beforeMessage !== undefined) {
    const anchor = await core.db.selectFrom('messages').select(['space_id']).where('id', '=', input.beforeMessage).executeTakeFirst();
    if (anchor === undefined || anchor.space_id !== space.id) throw ApiError.badRequest('beforeMessage: not a message of this space');
    q = q.where('m.id', '<', input.beforeMessage);
  }
  if (input.mentionedMe === true) {
    q = q.where((eb) => eb.exists(eb.selectFrom('message_mentions as mm').select('mm.message_id').whereRef('mm.message_id', '=', 'm.id').where('mm.person_id', 'in', [actor.personId, '*'])));
  }
  const rows = await q.orderBy('m.id', 'desc').limit(input.max + 1).execute();
  const page = rows.slice(0, input.max);
  const people = await personBriefs(core.db, page.map((r) => r.person_id));
  const files = await filesOfMessages(core.db, page.map((r) => r.id));
  const items = page.map((r) => presentMessage(r, space.type, people.get(r.person_id)?.email ?? '', files.get(r.id)));
  const last = page.at(-1);
  return rows.length > input.max && last ? { items, next: last.id } : { items };
}

/**
 * Mentions of me across every space I belong to now, newest first (issue 16): messages that name me
 * or `@all`, not my own. Read from the mention index (`message_mentions`), joined with my memberships,
 * so a space I left drops out.
 */
export async function listMentions(core: Core, actor: Actor, input: { beforeMessage?: string | undefined; max: number }): Promise<{ items: Message[]; next?: string }> {
  let q = core.db
    .selectFrom('message_mentions as mm')
    .innerJoin('memberships as ms', (j) => j.onRef('ms.space_id', '=', 'mm.space_id').on('ms.person_id', '=', actor.personId))
    .innerJoin('messages as m', 'm.id', 'mm.message_id')
    .innerJoin('spaces as s', 's.id', 'm.space_id')
    .selectAll('m')
    .select('s.type as space_type')
    .distinct()
    .where('mm.person_id', 'in', [actor.personId, '*'])
    .where('m.person_id', '!=', actor.personId);
  if (input.beforeMessage !== undefined) q = q.where('m.id', '<', input.beforeMessage);
  const rows = await q.orderBy('m.id', 'desc').limit(input.max + 1).execute();
  const page = rows.slice(0, input.max);
  const people = await personBriefs(core.db, page.map((r) => r.person_id));
  const files = await filesOfMessages(core.db, page.map((r) => r.id));
  const items = page.map(({ space_type, ...r }) => presentMessage(r, space_type, people.get(r.person_id)?.email ?? '', files.get(r.id)));
  const last = page.at(-1);
  return rows.length > input.max && last ? { items, next: last.id } : { items };
}

export async function updateMessage(core: Core, actor: Actor, id: string, input: MessageContent & { roomId?: string | undefined }): Promise<Message> {
  if (!hasContent(input)) throw ApiError.badRequest('An edit needs text, markdown or html.');
  return core.events.transact(async (trx, emit) => {
    const { row, space } = await loadMessage(trx, actor, id);
    if (input.roomId !== undefined && input.roomId !== space.id) throw ApiError.badRequest('roomId: not the message’s space');
    if (row.person_id !== actor.personId) throw ApiError.forbidden('Only the sender may edit a message.');
    // The card stays sealed under the key it was sent with, which an edit may replace (as Webex: no edits).
    if (row.attachments !== null) throw ApiError.badRequest('A message with a card cannot be edited.');
    if (row.edit_count >= MESSAGING_LIMITS.editsPerMessage) throw ApiError.badRequest(`A message may be edited at most ${MESSAGING_LIMITS.editsPerMessage} times.`);
    await checkMentions(trx, space.id, input.mentionedPeople ?? []);
    const now = core.now();
    const updated: MessageRow = {
      ...row,
      text: input.text ?? null,
      markdown: input.markdown ?? null,
      html: input.html ?? null,
      encryption_key_url: input.encryptionKeyUrl ?? row.encryption_key_url,
      mentioned_people: input.mentionedPeople?.length ? JSON.stringify(input.mentionedPeople) : null,
      mentioned_groups: input.mentionedGroups?.length ? JSON.stringify(input.mentionedGroups) : null,
      edit_count: row.edit_count + 1,
      updated_at: now,
    };
    const { id: _id, ...set } = updated;
    await trx.updateTable('messages').set(set).where('id', '=', id).execute();
    await indexMentions(trx, updated, input);
    await reindexMessage(trx, { spaceId: space.id, messageId: id, personId: row.person_id, createdAt: row.created_at }, input.searchTokens);
    const message = presentMessage(updated, space.type, await senderEmail(trx, row.person_id), (await filesOfMessages(trx, [id])).get(id));
    emit({ space: space.id, type: 'message.updated', data: message, actorId: actor.personId });
    return message;
  });
}

export async function deleteMessage(core: Core, actor: Actor, id: string): Promise<void> {
  const fileBlobs = await core.events.transact(async (trx, emit: Emit) => {
    const { row, space, isModerator } = await loadMessage(trx, actor, id);
    const own = row.person_id === actor.personId;
    if (!own && !(space.is_locked === 1 && isModerator)) throw ApiError.forbidden('Only the sender, or a moderator of a locked space, may delete a message.');
    await trx.deleteFrom('messages').where('id', '=', id).execute();
    // Replies stay, as in Webex; the space's newest message may have changed.
    if (space.last_message_id === id) {
      const newest = await trx.selectFrom('messages').select('id').where('space_id', '=', space.id).orderBy('id', 'desc').limit(1).executeTakeFirst();
      await trx.updateTable('spaces').set({ last_message_id: newest?.id ?? null }).where('id', '=', space.id).execute();
    }
    const tombstone: Message = {
      id: row.id,
      roomId: row.space_id,
      roomType: space.type,
      personId: row.person_id,
      personEmail: await senderEmail(trx, row.person_id),
      created: new Date(row.created_at).toISOString(),
      deleted: new Date(core.now()).toISOString(),
    };
    if (row.parent_id !== null) tombstone.parentId = row.parent_id;
    emit({ space: space.id, type: 'message.deleted', data: tombstone, actorId: actor.personId });
    return detachMessageFiles(trx, id);
  });
  // After the commit: a rolled-back delete must not lose its files.
  await removeBlobs(core, fileBlobs);
}
