/**
 * Voicemail (SPEC CL-3, SEC-1, SEC-4; docs/voicemail.md). Leaving one: the recording is encrypted
 * here, on the caller's device, under a fresh per-message key (the file cipher, SPEC FL-1), and that
 * key, the audio's SHA-256, size and type are sealed in a small reference with the current key of
 * the caller's and the callee's direct space — the KMS key both are authorized for (the space's
 * resource), checked to be bound to that very room as for any content. The core gets the
 * ciphertext and the sealed reference; it never holds the audio or a key. Listening: the callee's
 * device fetches the ciphertext, opens the reference with the space key from the KMS and decrypts
 * and verifies the audio.
 * @module
 */
import { decryptContent, decryptFile, digestStream, encryptContent, encryptFile, FileCipherError, fromBase64Url, generateFileKey, JoseError, toBase64Url } from '@flint/crypto';
import { VOICEMAIL_LIMITS, voicemail as methods, type Voicemail, type VoicemailSettings, type VoicemailSummary } from '@flint/protocol';
import { FlintError } from '../errors.ts';
import { currentKey, type SessionContext } from './context.ts';
import type { Spaces } from './spaces.ts';
import type { PersonRef } from './types.ts';

/** What the sealed reference of a voicemail holds. */
export interface VoicemailReference {
  v: 1;
  /** The per-message AES-256 key. */
  key: Uint8Array;
  /** SHA-256 of the audio. */
  sha256: Uint8Array;
  /** Audio bytes. */
  size: number;
  /** The recording's MIME type (e.g. audio/webm;codecs=opus). */
  type: string;
}

/** A recording to leave: its bytes, type and measured length. */
export interface VoicemailRecording {
  data: Uint8Array | Blob;
  type: string;
  durationMs: number;
}

/** Opened audio, ready for an audio element (`new Blob([data], { type })`). */
export interface VoicemailAudio {
  data: Uint8Array;
  type: string;
}

interface WireReference {
  v: 1;
  key: string;
  sha256: string;
  size: number;
  type: string;
}

async function sealReference(spaceKey: Uint8Array, ref: VoicemailReference): Promise<string> {
  const wire: WireReference = { v: 1, key: toBase64Url(ref.key), sha256: toBase64Url(ref.sha256), size: ref.size, type: ref.type };
  return encryptContent(spaceKey, JSON.stringify(wire));
}

async function openReference(spaceKey: Uint8Array, sealed: string): Promise<VoicemailReference> {
  let wire: WireReference;
  try {
    wire = JSON.parse(await decryptContent(spaceKey, sealed)) as WireReference;
  } catch (error) {
    if (error instanceof JoseError || error instanceof SyntaxError) throw FlintError.decrypt('The voicemail’s reference does not open with its key.', error);
    throw error;
  }
  if (wire.v !== 1 || typeof wire.key !== 'string' || typeof wire.sha256 !== 'string' || typeof wire.size !== 'number' || typeof wire.type !== 'string') throw FlintError.decrypt('Not a voicemail reference.');
  return { v: 1, key: fromBase64Url(wire.key), sha256: fromBase64Url(wire.sha256), size: wire.size, type: wire.type };
}

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return (await digestStream(new Blob([data as Uint8Array<ArrayBuffer>]).stream())).sha256;
}

export class VoicemailBox {
  constructor(
    private readonly ctx: SessionContext,
    private readonly spaces: Spaces,
  ) {}

  /**
   * Leaves a voicemail for a person: in the direct space with them (opened, or made, as
   * `spaces.direct` does), sealed with its current key. Answers the stored message.
   */
  async leave(to: PersonRef | { roomId: string }, recording: VoicemailRecording): Promise<Voicemail> {
    if (!(recording.durationMs > 0) || recording.durationMs > VOICEMAIL_LIMITS.maxDurationSeconds * 1000 + 1000) {
      throw FlintError.invalid(`A voicemail lasts at most ${VOICEMAIL_LIMITS.maxDurationSeconds} seconds.`, 'validation_failed');
    }
    const roomId = 'roomId' in to ? to.roomId : (await this.spaces.direct(to)).id;
    const room = await this.ctx.api.rooms.get(roomId);
    if (room.type !== 'direct') throw FlintError.invalid('A voicemail is left in a direct space.', 'validation_failed');
    const spaceKey = await currentKey(this.ctx, room);
    const audio = recording.data instanceof Uint8Array ? recording.data : new Uint8Array(await recording.data.arrayBuffer());
    const key = generateFileKey();
    const ciphertext = await encryptFile(key, audio);
    if (ciphertext.length > VOICEMAIL_LIMITS.maxBlobBytes) throw FlintError.invalid(`The recording is too large for a voicemail (at most ${VOICEMAIL_LIMITS.maxBlobBytes} bytes encrypted).`, 'payload_too_large');
    const reference = await sealReference(spaceKey.key, { v: 1, key, sha256: await sha256(audio), size: audio.length, type: recording.type });
    const declared = await this.ctx.api.transport.call(methods.createVoicemail, {
      body: { roomId, size: ciphertext.length, durationMs: Math.min(Math.round(recording.durationMs), VOICEMAIL_LIMITS.maxDurationSeconds * 1000), reference, encryptionKeyUrl: spaceKey.uri },
    });
    // Through the typed transport (cookie or bearer, as the session signs in): the body is small.
    return this.ctx.api.transport.call(methods.putContent, { params: { id: declared.id } }, { data: ciphertext, contentType: 'application/octet-stream' });
  }

  /** One's mailbox, newest first. */
  async list(): Promise<Voicemail[]> {
    return (await this.ctx.api.transport.call(methods.listVoicemails, {})).items;
  }

  /** Unread and read counts: the message-waiting indicator. */
  summary(): Promise<VoicemailSummary> {
    return this.ctx.api.transport.call(methods.summary, {});
  }

  /** Opens a message's sealed reference with the key it names (from the KMS). */
  async reference(message: Pick<Voicemail, 'encryptionKeyUrl' | 'reference'>): Promise<VoicemailReference> {
    return openReference((await this.ctx.keys.key(message.encryptionKeyUrl)).key, message.reference);
  }

  /** The message's audio, decrypted on this device and checked against the hash the caller sealed. */
  async audio(message: Pick<Voicemail, 'id' | 'encryptionKeyUrl' | 'reference'>): Promise<VoicemailAudio> {
    const reference = await this.reference(message);
    const response = await this.ctx.api.transport.send(methods.getContent, { params: { id: message.id } });
    const ciphertext = new Uint8Array(await response.arrayBuffer());
    try {
      return { data: await decryptFile(reference.key, ciphertext, { expectedSha256: reference.sha256, expectedSize: reference.size }), type: reference.type };
    } catch (error) {
      if (error instanceof FileCipherError) throw FlintError.decrypt('The voicemail’s audio does not decrypt or does not match its hash.', error);
      throw error;
    }
  }

  markRead(id: string): Promise<Voicemail> {
    return this.ctx.api.transport.call(methods.setRead, { params: { id }, body: { read: true } });
  }

  markUnread(id: string): Promise<Voicemail> {
    return this.ctx.api.transport.call(methods.setRead, { params: { id }, body: { read: false } });
  }

  async delete(id: string): Promise<void> {
    await this.ctx.api.transport.call(methods.deleteVoicemail, { params: { id } });
  }

  /**
   * Voicemail to e-mail (docs/voicemail.md): for a message of one's own mailbox, when the opt-in is
   * on and no other device of one's own has done it, decrypts the audio here and hands it to the
   * security realm's mail relay over this device's KMS channel, which mails it to one's own address.
   * The core only learns that a device claimed the copy. Answers whether this device sent it.
   */
  async sendEmailCopy(message: Voicemail): Promise<boolean> {
    const { claimed } = await this.ctx.api.transport.call(methods.claimEmail, { params: { id: message.id } });
    if (!claimed) return false;
    const audio = await this.audio(message);
    const reference = await this.reference(message);
    const kms = await this.ctx.kms();
    await kms.mailVoicemail(audio.data, { sha256: toBase64Url(reference.sha256), type: audio.type, callerName: message.callerName, durationMs: message.durationMs, created: message.created });
    return true;
  }

  settings(): Promise<VoicemailSettings> {
    return this.ctx.api.transport.call(methods.getSettings, {});
  }

  /** Voicemail to e-mail on or off (docs/voicemail.md: this device, or another of one's own, sends each copy). */
  setEmailCopy(on: boolean): Promise<VoicemailSettings> {
    return this.ctx.api.transport.call(methods.updateSettings, { body: { emailCopy: on } });
  }

  /** Sets the voicemail PIN; changing one needs the current PIN. */
  setPin(pin: string, currentPin?: string): Promise<VoicemailSettings> {
    return this.ctx.api.transport.call(methods.setPin, { body: currentPin === undefined ? { pin } : { pin, currentPin } });
  }

  /** Checks the PIN (rate-limited: repeated wrong PINs lock verification for a while). */
  async verifyPin(pin: string): Promise<void> {
    await this.ctx.api.transport.call(methods.verifyPin, { body: { pin } });
  }
}
