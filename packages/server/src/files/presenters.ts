/**
 * File rows → wire shapes.
 * @module
 */
import type { files } from '@flint/protocol';
import type { FileRow } from '../db/schema.ts';

export function presentUpload(row: FileRow, received: number): files.Upload {
  return { id: row.id, roomId: row.space_id, size: Number(row.size), received, status: row.status, created: new Date(Number(row.created_at)).toISOString() };
}

export function presentFile(row: FileRow & { encryption_key_url: string | null }): files.FileEntry {
  const entry: files.FileEntry = {
    id: row.id,
    roomId: row.space_id,
    messageId: row.message_id ?? '',
    personId: row.person_id,
    reference: row.reference ?? '',
    size: Number(row.size),
    created: new Date(Number(row.created_at)).toISOString(),
  };
  if (row.encryption_key_url !== null) entry.encryptionKeyUrl = row.encryption_key_url;
  return entry;
}
