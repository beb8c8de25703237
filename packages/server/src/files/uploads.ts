/**
 * Uploads (SPEC FL-1): a member declares a ciphertext size (checked against the file size limit and
 * the org's quota, and reserved at once), then streams the bytes into the blob store — in one
 * request, or in several after dropped connections: each continues from the offset the store has
 * kept (`received`), which `getUpload` reports. The blob becomes readable when the last byte is in.
 * @module
 */
import { files } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { BlobTooLargeError, UploadOffsetError } from '../blobs/blob-store.ts';
import type { FileRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { memberOf } from '../spaces/access.ts';
import { fileFor } from './access.ts';
import { presentUpload } from './presenters.ts';
import { sweepStaleUploads } from './cleanup.ts';

const { FILE_LIMITS } = files;
const CONTENT_TYPE = 'application/octet-stream';

/** Ciphertext bytes the org holds: completed files and reservations of uploads in progress. */
export async function orgUsage(core: Core, orgId: string): Promise<number> {
  const row = await core.db.selectFrom('files').select((eb) => eb.fn.sum<number | string | null>('size').as('total')).where('org_id', '=', orgId).executeTakeFirst();
  return Number(row?.total ?? 0);
}

export async function createUpload(core: Core, actor: Actor, input: { roomId: string; size: number }): Promise<files.Upload> {
  if (input.size > FILE_LIMITS.fileBytes) throw new ApiError('payload_too_large', `A file may be at most ${FILE_LIMITS.fileBytes} bytes of ciphertext.`);
  if (input.size === 0) throw ApiError.badRequest('size: an encrypted file is never empty (it has at least a header and a tag).');
  const { space } = await memberOf(core.db, actor, input.roomId);
  // Abandoned uploads hold quota; free them before judging this one.
  await sweepStaleUploads(core, actor.orgId);
  // Check-then-insert can overshoot by concurrent uploads' sizes; the quota is a budget, not a hard wall.
  if ((await orgUsage(core, actor.orgId)) + input.size > FILE_LIMITS.orgQuotaBytes) {
    throw new ApiError('payload_too_large', 'The organization’s file storage quota is used up.');
  }
  const id = newId();
  const blobKey = `files/${space.id}/${id}`;
  const row: FileRow = {
    id,
    space_id: space.id,
    org_id: actor.orgId,
    person_id: actor.personId,
    blob_key: blobKey,
    size: input.size,
    status: 'pending',
    message_id: null,
    reference: null,
    created_at: core.now(),
    completed_at: null,
    upload_state: await core.blobs.startUpload(blobKey, CONTENT_TYPE),
    preview_of: null,
  };
  await core.db.insertInto('files').values(row).execute();
  return presentUpload(row, 0);
}

async function receivedOf(core: Core, file: FileRow): Promise<number> {
  if (file.status === 'complete') return file.size;
  return file.upload_state === null ? 0 : core.blobs.uploadedBytes(file.blob_key, file.upload_state);
}

export async function getUpload(core: Core, actor: Actor, id: string): Promise<files.Upload> {
  const { file } = await fileFor(core.db, actor, id);
  return presentUpload(file, await receivedOf(core, file));
}

/** `Content-Range: bytes a-b/size` of an upload request, already parsed. */
export interface UploadRange {
  start: number;
  /** Inclusive. */
  end: number;
  total: number;
}

/** Parses an upload's `Content-Range`; `undefined` when absent. Malformed is a 400. */
export function parseContentRange(header: string | undefined): UploadRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16})$/.exec(header.trim());
  if (match === null) throw ApiError.badRequest('Content-Range: expected "bytes first-last/size".');
  const [start, end, total] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (start > end || end >= total) throw ApiError.badRequest('Content-Range: the range must lie inside the size.');
  return { start, end, total };
}

/** Counts what a source delivers, so a body cut short is told apart from one the store trimmed. */
async function* counted(source: AsyncIterable<Uint8Array>, into: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    into.bytes += chunk.length;
    yield chunk;
  }
}

/**
 * Streams ciphertext into the upload, from `range.start` (0 without a range). `declaredLength`
 * is the request's Content-Length when it sent one: a wrong one is refused before a byte is read.
 */
export async function receiveContent(core: Core, actor: Actor, id: string, body: AsyncIterable<Uint8Array>, declaredLength: number | undefined, contentRange: UploadRange | undefined): Promise<files.Upload> {
  const { file } = await fileFor(core.db, actor, id);
  if (file.person_id !== actor.personId) throw ApiError.notFound('file');
  if (file.message_id !== null) throw ApiError.conflict('This file is attached to a message; its content can no longer change.');
  if (file.status === 'complete' || file.upload_state === null) throw ApiError.conflict('This upload is complete.');
  const range = contentRange ?? { start: 0, end: file.size - 1, total: file.size };
  if (range.total !== file.size) throw ApiError.badRequest(`Content-Range: this upload is ${file.size} bytes.`);
  const length = range.end - range.start + 1;
  if (declaredLength !== undefined && declaredLength > length) throw new ApiError('payload_too_large', `This request carries bytes ${range.start}-${range.end}: ${length} bytes.`);
  if (declaredLength !== undefined && declaredLength < length) throw ApiError.badRequest(`This request carries bytes ${range.start}-${range.end} (${length} bytes); the body has ${declaredLength}.`);

  let state = file.upload_state;
  const save = async (next: string) => {
    state = next;
    // Only while pending: a late writer must not resurrect the state of a completed upload.
    await core.db.updateTable('files').set({ upload_state: next }).where('id', '=', id).where('status', '=', 'pending').execute();
  };
  const arrived = { bytes: 0 };
  try {
    await save(await core.blobs.writeUpload(file.blob_key, state, range.start, counted(body, arrived), { end: range.end + 1, total: file.size, save }));
  } catch (error) {
    if (error instanceof BlobTooLargeError) throw new ApiError('payload_too_large', `This request carries bytes ${range.start}-${range.end}: ${length} bytes.`);
    if (error instanceof UploadOffsetError) throw ApiError.conflict(`This upload continues from byte ${error.received}; ask GET /api/files/${id} and resume from its "received".`);
    throw error;
  }
  const received = await core.blobs.uploadedBytes(file.blob_key, state);
  if (received === file.size) return complete(core, file, state);
  if (arrived.bytes < length) throw ApiError.badRequest(`Incomplete upload: ${arrived.bytes} of ${length} bytes arrived; ${received} are stored. Resume from there.`);
  return presentUpload({ ...file, upload_state: state }, received);
}

async function complete(core: Core, file: FileRow, state: string): Promise<files.Upload> {
  try {
    await core.blobs.completeUpload(file.blob_key, state);
  } catch (error) {
    // Two requests may finish the same upload at once (a resume racing a dying connection): if
    // the other one published the blob, this one is done too.
    if ((await core.blobs.stat(file.blob_key))?.size !== file.size) throw error;
  }
  const completed = { status: 'complete' as const, completed_at: core.now(), upload_state: null };
  await core.db.updateTable('files').set(completed).where('id', '=', file.id).execute();
  return presentUpload({ ...file, ...completed }, file.size);
}
