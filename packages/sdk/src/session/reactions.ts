/**
 * Emoji reactions (issue 16), end to end encrypted: the emoji is sealed with the space's current
 * key like message text, so the core holds who reacted to which message, never with what. The
 * core cannot compare sealed emoji, so toggling is done here: the message's reactions are read and
 * opened, and one's own reaction with the same emoji is removed instead of a second being added.
 * @module
 */
import { REACTION_LIMITS, type Reaction } from '@flint/protocol';
import { FlintError } from '../errors.ts';
import { sealText } from '../kms/content.ts';
import { asFlintError, currentKey, openSealed, type SessionContext } from './context.ts';

/** A reaction with its emoji opened (or `decryptError` saying why it could not be). */
export type OpenReaction = Omit<Reaction, 'emoji'> & { emoji?: string; decryptError?: FlintError };

export interface ReactionTarget {
  roomId: string;
  messageId: string;
  emoji: string;
}

function checkEmoji(emoji: string): void {
  if (emoji.trim() === '' || emoji.length > REACTION_LIMITS.emojiPlainChars) {
    throw FlintError.invalid(`A reaction is 1 to ${REACTION_LIMITS.emojiPlainChars} characters (one emoji).`);
  }
}

export class Reactions {
  constructor(private readonly ctx: SessionContext) {}

  /** Adds a reaction, the emoji sealed with the space's current key. */
  async add(target: ReactionTarget): Promise<OpenReaction> {
    checkEmoji(target.emoji);
    const key = await currentKey(this.ctx, await this.ctx.api.rooms.get(target.roomId));
    const sealed = await sealText(key, target.emoji);
    const reaction = await this.ctx.api.reactions.create({ messageId: target.messageId, emoji: sealed.ciphertext, encryptionKeyUrl: key.uri });
    return { ...reaction, emoji: target.emoji };
  }

  /** Removes one's own reaction. */
  remove(id: string): Promise<void> {
    return this.ctx.api.reactions.delete(id);
  }

  /**
   * Adds the emoji to the message, or removes it if one has already reacted with it (every copy,
   * should two devices have added it at once). Answers what it did.
   */
  async toggle(target: ReactionTarget): Promise<{ added: OpenReaction } | { removed: string[] }> {
    checkEmoji(target.emoji);
    const me = await this.ctx.personId();
    const current = await this.list(target.roomId, [target.messageId]);
    const mine = current.filter((r) => r.personId === me && r.emoji === target.emoji);
    if (mine.length === 0) return { added: await this.add(target) };
    for (const r of mine) await this.remove(r.id);
    return { removed: mine.map((r) => r.id) };
  }

  /** The reactions on these messages of a space, opened, oldest first. */
  async list(roomId: string, messageIds: readonly string[]): Promise<OpenReaction[]> {
    const out: OpenReaction[] = [];
    for (let i = 0; i < messageIds.length; i += REACTION_LIMITS.messagesPerList) {
      const page = await this.ctx.api.reactions.list(roomId, messageIds.slice(i, i + REACTION_LIMITS.messagesPerList));
      out.push(...(await Promise.all(page.map((r) => this.open(r)))));
    }
    return out;
  }

  /** Opens a reaction (e.g. from a `reaction.created` event). Never throws for bad content. */
  async open(reaction: Reaction): Promise<OpenReaction> {
    const { emoji, ...rest } = reaction;
    try {
      return { ...rest, emoji: await openSealed(this.ctx, reaction.encryptionKeyUrl, emoji) };
    } catch (error) {
      return { ...rest, decryptError: asFlintError(error) };
    }
  }
}
