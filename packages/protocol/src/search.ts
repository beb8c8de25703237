/**
 * Search on encrypted content (SPEC SR-1, SR-2; DESIGN §4). Messages carry blinded tokens — HMACs
 * of normalized words and prefixes under the space's search key — and queries are blinded the same
 * way, per space. The core matches opaque tokens and never sees a word.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

/** Bounds of search. Documented in docs/limits.md. */
export const SEARCH_LIMITS = {
  /** A token is base64url of a 16-byte HMAC prefix: exactly 22 characters. */
  tokenChars: 22,
  /** Tokens one message carries (its words, CJK bigrams and prefixes), after the client's cut. */
  tokensPerMessage: 2000,
  /** Spaces one query covers (a client in more spaces searches in several requests). */
  spacesPerQuery: 1000,
  /** Blinded terms per space in one query. */
  termsPerQuery: 8,
  /** Results per page (default 50). */
  resultsPageDefault: 50,
  resultsPageMax: 200,
} as const;

export const SearchToken = Type.String({ pattern: '^[A-Za-z0-9_-]{22}$', minLength: SEARCH_LIMITS.tokenChars, maxLength: SEARCH_LIMITS.tokenChars });

/** The optional `searchTokens` of a message create or edit. */
export const SearchTokens = Type.Array(SearchToken, { maxItems: SEARCH_LIMITS.tokensPerMessage, uniqueItems: true });

export const SpaceQuery = Type.Object(
  {
    roomId: Id,
    /** The query's terms blinded under this space's search key. */
    terms: Type.Array(SearchToken, { minItems: 1, maxItems: SEARCH_LIMITS.termsPerQuery, uniqueItems: true }),
  },
  { additionalProperties: false },
);

export const SearchMessagesBody = Type.Object(
  {
    queries: Type.Array(SpaceQuery, { minItems: 1, maxItems: SEARCH_LIMITS.spacesPerQuery }),
    /** Only messages by this person. */
    personId: Type.Optional(Id),
    /** Only messages created at or after this time. */
    from: Type.Optional(Type.String({ format: 'date-time' })),
    /** Only messages created before this time. */
    to: Type.Optional(Type.String({ format: 'date-time' })),
    /** Only messages with (or without) files. Files are not stored yet, so `true` matches nothing. */
    hasFile: Type.Optional(Type.Boolean()),
    /** Only messages mentioning the caller (by id or as everyone). */
    mentionsMe: Type.Optional(Type.Boolean()),
    /** `all` (default): every term must match; `any`: partial matches too, ranked after full ones. */
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
  summary: 'Messages matching blinded terms in the spaces one belongs to: full matches first, then newest first, paged (SPEC SR-2). Spaces one does not belong to give nothing.',
  tag: 'search',
  auth: 'person',
  body: SearchMessagesBody,
  response: Type.Object({ items: Type.Array(SearchHit), next: Type.Optional(Type.String()) }),
  status: 200,
});
