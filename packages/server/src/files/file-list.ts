/**
 * A space's files, newest first (by upload time), paged, from the messages that carry them (SPEC FL-1).
 * @module
 */
import type { files } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { ApiError } from '../errors.ts';
import { memberOf } from '../spaces/access.ts';
import { presentFile } from './presenters.ts';

export async function listFiles(core: Core, actor: Actor, input: { roomId: string; beforeFile?: string | undefined; max: number }): Promise<{ items: files.FileEntry[]; next?: string }> {
  const { space } = await memberOf(core.db, actor, input.roomId);
  let q = core.db
    .selectFrom('files as f')
    .innerJoin('messages as m', 'm.id', 'f.message_id')
    .selectAll('f')
    .select('m.encryption_key_url')
    .where('f.space_id', '=', space.id)
    // Previews go with their file; they are not files of the space in their own right.
    .where('f.preview_of', 'is', null);
  if (input.beforeFile !== undefined) {
    const anchor = await core.db.selectFrom('files').select('space_id').where('id', '=', input.beforeFile).executeTakeFirst();
    if (anchor === undefined || anchor.space_id !== space.id) throw ApiError.badRequest('beforeFile: not a file of this space');
    q = q.where('f.id', '<', input.beforeFile);
  }
  // UUIDv7 ids sort by upload time.
  const rows = await q.orderBy('f.id', 'desc').limit(input.max + 1).execute();
  const page = rows.slice(0, input.max);
  const items = page.map(presentFile);
  const last = page.at(-1);
  return rows.length > input.max && last ? { items, next: last.id } : { items };
}
