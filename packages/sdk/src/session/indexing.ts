/**
 * What a message is indexed under (SPEC SR-1, SR-2): blinded tokens of its plaintext and of its
 * files' names, under the search key of the epoch of the key the message is sealed with — so they
 * belong to the same key epoch as the content even when the space's key rotates meanwhile. The core
 * sees tokens, never words.
 * @module
 */
import { fileNameTokens, messageTokens, SEARCH_TOKEN_RULES } from '@flint/crypto';
import type { Room } from '@flint/protocol';
import type { KmsKey } from '../kms/client.ts';
import type { SessionContext } from './context.ts';
import type { MessageContent } from './types.ts';

/**
 * The tokens of `content` (and file names) under `key`'s epoch; undefined for a space without a
 * KMS resource (it has no search key: its messages go unindexed rather than unsent).
 */
export async function searchTokensFor(ctx: SessionContext, key: KmsKey, room: Pick<Room, 'kroUri'>, content: MessageContent, fileNames: readonly string[] = []): Promise<string[] | undefined> {
  if (room.kroUri === undefined) return undefined;
  const searchKey = await ctx.searchKeys.forKey(key, room);
  const text = await messageTokens(searchKey, content.text, content.markdown, content.html);
  if (fileNames.length === 0) return text;
  const names = await fileNameTokens(searchKey, fileNames, SEARCH_TOKEN_RULES.maxTokensPerMessage - text.length);
  return [...text, ...names].sort();
}
