/**
 * Flint's isomorphic client SDK.
 * @module
 */
export { FlintClient } from './client.ts';
export { FlintError } from './errors.ts';
export { Transport, nextLink, type TransportOptions, type FetchLike } from './transport.ts';
