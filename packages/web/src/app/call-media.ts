/**
 * This tab's media in a call (SPEC CL-1, CL-2): one peer-to-peer WebRTC connection to the other
 * party's endpoint, negotiated through the core (`call.signal` events: offer, answer, trickled ICE
 * candidates), every frame encrypted and decrypted in the E2EE worker of meetings
 * (`media-e2ee-worker.ts`) with per-sender keys derived from the call's KMS key: salt the call's id,
 * info the sender's person id — so the same key could carry the call onto the SFU.
 *
 * Hold (media.md §5): the holder's browser replaces what it sends with `replaceTrack` — a melody it
 * synthesises with WebAudio (music on hold) and a still picture from a canvas (video on hold) — and
 * stops playing the other party; both keep flowing through the same encryption. Resume puts the
 * microphone and camera back. No renegotiation, so hold works while the core is down too.
 * @module
 */
import type { CallSignal, CallSignalEvent, IceServer } from '@flint/protocol';
import type { TransformOptions, WorkerMessage } from './media-e2ee-worker.ts';
import { logError } from './client-log.ts';

type ScriptTransformCtor = new (worker: Worker, options: TransformOptions) => unknown;
const ScriptTransform = (globalThis as { RTCRtpScriptTransform?: ScriptTransformCtor }).RTCRtpScriptTransform;

interface LegacyEncoded {
  createEncodedStreams(): { readable: ReadableStream<{ data: ArrayBuffer }>; writable: WritableStream<{ data: ArrayBuffer }> };
}

/** The media key's id in the frames (one key per leg of a call). */
const KEY_ID = 0;
/** Music on hold: a short melody (Hz, beats) looped; a beat is this long. */
const MELODY = [523.25, 659.25, 783.99, 659.25, 587.33, 698.46, 880, 698.46] as const;
const BEAT_S = 0.3;

export interface CallMediaOptions {
  callId: string;
  /** One's own person id (the encrypting sender's id) and the other party's (the decrypting one's). */
  selfId: string;
  peerId: string;
  key: Uint8Array;
  iceServers: IceServer[];
  /** Whether this side makes the offer (the caller's endpoint). */
  offerer: boolean;
  /** Camera too (a video call answered with video). */
  video: boolean;
  /** Relays a signal to the other endpoint through the core. */
  send: (signal: CallSignal) => Promise<void>;
  onChange: () => void;
}

/** Music on hold and a still picture, made in this browser. */
class HoldSource {
  readonly audio: MediaStreamTrack;
  readonly video: MediaStreamTrack | undefined;
  private readonly context: AudioContext;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly canvas: HTMLCanvasElement | undefined;

  constructor(video: boolean, label: string) {
    this.context = new AudioContext();
    const out = this.context.createMediaStreamDestination();
    const gain = this.context.createGain();
    gain.gain.value = 0.25;
    gain.connect(out);
    const osc = this.context.createOscillator();
    osc.type = 'triangle';
    osc.connect(gain);
    const start = this.context.currentTime + 0.05;
    // Schedules the melody for a long while at once (an hour); it does not depend on timers running in a background tab.
    for (let i = 0; i < 12_000; i++) osc.frequency.setValueAtTime(MELODY[i % MELODY.length]!, start + i * BEAT_S);
    osc.start(start);
    void this.context.resume().catch(() => undefined);
    this.audio = out.stream.getAudioTracks()[0]!;
    if (video) {
      this.canvas = document.createElement('canvas');
      this.canvas.width = 640;
      this.canvas.height = 360;
      const draw = () => {
        const g = this.canvas!.getContext('2d');
        if (g === null) return;
        g.fillStyle = '#1f2937';
        g.fillRect(0, 0, 640, 360);
        g.fillStyle = '#f9fafb';
        g.font = '32px sans-serif';
        g.textAlign = 'center';
        g.fillText(label, 320, 190);
      };
      draw();
      this.video = this.canvas.captureStream(5).getVideoTracks()[0];
      // A canvas stream sends a frame only when painted: repaint the still so the other side keeps decoding.
      this.timer = setInterval(draw, 400);
    } else {
      this.video = undefined;
      this.timer = setInterval(() => undefined, 60_000);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.audio.stop();
    this.video?.stop();
    void this.context.close().catch(() => undefined);
  }
}

export class CallMedia {
  /** The other party's media (audio and video), as received and decrypted. */
  readonly remote = new MediaStream();
  /** What this tab shows of itself. */
  readonly local: MediaStream;
  audioMuted = false;
  videoOff = false;
  /** This side put the call on hold (sends music on hold). */
  holding = false;
  /** The connection's state, for the window ("connecting…"). */
  state: RTCPeerConnectionState = 'new';
  private readonly pc: RTCPeerConnection;
  private readonly worker: Worker;
  private audioSender: RTCRtpSender | undefined;
  private videoSender: RTCRtpSender | undefined;
  private hold: HoldSource | undefined;
  private readonly pending: RTCIceCandidateInit[] = [];
  private remoteSet = false;
  private closed = false;

  private constructor(
    private readonly options: CallMediaOptions,
    private readonly media: MediaStream,
  ) {
    this.local = new MediaStream(media.getTracks());
    this.worker = new Worker(new URL('./media-e2ee-worker.ts', import.meta.url), { type: 'module', name: 'flint-call-e2ee' });
    this.post({ type: 'key', meetingId: options.callId, keyId: KEY_ID, key: options.key });
    const legacy = ScriptTransform === undefined;
    this.pc = new RTCPeerConnection({ iceServers: options.iceServers, bundlePolicy: 'max-bundle', ...(legacy ? { encodedInsertableStreams: true } : {}) });
    this.pc.onicecandidate = (event) => {
      if (event.candidate === null || event.candidate.candidate === '') return;
      const c = event.candidate;
      void options.send({ kind: 'candidate', candidate: c.candidate, ...(c.sdpMid !== null ? { sdpMid: c.sdpMid } : {}), ...(c.sdpMLineIndex !== null ? { sdpMLineIndex: c.sdpMLineIndex } : {}) }).catch(logError);
    };
    this.pc.ontrack = (event) => {
      if (!this.remote.getTracks().includes(event.track)) this.remote.addTrack(event.track);
      options.onChange();
    };
    this.pc.onconnectionstatechange = () => {
      this.state = this.pc.connectionState;
      options.onChange();
    };
  }

  /** Opens the microphone (and camera) and, on the caller's side, sends the offer. */
  static async start(options: CallMediaOptions): Promise<CallMedia> {
    const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: options.video ? { width: 640, height: 480 } : false });
    const call = new CallMedia(options, media);
    try {
      if (options.offerer) await call.offer();
      return call;
    } catch (error) {
      call.close();
      throw error;
    }
  }

  get callId(): string {
    return this.options.callId;
  }

  get hasVideo(): boolean {
    return this.media.getVideoTracks().length > 0;
  }

  private post(message: WorkerMessage, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private transform(target: RTCRtpSender | RTCRtpReceiver, options: TransformOptions): void {
    if (ScriptTransform !== undefined) {
      (target as unknown as { transform: unknown }).transform = new ScriptTransform(this.worker, options);
      return;
    }
    const { readable, writable } = (target as unknown as LegacyEncoded).createEncodedStreams();
    this.post({ type: 'streams', readable, writable, ...options }, [readable, writable]);
  }

  private encrypt(sender: RTCRtpSender, kind: 'audio' | 'video'): void {
    this.transform(sender, { operation: 'encrypt', kind, senderId: this.options.selfId });
  }

  private decrypt(receiver: RTCRtpReceiver, kind: 'audio' | 'video'): void {
    this.transform(receiver, { operation: 'decrypt', kind, senderId: this.options.peerId });
  }

  /** The caller's side: a transceiver per kind (video both ways even for audio-only senders, so the other may send it), transforms before negotiating (media.md, gotcha 1). */
  private async offer(): Promise<void> {
    const audio = this.media.getAudioTracks()[0];
    const video = this.media.getVideoTracks()[0];
    const a = this.pc.addTransceiver(audio ?? 'audio', { direction: 'sendrecv', streams: [this.local] });
    this.audioSender = a.sender;
    this.encrypt(a.sender, 'audio');
    this.decrypt(a.receiver, 'audio');
    const v = this.pc.addTransceiver(video ?? 'video', { direction: video !== undefined ? 'sendrecv' : 'recvonly', streams: [this.local] });
    this.videoSender = v.sender;
    this.encrypt(v.sender, 'video');
    this.decrypt(v.receiver, 'video');
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await this.options.send({ kind: 'offer', sdp: this.pc.localDescription!.sdp });
  }

  /** The answering side: the offer's transceivers get the tracks with `addTrack` (media.md, gotcha 2) and the transforms, then the answer. */
  private async answer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    this.remoteSet = true;
    for (const track of this.media.getTracks()) {
      const sender = this.pc.addTrack(track, this.local);
      if (track.kind === 'audio') this.audioSender = sender;
      else this.videoSender = sender;
    }
    for (const t of this.pc.getTransceivers()) {
      const kind = t.receiver.track.kind as 'audio' | 'video';
      this.encrypt(t.sender, kind);
      this.decrypt(t.receiver, kind);
      if (kind === 'audio') this.audioSender ??= t.sender;
      else this.videoSender ??= t.sender;
    }
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.options.send({ kind: 'answer', sdp: this.pc.localDescription!.sdp });
    await this.flushCandidates();
  }

  private async flushCandidates(): Promise<void> {
    for (const c of this.pending.splice(0)) await this.pc.addIceCandidate(c).catch(logError);
  }

  /** A signal from the other endpoint. */
  async onSignal(signal: CallSignalEvent): Promise<void> {
    if (this.closed) return;
    if (signal.kind === 'offer') await this.answer(signal.sdp);
    else if (signal.kind === 'answer') {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
      this.remoteSet = true;
      await this.flushCandidates();
    } else {
      const candidate: RTCIceCandidateInit = { candidate: signal.candidate, ...(signal.sdpMid !== undefined ? { sdpMid: signal.sdpMid } : {}), ...(signal.sdpMLineIndex !== undefined ? { sdpMLineIndex: signal.sdpMLineIndex } : {}) };
      if (this.remoteSet) await this.pc.addIceCandidate(candidate).catch(logError);
      else this.pending.push(candidate);
    }
  }

  /** What the senders send now: the hold source while holding, else the microphone (and camera) as muted. */
  private async applySenders(): Promise<void> {
    const mic = this.media.getAudioTracks()[0] ?? null;
    const camera = this.media.getVideoTracks()[0] ?? null;
    await this.audioSender?.replaceTrack(this.hold?.audio ?? mic);
    if (this.videoSender !== undefined && (camera !== null || this.hold?.video !== undefined)) await this.videoSender.replaceTrack(this.hold?.video ?? camera);
    for (const t of this.remote.getAudioTracks()) t.enabled = !this.holding;
  }

  /** Puts this side on hold (music on hold and a still picture to the other), or takes it off. */
  async setHolding(holding: boolean, label: string): Promise<void> {
    if (holding === this.holding || this.closed) return;
    this.holding = holding;
    if (holding) this.hold = new HoldSource(this.videoSender !== undefined, label);
    const old = holding ? undefined : this.hold;
    if (!holding) this.hold = undefined;
    await this.applySenders();
    old?.stop();
    this.options.onChange();
  }

  toggleAudio(): void {
    this.audioMuted = !this.audioMuted;
    for (const track of this.media.getAudioTracks()) track.enabled = !this.audioMuted;
    this.options.onChange();
  }

  toggleVideo(): void {
    this.videoOff = !this.videoOff;
    for (const track of this.media.getVideoTracks()) track.enabled = !this.videoOff;
    this.options.onChange();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pc.close();
    this.hold?.stop();
    for (const track of this.media.getTracks()) track.stop();
    this.worker.terminate();
    this.options.onChange();
  }
}
