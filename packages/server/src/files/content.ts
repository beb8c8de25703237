/**
 * Downloads and deletion of one file (SPEC FL-1): members of its space (and the org's compliance
 * officers, CP-1) read its ciphertext (whole or one byte range); its uploader or a moderator of the space deletes it.
 * @module
 */
import type { Actor, Core } from '../core.ts';
import type { BlobStream } from '../blobs/blob-store.ts';
import { ApiError } from '../errors.ts';
import { fileFor, readableFile } from './access.ts';
import { detachFile, removeBlobs } from './cleanup.ts';

/** An inclusive byte range, already checked against the file's size. */
export interface ByteRange {
  start: number;
  end: number;
}

export async function statContent(core: Core, actor: Actor, id: string): Promise<{ size: number; blobKey: string }> {
  const file = await readableFile(core.db, actor, id);
  if (file.status !== 'complete') throw ApiError.notFound('file');
  // The stored blob's real size, not the declared one: a Content-Length the body cannot meet hangs clients.
  const blob = await core.blobs.stat(file.blob_key);
  if (blob === undefined) throw ApiError.notFound('file');
  return { size: blob.size, blobKey: file.blob_key };
}

export async function openContent(core: Core, blobKey: string, range: ByteRange | undefined): Promise<BlobStream> {
  const blob = await core.blobs.getStream(blobKey, range);
  if (blob === undefined) throw ApiError.notFound('file');
  return blob;
}

/** Deletes a file and its preview (a preview alone: just the preview). The message stays. */
export async function deleteFile(core: Core, actor: Actor, id: string): Promise<void> {
  const { file, membership, space } = await fileFor(core.db, actor, id);
  // As for messages (SP-4): moderators act on others' content in a locked space.
  if (file.person_id !== actor.personId && !(space.is_locked === 1 && membership.is_moderator === 1)) {
    throw ApiError.forbidden('Only the file’s sender, or a moderator of a locked space, may delete it.');
  }
  const refs = await core.db.transaction().execute((trx) => detachFile(trx, id));
  await removeBlobs(core, refs);
}
