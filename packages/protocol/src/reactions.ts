/**
 * Emoji reactions on messages (issue 16; SPEC MS-1). Which emoji someone reacted with is content —
 * like a one-character reply — so it travels sealed with the space's key (JWE, as message text),
 * and the core stores ciphertext beside who reacted to which message and when. Because the core
 * cannot compare two sealed emoji, "toggle" is the client's: it opens its own reactions and removes
 * the one it already has instead of adding a second; the core bounds how many reactions one person
 * may put on one message.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';
import { Ciphertext, KeyUrl } from './spaces.ts';

export const REACTION_LIMITS = {
  /** Distinct reactions one person may have on one message (Slack allows 23 emoji a message in all). */
  perPersonPerMessage: 20,
  /** The sealed emoji (a JWE of a few characters is about 300; room for a long ZWJ sequence and a longer key id). */
  emojiChars: 1024,
  /** The plaintext emoji, in UTF-16 code units (checked by the SDK: the core never sees it). */
  emojiPlainChars: 32,
  /** Messages whose reactions one list asks for. */
  messagesPerList: 100,
} as const;

export const Reaction = Type.Object({
  id: Id,
  messageId: Id,
  roomId: Id,
  personId: Id,
  /** The emoji, sealed with `encryptionKeyUrl`; opaque to the core. */
  emoji: Type.String(),
  encryptionKeyUrl: Type.String(),
  created: Timestamp,
});
export type Reaction = Static<typeof Reaction>;

export const createReaction = defineMethod({
  id: 'reactions.create',
  verb: 'POST',
  path: '/api/reactions',
  summary: `React to a message of a space one belongs to (the emoji sealed); at most ${REACTION_LIMITS.perPersonPerMessage} reactions per person per message. Members get a \`reaction.created\` event.`,
  tag: 'messages',
  auth: 'person',
  body: Type.Object({ messageId: Id, emoji: Ciphertext(REACTION_LIMITS.emojiChars), encryptionKeyUrl: KeyUrl }, { additionalProperties: false }),
  response: Reaction,
  status: 200,
});

export const listReactions = defineMethod({
  id: 'reactions.list',
  verb: 'GET',
  path: '/api/reactions',
  summary: `The reactions on some messages of a space (up to ${REACTION_LIMITS.messagesPerList} comma-separated message ids), oldest first.`,
  tag: 'messages',
  auth: 'person',
  query: Type.Object(
    {
      roomId: Id,
      messageId: Type.String({ minLength: 36, maxLength: REACTION_LIMITS.messagesPerList * 37, description: 'comma-separated message ids of the space' }),
    },
    { additionalProperties: false },
  ),
  response: Type.Object({ items: Type.Array(Reaction) }),
  status: 200,
});

export const deleteReaction = defineMethod({
  id: 'reactions.delete',
  verb: 'DELETE',
  path: '/api/reactions/:id',
  summary: 'Remove one’s own reaction (while a member of the space). Members get a `reaction.deleted` event.',
  tag: 'messages',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});
