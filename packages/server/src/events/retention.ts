/**
 * Event-log retention. Events older than the retention period are deleted in bounded batches; the
 * highest deleted id is kept, so a device that resumes from before it gets `reset` (refetch state)
 * rather than a stream with a hole in it.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

const BATCH = 10_000;

export async function prunedThrough(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('event_retention').select('pruned_through').where('id', '=', 1).executeTakeFirst();
  return row ? Number(row.pruned_through) : 0;
}

/** Deletes events created before `cutoff`; returns how many. */
export async function pruneEvents(db: Kysely<Database>, cutoff: number): Promise<number> {
  let total = 0;
  for (;;) {
    const newest = await db.selectFrom('events').select('id').where('created_at', '<', cutoff).orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (newest === undefined) return total;
    const through = Number(newest.id);
    // Record the watermark first: a device resuming in between is reset rather than misled.
    await db
      .insertInto('event_retention')
      .values({ id: 1, pruned_through: through })
      .onConflict((oc) => oc.column('id').doUpdateSet({ pruned_through: through }))
      .execute();
    for (;;) {
      const ids = (await db.selectFrom('events').select('id').where('id', '<=', through).orderBy('id').limit(BATCH).execute()).map((r) => Number(r.id));
      if (ids.length === 0) break;
      await db.deleteFrom('event_recipients').where('event_id', 'in', ids).execute();
      await db.deleteFrom('events').where('id', 'in', ids).execute();
      total += ids.length;
    }
    // Memberships that ended before the watermark can select no event that is left.
    await db.deleteFrom('stream_memberships').where('to_pos', '<=', through).execute();
  }
}
