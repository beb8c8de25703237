/**
 * Search on end-to-end encrypted content: blinded message and file-name tokens and queries per key
 * epoch, people, and a client-side index of space and team titles; `SearchClient.search` groups them.
 * @module
 */
export { SearchClient, type SearchOptions, type SearchResult, type SearchHit, type SearchResults, type FileHit, type SpaceHit, type SearchClientOptions } from './search-client.ts';
export { SearchKeys, type SearchEpoch } from './search-keys.ts';
export { TitleIndex } from './title-index.ts';
