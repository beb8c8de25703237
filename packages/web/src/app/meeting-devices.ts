/**
 * The cameras, microphones and speakers a meeting can use (SPEC MT-1's device picker): what the
 * browser lists, the camera and microphone opened as chosen, and a microphone level meter for the
 * pre-join preview. Device labels are only given once the page may use the camera and microphone,
 * so the lists are read after the preview opened them.
 * @module
 */

export interface DeviceChoice {
  cameraId?: string | undefined;
  microphoneId?: string | undefined;
  /** The audio output (`setSinkId`); the browser's default when undefined. */
  speakerId?: string | undefined;
}

export interface DeviceLists {
  cameras: MediaDeviceInfo[];
  microphones: MediaDeviceInfo[];
  speakers: MediaDeviceInfo[];
}

/** The camera's size sent in meetings (the media server forwards it as it is; simulcast is not built). */
export const CAMERA = { width: 640, height: 480 } as const;

export async function listDevices(): Promise<DeviceLists> {
  const all = await navigator.mediaDevices.enumerateDevices();
  return {
    cameras: all.filter((d) => d.kind === 'videoinput'),
    microphones: all.filter((d) => d.kind === 'audioinput'),
    speakers: all.filter((d) => d.kind === 'audiooutput'),
  };
}

export function cameraConstraints(cameraId: string | undefined): MediaTrackConstraints {
  return { ...CAMERA, ...(cameraId !== undefined ? { deviceId: { exact: cameraId } } : {}) };
}

export function microphoneConstraints(microphoneId: string | undefined): MediaTrackConstraints | true {
  return microphoneId !== undefined ? { deviceId: { exact: microphoneId } } : true;
}

/** The camera and microphone as chosen (the defaults where nothing is). */
export function openMedia(choice: DeviceChoice): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({ audio: microphoneConstraints(choice.microphoneId), video: cameraConstraints(choice.cameraId) });
}

/** Whether this browser lets a page pick the speaker (`HTMLMediaElement.setSinkId`). */
export function canChooseSpeaker(): boolean {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}

/** Plays an element's sound on the chosen speaker (no-op where the browser cannot choose). */
export async function playOn(element: HTMLMediaElement, speakerId: string | undefined): Promise<void> {
  const sink = element as HTMLMediaElement & { setSinkId?: (id: string) => Promise<void>; sinkId?: string };
  if (sink.setSinkId === undefined || (sink.sinkId ?? '') === (speakerId ?? '')) return;
  await sink.setSinkId(speakerId ?? '');
}

/** A microphone's level (RMS of the last 1024 samples, 0–1), read as often as the caller likes. */
export class LevelMeter {
  private readonly context = new AudioContext();
  private readonly analyser: AnalyserNode;
  private readonly samples = new Float32Array(1024);

  constructor(stream: MediaStream) {
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 1024;
    const tracks = stream.getAudioTracks();
    if (tracks.length > 0) this.context.createMediaStreamSource(new MediaStream(tracks)).connect(this.analyser);
  }

  level(): number {
    this.analyser.getFloatTimeDomainData(this.samples);
    return Math.sqrt(this.samples.reduce((sum, x) => sum + x * x, 0) / this.samples.length);
  }

  close(): void {
    void this.context.close().catch(() => undefined);
  }
}
