/**
 * Cards on messages (SPEC PL-2; Webex "Buttons and Cards"): an Adaptive Card is content, so its
 * JSON is sealed with the space key like the text (JWE `dir`/A256GCM) and travels as the message's
 * `attachments: [{contentType, content: <JWE>}]`. The core learns only that a message has a card.
 * @module
 */
import { CARD_CONTENT_TYPE, type MessageAttachment } from '@flint/protocol';
import type { KmsKey } from '../kms/client.ts';
import { openWithKey, sealText } from '../kms/content.ts';
import { FlintError } from '../errors.ts';

/** A card in plaintext: the content type (an Adaptive Card) and its JSON object. */
export interface Card {
  contentType: typeof CARD_CONTENT_TYPE;
  content: Record<string, unknown>;
}

/** Seals each card's JSON with `key` (the key the message's text is sealed with). */
export async function sealCards(key: KmsKey, cards: readonly Card[]): Promise<MessageAttachment[]> {
  return Promise.all(cards.map(async (card) => ({ contentType: card.contentType, content: (await sealText(key, JSON.stringify(card.content))).ciphertext })));
}

/** Opens a message's sealed cards; a card that does not open (or is not a JSON object) is a FlintError. */
export async function openCards(key: KmsKey, attachments: readonly { contentType: string; content: string }[]): Promise<Card[]> {
  return Promise.all(
    attachments.map(async (a) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await openWithKey(key, a.content));
      } catch (error) {
        if (error instanceof FlintError) throw error;
        parsed = undefined;
      }
      if (a.contentType !== CARD_CONTENT_TYPE || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw FlintError.decrypt('The message carries an attachment that is not an Adaptive Card.');
      }
      return { contentType: CARD_CONTENT_TYPE, content: parsed as Record<string, unknown> };
    }),
  );
}
