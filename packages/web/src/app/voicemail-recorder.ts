/**
 * Recording a voicemail in the browser (SPEC CL-3): the microphone through MediaRecorder, in Opus at
 * 48 kbit/s (so the longest message, `VOICEMAIL_LIMITS.maxDurationSeconds`, stays well under the
 * core's size limit), stopped by itself at that length. The recording stays in this tab until the
 * SDK encrypts it; nothing here talks to a server.
 * @module
 */
import { VOICEMAIL_LIMITS } from '@flint/protocol';

export interface Recording {
  blob: Blob;
  type: string;
  durationMs: number;
}

/** Opus in WebM (Chromium, Firefox) or Ogg, else whatever the browser records. */
const TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm', 'audio/mp4'];
export const RECORDER_BITS_PER_SECOND = 48_000;

export function recordingSupported(): boolean {
  return typeof MediaRecorder !== 'undefined' && typeof navigator !== 'undefined' && navigator.mediaDevices?.getUserMedia !== undefined;
}

export class VoicemailRecorder {
  private recorder: MediaRecorder | undefined;
  private stream: MediaStream | undefined;
  private chunks: Blob[] = [];
  private startedAt = 0;
  private limitTimer: ReturnType<typeof setTimeout> | undefined;
  private done: Promise<Recording> | undefined;

  /** Opens the microphone and starts recording; `onLimit` runs when the length limit stopped it. */
  async start(onLimit: (recording: Recording) => void): Promise<void> {
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const mimeType = TYPES.find((t) => MediaRecorder.isTypeSupported(t));
    const recorder = new MediaRecorder(this.stream, { ...(mimeType !== undefined ? { mimeType } : {}), audioBitsPerSecond: RECORDER_BITS_PER_SECOND });
    this.recorder = recorder;
    this.chunks = [];
    this.done = new Promise<Recording>((resolve, reject) => {
      recorder.ondataavailable = (e) => {
        if (e.data.size > 0) this.chunks.push(e.data);
      };
      recorder.onerror = () => reject(new Error('The recording failed.'));
      recorder.onstop = () => {
        const durationMs = Math.min(performance.now() - this.startedAt, VOICEMAIL_LIMITS.maxDurationSeconds * 1000);
        const type = recorder.mimeType !== '' ? recorder.mimeType : (mimeType ?? 'audio/webm');
        this.release();
        resolve({ blob: new Blob(this.chunks, { type }), type, durationMs: Math.max(1, Math.round(durationMs)) });
      };
    });
    recorder.start(250);
    this.startedAt = performance.now();
    this.limitTimer = setTimeout(() => {
      void this.stop().then(onLimit, () => undefined);
    }, VOICEMAIL_LIMITS.maxDurationSeconds * 1000);
  }

  /** Milliseconds recorded so far. */
  elapsedMs(): number {
    return this.recorder?.state === 'recording' ? performance.now() - this.startedAt : 0;
  }

  stop(): Promise<Recording> {
    if (this.done === undefined || this.recorder === undefined) return Promise.reject(new Error('Not recording.'));
    if (this.recorder.state !== 'inactive') this.recorder.stop();
    return this.done;
  }

  /** Stops without keeping anything and lets go of the microphone. */
  cancel(): void {
    if (this.recorder !== undefined && this.recorder.state !== 'inactive') {
      this.recorder.onstop = null;
      this.recorder.stop();
    }
    this.release();
  }

  private release(): void {
    if (this.limitTimer !== undefined) clearTimeout(this.limitTimer);
    this.limitTimer = undefined;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = undefined;
  }
}
