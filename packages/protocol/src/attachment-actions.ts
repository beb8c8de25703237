/**
 * Attachment actions (SPEC PL-2): a person's submission of a card (Webex `attachmentActions`).
 * Its `inputs` are content, so they travel sealed with the space's key (JWE, like message text);
 * the core stores and relays them and tells the card's sender, never reading them.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';
import { Ciphertext, KeyUrl } from './spaces.ts';

export const ATTACHMENT_ACTION_LIMITS = {
  /** The sealed inputs (a JWE of a JSON object). */
  inputsChars: 32 * 1024,
} as const;

export const AttachmentAction = Type.Object({
  id: Id,
  type: Type.Literal('submit'),
  messageId: Id,
  roomId: Id,
  personId: Id,
  /** Sealed with `encryptionKeyUrl`; opaque to the core. */
  inputs: Type.String(),
  encryptionKeyUrl: Type.String(),
  created: Timestamp,
});
export type AttachmentAction = Static<typeof AttachmentAction>;

export const createAttachmentAction = defineMethod({
  id: 'attachmentActions.create',
  verb: 'POST',
  path: '/api/attachment/actions',
  summary: 'Submit a card of a message in a space one belongs to; the message’s sender is told (event, webhooks).',
  tag: 'messages',
  auth: 'person',
  body: Type.Object(
    { type: Type.Literal('submit'), messageId: Id, inputs: Ciphertext(ATTACHMENT_ACTION_LIMITS.inputsChars), encryptionKeyUrl: KeyUrl },
    { additionalProperties: false },
  ),
  response: AttachmentAction,
  status: 200,
});

export const getAttachmentAction = defineMethod({
  id: 'attachmentActions.get',
  verb: 'GET',
  path: '/api/attachment/actions/:id',
  summary: 'One attachment action: for the person who submitted it and the sender of its message, while members of the space.',
  tag: 'messages',
  auth: 'person',
  params: IdParams,
  response: AttachmentAction,
  status: 200,
});
