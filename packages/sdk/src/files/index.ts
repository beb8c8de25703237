/**
 * End-to-end encrypted files: upload, download, references.
 * @module
 */
export { uploadFile, uploadPreview, sendFile, type UploadSource, type UploadOptions, type UploadedFile, type UploadedPreview } from './upload.ts';
export { downloadFile, downloadPreview, type Download } from './download.ts';
export { sealReference, openReference, type FileReference, type Preview, type SpaceKey } from './reference.ts';
export { uploadFromUrl, checkSourceUrl, nameFromResponse, URL_UPLOAD_LIMITS, type UrlUploadOptions } from './from-url.ts';
