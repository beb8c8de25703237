/**
 * Removing blobs: those of deleted files and messages, and uploads never attached to a message.
 * Rows go first (inside the caller's transaction) and blobs after the commit, so a crash can leave
 * an orphan blob (harmless ciphertext) but never a row pointing at nothing.
 * @module
 */
import type { Kysely } from 'kysely';
import { files } from '@flint/protocol';
import type { Core } from '../core.ts';
import type { Database } from '../db/schema.ts';

/** Deletes blobs; a failure is logged, not thrown, because the rows are already gone. */
export async function removeBlobs(core: Core, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    try {
      await core.blobs.delete(key);
    } catch (error) {
      core.log.warn({ err: error, key }, 'could not remove a file blob');
    }
  }
}

/** The rows of a message's files, deleted; answers their blob keys for `removeBlobs` after commit. */
export async function detachMessageFiles(trx: Kysely<Database>, messageId: string): Promise<string[]> {
  const rows = await trx.selectFrom('files').select('blob_key').where('message_id', '=', messageId).execute();
  if (rows.length > 0) await trx.deleteFrom('files').where('message_id', '=', messageId).execute();
  return rows.map((r) => r.blob_key);
}

/** Uploads of an org never attached within FILE_LIMITS.pendingUploadMs: rows and blobs removed. */
export async function sweepStaleUploads(core: Core, orgId: string): Promise<void> {
  const cutoff = core.now() - files.FILE_LIMITS.pendingUploadMs;
  const stale = await core.db.selectFrom('files').select(['id', 'blob_key']).where('org_id', '=', orgId).where('message_id', 'is', null).where('created_at', '<', cutoff).execute();
  if (stale.length === 0) return;
  await core.db.deleteFrom('files').where('id', 'in', stale.map((s) => s.id)).execute();
  await removeBlobs(core, stale.map((s) => s.blob_key));
}
