/**
 * Flint's isomorphic client SDK.
 * @module
 */
export { FlintClient, type Page } from './client.ts';
export { FlintError } from './errors.ts';
export { Transport, nextLink, type TransportOptions, type FetchLike } from './transport.ts';
export { EventStream, type EventStreamOptions, type WebSocketConstructor, type WebSocketLike } from './event-stream.ts';
export * from './kms/index.ts';
export * from './secure/index.ts';
export * from './search/index.ts';
export * from './files/index.ts';
export { webhookSignature, verifyWebhookSignature } from './webhook-signature.ts';
export { PREVIEW_LIMITS, previewKind, fitPreview, type PreviewMaker, type PreviewImage, type PreviewSource } from './previews/preview.ts';
