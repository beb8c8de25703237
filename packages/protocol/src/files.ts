/**
 * Encrypted files (SPEC FL-1, FL-3, SEC-1). The client encrypts a file in chunks under a random
 * per-file key and uploads only ciphertext; the key, hash, size, type and name travel in a small
 * *reference* sealed with the space key and attached to a message. The core sees a blob id, a
 * ciphertext size and the space — never a file's name, type or contents.
 *
 * Flow: `files.createUpload` (declares the ciphertext size, reserves quota) → `files.putContent`
 * (the raw ciphertext as `application/octet-stream`, whole or from an offset with `Content-Range`;
 * after a dropped connection `files.getUpload` says how much is stored, and the client resumes
 * from there) → `messages.create` with `files: [{blobId, reference, previewBlobId?}]`.
 *
 * A preview (SPEC FL-2: a thumbnail the *client* made, encrypted under its own key like any file)
 * is uploaded the same way and attached beside its file as `previewBlobId`; its key and hash travel
 * inside the file's sealed reference. The core only learns that a file has a preview, and its size.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, PageMax, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';
import { Ciphertext, KeyUrl } from './spaces.ts';

/** Documented in docs/limits.md. */
export const FILE_LIMITS = {
  /** Largest file, in ciphertext bytes (header and tags included). */
  fileBytes: 8 * 1024 * 1024 * 1024,
  /** Ciphertext bytes an organization may hold (completed files and reserved uploads). */
  orgQuotaBytes: 1024 * 1024 * 1024 * 1024,
  /** Files attached to one message. */
  filesPerMessage: 10,
  /** A preview's ciphertext (SPEC FL-2: a thumbnail of at most 512 KiB, encrypted). */
  previewBytes: 1024 * 1024,
  /** A sealed reference (JWE compact of a small JSON object). */
  referenceChars: 8 * 1024,
  /** An upload not attached to a message within this time is removed (and its reservation freed). */
  pendingUploadMs: 24 * 60 * 60 * 1000,
  filesPageDefault: 50,
  filesPageMax: 1000,
} as const;

/** What `messages.create` carries per file: the blob, its sealed reference, its preview's blob. */
export const MessageFile = Type.Object(
  {
    blobId: Id,
    reference: Ciphertext(FILE_LIMITS.referenceChars),
    /** An uploaded, encrypted preview of the file (SPEC FL-2). */
    previewBlobId: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export type MessageFile = Static<typeof MessageFile>;

/** A file as a message carries it: the blob, its sealed reference, its ciphertext size, and its preview's blob (SPEC FL-2). */
export const AttachedFile = Type.Object({
  blobId: Id,
  /** Sealed with the message's `encryptionKeyUrl`. */
  reference: Type.String(),
  /** Ciphertext bytes. */
  size: Type.Integer({ minimum: 0 }),
  /** The encrypted preview uploaded beside it, if any (its key is in the reference). */
  previewBlobId: Type.Optional(Id),
});
export type AttachedFile = Static<typeof AttachedFile>;

export const Upload = Type.Object({
  id: Id,
  roomId: Id,
  /** The declared ciphertext size: the content must be exactly this long. */
  size: Type.Integer({ minimum: 0 }),
  /** Bytes stored for good: a resumed upload continues from here (equals `size` once complete). */
  received: Type.Integer({ minimum: 0 }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('complete')]),
  created: Timestamp,
});
export type Upload = Static<typeof Upload>;

export const createUpload = defineMethod({
  id: 'files.createUpload',
  verb: 'POST',
  path: '/api/files',
  summary: 'Start an upload into a space one belongs to: declares the ciphertext size (checked against the size limit and the org’s quota).',
  tag: 'files',
  auth: 'person',
  body: Type.Object({ roomId: Id, size: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
  response: Upload,
  status: 200,
});

/** The state of one's upload: how many bytes are stored (`received`), so a dropped one can resume. */
export const getUpload = defineMethod({
  id: 'files.getUpload',
  verb: 'GET',
  path: '/api/files/:id',
  summary: 'An upload’s state: its declared size, the bytes stored so far (`received`) and whether it is complete. An attached file answers too (to members of its space).',
  tag: 'files',
  auth: 'person',
  params: IdParams,
  response: Upload,
  status: 200,
});

/**
 * The body is raw ciphertext (`application/octet-stream`), streamed. Without `Content-Range` it is
 * the whole file; with `Content-Range: bytes a-b/size` it continues from byte `a`, which must be
 * at most the upload's `received` (else 409). The answer's `received` may be less than `b + 1`:
 * a store keeps only what it can resume from (S3: whole parts) — continue from `received`.
 */
export const putContent = defineMethod({
  id: 'files.putContent',
  verb: 'PUT',
  path: '/api/files/:id/content',
  summary: 'Upload a file’s ciphertext, whole or (with Content-Range) from an offset up to `received`: resumable after a dropped connection.',
  tag: 'files',
  auth: 'person',
  params: IdParams,
  response: Upload,
  status: 200,
});

/** Answers the raw ciphertext; a single `Range: bytes=a-b` gives 206. */
export const getContent = defineMethod({
  id: 'files.getContent',
  verb: 'GET',
  path: '/api/files/:id/content',
  summary: 'Download a file’s ciphertext (members of its space only; others get 404). Supports a single byte range.',
  tag: 'files',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 200,
});

export const FileEntry = Type.Object({
  id: Id,
  roomId: Id,
  messageId: Id,
  personId: Id,
  /** The sealed reference (key, hash, size, type, name), opaque to the server. */
  reference: Type.String(),
  encryptionKeyUrl: Type.Optional(KeyUrl),
  /** Ciphertext bytes. */
  size: Type.Integer(),
  created: Timestamp,
});
export type FileEntry = Static<typeof FileEntry>;

export const listFiles = defineMethod({
  id: 'files.list',
  verb: 'GET',
  path: '/api/files',
  summary: 'A space’s files, newest first, from the messages that carry them.',
  tag: 'files',
  auth: 'person',
  query: Type.Object({ roomId: Id, beforeFile: Type.Optional(Id), max: Type.Optional(PageMax) }, { additionalProperties: false }),
  response: Type.Object({ items: Type.Array(FileEntry) }),
  status: 200,
});

export const deleteFile = defineMethod({
  id: 'files.delete',
  verb: 'DELETE',
  path: '/api/files/:id',
  summary: 'Delete a file (its uploader, or a moderator of its space): the blob is removed; the message stays.',
  tag: 'files',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});
