/**
 * The encoded-transform worker of a meeting (SPEC SEC-5): every audio and video frame this tab
 * sends is encrypted here, and every frame it receives decrypted, with the per-sender frame keys of
 * `@flint/sdk/media` — so the media server forwards frames it cannot read. Standard
 * `RTCRtpScriptTransform` (`rtctransform` events), or the streams Chromium's older
 * `createEncodedStreams` hands over by message. The tab posts the meeting's media key(s) here;
 * a frame whose key is not here yet, or that does not authenticate, is dropped, never decoded.
 * @module
 */
import { decryptFrame, deriveFrameKey, encryptFrame, frameKeyId, type MediaKind } from '@flint/sdk/media';

export interface TransformOptions {
  operation: 'encrypt' | 'decrypt';
  kind: MediaKind;
  /** The participant whose frames these are (one's own for `encrypt`). */
  senderId: string;
}

export type WorkerMessage =
  | { type: 'key'; meetingId: string; keyId: number; key: Uint8Array }
  | ({ type: 'streams'; readable: ReadableStream<EncodedFrame>; writable: WritableStream<EncodedFrame> } & TransformOptions);

interface EncodedFrame {
  data: ArrayBuffer;
}

interface Scope {
  onmessage: ((event: MessageEvent<WorkerMessage>) => void) | null;
  onrtctransform: ((event: { transformer: { readable: ReadableStream<EncodedFrame>; writable: WritableStream<EncodedFrame>; options: TransformOptions } }) => void) | null;
}
const scope = self as unknown as Scope;

let meetingId = '';
/** Media keys by key id; the newest encrypts. */
const mediaKeys = new Map<number, Uint8Array>();
let sendingKeyId: number | undefined;
const frameKeys = new Map<string, Promise<CryptoKey>>();

function frameKey(keyId: number, senderId: string): Promise<CryptoKey> | undefined {
  const media = mediaKeys.get(keyId);
  if (media === undefined) return undefined;
  const name = `${keyId}/${senderId}`;
  let key = frameKeys.get(name);
  if (key === undefined) {
    key = deriveFrameKey(media, meetingId, senderId);
    frameKeys.set(name, key);
  }
  return key;
}

function pipe(readable: ReadableStream<EncodedFrame>, writable: WritableStream<EncodedFrame>, options: TransformOptions): void {
  const transform = new TransformStream<EncodedFrame, EncodedFrame>({
    async transform(frame, controller) {
      const data = new Uint8Array(frame.data);
      if (options.operation === 'encrypt') {
        if (sendingKeyId === undefined) return;
        const key = await frameKey(sendingKeyId, options.senderId);
        if (key === undefined) return;
        frame.data = (await encryptFrame(key, sendingKeyId, options.kind, data)).buffer as ArrayBuffer;
        controller.enqueue(frame);
        return;
      }
      const keyId = frameKeyId(data);
      const key = keyId === undefined ? undefined : await frameKey(keyId, options.senderId);
      if (key === undefined) return;
      const plain = await decryptFrame(() => key, options.kind, data);
      if (plain === undefined) return;
      frame.data = plain.buffer as ArrayBuffer;
      controller.enqueue(frame);
    },
  });
  void readable.pipeThrough(transform).pipeTo(writable).catch(() => undefined);
}

scope.onrtctransform = (event) => pipe(event.transformer.readable, event.transformer.writable, event.transformer.options);

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'key') {
    if (message.meetingId !== meetingId) {
      meetingId = message.meetingId;
      mediaKeys.clear();
      frameKeys.clear();
    }
    mediaKeys.set(message.keyId, message.key);
    sendingKeyId = message.keyId;
    return;
  }
  pipe(message.readable, message.writable, { operation: message.operation, kind: message.kind, senderId: message.senderId });
};
