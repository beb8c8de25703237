/**
 * The retention sweep (SPEC CP-4): for every org whose policy sets a retention period, deletes the
 * messages (with their files, previews, reactions, mentions, flags and search postings, which go
 * with the message row) and the files older than the period, and the events that carried their
 * ciphertext — except what an active legal hold covers (a held person's messages anywhere, and
 * everything in a held space).
 *
 * It works in bounded batches of one transaction each, and is idempotent: it only ever deletes what
 * is expired at `now`, so a sweep cut short (a crash, a restart, its job's lease running out) is
 * simply run again and goes on where the data says. Blobs are removed *before* their rows: a crash
 * in between leaves a row whose blob is gone, which the next sweep deletes (still expired), rather
 * than a blob no row names any more, which nothing would ever delete.
 *
 * Deletion by retention is silent, as in Webex: no tombstone events; clients drop the messages the
 * next time they list them.
 *
 * Voicemails (CL-3) follow the message period of their direct space's org: a voicemail is a message
 * left in that space. A hold on the space, on the caller or on the mailbox's owner keeps it. Their
 * removal is told to the owner's devices (`voicemail.deleted`), so the message-waiting indicator
 * drops the message at once.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Core } from '../core.ts';
import type { Database } from '../db/schema.ts';
import { parsePolicy } from '../identity/orgs.ts';
import { removeBlobsStrict } from '../files/cleanup.ts';
import { activeHolds } from './legal-holds.ts';

const DAY_MS = 86_400_000;
/** Rows per transaction. */
export const RETENTION_BATCH = 500;

/**
 * The events whose data carries content ciphertext of a message (its text, a sealed emoji, a card's
 * inputs); membership, room and read-state events carry none and follow the event log's own pruning.
 */
export const CONTENT_EVENT_TYPES = ['message.created', 'message.updated', 'reaction.created', 'attachmentAction.created'] as const;

export interface RetentionOptions {
  /** The sweep's clock (tests move it); expired means created before now − the period. */
  now: number;
  /** Stop after this many batches (a job's share of the work); the rest is left for the next run. */
  maxBatches?: number;
  /** Rows per batch (RETENTION_BATCH); tests make it small to cut a sweep short. */
  batchSize?: number;
  signal?: AbortSignal;
}

export interface RetentionResult {
  messages: number;
  voicemails: number;
  files: number;
  events: number;
  /** False when `maxBatches` stopped it before everything expired was deleted. */
  done: boolean;
}

class Budget {
  used = 0;
  constructor(
    private readonly max: number,
    private readonly signal: AbortSignal | undefined,
    readonly size: number,
  ) {}
  take(): boolean {
    this.signal?.throwIfAborted();
    if (this.used >= this.max) return false;
    this.used++;
    return true;
  }
}

const REF_COLUMNS = ['id', 'blob_key', 'status', 'upload_state'] as const;

export async function runRetention(core: Core, options: RetentionOptions): Promise<RetentionResult> {
  const result: RetentionResult = { messages: 0, voicemails: 0, files: 0, events: 0, done: true };
  const budget = new Budget(options.maxBatches ?? Number.POSITIVE_INFINITY, options.signal, options.batchSize ?? RETENTION_BATCH);
  const holds = await activeHolds(core.db);
  const heldPeople = [...holds.people];
  const orgs = await core.db.selectFrom('orgs').select(['id', 'policy']).execute();
  for (const org of orgs) {
    const policy = parsePolicy(org);
    const messageDays = policy.messageRetentionDays ?? null;
    const fileDays = policy.fileRetentionDays ?? null;
    if (messageDays === null && fileDays === null) continue;
    const spaces = await core.db.selectFrom('spaces').select('id').where('org_id', '=', org.id).orderBy('id').execute();
    for (const { id: spaceId } of spaces) {
      if (holds.spaces.has(spaceId)) continue;
      if (messageDays !== null) {
        const cutoff = options.now - messageDays * DAY_MS;
        if (!(await expireMessages(core, spaceId, cutoff, heldPeople, budget, result))) return { ...result, done: false };
        if (!(await expireEvents(core.db, spaceId, cutoff, heldPeople, budget, result))) return { ...result, done: false };
        if (!(await expireVoicemails(core, spaceId, cutoff, heldPeople, budget, result))) return { ...result, done: false };
      }
      if (fileDays !== null) {
        const cutoff = options.now - fileDays * DAY_MS;
        if (!(await expireFiles(core, spaceId, cutoff, heldPeople, budget, result))) return { ...result, done: false };
      }
    }
  }
  return result;
}

/** Deletes messages (and what goes with them) in batches; false when the budget ran out first. */
async function expireMessages(core: Core, spaceId: string, cutoff: number, heldPeople: readonly string[], budget: Budget, result: RetentionResult): Promise<boolean> {
  for (;;) {
    let query = core.db.selectFrom('messages').select('id').where('space_id', '=', spaceId).where('created_at', '<', cutoff);
    if (heldPeople.length > 0) query = query.where('person_id', 'not in', heldPeople);
    const ids = (await query.orderBy('id').limit(budget.size).execute()).map((r) => r.id);
    if (ids.length === 0) return true;
    if (!budget.take()) return false;
    result.messages += await deleteMessages(core, spaceId, ids);
  }
}

/** Removes the messages' blobs, then their rows, in one transaction; answers how many went. */
async function deleteMessages(core: Core, spaceId: string, ids: readonly string[]): Promise<number> {
  const refs = await core.db.selectFrom('files').select(REF_COLUMNS).where('message_id', 'in', [...ids]).execute();
  await removeBlobsStrict(core, refs);
  return core.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('files').where('message_id', 'in', [...ids]).execute();
    const deleted = await trx.deleteFrom('messages').where('id', 'in', [...ids]).executeTakeFirst();
    await refreshLastMessage(trx, spaceId);
    return Number(deleted.numDeletedRows);
  });
}

async function refreshLastMessage(trx: Kysely<Database>, spaceId: string): Promise<void> {
  const newest = await trx.selectFrom('messages').select('id').where('space_id', '=', spaceId).orderBy('id', 'desc').limit(1).executeTakeFirst();
  await trx.updateTable('spaces').set({ last_message_id: newest?.id ?? null }).where('id', '=', spaceId).execute();
}

/** Deletes expired voicemails of a (direct) space: blob first, then the row, as for files. */
async function expireVoicemails(core: Core, spaceId: string, cutoff: number, heldPeople: readonly string[], budget: Budget, result: RetentionResult): Promise<boolean> {
  for (;;) {
    let query = core.db.selectFrom('voicemails').select(['id', 'callee_id', 'blob_key', 'status']).where('space_id', '=', spaceId).where('created_at', '<', cutoff);
    if (heldPeople.length > 0) query = query.where('caller_id', 'not in', heldPeople).where('callee_id', 'not in', heldPeople);
    const rows = await query.orderBy('id').limit(budget.size).execute();
    if (rows.length === 0) return true;
    if (!budget.take()) return false;
    // A pending message has no blob yet (its audio is written whole, at the end).
    for (const row of rows) if (row.status === 'complete') await core.blobs.delete(row.blob_key);
    const deleted = await core.events.transact(async (trx, emit) => {
      const gone = await trx.deleteFrom('voicemails').where('id', 'in', rows.map((r) => r.id)).executeTakeFirst();
      for (const row of rows) if (row.status === 'complete') emit({ recipients: [row.callee_id], type: 'voicemail.deleted', data: { id: row.id }, actorId: null });
      return Number(gone.numDeletedRows);
    });
    result.voicemails += deleted;
  }
}

/** Deletes the events that carried expired content, except those of held people. */
async function expireEvents(db: Kysely<Database>, spaceId: string, cutoff: number, heldPeople: readonly string[], budget: Budget, result: RetentionResult): Promise<boolean> {
  for (;;) {
    let query = db.selectFrom('events').select('id').where('space_id', '=', spaceId).where('created_at', '<', cutoff).where('type', 'in', [...CONTENT_EVENT_TYPES]);
    if (heldPeople.length > 0) query = query.where((eb) => eb.or([eb('actor_id', 'is', null), eb('actor_id', 'not in', heldPeople)]));
    const ids = (await query.orderBy('id').limit(budget.size).execute()).map((r) => Number(r.id));
    if (ids.length === 0) return true;
    if (!budget.take()) return false;
    const deleted = await db.deleteFrom('events').where('id', 'in', ids).executeTakeFirst();
    result.events += Number(deleted.numDeletedRows);
  }
}

/**
 * Deletes expired files (a file and its preview) of messages that stay; a message left with
 * neither text nor files is deleted too, as it would show as an empty bubble.
 */
async function expireFiles(core: Core, spaceId: string, cutoff: number, heldPeople: readonly string[], budget: Budget, result: RetentionResult): Promise<boolean> {
  for (;;) {
    let query = core.db
      .selectFrom('files')
      .select(['id', 'message_id'])
      .where('space_id', '=', spaceId)
      .where('created_at', '<', cutoff)
      .where('message_id', 'is not', null)
      .where('preview_of', 'is', null);
    if (heldPeople.length > 0) query = query.where('person_id', 'not in', heldPeople);
    const files = await query.orderBy('id').limit(budget.size).execute();
    if (files.length === 0) return true;
    if (!budget.take()) return false;
    const fileIds = files.map((f) => f.id);
    const refs = await core.db
      .selectFrom('files')
      .select(REF_COLUMNS)
      .where((eb) => eb.or([eb('id', 'in', fileIds), eb('preview_of', 'in', fileIds)]))
      .execute();
    await removeBlobsStrict(core, refs);
    const messageIds = [...new Set(files.map((f) => f.message_id).filter((m): m is string => m !== null))];
    const emptied = await core.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('files').where('id', 'in', refs.map((r) => r.id)).execute();
      // A message that carried only files has nothing left to show.
      const empty = await trx
        .selectFrom('messages')
        .select('id')
        .where('id', 'in', messageIds)
        .where('text', 'is', null)
        .where('markdown', 'is', null)
        .where('html', 'is', null)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('files').select('files.id').whereRef('files.message_id', '=', 'messages.id'))))
        .execute();
      if (empty.length > 0) {
        await trx.deleteFrom('messages').where('id', 'in', empty.map((m) => m.id)).execute();
        await refreshLastMessage(trx, spaceId);
      }
      return empty.length;
    });
    result.files += files.length;
    result.messages += emptied;
  }
}
