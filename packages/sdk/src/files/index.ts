/**
 * End-to-end encrypted files: upload, download, references.
 * @module
 */
export { uploadFile, sendFile, type UploadSource, type UploadOptions, type UploadedFile } from './upload.ts';
export { downloadFile, type Download } from './download.ts';
export { sealReference, openReference, type FileReference, type SpaceKey } from './reference.ts';
export { uploadFromUrl, checkSourceUrl, nameFromResponse, URL_UPLOAD_LIMITS, type UrlUploadOptions } from './from-url.ts';
