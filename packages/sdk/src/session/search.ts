/**
 * Search on end-to-end encrypted content (SPEC SR-1, SR-2).
 *
 * - What is sent or edited carries blinded tokens of its plaintext and file names (`indexing.ts`,
 *   applied by `messages.send` and `messages.edit`).
 * - `messages` blinds the query under every (space, key epoch) key one holds, packs the tokens
 *   (one string per term) and asks the core, which searches one's own spaces; the hits are opened.
 * - `search` is the one entry point for a search box: messages, files (by name), people (the org
 *   directory, on the server) and spaces and teams (by title, on the client), in one call.
 * The core sees tokens, never words. Keys, the space list and blinded terms are cached, so typing a
 * query letter by letter costs one HMAC per key for the changed word only.
 * @module
 */
import { blindTerm, packQuery, queryTerms, type QueryOptions, type QueryTerm } from '@flint/crypto';
import { search as searchMethods, type Person, type Room } from '@flint/protocol';
import { openReference, type FileReference } from '../files/reference.ts';
import type { SearchEpoch } from '../search/search-keys.ts';
import { TitleIndex } from '../search/title-index.ts';
import { openRoom, openTeam, type SessionContext } from './context.ts';
import { openMessage } from './messages.ts';
import type { People } from './people.ts';
import type { SecureMessage, SecureRoom } from './types.ts';

export type SearchHit = searchMethods.SearchHit;

export interface SearchOptions extends QueryOptions {
  /** Only these spaces (default: every space one belongs to). */
  roomIds?: string[];
  /** Only messages by this person. */
  personId?: string;
  from?: Date;
  to?: Date;
  hasFile?: boolean;
  mentionsMe?: boolean;
  /** `all` (default) or `any` (partial matches after every full one). */
  match?: 'all' | 'any';
  max?: number;
  cursor?: string;
}

export interface SearchResult {
  /** What the core answered, newest first. */
  hits: SearchHit[];
  /** The messages found, opened, in the order of `hits` (one that could not be fetched is left out). */
  messages: SecureMessage[];
  next?: string;
  /** True when one holds more (space, key epoch) keys than a query carries: the oldest spaces were left out. */
  truncated?: boolean;
}

/** A message found by the name of a file it carries, with its files' references opened. */
export interface FileHit {
  message: SecureMessage;
  /** The files whose names match (name, type, size, key…), opened on this device. */
  files: FileReference[];
}

/** A space or team found by its title. */
export interface SpaceHit {
  kind: 'space' | 'team';
  id: string;
  title: string;
}

/** Everything a search box shows, grouped. */
export interface SearchResults {
  messages: SearchResult;
  files: FileHit[];
  people: Person[];
  spaces: SpaceHit[];
}

export interface SearchPartOptions {
  /** How long the list of one's spaces (and their titles) is reused between queries (default 30 s). */
  roomsTtlMs?: number;
}

const { SEARCH_LIMITS } = searchMethods;
/** Blinded terms kept (per key and term): a few queries' worth for a person in 1,000 spaces. */
const TOKEN_CACHE = 50_000;

export class Search {
  private readonly roomsTtlMs: number;
  private rooms: { at: number; list: Promise<Room[]> } | undefined;
  private titles: { at: number; index: Promise<{ index: TitleIndex; entries: Map<string, SpaceHit> }> } | undefined;
  private readonly blinded = new Map<string, Uint8Array>();

  constructor(
    private readonly ctx: SessionContext,
    private readonly directory: People,
    options: SearchPartOptions = {},
  ) {
    this.roomsTtlMs = options.roomsTtlMs ?? 30_000;
  }

  // ── Searching ─────────────────────────────────────────────────────────────────────────────

  /**
   * Messages matching `query` in one's spaces (or `roomIds`), newest first. Spaces whose keys the
   * KMS refuses are skipped: one cannot search what one cannot read.
   */
  async messages(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    const terms = queryTerms(query, options).slice(0, SEARCH_LIMITS.termsPerQuery);
    if (terms.length === 0) return { hits: [], messages: [] };
    const rooms = options.roomIds !== undefined ? await Promise.all(options.roomIds.map((id) => this.ctx.api.rooms.get(id))) : await this.allRooms();
    const { keys, truncated } = await this.epochsOf(rooms);
    if (keys.length === 0) return { hits: [], messages: [] };
    const body = {
      terms: await this.blind(keys, terms),
      ...(options.roomIds !== undefined ? { roomIds: options.roomIds } : {}),
      ...(options.personId !== undefined ? { personId: options.personId } : {}),
      ...(options.from !== undefined ? { from: options.from.toISOString() } : {}),
      ...(options.to !== undefined ? { to: options.to.toISOString() } : {}),
      ...(options.hasFile !== undefined ? { hasFile: options.hasFile } : {}),
      ...(options.mentionsMe !== undefined ? { mentionsMe: options.mentionsMe } : {}),
      ...(options.match !== undefined ? { match: options.match } : {}),
      ...(options.max !== undefined ? { max: options.max } : {}),
      ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
    };
    const answer = await this.ctx.api.transport.call(searchMethods.searchMessages, { body });
    const opened = await Promise.all(answer.items.map((hit) => this.ctx.api.messages.get(hit.messageId).then((m) => openMessage(this.ctx, m)).catch(() => undefined)));
    const messages = opened.filter((m): m is SecureMessage => m !== undefined);
    return { hits: answer.items, messages, ...(answer.next !== undefined ? { next: answer.next } : {}), ...(truncated ? { truncated } : {}) };
  }

  /** Messages carrying a file whose name matches `query`, with those files' references opened. */
  async files(query: string, options: Omit<SearchOptions, 'scope' | 'hasFile'> = {}): Promise<FileHit[]> {
    const found = await this.messages(query, { ...options, scope: 'file', hasFile: true });
    const out: FileHit[] = [];
    for (const message of found.messages) {
      const sealed = message.files ?? [];
      if (message.encryptionKeyUrl === undefined || sealed.length === 0) {
        out.push({ message, files: [] });
        continue;
      }
      const key = await this.ctx.keys.key(message.encryptionKeyUrl);
      const refs = await Promise.all(sealed.map((f) => openReference(key, f.reference).catch(() => undefined)));
      const opened = refs.filter((r): r is FileReference => r !== undefined);
      const index = new TitleIndex();
      opened.forEach((r, i) => index.set(String(i), r.name));
      const named = new Set(index.search(query));
      const matching = opened.filter((_, i) => named.has(String(i)));
      out.push({ message, files: matching.length > 0 ? matching : opened });
    }
    return out;
  }

  /** People of one's org directory by name or e-mail (a server-side search: names are not content). */
  people(query: string, max?: number): Promise<Person[]> {
    return this.directory.search(query, max);
  }

  /** One's spaces and teams whose titles match, from a client-side index of the opened titles. */
  async spaces(query: string): Promise<SpaceHit[]> {
    const { index, entries } = await this.titleIndex();
    return index.search(query).map((id) => entries.get(id)!);
  }

  /** The one entry point for a search box: every group at once (each group fails alone, as empty). */
  async search(query: string, options: SearchOptions = {}): Promise<SearchResults> {
    const [messages, files, people, spaces] = await Promise.all([
      this.messages(query, options).catch((): SearchResult => ({ hits: [], messages: [] })),
      this.files(query, { ...options, max: Math.min(options.max ?? 10, 10) }).catch((): FileHit[] => []),
      this.people(query, 10).catch((): Person[] => []),
      this.spaces(query).catch((): SpaceHit[] => []),
    ]);
    return { messages, files, people, spaces };
  }

  /**
   * The search keys of every key epoch of a space one can search (SPEC SR-2); the KMS refusing
   * (not, or no longer, authorized) is a FlintError: one cannot search what one cannot read.
   */
  epochs(room: Pick<Room, 'kroUri' | 'encryptionKeyUrl'>): Promise<SearchEpoch[]> {
    return this.ctx.searchKeys.forRoom(room);
  }

  /** Forgets the cached space list and titles (keys and blinded terms stay valid and are kept). */
  refresh(): void {
    this.rooms = undefined;
    this.titles = undefined;
  }

  // ── Helpers ───────────────────────────────────────────────────────────────────────────────

  /** Every (space, epoch) key, most recently active spaces first, cut to what one query carries. */
  private async epochsOf(rooms: readonly Room[]): Promise<{ keys: SearchEpoch[]; truncated: boolean }> {
    const ordered = [...rooms].sort((a, b) => b.lastActivity.localeCompare(a.lastActivity));
    const perRoom = await Promise.all(ordered.map((room) => this.ctx.searchKeys.forRoom(room).catch(() => [] as SearchEpoch[])));
    const keys = perRoom.flat();
    return { keys: keys.slice(0, SEARCH_LIMITS.keysPerQuery), truncated: keys.length > SEARCH_LIMITS.keysPerQuery };
  }

  /** Each term under each key, from the cache or blinded now (in parallel), packed for the wire. */
  private async blind(keys: readonly SearchEpoch[], terms: readonly QueryTerm[]): Promise<string[]> {
    const byTerm = await Promise.all(
      terms.map((term) =>
        Promise.all(
          keys.map(async ({ keyUri, key }) => {
            const id = `${keyUri}\u0000${term.label}${term.text}`;
            let token = this.blinded.get(id);
            if (token === undefined) {
              token = await blindTerm(key, term);
              if (this.blinded.size >= TOKEN_CACHE) this.blinded.delete(this.blinded.keys().next().value!);
              this.blinded.set(id, token);
            }
            return token;
          }),
        ),
      ),
    );
    return packQuery(byTerm);
  }

  private allRooms(): Promise<Room[]> {
    if (this.rooms === undefined || Date.now() - this.rooms.at > this.roomsTtlMs) {
      const list = this.listRooms();
      this.rooms = { at: Date.now(), list };
      list.catch(() => (this.rooms = undefined));
    }
    return this.rooms.list;
  }

  private async listRooms(): Promise<Room[]> {
    const rooms: Room[] = [];
    let page = await this.ctx.api.rooms.list({ max: 1000 });
    for (;;) {
      rooms.push(...page.items);
      const next = this.ctx.api.nextPage(page);
      if (next === undefined) return rooms;
      page = await next;
    }
  }

  private titleIndex(): Promise<{ index: TitleIndex; entries: Map<string, SpaceHit> }> {
    if (this.titles === undefined || Date.now() - this.titles.at > this.roomsTtlMs) {
      const index = this.buildTitleIndex();
      this.titles = { at: Date.now(), index };
      index.catch(() => (this.titles = undefined));
    }
    return this.titles.index;
  }

  private async buildTitleIndex(): Promise<{ index: TitleIndex; entries: Map<string, SpaceHit> }> {
    const [rooms, teams] = await Promise.all([this.allRooms(), this.ctx.api.teams.list()]);
    const opened: SecureRoom[] = await Promise.all(rooms.map((room) => openRoom(this.ctx, room)));
    const index = new TitleIndex();
    const entries = new Map<string, SpaceHit>();
    for (const room of opened) {
      if (room.title === undefined || room.title === '') continue;
      index.set(room.id, room.title);
      entries.set(room.id, { kind: 'space', id: room.id, title: room.title });
    }
    const names = await Promise.all(teams.map(async (team) => (team.encryptionKeyUrl === undefined ? team.name : (await openTeam(this.ctx, team)).name)));
    teams.forEach((team, i) => {
      const name = names[i];
      if (name === undefined) return;
      index.set(team.id, name);
      entries.set(team.id, { kind: 'team', id: team.id, title: name });
    });
    return { index, entries };
  }
}
