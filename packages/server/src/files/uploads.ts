/**
 * Uploads (SPEC FL-1): a member declares a ciphertext size (checked against the file size limit and
 * the org's quota, and reserved at once), then streams exactly that many bytes into the blob store.
 * A failed attempt leaves no blob, so the client restarts by sending the content again.
 * @module
 */
import { files } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { BlobTooLargeError } from '../blobs/blob-store.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { memberOf } from '../spaces/access.ts';
import { fileFor } from './access.ts';
import { presentUpload } from './presenters.ts';
import { sweepStaleUploads } from './cleanup.ts';

const { FILE_LIMITS } = files;

/** Ciphertext bytes the org holds: completed files and reservations of uploads in progress. */
export async function orgUsage(core: Core, orgId: string): Promise<number> {
  const row = await core.db.selectFrom('files').select((eb) => eb.fn.sum<number | string | null>('size').as('total')).where('org_id', '=', orgId).executeTakeFirst();
  return Number(row?.total ?? 0);
}

export async function createUpload(core: Core, actor: Actor, input: { roomId: string; size: number }): Promise<files.Upload> {
  if (input.size > FILE_LIMITS.fileBytes) throw new ApiError('payload_too_large', `A file may be at most ${FILE_LIMITS.fileBytes} bytes of ciphertext.`);
  const { space } = await memberOf(core.db, actor, input.roomId);
  // Abandoned uploads hold quota; free them before judging this one.
  await sweepStaleUploads(core, actor.orgId);
  // Check-then-insert can overshoot by concurrent uploads' sizes; the quota is a budget, not a hard wall.
  if ((await orgUsage(core, actor.orgId)) + input.size > FILE_LIMITS.orgQuotaBytes) {
    throw new ApiError('payload_too_large', 'The organization’s file storage quota is used up.');
  }
  const id = newId();
  const row = {
    id,
    space_id: space.id,
    org_id: actor.orgId,
    person_id: actor.personId,
    blob_key: `files/${space.id}/${id}`,
    size: input.size,
    status: 'pending' as const,
    message_id: null,
    reference: null,
    created_at: core.now(),
    completed_at: null,
  };
  await core.db.insertInto('files').values(row).execute();
  return presentUpload(row);
}

/**
 * Streams the ciphertext into the blob store. `declaredLength` is the request's Content-Length when
 * it sent one: a wrong one is refused before a byte is read.
 */
export async function receiveContent(core: Core, actor: Actor, id: string, body: AsyncIterable<Uint8Array>, declaredLength: number | undefined): Promise<files.Upload> {
  const { file } = await fileFor(core.db, actor, id);
  if (file.person_id !== actor.personId) throw ApiError.notFound('file');
  if (file.message_id !== null) throw ApiError.conflict('This file is attached to a message; its content can no longer change.');
  if (declaredLength !== undefined && declaredLength > file.size) throw new ApiError('payload_too_large', `This upload is ${file.size} bytes.`);
  if (declaredLength !== undefined && declaredLength < file.size) throw ApiError.badRequest(`This upload is ${file.size} bytes; the body has ${declaredLength}.`);
  let written: number;
  try {
    written = await core.blobs.putStream(file.blob_key, body, 'application/octet-stream', { maxBytes: file.size });
  } catch (error) {
    if (error instanceof BlobTooLargeError) throw new ApiError('payload_too_large', `This upload is ${file.size} bytes.`);
    throw error;
  }
  if (written !== file.size) {
    await core.blobs.delete(file.blob_key);
    throw ApiError.badRequest(`Incomplete upload: ${written} of ${file.size} bytes arrived; send the content again.`);
  }
  const completed = { status: 'complete' as const, completed_at: core.now() };
  await core.db.updateTable('files').set(completed).where('id', '=', id).execute();
  return presentUpload({ ...file, ...completed });
}
