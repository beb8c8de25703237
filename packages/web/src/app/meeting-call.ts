/**
 * This tab in a space's meeting (SPEC MT-1, SEC-5): the camera and microphone (or a shared screen)
 * sent to the media server on one WebRTC connection, each other participant's media received on
 * one connection of its own, every frame encrypted and decrypted in the E2EE worker
 * (`media-e2ee-worker.ts`) with keys derived from the meeting's KMS key. All negotiation goes
 * through the core (the SDK's `meetings`); this tab never talks to the media server's API.
 * Keys: this tab sends nothing until a participant put it on the meeting's KMS resource and it got
 * the current epoch's key; it follows every rotation (each new epoch's key goes to the worker, which
 * encrypts with it from the next frame on), and when it is the keeper (the SDK's `keeperOf`) it does
 * the rotations itself whenever someone joins or leaves.
 * The transforms are attached before negotiation: Chromium bypassed a receiver transform set later
 * on a connection that already had one (media.md, gotcha 1).
 * @module
 */
import type { IceServer, Meeting, MeetingParticipant } from '@flint/protocol';
import type { Session as SdkSession } from '@flint/sdk';
import { keeperOf } from '@flint/sdk';
import type { TransformOptions, WorkerMessage, WorkerReport } from './media-e2ee-worker.ts';
import { logError } from './client-log.ts';
import { cameraConstraints, microphoneConstraints, openMedia, type DeviceChoice } from './meeting-devices.ts';

export interface RemoteMedia {
  participantId: string;
  stream: MediaStream;
}

/** How long a joiner waits for a participant to put them on the meeting's KMS resource. */
const KEY_WAIT_MS = 30_000;
/** While waiting, how often the meeting is asked for again (in case an event was missed). */
const KEY_POLL_MS = 1500;
/** A keeper's failed rotation is tried again this often, waiting longer each time. */
const KEEP_TRIES = 5;
const KEEP_RETRY_MS = 1000;
/** How often the active speaker is looked for, and the level (RMS) under which nobody speaks. */
const SPEAKER_MS = 250;
const SPEAKING_RMS = 0.01;
/** A subscription the media server refused is tried this often, waiting longer each time. */
const SUBSCRIBE_TRIES = 8;
const SUBSCRIBE_RETRY_MS = 1000;
/** How long to wait for ICE candidates before sending an offer or answer without trickle. */
const GATHER_MS = 5000;

type ScriptTransformCtor = new (worker: Worker, options: TransformOptions) => unknown;
const ScriptTransform = (globalThis as { RTCRtpScriptTransform?: ScriptTransformCtor }).RTCRtpScriptTransform;

interface LegacyEncoded {
  createEncodedStreams(): { readable: ReadableStream<{ data: ArrayBuffer }>; writable: WritableStream<{ data: ArrayBuffer }> };
}

/** Whether this browser can encrypt media frames (meetings are refused without it: an unencrypted participant would be noise to the others). */
export function mediaEncryptionSupported(): boolean {
  return ScriptTransform !== undefined || 'createEncodedStreams' in (globalThis.RTCRtpSender?.prototype ?? {});
}

function waitForCandidates(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => pc.iceGatheringState === 'complete' && done();
    const timer = setTimeout(done, GATHER_MS);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/** The meeting's STUN/TURN servers; none (direct candidates only) if the core cannot say. */
async function meetingIceServers(sdk: SdkSession): Promise<IceServer[]> {
  try {
    return await sdk.meetings.iceServers();
  } catch (error) {
    logError(error);
    return [];
  }
}

export class MeetingCall {
  meeting: Meeting;
  audioMuted = false;
  videoOff = false;
  sharingScreen = false;
  handRaised = false;
  /** Others' media, by participant. */
  readonly remote = new Map<string, RemoteMedia>();
  /** What this tab shows of itself (the camera, or the shared screen). */
  readonly local: MediaStream;
  private readonly worker: Worker;
  private readonly publisher: RTCPeerConnection;
  private readonly subscribers = new Map<string, RTCPeerConnection>();
  private readonly subscribing = new Set<string>();
  /** Failed subscriptions by participant, retried a few times. */
  private readonly failures = new Map<string, number>();
  private camera: MediaStreamTrack | undefined;
  private video: RTCRtpSender | undefined;
  private audioSender: RTCRtpSender | undefined;
  /** The devices in use (picked before joining or since). */
  devices: DeviceChoice;
  private screen: MediaStreamTrack | undefined;
  private left = false;
  private readonly listeners = new Set<() => void>();
  version = 0;
  /** The key epoch this tab encrypts with (0: no key yet, nothing is sent). */
  epoch = 0;
  /** The key id of the frames last decrypted from each participant's video (from the worker). */
  readonly keyIds = new Map<string, number>();
  private fetchingEpoch = 0;
  private keeping = false;
  private keepAgain = false;
  private kept = '';
  private keepFailures = 0;
  /** Who speaks loudest now (a participant id; one's own included), from the decrypted audio's levels. */
  speakerId: string | undefined;
  private audio: AudioContext | undefined;
  private readonly meters = new Map<string, AnalyserNode>();
  private speakerTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly sdk: SdkSession,
    readonly participantId: string,
    meeting: Meeting,
    private readonly media: MediaStream,
    devices: DeviceChoice,
    /** STUN/TURN for every connection to the media server (FLINT_TURN_*; docs/meetings.md "TURN"). */
    private readonly iceServers: IceServer[] = [],
  ) {
    this.meeting = meeting;
    this.devices = { ...devices };
    this.local = new MediaStream(media.getTracks());
    this.camera = media.getVideoTracks()[0];
    this.worker = new Worker(new URL('./media-e2ee-worker.ts', import.meta.url), { type: 'module', name: 'flint-media-e2ee' });
    this.worker.onmessage = (event: MessageEvent<WorkerReport>) => {
      if (event.data.kind !== 'video') return;
      this.keyIds.set(event.data.senderId, event.data.keyId);
      this.changed();
    };
    this.publisher = this.connection();
    this.meter(participantId, media);
    this.speakerTimer = setInterval(() => this.findSpeaker(), SPEAKER_MS);
  }

  /** Measures a participant's audio (after decryption: the levels are the browser's, not the server's). */
  private meter(participantId: string, stream: MediaStream): void {
    const tracks = stream.getAudioTracks();
    if (tracks.length === 0 || this.meters.has(participantId)) return;
    try {
      this.audio ??= new AudioContext();
      const analyser = this.audio.createAnalyser();
      analyser.fftSize = 1024;
      this.audio.createMediaStreamSource(new MediaStream(tracks)).connect(analyser);
      this.meters.set(participantId, analyser);
    } catch (error) {
      logError(error);
    }
  }

  private findSpeaker(): void {
    const samples = new Float32Array(1024);
    // A muted microphone still sends (silent) frames; one's own mute is known here at once, the others' from the core.
    const muted = new Set(this.meeting.participants.filter((p) => p.audioMuted).map((p) => p.id));
    if (this.audioMuted) muted.add(this.participantId);
    let loudest: string | undefined;
    let level = SPEAKING_RMS;
    for (const [id, analyser] of this.meters) {
      if (muted.has(id)) continue;
      analyser.getFloatTimeDomainData(samples);
      const rms = Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
      if (rms > level) {
        level = rms;
        loudest = id;
      }
    }
    // The mark stays on the last speaker through a pause, but not on someone who muted.
    const next = loudest ?? (this.speakerId !== undefined && muted.has(this.speakerId) ? undefined : this.speakerId);
    if (next !== this.speakerId) {
      this.speakerId = next;
      this.changed();
    }
  }

  /**
   * Joins (or starts) the space's meeting: microphone and camera, the media key (made by this tab
   * when it is the first; else given by the keeper, waited for), then publishing. `attach` gets the
   * call as soon as it exists, so that the meeting's events reach it while it waits for its key.
   */
  static async join(sdk: SdkSession, roomId: string, options: { attach?: (call: MeetingCall) => void; media?: MediaStream; devices?: DeviceChoice } = {}): Promise<MeetingCall> {
    const devices = options.devices ?? {};
    const media = options.media ?? (await openMedia(devices));
    const attach = options.attach ?? (() => undefined);
    let call: MeetingCall | undefined;
    try {
      const iceServers = await meetingIceServers(sdk);
      const { meeting, participantId } = await sdk.meetings.join(roomId);
      call = new MeetingCall(sdk, participantId, meeting, media, devices, iceServers);
      attach(call);
      call.update(await sdk.meetings.start(meeting, participantId));
      await call.waitForKey();
      await call.publish();
      // Who publishes changed while this tab was joining: ask.
      call.update((await sdk.meetings.current(roomId)).meeting ?? call.meeting);
      return call;
    } catch (error) {
      if (call !== undefined) await call.leave();
      else for (const track of media.getTracks()) track.stop();
      throw error;
    }
  }

  /**
   * A guest admitted from the lobby (docs/meetings.md "Guests") enters the meeting it is already a
   * participant of: it waits for the admitting member's client to give it the key, then publishes.
   */
  static async enterAsGuest(sdk: SdkSession, meeting: Meeting, participantId: string, options: { attach?: (call: MeetingCall) => void; media?: MediaStream; devices?: DeviceChoice } = {}): Promise<MeetingCall> {
    const devices = options.devices ?? {};
    const media = options.media ?? (await openMedia(devices));
    let call: MeetingCall | undefined;
    try {
      call = new MeetingCall(sdk, participantId, meeting, media, devices, await meetingIceServers(sdk));
      options.attach?.(call);
      call.update(meeting);
      await call.waitForKey();
      await call.publish();
      call.update((await sdk.meetings.current(meeting.roomId)).meeting ?? call.meeting);
      return call;
    } catch (error) {
      if (call !== undefined) await call.leave();
      else for (const track of media.getTracks()) track.stop();
      throw error;
    }
  }

  /** Until this tab holds the meeting's key: the keeper authorizes it on seeing it join (or nobody does, and joining fails). */
  private async waitForKey(): Promise<void> {
    const end = Date.now() + KEY_WAIT_MS;
    while (this.epoch === 0) {
      if (this.left) throw new Error('left the meeting');
      if (Date.now() > end) throw new Error('Nobody in the meeting gave this tab its key: try again.');
      await new Promise((resolve) => setTimeout(resolve, KEY_POLL_MS));
      const now = (await this.sdk.meetings.current(this.roomId)).meeting;
      if (now !== undefined) this.update(now);
    }
  }

  /** Fetches the meeting's current key when it is newer than the one this tab has (and this tab may have it). */
  private async followKey(meeting: Meeting): Promise<void> {
    const me = meeting.participants.find((p) => p.id === this.participantId);
    if (me?.authorized !== true || meeting.keyEpoch <= this.epoch || meeting.keyEpoch <= this.fetchingEpoch) return;
    this.fetchingEpoch = meeting.keyEpoch;
    try {
      const key = await this.sdk.meetings.mediaKey(meeting);
      if (this.left || key.epoch <= this.epoch) return;
      this.epoch = key.epoch;
      this.post({ type: 'key', meetingId: meeting.id, keyId: key.keyId, key: key.key });
      // Someone may have joined while this tab had no key yet: if it keeps the meeting, it rotates now.
      this.keep(this.meeting);
      this.changed();
    } catch (error) {
      this.fetchingEpoch = this.epoch;
      logError(error);
    }
  }

  /**
   * The keeper rotates when who is in the meeting (or who is authorized) changed: one rotation at a
   * time, and again if it changed meanwhile.
   */
  private keep(meeting: Meeting): void {
    if (keeperOf(meeting)?.id !== this.participantId) return;
    const who = meeting.participants
      .map((p) => `${p.personId}:${p.authorized ? 1 : 0}`)
      .sort()
      .join(',');
    if (who === this.kept) return;
    this.kept = who;
    if (this.keeping) {
      this.keepAgain = true;
      return;
    }
    this.keeping = true;
    void (async () => {
      let failed = false;
      do {
        this.keepAgain = false;
        failed = false;
        await this.sdk.meetings.rotate(this.meeting, this.participantId).catch((error: unknown) => {
          failed = true;
          logError(error);
        });
      } while (this.keepAgain && !this.left);
      // A joiner waits on this rotation (a KMS or core hiccup under load): try again a few times.
      if (failed && !this.left && this.keepFailures < KEEP_TRIES) {
        this.keepFailures++;
        this.kept = '';
        setTimeout(() => this.keep(this.meeting), KEEP_RETRY_MS * this.keepFailures);
      } else if (!failed) this.keepFailures = 0;
    })().finally(() => (this.keeping = false));
  }

  get roomId(): string {
    return this.meeting.roomId;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }

  private post(message: WorkerMessage, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private connection(): RTCPeerConnection {
    // The server's STUN/TURN (none configured: the media server's candidates are reached as they are).
    const legacy = ScriptTransform === undefined;
    return new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: 'max-bundle', ...(legacy ? { encodedInsertableStreams: true } : {}) });
  }

  /** Puts a frame transform on a sender or receiver (standard, or the older Chromium streams). */
  private transform(target: RTCRtpSender | RTCRtpReceiver, options: TransformOptions): void {
    if (ScriptTransform !== undefined) {
      (target as unknown as { transform: unknown }).transform = new ScriptTransform(this.worker, options);
      return;
    }
    const { readable, writable } = (target as unknown as LegacyEncoded).createEncodedStreams();
    this.post({ type: 'streams', readable, writable, ...options }, [readable, writable]);
  }

  private async publish(): Promise<void> {
    const pc = this.publisher;
    for (const track of this.media.getTracks()) {
      const transceiver = pc.addTransceiver(track, { direction: 'sendonly', streams: [this.local] });
      if (track.kind === 'video') this.video = transceiver.sender;
      else this.audioSender = transceiver.sender;
      this.transform(transceiver.sender, { operation: 'encrypt', kind: track.kind as 'audio' | 'video', senderId: this.participantId });
    }
    await pc.setLocalDescription(await pc.createOffer());
    await waitForCandidates(pc);
    const answer = await this.sdk.meetings.publish(this.meeting.id, this.participantId, pc.localDescription!.sdp);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  }

  private async receive(participant: MeetingParticipant): Promise<void> {
    const { subscriptionId, offer } = await this.sdk.meetings.subscribe(this.meeting.id, this.participantId, participant.id);
    const pc = this.connection();
    this.subscribers.set(participant.id, pc);
    const stream = new MediaStream();
    pc.ontrack = (event) => {
      stream.addTrack(event.track);
      if (event.track.kind === 'audio') this.meter(participant.id, stream);
      this.remote.set(participant.id, { participantId: participant.id, stream });
      this.changed();
    };
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    // Before the answer: every receiver decrypts with the sender's frame key.
    for (const transceiver of pc.getTransceivers()) {
      this.transform(transceiver.receiver, { operation: 'decrypt', kind: transceiver.receiver.track.kind as 'audio' | 'video', senderId: participant.id });
    }
    await pc.setLocalDescription(await pc.createAnswer());
    await waitForCandidates(pc);
    await this.sdk.meetings.answer(this.meeting.id, this.participantId, subscriptionId, pc.localDescription!.sdp);
  }

  /** The meeting as the core says it is now (join, leave, publish, mute, a new key…): follow the key, rotate if keeper, subscribe to new senders, drop those gone. */
  update(meeting: Meeting): void {
    if (meeting.id !== this.meeting.id || this.left) return;
    this.meeting = meeting;
    void this.followKey(meeting);
    if (this.epoch > 0) this.keep(meeting);
    const present = new Set(meeting.participants.map((p) => p.id));
    for (const [id, pc] of this.subscribers) {
      if (!present.has(id)) {
        pc.close();
        this.subscribers.delete(id);
        this.remote.delete(id);
        this.meters.delete(id);
        this.keyIds.delete(id);
      }
    }
    for (const participant of meeting.participants) {
      if (this.epoch === 0) break;
      if (participant.id === this.participantId || !participant.publishing || this.subscribers.has(participant.id) || this.subscribing.has(participant.id)) continue;
      this.subscribing.add(participant.id);
      void this.receive(participant)
        .then(() => this.failures.delete(participant.id))
        .catch((error: unknown) => {
          // The media server may refuse a feed whose WebRTC connection is still coming up: try again a little later.
          this.subscribers.get(participant.id)?.close();
          this.subscribers.delete(participant.id);
          const failures = (this.failures.get(participant.id) ?? 0) + 1;
          this.failures.set(participant.id, failures);
          if (failures < SUBSCRIBE_TRIES) setTimeout(() => this.update(this.meeting), SUBSCRIBE_RETRY_MS * failures);
          else logError(error);
        })
        .finally(() => this.subscribing.delete(participant.id));
    }
    this.changed();
  }

  private async tell(): Promise<void> {
    this.meeting = await this.sdk.meetings.update(this.meeting.id, this.participantId, { audioMuted: this.audioMuted, videoOff: this.videoOff, sharingScreen: this.sharingScreen, handRaised: this.handRaised });
    this.changed();
  }

  async toggleAudio(): Promise<void> {
    this.audioMuted = !this.audioMuted;
    for (const track of this.media.getAudioTracks()) track.enabled = !this.audioMuted;
    this.changed();
    await this.tell();
  }

  async toggleVideo(): Promise<void> {
    this.videoOff = !this.videoOff;
    if (this.camera !== undefined) this.camera.enabled = !this.videoOff;
    this.changed();
    await this.tell();
  }

  async toggleHand(): Promise<void> {
    this.handRaised = !this.handRaised;
    this.changed();
    await this.tell();
  }

  /** Sends another camera (the same connection and encryption; the screen stays while it is shared). */
  async switchCamera(cameraId: string): Promise<void> {
    const fresh = (await navigator.mediaDevices.getUserMedia({ video: cameraConstraints(cameraId) })).getVideoTracks()[0];
    if (fresh === undefined) return;
    fresh.enabled = !this.videoOff;
    const old = this.camera;
    this.camera = fresh;
    if (old !== undefined) this.media.removeTrack(old);
    this.media.addTrack(fresh);
    if (this.screen === undefined) {
      await this.video?.replaceTrack(fresh);
      for (const t of this.local.getVideoTracks()) this.local.removeTrack(t);
      this.local.addTrack(fresh);
    }
    old?.stop();
    this.devices = { ...this.devices, cameraId };
    this.changed();
  }

  /** Sends another microphone (muted if one was muted). */
  async switchMicrophone(microphoneId: string): Promise<void> {
    const fresh = (await navigator.mediaDevices.getUserMedia({ audio: microphoneConstraints(microphoneId) })).getAudioTracks()[0];
    if (fresh === undefined) return;
    fresh.enabled = !this.audioMuted;
    await this.audioSender?.replaceTrack(fresh);
    for (const old of this.media.getAudioTracks()) {
      this.media.removeTrack(old);
      this.local.removeTrack(old);
      old.stop();
    }
    this.media.addTrack(fresh);
    this.local.addTrack(fresh);
    // One's own level (the active speaker) from the new microphone.
    this.meters.delete(this.participantId);
    this.meter(this.participantId, this.media);
    this.devices = { ...this.devices, microphoneId };
    this.changed();
  }

  /** Plays the others on another speaker (the meeting view applies it to every tile). */
  switchSpeaker(speakerId: string): void {
    this.devices = { ...this.devices, speakerId: speakerId === '' ? undefined : speakerId };
    this.changed();
  }

  /** The microphone and camera sent now (for the device picker). */
  get tracks(): { microphone: MediaStreamTrack | undefined; camera: MediaStreamTrack | undefined } {
    return { microphone: this.media.getAudioTracks()[0], camera: this.camera };
  }

  /** Sends the screen instead of the camera (same connection, same encryption). */
  async shareScreen(): Promise<void> {
    const display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const track = display.getVideoTracks()[0];
    if (track === undefined) return;
    await this.video?.replaceTrack(track);
    this.screen = track;
    track.addEventListener('ended', () => void this.stopSharing());
    for (const t of this.local.getVideoTracks()) this.local.removeTrack(t);
    this.local.addTrack(track);
    this.sharingScreen = true;
    this.changed();
    await this.tell();
  }

  async stopSharing(): Promise<void> {
    if (this.screen === undefined) return;
    const screen = this.screen;
    this.screen = undefined;
    screen.stop();
    await this.video?.replaceTrack(this.camera ?? null);
    this.local.removeTrack(screen);
    if (this.camera !== undefined) this.local.addTrack(this.camera);
    this.sharingScreen = false;
    this.changed();
    if (!this.left) await this.tell();
  }

  /** Leaves: media stops, connections close, the core is told (the last one out ends the meeting). */
  async leave(): Promise<void> {
    if (this.left) return;
    this.left = true;
    for (const pc of this.subscribers.values()) pc.close();
    this.subscribers.clear();
    this.remote.clear();
    this.publisher.close();
    for (const track of [...this.media.getTracks(), ...(this.screen ? [this.screen] : [])]) track.stop();
    this.worker.terminate();
    clearInterval(this.speakerTimer);
    this.meters.clear();
    void this.audio?.close().catch(() => undefined);
    this.changed();
    await this.sdk.meetings.leave(this.meeting.id, this.participantId).catch(() => undefined);
  }
}
