/**
 * Search on end-to-end encrypted messages (SPEC SR-1, SR-2), on top of a SecureClient: sending and
 * editing attach blinded tokens of the plaintext; searching blinds the query under each space's
 * search key, asks the core, and opens the messages found. The core sees tokens, never words.
 * @example
 * const search = new SearchClient(secure);
 * await search.send({ roomId, text: 'Quarterly report is ready' });
 * const { hits } = await search.messages('quart');   // prefix of the last word
 * @module
 */
import { messageTokens, queryTokens, type QueryOptions } from '@flint/crypto';
import { search as searchMethods, type Room } from '@flint/protocol';
import type { MessageContent, SecureClient, SecureMessage, SendInput } from '../secure/secure-client.ts';
import { SearchKeys } from './search-keys.ts';

export type SearchHit = searchMethods.SearchHit;

export interface SearchOptions extends QueryOptions {
  /** Only these spaces (default: every space one belongs to). */
  roomIds?: string[];
  personId?: string;
  from?: Date;
  to?: Date;
  hasFile?: boolean;
  mentionsMe?: boolean;
  /** `all` (default) or `any` (partial matches ranked after full ones). */
  match?: 'all' | 'any';
  max?: number;
  cursor?: string;
}

export interface SearchResult {
  /** What the core answered, best first. */
  hits: SearchHit[];
  /** The messages found, opened, in the order of `hits` (one that could not be fetched is left out). */
  messages: SecureMessage[];
  next?: string;
}

const { SEARCH_LIMITS } = searchMethods;

export class SearchClient {
  readonly keys: SearchKeys;

  constructor(readonly secure: SecureClient) {
    this.keys = new SearchKeys(secure.kms);
  }

  /** Blinded tokens of a message's plaintext for a space. */
  async tokensFor(room: Pick<Room, 'kroUri'>, content: MessageContent): Promise<string[]> {
    return messageTokens(await this.keys.forRoom(room), content.text, content.markdown, content.html);
  }

  /** `SecureClient.send`, with the message's search tokens. */
  async send(input: SendInput): Promise<SecureMessage> {
    const room = await this.secure.client.rooms.get(input.roomId);
    return this.secure.send({ ...input, searchTokens: await this.tokensFor(room, input) });
  }

  /** `SecureClient.edit`, replacing the message's search tokens with those of the new content. */
  async edit(messageId: string, content: MessageContent & { roomId?: string }): Promise<SecureMessage> {
    const roomId = content.roomId ?? (await this.secure.client.messages.get(messageId)).roomId;
    const room = await this.secure.client.rooms.get(roomId);
    return this.secure.edit(messageId, { ...content, roomId, searchTokens: await this.tokensFor(room, content) });
  }

  /**
   * Messages matching `query` in the given spaces (or all of one's spaces). Spaces whose search key
   * the KMS refuses are skipped: one cannot search what one cannot read.
   */
  async messages(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    const rooms = options.roomIds !== undefined ? await Promise.all(options.roomIds.map((id) => this.secure.client.rooms.get(id))) : await this.allRooms();
    const queries: { roomId: string; terms: string[] }[] = [];
    for (const room of rooms) {
      let key: CryptoKey;
      try {
        key = await this.keys.forRoom(room);
      } catch {
        continue;
      }
      const terms = (await queryTokens(key, query, options)).slice(0, SEARCH_LIMITS.termsPerQuery);
      if (terms.length > 0) queries.push({ roomId: room.id, terms });
    }
    if (queries.length === 0) return { hits: [], messages: [] };
    // TODO(search): more than 1,000 spaces need several requests and a merge of their rankings.
    const body = {
      queries: queries.slice(0, SEARCH_LIMITS.spacesPerQuery),
      ...(options.personId !== undefined ? { personId: options.personId } : {}),
      ...(options.from !== undefined ? { from: options.from.toISOString() } : {}),
      ...(options.to !== undefined ? { to: options.to.toISOString() } : {}),
      ...(options.hasFile !== undefined ? { hasFile: options.hasFile } : {}),
      ...(options.mentionsMe !== undefined ? { mentionsMe: options.mentionsMe } : {}),
      ...(options.match !== undefined ? { match: options.match } : {}),
      ...(options.max !== undefined ? { max: options.max } : {}),
      ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
    };
    const answer = await this.secure.client.transport.call(searchMethods.searchMessages, { body });
    const opened = await Promise.all(answer.items.map((hit) => this.secure.getMessage(hit.messageId).catch(() => undefined)));
    const messages = opened.filter((m): m is SecureMessage => m !== undefined);
    return answer.next !== undefined ? { hits: answer.items, messages, next: answer.next } : { hits: answer.items, messages };
  }

  private async allRooms(): Promise<Room[]> {
    const rooms: Room[] = [];
    let page = await this.secure.client.rooms.list({ max: 1000 });
    for (;;) {
      rooms.push(...page.items);
      const next = this.secure.client.nextPage(page);
      if (next === undefined) return rooms;
      page = await next;
    }
  }
}
