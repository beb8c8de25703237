/**
 * Search on end-to-end encrypted content: blinded message tokens and queries, and a client-side
 * index of space and team titles.
 * @module
 */
export { SearchClient, type SearchOptions, type SearchResult, type SearchHit } from './search-client.ts';
export { SearchKeys } from './search-keys.ts';
export { TitleIndex } from './title-index.ts';
