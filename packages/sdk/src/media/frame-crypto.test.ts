import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clearBytes, decryptFrame, deriveFrameKey, encryptFrame, FRAME_TRAILER_BYTES } from './frame-crypto.ts';

const mediaKey = crypto.getRandomValues(new Uint8Array(32));
/** A VP8 key frame starts with bit 0 clear; a delta frame with it set. */
const keyFrame = Uint8Array.from([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, ...Array.from({ length: 200 }, (_, i) => i & 0xff)]);
const deltaFrame = Uint8Array.from([0x31, 0x05, 0x00, ...Array.from({ length: 50 }, (_, i) => (i * 7) & 0xff)]);

describe('meeting frame encryption', () => {
  it('round-trips audio and video frames, leaving the codec header clear', async () => {
    const key = await deriveFrameKey(mediaKey, 'meeting-1', 'sender-a');
    for (const [kind, frame] of [['video', keyFrame], ['video', deltaFrame], ['audio', Uint8Array.from([0xfc, 1, 2, 3, 4, 5])]] as const) {
      const sealed = await encryptFrame(key, 3, kind, frame);
      const clear = clearBytes(kind, frame);
      assert.deepEqual(sealed.subarray(0, clear), frame.subarray(0, clear), 'the header stays readable to the SFU');
      assert.equal(sealed.length, frame.length + 16 + FRAME_TRAILER_BYTES);
      assert.equal(sealed[sealed.length - 1], 3, 'the key id is last');
      assert.notDeepEqual(sealed.subarray(clear, frame.length), frame.subarray(clear), 'the payload is not');
      assert.deepEqual(await decryptFrame((id) => (id === 3 ? key : undefined), kind, sealed), frame);
    }
    assert.equal(clearBytes('video', keyFrame), 10);
    assert.equal(clearBytes('video', deltaFrame), 3);
  });

  it('drops frames under another sender’s key, another meeting’s, an unknown key id, or a changed header', async () => {
    const key = await deriveFrameKey(mediaKey, 'meeting-1', 'sender-a');
    const sealed = await encryptFrame(key, 1, 'video', keyFrame);
    const otherSender = await deriveFrameKey(mediaKey, 'meeting-1', 'sender-b');
    const otherMeeting = await deriveFrameKey(mediaKey, 'meeting-2', 'sender-a');
    assert.equal(await decryptFrame(() => otherSender, 'video', sealed), undefined);
    assert.equal(await decryptFrame(() => otherMeeting, 'video', sealed), undefined);
    assert.equal(await decryptFrame((id) => (id === 2 ? key : undefined), 'video', sealed), undefined);
    const tampered = sealed.slice();
    tampered[4] = tampered[4]! ^ 0x01;
    assert.equal(await decryptFrame(() => key, 'video', tampered), undefined, 'the header is authenticated');
    assert.equal(await decryptFrame(() => key, 'video', sealed.subarray(0, 10)), undefined, 'a runt frame');
  });
});
