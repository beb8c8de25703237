/**
 * Telephone calls ringing this tab (SPEC CL-4): a PSTN caller passed on by an auto attendant or a
 * hunt group. Unlike calls between people, these are **not end-to-end encrypted** — the telephone
 * network and the server's media relay (rtpengine) carry the audio; the hop to this browser is
 * DTLS-SRTP — so there is no media key and no frame encryption: the core's `phone_call.updated`
 * brings rtpengine's WebRTC offer, this tab answers it whole (ICE gathered, no trickle), and the
 * first tab or desk phone to answer takes the call.
 * @module
 */
import type { PhoneCall, StoredEvent } from '@flint/protocol';
import { logError } from './client-log.ts';
import type { Session } from './session.ts';

interface Host {
  readonly session: Session;
  changed(): void;
  fail(error: unknown): void;
}

/** How long this tab gathers ICE candidates before answering with what it has. */
const GATHER_MS = 3000;

export class PhoneCalls {
  /** Ringing or connected calls of this person, by id; ended ones drop out. */
  readonly calls = new Map<string, PhoneCall>();
  /** The call this tab answered, with its connection and the audio element that plays it. */
  active: { call: PhoneCall; pc: RTCPeerConnection; stream: MediaStream; audio: HTMLAudioElement } | undefined;

  constructor(private readonly host: Host) {}

  get ringing(): PhoneCall[] {
    return [...this.calls.values()].filter((c) => c.state === 'ringing');
  }

  apply(event: StoredEvent): void {
    if (event.type !== 'phone_call.updated') return;
    const call = event.data as PhoneCall;
    if (call.state === 'ended') {
      this.calls.delete(call.id);
      if (this.active?.call.id === call.id) this.close();
    } else this.calls.set(call.id, call);
    if (this.active?.call.id === call.id && call.state !== 'ended') this.active = { ...this.active, call };
    this.host.changed();
  }

  async answer(call: PhoneCall): Promise<void> {
    if (call.offer === undefined || this.active !== undefined) return;
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    const pc = new RTCPeerConnection();
    const audio = new Audio();
    audio.autoplay = true;
    pc.ontrack = (e) => {
      audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      void audio.play().catch(() => undefined);
    };
    for (const track of stream.getAudioTracks()) pc.addTrack(track, stream);
    this.active = { call, pc, stream, audio };
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: call.offer });
      await pc.setLocalDescription(await pc.createAnswer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        const timer = setTimeout(resolve, GATHER_MS);
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const answered = await this.host.session.sdk.telephony.answerPhoneCall(call.id, pc.localDescription!.sdp);
      this.active = { call: answered, pc, stream, audio };
      this.calls.set(answered.id, answered);
    } catch (error) {
      this.close();
      throw error;
    }
    this.host.changed();
  }

  async hangup(call: PhoneCall): Promise<void> {
    if (this.active?.call.id === call.id) this.close();
    this.calls.delete(call.id);
    this.host.changed();
    await this.host.session.sdk.telephony.hangupPhoneCall(call.id);
  }

  private close(): void {
    const active = this.active;
    this.active = undefined;
    if (active === undefined) return;
    try {
      active.pc.close();
      for (const t of active.stream.getTracks()) t.stop();
      active.audio.srcObject = null;
    } catch (error) {
      logError(error);
    }
  }
}
