/**
 * Messages, end to end encrypted (SPEC MS-1, MS-2, FL-1, SR-1, SEC-1). `send` is the one path
 * every client posts through — the web app, the gateway's `/v1/messages`, bots, the CLI: it reads
 * the space's current key, uploads the files (encrypted under their own keys, references sealed
 * with the space key), seals the text, markdown, html and cards with the same key, blinds the search
 * tokens under that key's epoch, and posts it all naming the key in `encryptionKeyUrl`. A shared
 * location (MS-6) is sealed the same way, in the message's card (secure/location.ts).
 * @module
 */
import type { AttachmentAction, Message, MethodQuery, Room, messages as messageMethods } from '@flint/protocol';
import type { Page } from '../client.ts';
import { FlintError } from '../errors.ts';
import type { KmsKey } from '../kms/client.ts';
import { openWithKey, sealText } from '../kms/content.ts';
import { openCards, sealCards, type Card } from '../secure/cards.ts';
import { checkLocation, locationCard, locationFallback, locationOf, type SharedLocation } from '../secure/location.ts';
import { uploadFile, type UploadOptions, type UploadSource, type UploadedFile } from '../files/upload.ts';
import { uploadFromUrl, type UrlUploadOptions } from '../files/from-url.ts';
import { asFlintError, currentKey, openSealed, type SessionContext } from './context.ts';
import { searchTokensFor } from './indexing.ts';
import { CONTENT_FIELDS, type MessageContent, type SecureMessage } from './types.ts';

/** A file to send from bytes, a Blob or a stream (`size` required for a stream). */
export type SendFile = UploadOptions & { source: UploadSource };
/** A file to send from a URL, fetched here (SPEC FL-3); a server passes a `sourceFetch` that refuses internal addresses. */
export type SendUrl = UrlUploadOptions & { url: string };

/** What `send` takes: plaintext content and cards, files, mentions (person ids) and a thread. */
export interface SendInput extends MessageContent {
  roomId: string;
  parentId?: string;
  mentionedPeople?: string[];
  mentionedGroups?: 'all'[];
  /** Cards (Adaptive Cards), sealed into `attachments`; `text` or `markdown` is their fallback. */
  cards?: Card[];
  /**
   * A place to share (SPEC MS-6), sealed in the message's one card; without `text` or `markdown`
   * the fallback is the place's name and its map link. Not with `cards`.
   */
  location?: SharedLocation;
  files?: (SendFile | SendUrl)[];
}

/** A sent message in plaintext, with what its files' uploads answered (in the order given). */
export type SentMessage = SecureMessage & { uploaded?: UploadedFile[] };

/** What `edit` takes: the new content (and mentions). */
export interface EditInput extends MessageContent {
  roomId?: string;
  mentionedPeople?: string[];
  mentionedGroups?: 'all'[];
}

function plain(content: MessageContent): MessageContent {
  const out: MessageContent = {};
  for (const f of CONTENT_FIELDS) if (content[f] !== undefined) out[f] = content[f];
  return out;
}

async function seal(key: KmsKey, content: MessageContent): Promise<MessageContent> {
  const sealed: MessageContent = {};
  for (const f of CONTENT_FIELDS) {
    const value = content[f];
    if (value !== undefined) sealed[f] = (await sealText(key, value)).ciphertext;
  }
  return sealed;
}

/** Opens a message (e.g. from a `message.created` event). Never throws for bad content. */
export async function openMessage(ctx: SessionContext, message: Message): Promise<SecureMessage> {
  const present = CONTENT_FIELDS.filter((f) => message[f] !== undefined);
  const sealedCards = message.attachments ?? [];
  if (present.length === 0 && sealedCards.length === 0) return message;
  const stripped: SecureMessage = { ...message };
  for (const f of CONTENT_FIELDS) delete stripped[f];
  if (message.encryptionKeyUrl === undefined) return { ...stripped, decryptError: FlintError.decrypt('The message names no key.') };
  try {
    const opened: MessageContent = {};
    for (const f of present) opened[f] = await openSealed(ctx, message.encryptionKeyUrl, message[f]!);
    const cards = sealedCards.length > 0 ? await openCards(await ctx.keys.key(message.encryptionKeyUrl), sealedCards) : undefined;
    const location = locationOf(cards);
    return { ...stripped, ...opened, ...(cards !== undefined ? { cards } : {}), ...(location !== undefined ? { location } : {}) };
  } catch (error) {
    return { ...stripped, decryptError: asFlintError(error) };
  }
}

export class Messages {
  constructor(private readonly ctx: SessionContext) {}

  /**
   * Posts a message sealed with the space's current key. The room is read for every send, so a
   * rotation made by another member is followed at once.
   */
  async send(input: SendInput): Promise<SentMessage> {
    const { roomId, parentId, mentionedPeople, mentionedGroups, cards: given, location: place, files, ...content } = input;
    if (place !== undefined && given !== undefined && given.length > 0) throw FlintError.invalid('A message carries one card: a location or a card, not both.');
    const location = place !== undefined ? checkLocation(place) : undefined;
    const cards = location !== undefined ? [locationCard(location)] : given;
    const text = plain(location !== undefined && content.text === undefined && content.markdown === undefined ? { ...content, text: locationFallback(location) } : content);
    if (Object.keys(text).length === 0 && (files === undefined || files.length === 0)) throw FlintError.invalid('A message needs text, markdown, html or files.');
    if (cards !== undefined && cards.length > 0 && text.text === undefined && text.markdown === undefined) throw FlintError.invalid('A message with a card needs text or markdown, shown where the card cannot be.');
    const room = await this.ctx.api.rooms.get(roomId);
    const key = await currentKey(this.ctx, room);
    const uploaded: UploadedFile[] = [];
    for (const file of files ?? []) {
      if ('url' in file) {
        const { url, ...options } = file;
        uploaded.push(await uploadFromUrl(this.ctx.api, key, roomId, url, options));
      } else {
        const { source, ...options } = file;
        uploaded.push(await uploadFile(this.ctx.api, key, roomId, source, options));
      }
    }
    const searchTokens = await searchTokensFor(this.ctx, key, room, text, uploaded.map((u) => u.reference.name));
    const message = await this.ctx.api.messages.create({
      roomId,
      ...(parentId !== undefined ? { parentId } : {}),
      ...(await seal(key, text)),
      encryptionKeyUrl: key.uri,
      ...(mentionedPeople !== undefined && mentionedPeople.length > 0 ? { mentionedPeople } : {}),
      ...(mentionedGroups !== undefined && mentionedGroups.length > 0 ? { mentionedGroups } : {}),
      ...(uploaded.length > 0 ? { files: uploaded.map((u) => u.attachment) } : {}),
      ...(cards !== undefined && cards.length > 0 ? { attachments: await sealCards(key, cards) } : {}),
      ...(searchTokens !== undefined ? { searchTokens } : {}),
    });
    return { ...message, ...text, ...(cards !== undefined && cards.length > 0 ? { cards } : {}), ...(location !== undefined ? { location } : {}), ...(uploaded.length > 0 ? { uploaded } : {}) };
  }

  /**
   * Edits one's message: the new content sealed with the space's current key, its search tokens
   * replaced by those of the new content.
   */
  async edit(messageId: string, input: EditInput): Promise<SecureMessage> {
    const { roomId: given, mentionedPeople, mentionedGroups, ...content } = input;
    const roomId = given ?? (await this.ctx.api.messages.get(messageId)).roomId;
    const room: Room = await this.ctx.api.rooms.get(roomId);
    const key = await currentKey(this.ctx, room);
    const text = plain(content);
    const searchTokens = await searchTokensFor(this.ctx, key, room, text);
    const message = await this.ctx.api.messages.update(messageId, {
      roomId,
      ...(await seal(key, text)),
      encryptionKeyUrl: key.uri,
      ...(mentionedPeople !== undefined && mentionedPeople.length > 0 ? { mentionedPeople } : {}),
      ...(mentionedGroups !== undefined && mentionedGroups.length > 0 ? { mentionedGroups } : {}),
      ...(searchTokens !== undefined ? { searchTokens } : {}),
    });
    return { ...message, ...text };
  }

  async get(id: string): Promise<SecureMessage> {
    return this.open(await this.ctx.api.messages.get(id));
  }

  /** One page of a space's messages (newest first), each opened with the key it names. */
  async list(query: MethodQuery<typeof messageMethods.listMessages>): Promise<Page<SecureMessage>> {
    const page = await this.ctx.api.messages.list(query);
    const items = await Promise.all(page.items.map((m) => this.open(m)));
    return page.next === undefined ? { items } : { items, next: page.next };
  }

  /** Mentions of me (or @all) across my spaces, newest first, each opened with the key it names. */
  async mentions(query: MethodQuery<typeof messageMethods.listMentions> = {}): Promise<Page<SecureMessage>> {
    const page = await this.ctx.api.messages.mentions(query);
    const items = await Promise.all(page.items.map((m) => this.open(m)));
    return page.next === undefined ? { items } : { items, next: page.next };
  }

  /** Opens a message (e.g. from a `message.created` event). Never throws for bad content. */
  open(message: Message): Promise<SecureMessage> {
    return openMessage(this.ctx, message);
  }

  delete(id: string): Promise<void> {
    return this.ctx.api.messages.delete(id);
  }

  /** A card's submission (Webex attachment action): the inputs sealed with the space's current key. */
  async submitAction(messageId: string, inputs: Record<string, unknown>): Promise<AttachmentAction> {
    const message = await this.ctx.api.messages.get(messageId);
    const key = await currentKey(this.ctx, await this.ctx.api.rooms.get(message.roomId));
    return this.ctx.api.attachmentActions.create({ type: 'submit', messageId, inputs: (await sealText(key, JSON.stringify(inputs))).ciphertext, encryptionKeyUrl: key.uri });
  }

  /** A submission's inputs, opened; undefined when they cannot be (key refused, not an object). */
  async openAction(action: AttachmentAction): Promise<Record<string, unknown> | undefined> {
    try {
      const parsed: unknown = JSON.parse(await openSealed(this.ctx, action.encryptionKeyUrl, action.inputs));
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Seals text the way message content is sealed, with the key `keyUrl` names (drafts kept on a
   * device, sealed with the space's key).
   */
  async sealText(keyUrl: string, text: string): Promise<string> {
    return (await sealText(await this.ctx.keys.key(keyUrl), text)).ciphertext;
  }

  /** Opens text sealed with `sealText` (or any content sealed under `keyUrl`). */
  async openText(keyUrl: string, ciphertext: string): Promise<string> {
    return openWithKey(await this.ctx.keys.key(keyUrl), ciphertext);
  }
}
