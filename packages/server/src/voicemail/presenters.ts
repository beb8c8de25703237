/**
 * Voicemail rows as the wire shape (SPEC CL-3): metadata and the sealed reference, never audio.
 * @module
 */
import type { Voicemail } from '@flint/protocol';
import type { VoicemailRow } from '../db/schema.ts';
import { iso } from '../infra/ids.ts';

export function presentVoicemail(row: VoicemailRow, callerName: string): Voicemail {
  return {
    id: row.id,
    roomId: row.space_id,
    callerId: row.caller_id,
    callerName,
    calleeId: row.callee_id,
    encryptionKeyUrl: row.encryption_key_url,
    reference: row.reference,
    size: Number(row.size),
    durationMs: Number(row.duration_ms),
    read: row.read_at !== null,
    status: row.status,
    created: iso(Number(row.created_at)),
  };
}
