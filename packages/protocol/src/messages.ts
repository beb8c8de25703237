/**
 * Messages, threads, mentions and flags (SPEC MS-1 … MS-3). Content fields are ciphertext; the
 * mention metadata is in clear because the server must route notifications and counts by it.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Email, Id, IdParams, PageMax, Timestamp } from './common.ts';
import { MESSAGING_LIMITS } from './limits.ts';
import { defineMethod } from './method.ts';
import { Ciphertext, KeyUrl, RoomType } from './spaces.ts';
import { AttachedFile, FILE_LIMITS, MessageFile } from './files.ts';
import { SearchTokens } from './search.ts';

/** The one kind of message attachment: an Adaptive Card (as Webex's "Buttons and Cards"). */
export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/**
 * A card a message carries (SPEC PL-2): its content type in clear, its JSON sealed with the
 * message's key like the text. The core learns that a message has a card, never what it says.
 */
export const MessageAttachment = Type.Object(
  {
    contentType: Type.Literal(CARD_CONTENT_TYPE),
    content: Ciphertext(MESSAGING_LIMITS.attachmentChars),
  },
  { additionalProperties: false },
);
export type MessageAttachment = Static<typeof MessageAttachment>;

export const Message = Type.Object({
  id: Id,
  roomId: Id,
  roomType: RoomType,
  parentId: Type.Optional(Id),
  personId: Id,
  personEmail: Type.String(),
  text: Type.Optional(Type.String()),
  markdown: Type.Optional(Type.String()),
  html: Type.Optional(Type.String()),
  encryptionKeyUrl: Type.Optional(Type.String()),
  mentionedPeople: Type.Optional(Type.Array(Id)),
  mentionedGroups: Type.Optional(Type.Array(Type.Literal('all'))),
  /** The encrypted files the message carries (SPEC FL-1), in upload order. */
  files: Type.Optional(Type.Array(AttachedFile)),
  /** Cards (sealed with `encryptionKeyUrl`); a message with a card also has text or markdown, its fallback. */
  attachments: Type.Optional(Type.Array(Type.Object({ contentType: Type.String(), content: Type.String() }))),
  created: Timestamp,
  updated: Type.Optional(Timestamp),
  /** Present (and the content absent) on the tombstone of a deleted message, in events only. */
  deleted: Type.Optional(Timestamp),
});
export type Message = Static<typeof Message>;

const content = Ciphertext(MESSAGING_LIMITS.contentChars);

/** What a new message and an edit both carry: sealed content, its key, and mentions in clear. */
const contentFields = {
    text: Type.Optional(content),
    markdown: Type.Optional(content),
    html: Type.Optional(content),
    encryptionKeyUrl: Type.Optional(KeyUrl),
    mentionedPeople: Type.Optional(Type.Array(Id, { maxItems: MESSAGING_LIMITS.mentionedPeople, uniqueItems: true })),
    mentionedGroups: Type.Optional(Type.Array(Type.Literal('all'), { maxItems: 1 })),
    /** Blinded search tokens of the plaintext (SPEC SR-1); an edit replaces them, omitting them clears them. */
    searchTokens: Type.Optional(SearchTokens),
};

export const CreateMessageBody = Type.Object(
  {
    roomId: Type.Optional(Id),
    toPersonId: Type.Optional(Id),
    toPersonEmail: Type.Optional(Email),
    parentId: Type.Optional(Id),
    ...contentFields,
    /** Encrypted files (SPEC FL-1): uploaded blobs of this space, each with its sealed reference. */
    files: Type.Optional(Type.Array(MessageFile, { minItems: 1, maxItems: FILE_LIMITS.filesPerMessage })),
    /** A card (sealed), with `text` or `markdown` as its fallback. */
    attachments: Type.Optional(Type.Array(MessageAttachment, { minItems: 1, maxItems: MESSAGING_LIMITS.attachmentsPerMessage })),
  },
  { additionalProperties: false },
);

export const createMessage = defineMethod({
  id: 'messages.create',
  verb: 'POST',
  path: '/api/messages',
  summary: 'Post a message (ciphertext) to a space, to a person (their direct space), or as a reply in a thread.',
  tag: 'messages',
  auth: 'person',
  body: CreateMessageBody,
  response: Message,
  status: 200,
});

export const ListMessagesQuery = Type.Object(
  {
    roomId: Id,
    parentId: Type.Optional(Id),
    mentionedPeople: Type.Optional(Type.String({ maxLength: 40, description: '`me` or one’s own id' })),
    before: Type.Optional(Type.String({ format: 'date-time' })),
    beforeMessage: Type.Optional(Id),
    max: Type.Optional(PageMax),
  },
  { additionalProperties: false },
);

export const listMessages = defineMethod({
  id: 'messages.list',
  verb: 'GET',
  path: '/api/messages',
  summary: 'A space’s messages, newest first; the full history, also for members who joined later.',
  tag: 'messages',
  auth: 'person',
  query: ListMessagesQuery,
  response: Type.Object({ items: Type.Array(Message) }),
  status: 200,
});

/** Mentions of me across every space one belongs to (issue 16): the server's mention index, not content. */
export const listMentions = defineMethod({
  id: 'messages.mentions',
  verb: 'GET',
  path: '/api/mentions',
  summary: 'Messages that mention me (or @all) in every space I belong to, newest first; page with `beforeMessage`.',
  tag: 'messages',
  auth: 'person',
  query: Type.Object({ beforeMessage: Type.Optional(Id), max: Type.Optional(PageMax) }, { additionalProperties: false }),
  response: Type.Object({ items: Type.Array(Message) }),
  status: 200,
});

export const getMessage = defineMethod({
  id: 'messages.get',
  verb: 'GET',
  path: '/api/messages/:id',
  summary: 'One message of a space one belongs to.',
  tag: 'messages',
  auth: 'person',
  params: IdParams,
  response: Message,
  status: 200,
});

export const UpdateMessageBody = Type.Object(
  {
    roomId: Type.Optional(Id),
    ...contentFields,
  },
  { additionalProperties: false },
);

export const updateMessage = defineMethod({
  id: 'messages.update',
  verb: 'PUT',
  path: '/api/messages/:id',
  summary: 'Edit one’s own message (at most 10 times).',
  tag: 'messages',
  auth: 'person',
  params: IdParams,
  body: UpdateMessageBody,
  response: Message,
  status: 200,
});

export const deleteMessage = defineMethod({
  id: 'messages.delete',
  verb: 'DELETE',
  path: '/api/messages/:id',
  summary: 'Delete one’s own message, or (a moderator of a locked space) anyone’s; members get a tombstone event.',
  tag: 'messages',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

export const Flag = Type.Object({ id: Id, messageId: Id, roomId: Id, created: Timestamp });
export type Flag = Static<typeof Flag>;

export const listFlags = defineMethod({
  id: 'flags.list',
  verb: 'GET',
  path: '/api/flags',
  summary: 'One’s flagged messages, newest flag first (SPEC MS-3).',
  tag: 'messages',
  auth: 'person',
  query: Type.Object({ max: Type.Optional(PageMax) }, { additionalProperties: false }),
  response: Type.Object({ items: Type.Array(Flag) }),
  status: 200,
});

export const createFlag = defineMethod({
  id: 'flags.create',
  verb: 'POST',
  path: '/api/flags',
  summary: 'Flag a message to read later.',
  tag: 'messages',
  auth: 'person',
  body: Type.Object({ messageId: Id }, { additionalProperties: false }),
  response: Flag,
  status: 200,
});

export const deleteFlag = defineMethod({
  id: 'flags.delete',
  verb: 'DELETE',
  path: '/api/flags/:id',
  summary: 'Remove a flag.',
  tag: 'messages',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

/** What a person says of themselves (issue 16): available, away, or do not disturb, maybe until a time, with a short text. */
export const STATUS_TEXT_MAX = 100;
export const Availability = Type.Object({
  status: Type.Union([Type.Literal('available'), Type.Literal('away'), Type.Literal('dnd')]),
  text: Type.Optional(Type.String({ maxLength: STATUS_TEXT_MAX })),
  /** When it ends by itself (then: available); absent, until changed. */
  until: Type.Optional(Timestamp),
});
export type Availability = Static<typeof Availability>;

export const Presence = Type.Object({
  personId: Id,
  status: Type.Union([Type.Literal('active'), Type.Literal('inactive')]),
  lastActive: Type.Optional(Timestamp),
  /** The person's chosen status, when not plain "available". */
  availability: Type.Optional(Availability),
  /** In a live frame: this one is about the status (no `availability`: now available), not about being online. */
  statusChange: Type.Optional(Type.Boolean()),
});
export type Presence = Static<typeof Presence>;

export const setStatus = defineMethod({
  id: 'presence.setStatus',
  verb: 'PUT',
  path: '/api/presence/me',
  summary: 'Set one’s status: available, away or do not disturb (`until`: it ends by itself then, within a week), with an optional short text. Others see it live.',
  tag: 'presence',
  auth: 'person',
  body: Type.Object(
    {
      status: Type.Union([Type.Literal('available'), Type.Literal('away'), Type.Literal('dnd')]),
      text: Type.Optional(Type.String({ maxLength: STATUS_TEXT_MAX })),
      until: Type.Optional(Type.String({ format: 'date-time' })),
    },
    { additionalProperties: false },
  ),
  response: Presence,
  status: 200,
});

export const getPresence = defineMethod({
  id: 'presence.get',
  verb: 'GET',
  path: '/api/presence',
  summary: 'Whether people one may see are online (connected to the event stream) (SPEC MS-7).',
  tag: 'presence',
  auth: 'person',
  query: Type.Object({ id: Type.String({ minLength: 36, maxLength: 100 * 37 }) }, { additionalProperties: false }),
  response: Type.Object({ items: Type.Array(Presence) }),
  status: 200,
});
