/**
 * The gateway's explicit limits (docs/limits.md, "Webex-compatible API"). Each is tested.
 * @module
 */
import { FILE_CHUNK_BYTES, FILE_HEADER_BYTES, FILE_TAG_BYTES, encryptedFileSize } from '@flint/crypto';
import { files } from '@flint/protocol';

/** The largest plaintext whose ciphertext (header, chunks and their tags) fits the core's file limit. */
function largestPlaintext(cipherBytes: number): number {
  const chunks = Math.floor((cipherBytes - FILE_HEADER_BYTES) / (FILE_CHUNK_BYTES + FILE_TAG_BYTES));
  const rest = cipherBytes - FILE_HEADER_BYTES - chunks * (FILE_CHUNK_BYTES + FILE_TAG_BYTES);
  let size = chunks * FILE_CHUNK_BYTES + Math.max(0, rest - FILE_TAG_BYTES);
  while (encryptedFileSize(size) > cipherBytes) size--;
  return size;
}

const FILE_BYTES = largestPlaintext(files.FILE_LIMITS.fileBytes);

export const GATEWAY_LIMITS = {
  /** `text`, `markdown`, `html` of a message: bytes of UTF-8 plaintext each (as Webex). */
  messageContentBytes: 7439,
  /**
   * One file per message (as Webex), at most this many plaintext bytes: the core's file limit
   * (`FILE_LIMITS.fileBytes` of ciphertext, just under 8 GiB of plaintext): a multipart file
   * streams through, encrypted on the way (files/multipart.ts), never held whole.
   */
  fileBytes: FILE_BYTES,
  /** A file by URL (`files: [url]`), in plaintext bytes (as Webex: 100 MB); it must also arrive within the SDK's 60 s. */
  urlFileBytes: 100 * 1024 * 1024,
  /** A multipart file up to this size is held in memory until the body ends (any part order); a larger one streams. */
  multipartBufferBytes: 8 * 1024 * 1024,
  /** A multipart `POST /v1/messages` body: the file plus its fields (20 of at most 64 KiB) and part headers. */
  multipartBytes: FILE_BYTES + 2 * 1024 * 1024,
  /** Redirects followed when fetching a file by URL. */
  fileFetchRedirects: 3,
  /** `GET /v1/people?id=`: ids per request (as Webex). */
  peopleIds: 85,
  /** Default and largest page sizes (a larger `max` is clamped, as Webex does). */
  pageDefault: 100,
  pageMax: 1000,
  messagesPageDefault: 50,
  /** A card's JSON (`attachments[0].content`); sealed, it must fit the core's 40 KiB. */
  cardBytes: 24 * 1024,
  /** A card submission's `inputs`, as JSON (sealed, it must fit the core's 32 KiB). */
  cardInputsBytes: 16 * 1024,
  /** People mentioned in one message's markdown. */
  mentions: 200,
  /** Callers whose signed-in state (core client, KMS session, keys) is kept, and for how long idle. */
  callersCached: 500,
  callerIdleMs: 10 * 60 * 1000,
  /** A caller entry is rebuilt at least this often (its KMS session, its person). */
  callerMaxAgeMs: 60 * 60 * 1000,
  /** `listen()` devices whose resume point is kept (listen/cursors.ts), and for how long unused. */
  mercuryCursors: 10_000,
  mercuryCursorIdleMs: 24 * 60 * 60 * 1000,
  /** Frames a Mercury socket may leave unacknowledged before the oldest count as received. */
  mercuryUnackedFrames: 10_000,
} as const;
