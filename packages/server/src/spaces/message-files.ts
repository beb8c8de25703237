/**
 * The files messages carry (SPEC FL-1), presented with the messages so a client (the web app, the
 * gateway's `files[]` and `/v1/contents`) needs no second request to find them. One query per page.
 * @module
 */
import type { Kysely } from 'kysely';
import type { files as fileTypes } from '@flint/protocol';
import type { Database } from '../db/schema.ts';

export async function filesOfMessages(db: Kysely<Database>, messageIds: readonly string[]): Promise<Map<string, fileTypes.AttachedFile[]>> {
  const out = new Map<string, fileTypes.AttachedFile[]>();
  if (messageIds.length === 0) return out;
  const rows = await db
    .selectFrom('files')
    .select(['id', 'message_id', 'reference', 'size', 'preview_of'])
    .where('message_id', 'in', [...messageIds])
    // UUIDv7 ids: upload order, which is the order a message's files keep.
    .orderBy('id')
    .execute();
  // A preview (SPEC FL-2) is not a file of the message: it rides on the file it previews.
  const previews = new Map<string, string>();
  for (const row of rows) if (row.preview_of !== null) previews.set(row.preview_of, row.id);
  for (const row of rows) {
    if (row.message_id === null || row.reference === null || row.preview_of !== null) continue;
    const list = out.get(row.message_id) ?? [];
    const file: fileTypes.AttachedFile = { blobId: row.id, reference: row.reference, size: Number(row.size) };
    const preview = previews.get(row.id);
    if (preview !== undefined) file.previewBlobId = preview;
    list.push(file);
    out.set(row.message_id, list);
  }
  return out;
}
