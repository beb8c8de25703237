/**
 * Files attached to messages (SPEC FL-1): a message may carry uploaded blobs of its own space, each
 * with its sealed reference. Only the uploader may attach a blob, only once, and only when its
 * content arrived whole.
 * @module
 */
import type { Kysely } from 'kysely';
import type { files } from '@flint/protocol';
import type { Actor } from '../core.ts';
import type { Database } from '../db/schema.ts';
import { ApiError } from '../errors.ts';

/** Runs inside the message's transaction, after its row is inserted. */
export async function attachFiles(trx: Kysely<Database>, actor: Actor, spaceId: string, messageId: string, attached: readonly files.MessageFile[] | undefined): Promise<void> {
  if (attached === undefined || attached.length === 0) return;
  if (new Set(attached.map((f) => f.blobId)).size !== attached.length) throw ApiError.badRequest('files: a blob appears twice');
  for (const f of attached) {
    const row = await trx.selectFrom('files').select(['space_id', 'person_id', 'status', 'message_id']).where('id', '=', f.blobId).executeTakeFirst();
    // One answer for "missing", "someone else's" and "another space's": the sender learns nothing.
    if (row === undefined || row.space_id !== spaceId || row.person_id !== actor.personId || row.message_id !== null) {
      throw ApiError.badRequest(`files: ${f.blobId} is not an unattached upload of yours in this space`);
    }
    if (row.status !== 'complete') throw ApiError.badRequest(`files: ${f.blobId} has not been uploaded completely`);
    await trx.updateTable('files').set({ message_id: messageId, reference: f.reference }).where('id', '=', f.blobId).execute();
  }
}
