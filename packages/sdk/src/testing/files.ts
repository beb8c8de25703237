/**
 * `@flint/sdk/testing/files`: the SDK's file transfer layer on its own — chunked encryption up and
 * down, references, URL fetching — under a key the test supplies, for tests of the core's file
 * storage, quotas, ranges and resumption that need no KMS. Clients use a `Session`, whose
 * `messages.send({ files })` and `files` part drive these with the space's real key.
 * @module
 */
export { uploadFile, uploadPreview, type UploadSource, type UploadOptions, type UploadedFile, type UploadedPreview } from '../files/upload.ts';
export { downloadFile, downloadPreview, type Download } from '../files/download.ts';
export { sealReference, openReference, type FileReference, type Preview, type SpaceKey } from '../files/reference.ts';
export { uploadFromUrl, type UrlUploadOptions } from '../files/from-url.ts';
