/**
 * Search on encrypted content (SPEC SR-1, SR-2; DESIGN §4). Messages carry blinded tokens — HMACs
 * of normalized words and prefixes under the space's search key — and queries are blinded the same
 * way, per space. The core matches opaque tokens and never sees a word.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, Timestamp } from './common.ts';
import { Person } from './people.ts';
import { defineMethod } from './method.ts';

/** Bounds of search. Documented in docs/limits.md. */
export const SEARCH_LIMITS = {
  /** A token is a 16-byte HMAC prefix … */
  tokenBytes: 16,
  /** … written in a message's `searchTokens` as base64url: exactly 22 characters. */
  tokenChars: 22,
  /** Tokens one message carries (its words, CJK bigrams, prefixes and file names), after the client's cut. */
  tokensPerMessage: 2000,
  /** Blinded terms in one query (every one must match). */
  termsPerQuery: 8,
  /**
   * Keys one query is blinded under: one per (space, key epoch) the client can search. A client
   * holding more searches the most recently active ones (docs/search.md).
   */
  keysPerQuery: 4000,
  /** Spaces one query may be narrowed to (`roomIds`). */
  roomsPerQuery: 1000,
  /** Results per page (default 50). */
  resultsPageDefault: 50,
  resultsPageMax: 200,
  /** People search: query length and results. */
  peopleQueryChars: 128,
  peoplePageDefault: 20,
  peoplePageMax: 100,
} as const;

export const SearchToken = Type.String({ pattern: '^[A-Za-z0-9_-]{22}$', minLength: SEARCH_LIMITS.tokenChars, maxLength: SEARCH_LIMITS.tokenChars });

/** The optional `searchTokens` of a message create or edit. */
export const SearchTokens = Type.Array(SearchToken, { maxItems: SEARCH_LIMITS.tokensPerMessage, uniqueItems: true });

/** base64url length of `n` bytes, unpadded. */
const base64Chars = (n: number) => Math.ceil((n * 4) / 3);

/**
 * One query term: the base64url of its 16-byte tokens under every key searched, concatenated. All
 * terms list the keys in the same order (the i-th token of every term comes from the same key).
 */
export const PackedTerm = Type.String({
  pattern: '^[A-Za-z0-9_-]+$',
  minLength: base64Chars(SEARCH_LIMITS.tokenBytes),
  maxLength: base64Chars(SEARCH_LIMITS.tokenBytes * SEARCH_LIMITS.keysPerQuery),
});

export const SearchMessagesBody = Type.Object(
  {
    /**
     * The query's terms, each blinded under every (space, key epoch) key the client holds and packed
     * (see `PackedTerm`). The core searches the caller's spaces itself: no space ids are sent.
     */
    terms: Type.Array(PackedTerm, { minItems: 1, maxItems: SEARCH_LIMITS.termsPerQuery }),
    /** Only these spaces (of those one belongs to). */
    roomIds: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: SEARCH_LIMITS.roomsPerQuery, uniqueItems: true })),
    /** Only messages by this person. */
    personId: Type.Optional(Id),
    /** Only messages created at or after this time. */
    from: Type.Optional(Type.String({ format: 'date-time' })),
    /** Only messages created before this time. */
    to: Type.Optional(Type.String({ format: 'date-time' })),
    /** Only messages with (or without) files. */
    hasFile: Type.Optional(Type.Boolean()),
    /** Only messages mentioning the caller (by id or as everyone). */
    mentionsMe: Type.Optional(Type.Boolean()),
    /** `all` (default): every term must match; `any`: after every full match, partial ones, newest first. */
    match: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('any')])),
    max: Type.Optional(Type.Integer({ minimum: 1 })),
    /** The `next` of the previous page. */
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type SearchMessagesBody = Static<typeof SearchMessagesBody>;

export const SearchHit = Type.Object({
  messageId: Id,
  roomId: Id,
  personId: Id,
  created: Timestamp,
  /** How many of the space's query terms the message carries. */
  matched: Type.Integer(),
  /** True when it carries every term. */
  complete: Type.Boolean(),
});
export type SearchHit = Static<typeof SearchHit>;

export const searchMessages = defineMethod({
  id: 'search.messages',
  verb: 'POST',
  path: '/api/search/messages',
  summary: 'Messages matching blinded terms in the spaces one belongs to, newest first (with `match: any`, full matches first), paged (SPEC SR-2).',
  tag: 'search',
  auth: 'person',
  body: SearchMessagesBody,
  response: Type.Object({ items: Type.Array(SearchHit), next: Type.Optional(Type.String()) }),
  status: 200,
});

export const SearchPeopleQuery = Type.Object(
  {
    /** Words matched as prefixes of the words of a person's name, or of their e-mail address. */
    q: Type.String({ minLength: 1, maxLength: SEARCH_LIMITS.peopleQueryChars }),
    max: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const searchPeople = defineMethod({
  id: 'search.people',
  verb: 'GET',
  path: '/api/search/people',
  summary: 'People of one’s org directory whose name words or e-mail start with the query’s words (SPEC SR-1). Names are not content: the core reads them.',
  tag: 'search',
  auth: 'person',
  query: SearchPeopleQuery,
  response: Type.Object({ items: Type.Array(Person) }),
  status: 200,
});
