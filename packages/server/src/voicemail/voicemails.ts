/**
 * Voicemail (SPEC CL-3, SEC-1; docs/voicemail.md). A caller leaves a message for the other member of
 * their direct space: the caller's device recorded and encrypted it, and sealed its key with the
 * space's current KMS key, which the callee is authorized for. The core checks who may leave it and
 * the limits, keeps the ciphertext as a blob and the sealed reference and metadata as a row, and
 * tells the callee's devices (`voicemail.*` events, to the callee only). Only the callee reads,
 * marks or deletes a message; the caller cannot read it back through the core.
 * @module
 */
import { VOICEMAIL_LIMITS, type Voicemail, type VoicemailSummary } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { VoicemailRow } from '../db/schema.ts';
import { limitBytes, BlobTooLargeError, type BlobStream } from '../blobs/blob-store.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { memberOf, membershipOf, personBriefs } from '../spaces/access.ts';
import { presentVoicemail } from './presenters.ts';

const CONTENT_TYPE = 'application/octet-stream';

/** `db` is the transaction when inside one: on SQLite a read outside it would wait for it forever. */
async function present(db: Db, row: VoicemailRow): Promise<Voicemail> {
  return presentVoicemail(row, (await personBriefs(db, [row.caller_id])).get(row.caller_id)?.display_name ?? '');
}

/** Declared messages whose audio never came: dropped (they hold no blob: it is written whole, at the end). */
async function sweepPending(core: Core, calleeId: string): Promise<void> {
  await core.db
    .deleteFrom('voicemails')
    .where('callee_id', '=', calleeId)
    .where('status', '=', 'pending')
    .where('created_at', '<', core.now() - VOICEMAIL_LIMITS.pendingMs)
    .execute();
}

export async function createVoicemail(core: Core, actor: Actor, input: { roomId: string; size: number; durationMs: number; reference: string; encryptionKeyUrl: string }): Promise<Voicemail> {
  if (input.size > VOICEMAIL_LIMITS.maxBlobBytes) throw new ApiError('payload_too_large', `A voicemail may be at most ${VOICEMAIL_LIMITS.maxBlobBytes} bytes of ciphertext.`);
  if (input.durationMs > VOICEMAIL_LIMITS.maxDurationSeconds * 1000) throw ApiError.badRequest(`durationMs: a voicemail is at most ${VOICEMAIL_LIMITS.maxDurationSeconds} seconds long.`);
  const { space } = await memberOf(core.db, actor, input.roomId);
  if (space.type !== 'direct' || space.direct_key === null) throw ApiError.badRequest('roomId: a voicemail is left in the direct space of the caller and the callee.');
  const calleeId = space.direct_key.split(':').find((id) => id !== actor.personId);
  if (calleeId === undefined || (await membershipOf(core.db, space.id, calleeId)) === undefined) throw ApiError.notFound('person');
  const callee = (await personBriefs(core.db, [calleeId])).get(calleeId);
  if (callee === undefined || callee.status === 'deactivated') throw ApiError.notFound('person');
  // The callee gets the key of the space's KMS resource; a key of anything else might not open for them.
  if (space.encryption_key_url === null || input.encryptionKeyUrl !== space.encryption_key_url) {
    throw ApiError.badRequest('encryptionKeyUrl: seal the reference with the direct space’s current key.');
  }
  await sweepPending(core, calleeId);
  const held = await core.db.selectFrom('voicemails').select((eb) => eb.fn.countAll<number | string>().as('n')).where('callee_id', '=', calleeId).executeTakeFirst();
  if (Number(held?.n ?? 0) >= VOICEMAIL_LIMITS.mailboxMessages) throw ApiError.conflict('The callee’s mailbox is full.');
  const id = newId();
  const row: VoicemailRow = {
    id,
    space_id: space.id,
    caller_id: actor.personId,
    callee_id: calleeId,
    blob_key: `voicemails/${calleeId}/${id}`,
    size: input.size,
    duration_ms: input.durationMs,
    reference: input.reference,
    encryption_key_url: input.encryptionKeyUrl,
    status: 'pending',
    read_at: null,
    email_claimed_at: null,
    created_at: core.now(),
    completed_at: null,
  };
  await core.db.insertInto('voicemails').values(row).execute();
  return present(core.db, row);
}

async function readAll(source: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of limitBytes(source, limit)) {
    parts.push(chunk);
    total += chunk.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Takes the ciphertext whole (at most the declared size, itself under the limit, so it is held in
 * memory at most `maxBlobBytes`), stores it, and only then tells the callee.
 */
export async function receiveContent(core: Core, actor: Actor, id: string, body: AsyncIterable<Uint8Array>, declaredLength: number | undefined): Promise<Voicemail> {
  const row = await core.db.selectFrom('voicemails').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined || row.caller_id !== actor.personId) throw ApiError.notFound('voicemail');
  if (row.status !== 'pending') throw ApiError.conflict('This voicemail’s audio is in already.');
  const size = Number(row.size);
  if (declaredLength !== undefined && declaredLength !== size) throw ApiError.badRequest(`This voicemail was declared as ${size} bytes; the body has ${declaredLength}.`);
  let data: Uint8Array;
  try {
    data = await readAll(body, size);
  } catch (error) {
    if (error instanceof BlobTooLargeError) throw new ApiError('payload_too_large', `This voicemail was declared as ${size} bytes.`);
    throw error;
  }
  if (data.length !== size) throw ApiError.badRequest(`Incomplete upload: ${data.length} of ${size} bytes arrived; send the whole voicemail again.`);
  await core.blobs.put(row.blob_key, data, CONTENT_TYPE);
  const completedAt = core.now();
  const voicemail = await core.events.transact(async (trx, emit) => {
    const done = await trx.updateTable('voicemails').set({ status: 'complete', completed_at: completedAt }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) throw ApiError.conflict('This voicemail’s audio is in already.');
    const complete = await present(trx, { ...row, status: 'complete', completed_at: completedAt });
    emit({ recipients: [row.callee_id], type: 'voicemail.created', data: complete, actorId: actor.personId });
    return complete;
  });
  return voicemail;
}

/** One of the actor's own complete messages, or 404 (another's mailbox answers like a missing one). */
async function ownMessage(core: Core, actor: Actor, id: string): Promise<VoicemailRow> {
  const row = await core.db.selectFrom('voicemails').selectAll().where('id', '=', id).where('callee_id', '=', actor.personId).where('status', '=', 'complete').executeTakeFirst();
  if (row === undefined) throw ApiError.notFound('voicemail');
  return row;
}

export async function listVoicemails(core: Core, actor: Actor): Promise<Voicemail[]> {
  const rows = await core.db
    .selectFrom('voicemails')
    .selectAll()
    .where('callee_id', '=', actor.personId)
    .where('status', '=', 'complete')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(VOICEMAIL_LIMITS.mailboxMessages)
    .execute();
  const names = await personBriefs(core.db, rows.map((r) => r.caller_id));
  return rows.map((r) => presentVoicemail(r, names.get(r.caller_id)?.display_name ?? ''));
}

export async function voicemailSummary(core: Core, actor: Actor): Promise<VoicemailSummary> {
  const rows = await core.db
    .selectFrom('voicemails')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.count<number | string>('read_at').as('read')])
    .where('callee_id', '=', actor.personId)
    .where('status', '=', 'complete')
    .executeTakeFirst();
  const all = Number(rows?.n ?? 0);
  const read = Number(rows?.read ?? 0);
  return { newMessages: all - read, oldMessages: read };
}

export async function openVoicemailContent(core: Core, actor: Actor, id: string): Promise<BlobStream> {
  const row = await ownMessage(core, actor, id);
  const blob = await core.blobs.getStream(row.blob_key);
  if (blob === undefined) throw ApiError.notFound('voicemail');
  return blob;
}

export async function setVoicemailRead(core: Core, actor: Actor, id: string, read: boolean): Promise<Voicemail> {
  const row = await ownMessage(core, actor, id);
  if ((row.read_at !== null) === read) return present(core.db, row);
  const readAt = read ? core.now() : null;
  return core.events.transact(async (trx, emit) => {
    await trx.updateTable('voicemails').set({ read_at: readAt }).where('id', '=', id).execute();
    const voicemail = await present(trx, { ...row, read_at: readAt });
    emit({ recipients: [actor.personId], type: 'voicemail.updated', data: voicemail, actorId: actor.personId });
    return voicemail;
  });
}

export async function deleteVoicemail(core: Core, actor: Actor, id: string): Promise<void> {
  const row = await ownMessage(core, actor, id);
  await core.events.transact(async (trx, emit) => {
    const gone = await trx.deleteFrom('voicemails').where('id', '=', id).executeTakeFirst();
    if (Number(gone.numDeletedRows) !== 1) throw ApiError.notFound('voicemail');
    emit({ recipients: [actor.personId], type: 'voicemail.deleted', data: { id }, actorId: actor.personId });
  });
  // After the row: a blob left by a crash here is unreachable ciphertext, never a row without audio.
  await core.blobs.delete(row.blob_key);
}

/**
 * Voicemail to e-mail: the first of the callee's devices to ask sends it (through the security
 * realm's mail relay, which the core never sees). Claimed only when the opt-in is on.
 */
export async function claimVoicemailEmail(core: Core, actor: Actor, id: string): Promise<{ claimed: boolean }> {
  const row = await ownMessage(core, actor, id);
  const settings = await core.db.selectFrom('voicemail_settings').select(['email_copy', 'email_copy_since']).where('person_id', '=', actor.personId).executeTakeFirst();
  // Messages from before the opt-in are not mailed in a burst when it is turned on.
  if (settings?.email_copy !== 1 || Number(row.completed_at ?? 0) < Number(settings.email_copy_since ?? 0)) return { claimed: false };
  const claimed = await core.db.updateTable('voicemails').set({ email_claimed_at: core.now() }).where('id', '=', id).where('email_claimed_at', 'is', null).executeTakeFirst();
  return { claimed: Number(claimed.numUpdatedRows) === 1 };
}
