/**
 * End-to-end encryption of meeting media, one encoded frame at a time (SPEC SEC-5; docs/meetings.md).
 * Runs in the browser's encoded-transform worker (and in Node for its tests): WebCrypto only.
 *
 * Keys: the meeting's media key is a KMS key (32 bytes); each sender's frame key is
 * HKDF-SHA-256(media key, salt = "flint-meeting:" + meeting id, info = "flint-frame:" + sender's
 * participant id), AES-GCM-256. A receiver derives the key of the sender whose track it receives,
 * so one participant cannot pass frames off as another's without the meeting key.
 *
 * Layout, SFrame-like (RFC 9605's idea, not its wire format, which no browser ships):
 * `[clear codec header][AES-GCM ciphertext + 16-byte tag][12-byte IV][key id]`. The codec header
 * stays clear — VP8's payload header (10 bytes on a key frame, 3 otherwise), Opus's TOC byte — so
 * packetizers, depacketizers and the SFU's key-frame detection keep working; it is bound to the
 * ciphertext as additional authenticated data, so it cannot be changed either. The IV is random
 * (96 bits per frame: safe far beyond a meeting's frame count under one key). The key id (0–255)
 * names the media key's epoch, so receivers keep decrypting across a rotation.
 * @module
 */

export const FRAME_TRAILER_BYTES = 13;
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (text: string) => new TextEncoder().encode(text);

/** The sender's frame key, from the meeting's media key (non-extractable). */
export async function deriveFrameKey(mediaKey: Uint8Array, meetingId: string, senderId: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', mediaKey as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: utf8(`flint-meeting:${meetingId}`), info: utf8(`flint-frame:${senderId}`) },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

export type MediaKind = 'audio' | 'video';

/** How many leading bytes stay clear: Opus's TOC; VP8's payload header (longer on key frames: bit 0 of byte 0 clear). */
export function clearBytes(kind: MediaKind, frame: Uint8Array): number {
  if (frame.length === 0) return 0;
  if (kind === 'audio') return 1;
  const keyFrame = (frame[0]! & 0x01) === 0;
  return Math.min(frame.length, keyFrame ? 10 : 3);
}

/** Encrypts one encoded frame under the sender's frame key. */
export async function encryptFrame(key: CryptoKey, keyId: number, kind: MediaKind, frame: Uint8Array): Promise<Uint8Array> {
  const clear = clearBytes(kind, frame);
  const header = frame.subarray(0, clear);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: header as Uint8Array<ArrayBuffer> }, key, frame.subarray(clear) as Uint8Array<ArrayBuffer>));
  const out = new Uint8Array(clear + sealed.length + FRAME_TRAILER_BYTES);
  out.set(header, 0);
  out.set(sealed, clear);
  out.set(iv, clear + sealed.length);
  out[out.length - 1] = keyId & 0xff;
  return out;
}

/** The key id an encrypted frame names (undefined: too short to be one). */
export function frameKeyId(frame: Uint8Array): number | undefined {
  return frame.length < FRAME_TRAILER_BYTES + TAG_BYTES ? undefined : frame[frame.length - 1];
}

/**
 * Decrypts one frame with the key its key id names; undefined when there is no such key or the
 * frame does not authenticate (then it must be dropped, never handed to the decoder).
 */
export async function decryptFrame(keyFor: (keyId: number) => CryptoKey | undefined, kind: MediaKind, frame: Uint8Array): Promise<Uint8Array | undefined> {
  const keyId = frameKeyId(frame);
  if (keyId === undefined) return undefined;
  const key = keyFor(keyId);
  if (key === undefined) return undefined;
  const body = frame.subarray(0, frame.length - FRAME_TRAILER_BYTES);
  const iv = frame.subarray(body.length, body.length + IV_BYTES);
  // The clear header is read from the frame itself: the key-frame bit is in it, unencrypted.
  const clear = Math.min(clearBytes(kind, body), Math.max(0, body.length - TAG_BYTES));
  try {
    const plain = new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, additionalData: body.subarray(0, clear) as Uint8Array<ArrayBuffer> }, key, body.subarray(clear) as Uint8Array<ArrayBuffer>),
    );
    const out = new Uint8Array(clear + plain.length);
    out.set(body.subarray(0, clear), 0);
    out.set(plain, clear);
    return out;
  } catch {
    return undefined;
  }
}
