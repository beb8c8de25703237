/**
 * Files attached to messages (SPEC FL-1): a message may carry uploaded blobs of its own space, each
 * with its sealed reference. Only the uploader may attach a blob, only once, and only when its
 * content arrived whole.
 * @module
 */
import type { Kysely } from 'kysely';
import { files } from '@flint/protocol';
import type { Actor } from '../core.ts';
import type { Database } from '../db/schema.ts';
import { ApiError } from '../errors.ts';

const { FILE_LIMITS } = files;

async function checkUpload(trx: Kysely<Database>, actor: Actor, spaceId: string, blobId: string): Promise<number> {
  const row = await trx.selectFrom('files').select(['space_id', 'person_id', 'status', 'message_id', 'size']).where('id', '=', blobId).executeTakeFirst();
  // One answer for "missing", "someone else's" and "another space's": the sender learns nothing.
  if (row === undefined || row.space_id !== spaceId || row.person_id !== actor.personId || row.message_id !== null) {
    throw ApiError.badRequest(`files: ${blobId} is not an unattached upload of yours in this space`);
  }
  if (row.status !== 'complete') throw ApiError.badRequest(`files: ${blobId} has not been uploaded completely`);
  return Number(row.size);
}

/** Runs inside the message's transaction, after its row is inserted. A preview is an upload like its file (SPEC FL-2). */
export async function attachFiles(trx: Kysely<Database>, actor: Actor, spaceId: string, messageId: string, attached: readonly files.MessageFile[] | undefined): Promise<void> {
  if (attached === undefined || attached.length === 0) return;
  const blobs = attached.flatMap((f) => (f.previewBlobId !== undefined ? [f.blobId, f.previewBlobId] : [f.blobId]));
  if (new Set(blobs).size !== blobs.length) throw ApiError.badRequest('files: a blob appears twice');
  for (const f of attached) {
    await checkUpload(trx, actor, spaceId, f.blobId);
    await trx.updateTable('files').set({ message_id: messageId, reference: f.reference }).where('id', '=', f.blobId).execute();
    if (f.previewBlobId !== undefined) {
      if ((await checkUpload(trx, actor, spaceId, f.previewBlobId)) > FILE_LIMITS.previewBytes) {
        throw ApiError.badRequest(`files: a preview may be at most ${FILE_LIMITS.previewBytes} bytes of ciphertext`);
      }
      await trx.updateTable('files').set({ message_id: messageId, preview_of: f.blobId }).where('id', '=', f.previewBlobId).execute();
    }
  }
}
