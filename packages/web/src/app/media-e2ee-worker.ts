/**
 * The encoded-transform worker of a meeting (SPEC SEC-5): every audio and video frame this tab
 * sends is encrypted here, and every frame it receives decrypted, with the per-sender frame keys of
 * `@flint/sdk/media` — so the media server forwards frames it cannot read. Standard
 * `RTCRtpScriptTransform` (`rtctransform` events), or the streams Chromium's older
 * `createEncodedStreams` hands over by message. The tab posts the meeting's media key(s) here;
 * a frame whose key is not here yet, or that does not authenticate, is dropped, never decoded.
 *
 * Rotation (docs/meetings.md): the newest key posted encrypts from the next frame on; receivers
 * pick the key by the key id in each frame's trailer, so they follow each sender's switch on their
 * own. A few older keys are kept for frames still in flight under them. A receiver that had to drop
 * video frames (its key came late) asks the sender for a key frame once it can decrypt again, since
 * the decoder cannot go on from a gap (media.md, gotcha 4). It tells the tab which key id each
 * sender's frames came under last, so the meeting view can show (and a test check) the switch.
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

/** What the worker tells the tab: a sender's frames now come under another key id. */
export interface WorkerReport {
  type: 'decrypting';
  senderId: string;
  kind: MediaKind;
  keyId: number;
}

/** Keys kept besides the newest, for frames sent just before a sender switched. */
const OLD_KEYS_KEPT = 2;

interface EncodedFrame {
  data: ArrayBuffer;
}

interface Transformer {
  readable: ReadableStream<EncodedFrame>;
  writable: WritableStream<EncodedFrame>;
  options: TransformOptions;
  /** Asks the sender for a key frame (RTCRtpScriptTransformer, receivers; absent on older streams). */
  sendKeyFrameRequest?: () => Promise<void>;
}

interface Scope {
  onmessage: ((event: MessageEvent<WorkerMessage>) => void) | null;
  onrtctransform: ((event: { transformer: Transformer }) => void) | null;
  postMessage(message: WorkerReport): void;
}
const scope = self as unknown as Scope;

let meetingId = '';
/** Media keys by key id, oldest first; the newest encrypts. */
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

function pipe(readable: ReadableStream<EncodedFrame>, writable: WritableStream<EncodedFrame>, options: TransformOptions, requestKeyFrame?: () => Promise<void>): void {
  /** Receivers: video frames were dropped since the last one decrypted (a key frame is needed). */
  let gap = false;
  let lastKeyId: number | undefined;
  const transform = new TransformStream<EncodedFrame, EncodedFrame>({
    async transform(frame, controller) {
      const data = new Uint8Array(frame.data);
      if (options.operation === 'encrypt') {
        if (sendingKeyId === undefined) return;
        const keyId = sendingKeyId;
        const key = await frameKey(keyId, options.senderId);
        if (key === undefined) return;
        frame.data = (await encryptFrame(key, keyId, options.kind, data)).buffer as ArrayBuffer;
        controller.enqueue(frame);
        return;
      }
      const keyId = frameKeyId(data);
      const key = keyId === undefined ? undefined : await frameKey(keyId, options.senderId);
      const plain = key === undefined ? undefined : await decryptFrame(() => key, options.kind, data);
      if (plain === undefined || keyId === undefined) {
        gap = true;
        return;
      }
      if (gap && options.kind === 'video') void requestKeyFrame?.().catch(() => undefined);
      gap = false;
      if (keyId !== lastKeyId) {
        lastKeyId = keyId;
        scope.postMessage({ type: 'decrypting', senderId: options.senderId, kind: options.kind, keyId });
      }
      frame.data = plain.buffer as ArrayBuffer;
      controller.enqueue(frame);
    },
  });
  void readable.pipeThrough(transform).pipeTo(writable).catch(() => undefined);
}

scope.onrtctransform = (event) => {
  const transformer = event.transformer;
  pipe(transformer.readable, transformer.writable, transformer.options, transformer.sendKeyFrameRequest?.bind(transformer));
};

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'key') {
    if (message.meetingId !== meetingId) {
      meetingId = message.meetingId;
      mediaKeys.clear();
      frameKeys.clear();
    }
    // A key id comes back after 256 epochs: forget what was derived under its old key.
    mediaKeys.delete(message.keyId);
    for (const name of frameKeys.keys()) if (name.startsWith(`${message.keyId}/`)) frameKeys.delete(name);
    mediaKeys.set(message.keyId, message.key);
    while (mediaKeys.size > OLD_KEYS_KEPT + 1) {
      const oldest = mediaKeys.keys().next().value as number;
      mediaKeys.delete(oldest);
      for (const name of frameKeys.keys()) if (name.startsWith(`${oldest}/`)) frameKeys.delete(name);
    }
    sendingKeyId = message.keyId;
    return;
  }
  pipe(message.readable, message.writable, { operation: message.operation, kind: message.kind, senderId: message.senderId });
};
