/**
 * Resumable uploads and previews (SPEC FL-1, FL-2).
 * - `upload_state`: the blob store's record of an upload in progress (for S3: the multipart upload
 *   id and the parts stored so far), opaque to the rest of the core; null once complete.
 * - `preview_of`: set on a preview's row (an encrypted thumbnail the client made): the file it
 *   belongs to. Previews go with their file and are not listed as files of their own.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('files').addColumn('upload_state', 'text').execute();
  await db.schema.alterTable('files').addColumn('preview_of', 'text').execute();
  await db.schema.createIndex('files_preview_of').on('files').column('preview_of').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('files_preview_of').execute();
  await db.schema.alterTable('files').dropColumn('preview_of').execute();
  await db.schema.alterTable('files').dropColumn('upload_state').execute();
}
