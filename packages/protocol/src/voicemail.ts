/**
 * Voicemail (SPEC CL-3, SEC-1, SEC-4; docs/voicemail.md). The caller's device records the message,
 * encrypts it under a fresh per-message key (the file cipher of SPEC FL-1) and seals that key, the
 * audio's hash, size and type in a small *reference* with the current key of the caller's and the
 * callee's direct space — a KMS key the callee is authorized for. The core stores the ciphertext
 * blob, the sealed reference and metadata only: who left it for whom, when, how long, read or not.
 *
 * Flow: `voicemail.create` (declares the ciphertext size and the duration; checked against the
 * limits) → `voicemail.putContent` (the raw ciphertext, whole, `application/octet-stream`) → the
 * callee's devices get `voicemail.created`. The callee reads the ciphertext
 * (`voicemail.getContent`) and opens it on their device.
 *
 * The voicemail PIN (SEC-4, for listening from a phone once telephony lands) is kept only as an
 * argon2id hash, like passwords.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';
import { Ciphertext, KeyUrl } from './spaces.ts';

/** Documented in docs/voicemail.md and docs/limits.md. */
export const VOICEMAIL_LIMITS = {
  /** Longest message the recorder takes, in seconds (the recorder stops itself there). */
  maxDurationSeconds: 120,
  /**
   * Largest ciphertext the core stores for one message: 120 s of Opus at the recorder's 48 kbit/s
   * is about 720 KB; the rest is headroom for the container and the cipher's per-chunk tags.
   */
  maxBlobBytes: 1536 * 1024,
  /** Messages one mailbox holds (read or not); the next caller is refused until some are deleted. */
  mailboxMessages: 100,
  /** A sealed reference (JWE compact of a small JSON object). */
  referenceChars: 4 * 1024,
  /** A declared message whose audio never arrived is dropped after this long. */
  pendingMs: 60 * 60 * 1000,
  /** PIN digits (SEC-4). */
  pinMinDigits: 4,
  pinMaxDigits: 12,
  /** Wrong PINs tolerated per `pinWindowSec` before verification is locked for the rest of the window. */
  pinFailures: 5,
  pinWindowSec: 15 * 60,
} as const;

export const Voicemail = Type.Object({
  id: Id,
  /** The direct space whose key sealed the reference. */
  roomId: Id,
  /** Who left it. */
  callerId: Id,
  callerName: Type.String(),
  /** Whose mailbox it is in. */
  calleeId: Id,
  /** The key the reference is sealed with (the direct space's key when it was left). */
  encryptionKeyUrl: KeyUrl,
  /** The sealed reference: the audio's key, SHA-256, size and type. Opaque to the server. */
  reference: Type.String(),
  /** Ciphertext bytes. */
  size: Type.Integer({ minimum: 0 }),
  /** Length of the recording, in milliseconds, as the caller's recorder measured it. */
  durationMs: Type.Integer({ minimum: 0 }),
  read: Type.Boolean(),
  /** Whether the audio has been uploaded (only complete messages reach the callee). */
  status: Type.Union([Type.Literal('pending'), Type.Literal('complete')]),
  created: Timestamp,
});
export type Voicemail = Static<typeof Voicemail>;

export const VoicemailSummary = Type.Object({
  /** Unread messages: the message-waiting indicator is on while this is above zero. */
  newMessages: Type.Integer({ minimum: 0 }),
  oldMessages: Type.Integer({ minimum: 0 }),
});
export type VoicemailSummary = Static<typeof VoicemailSummary>;

export const VoicemailSettings = Type.Object({
  /** Voicemail to e-mail (opt-in): one's own device hands each new message to the security realm's mail relay. */
  emailCopy: Type.Boolean(),
  /** Whether a voicemail PIN is set (the PIN itself is never answered). */
  pinSet: Type.Boolean(),
});
export type VoicemailSettings = Static<typeof VoicemailSettings>;

const Pin = Type.String({ pattern: `^[0-9]{${VOICEMAIL_LIMITS.pinMinDigits},${VOICEMAIL_LIMITS.pinMaxDigits}}$`, description: `${VOICEMAIL_LIMITS.pinMinDigits}–${VOICEMAIL_LIMITS.pinMaxDigits} digits` });

export const createVoicemail = defineMethod({
  id: 'voicemail.create',
  verb: 'POST',
  path: '/api/voicemails',
  summary: `Leave a voicemail for the other member of a direct space one belongs to: declares the ciphertext size (at most ${VOICEMAIL_LIMITS.maxBlobBytes} bytes), the duration (at most ${VOICEMAIL_LIMITS.maxDurationSeconds} s) and the sealed reference; the audio follows with voicemail.putContent.`,
  tag: 'voicemail',
  auth: 'person',
  body: Type.Object(
    {
      roomId: Id,
      size: Type.Integer({ minimum: 1 }),
      durationMs: Type.Integer({ minimum: 1 }),
      reference: Ciphertext(VOICEMAIL_LIMITS.referenceChars),
      encryptionKeyUrl: KeyUrl,
    },
    { additionalProperties: false },
  ),
  response: Voicemail,
  status: 201,
});

/** The body is the raw ciphertext (`application/octet-stream`), exactly the declared size. */
export const putContent = defineMethod({
  id: 'voicemail.putContent',
  verb: 'PUT',
  path: '/api/voicemails/:id/content',
  summary: 'Upload a voicemail’s ciphertext, whole (its caller only, once). The callee’s devices are told when it is in.',
  tag: 'voicemail',
  auth: 'person',
  params: IdParams,
  response: Voicemail,
  status: 200,
});

export const listVoicemails = defineMethod({
  id: 'voicemail.list',
  verb: 'GET',
  path: '/api/voicemails',
  summary: `One’s own mailbox, newest first (at most ${VOICEMAIL_LIMITS.mailboxMessages} messages, so never paged).`,
  tag: 'voicemail',
  auth: 'person',
  response: Type.Object({ items: Type.Array(Voicemail) }),
  status: 200,
});

export const summary = defineMethod({
  id: 'voicemail.summary',
  verb: 'GET',
  path: '/api/voicemails/summary',
  summary: 'How many of one’s messages are unread and read: the message-waiting indicator.',
  tag: 'voicemail',
  auth: 'person',
  response: VoicemailSummary,
  status: 200,
});

export const getContent = defineMethod({
  id: 'voicemail.getContent',
  verb: 'GET',
  path: '/api/voicemails/:id/content',
  summary: 'A voicemail’s ciphertext (its callee only; anyone else gets 404).',
  tag: 'voicemail',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 200,
});

export const setRead = defineMethod({
  id: 'voicemail.setRead',
  verb: 'PUT',
  path: '/api/voicemails/:id/read',
  summary: 'Mark one of one’s messages read or unread.',
  tag: 'voicemail',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ read: Type.Boolean() }, { additionalProperties: false }),
  response: Voicemail,
  status: 200,
});

export const deleteVoicemail = defineMethod({
  id: 'voicemail.delete',
  verb: 'DELETE',
  path: '/api/voicemails/:id',
  summary: 'Delete one of one’s messages and its audio blob.',
  tag: 'voicemail',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

/**
 * Voicemail to e-mail: one of the callee's devices claims the message's e-mail before handing the
 * audio to the security realm's mail relay, so several open devices send it once. `claimed: false`
 * when another device has it, or the opt-in is off.
 */
export const claimEmail = defineMethod({
  id: 'voicemail.claimEmail',
  verb: 'POST',
  path: '/api/voicemails/:id/email-claim',
  summary: 'Claim the e-mail copy of one of one’s messages (voicemail to e-mail is sent by one device, once).',
  tag: 'voicemail',
  auth: 'person',
  params: IdParams,
  response: Type.Object({ claimed: Type.Boolean() }),
  status: 200,
});

export const getSettings = defineMethod({
  id: 'voicemail.getSettings',
  verb: 'GET',
  path: '/api/voicemail/settings',
  summary: 'One’s voicemail settings: voicemail to e-mail, and whether a PIN is set.',
  tag: 'voicemail',
  auth: 'person',
  response: VoicemailSettings,
  status: 200,
});

export const updateSettings = defineMethod({
  id: 'voicemail.updateSettings',
  verb: 'PUT',
  path: '/api/voicemail/settings',
  summary: 'Turn voicemail to e-mail on or off.',
  tag: 'voicemail',
  auth: 'person',
  body: Type.Object({ emailCopy: Type.Boolean() }, { additionalProperties: false }),
  response: VoicemailSettings,
  status: 200,
});

export const setPin = defineMethod({
  id: 'voicemail.setPin',
  verb: 'PUT',
  path: '/api/voicemail/pin',
  summary: 'Set or change one’s voicemail PIN (kept only as an argon2id hash). Changing it needs the current one.',
  tag: 'voicemail',
  auth: 'person',
  body: Type.Object({ pin: Pin, currentPin: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
  response: VoicemailSettings,
  status: 200,
});

export const verifyPin = defineMethod({
  id: 'voicemail.verifyPin',
  verb: 'POST',
  path: '/api/voicemail/pin/verify',
  summary: `Check one’s voicemail PIN (for telephony access). ${VOICEMAIL_LIMITS.pinFailures} wrong PINs lock verification for ${VOICEMAIL_LIMITS.pinWindowSec / 60} minutes (429).`,
  tag: 'voicemail',
  auth: 'person',
  body: Type.Object({ pin: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  response: null,
  status: 204,
});
