/**
 * Removing blobs: those of deleted files, messages and spaces, and uploads never attached to a
 * message. Rows go first (inside the caller's transaction) and blobs after the commit, so a crash
 * can leave an orphan blob (harmless ciphertext) but never a row pointing at nothing.
 * @module
 */
import type { Kysely } from 'kysely';
import { files } from '@flint/protocol';
import type { Core } from '../core.ts';
import type { Database, FileRow } from '../db/schema.ts';

/** What removing a file's bytes needs: a complete blob is deleted, an upload in progress aborted. */
export type BlobRef = Pick<FileRow, 'blob_key' | 'status' | 'upload_state'>;

/** Deletes blobs; a failure is logged, not thrown, because the rows are already gone. */
export async function removeBlobs(core: Core, refs: readonly BlobRef[]): Promise<void> {
  for (const ref of refs) {
    try {
      if (ref.status === 'complete') await core.blobs.delete(ref.blob_key);
      else if (ref.upload_state !== null) await core.blobs.abortUpload(ref.blob_key, ref.upload_state);
    } catch (error) {
      core.log.warn({ err: error, key: ref.blob_key }, 'could not remove a file blob');
    }
  }
}

const REF_COLUMNS = ['id', 'blob_key', 'status', 'upload_state'] as const;

/** The rows of a message's files and previews, deleted; answers what `removeBlobs` needs after commit. */
export async function detachMessageFiles(trx: Kysely<Database>, messageId: string): Promise<BlobRef[]> {
  const rows = await trx.selectFrom('files').select(REF_COLUMNS).where('message_id', '=', messageId).execute();
  if (rows.length > 0) await trx.deleteFrom('files').where('message_id', '=', messageId).execute();
  return rows;
}

/** A file's row and its preview's, deleted; answers what `removeBlobs` needs after commit. */
export async function detachFile(trx: Kysely<Database>, fileId: string): Promise<BlobRef[]> {
  const rows = await trx.selectFrom('files').select(REF_COLUMNS).where((eb) => eb.or([eb('id', '=', fileId), eb('preview_of', '=', fileId)])).execute();
  if (rows.length > 0) await trx.deleteFrom('files').where('id', 'in', rows.map((r) => r.id)).execute();
  return rows;
}

/** Every file row of a space (the rows would go with the space anyway); answers the blobs to remove. */
export async function detachSpaceFiles(trx: Kysely<Database>, spaceId: string): Promise<BlobRef[]> {
  const rows = await trx.selectFrom('files').select(REF_COLUMNS).where('space_id', '=', spaceId).execute();
  if (rows.length > 0) await trx.deleteFrom('files').where('space_id', '=', spaceId).execute();
  return rows;
}

/**
 * Uploads never attached within FILE_LIMITS.pendingUploadMs — of one org (before judging its quota),
 * or of every org (the hourly sweep): rows and blobs removed.
 */
export async function sweepStaleUploads(core: Core, orgId?: string): Promise<void> {
  const cutoff = core.now() - files.FILE_LIMITS.pendingUploadMs;
  let query = core.db.selectFrom('files').select(REF_COLUMNS).where('message_id', 'is', null).where('created_at', '<', cutoff);
  if (orgId !== undefined) query = query.where('org_id', '=', orgId);
  const stale = await query.execute();
  if (stale.length === 0) return;
  await core.db.deleteFrom('files').where('id', 'in', stale.map((s) => s.id)).execute();
  await removeBlobs(core, stale);
}

/**
 * Deletes blobs and throws on the first failure: for retention, which removes blobs *before* their
 * rows and must not drop a row whose blob is still there (nothing would delete that blob later).
 */
export async function removeBlobsStrict(core: Core, refs: readonly BlobRef[]): Promise<void> {
  for (const ref of refs) {
    if (ref.status === 'complete') await core.blobs.delete(ref.blob_key);
    else if (ref.upload_state !== null) await core.blobs.abortUpload(ref.blob_key, ref.upload_state).catch(() => undefined);
  }
}
