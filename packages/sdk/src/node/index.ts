/**
 * The SDK's Node-only helpers (`@flint/sdk/node`): never imported by the main entry.
 * @module
 */
export { nodeHttpFetch } from './http-fetch.ts';
export { createNodePreviewMaker } from '../previews/node.ts';
