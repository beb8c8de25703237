/**
 * A phone call ringing a person's browser (SPEC CL-4): the other leg of a PSTN call the core's SIP
 * user agent holds. The core offers the leg's plain RTP to rtpengine, which answers the WebRTC SDP
 * the browser takes (ICE, DTLS-SRTP; media/ng-client.ts); `phone_call.updated` carries it to the
 * person's devices (every tab rings). The first answer's SDP goes back through rtpengine, and the
 * user agent relays the caller's RTP to rtpengine's plain side. **Not end-to-end encrypted**: the
 * telephone network, the core's relay and rtpengine carry the audio in clear (RTP) on the server;
 * the browser's hop is DTLS-SRTP. Legs live in the process that holds the SIP dialog (one
 * instance runs the SIP engine); a restart ends them.
 * @module
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { PhoneCall } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { ApiError } from '../errors.ts';
import { RtpEndpoint } from './media/rtp-endpoint.ts';
import type { NgClient } from './media/ng-client.ts';
import { audioSdp, parseAudioSdp } from './media/sdp.ts';
import type { PhoneCallLeg } from './sip-engine.ts';

export class BrowserLeg implements PhoneCallLeg {
  readonly id = randomUUID();
  readonly personId: string;
  readonly rtp: RtpEndpoint;
  readonly #core: Core;
  readonly #ng: NgClient;
  readonly #info: { from: string; to: string; huntGroupId: string | undefined };
  readonly #created: number;
  #state: PhoneCall['state'] = 'ringing';
  #endReason: string | undefined;
  #offer = '';
  #answered: { resolve: () => void; reject: (e: Error) => void } | undefined;
  /** Resolves when the browser answers; rejects when it declines or the leg ends first. */
  readonly answered: Promise<void>;
  #onHangup: (() => void) | undefined;

  private constructor(core: Core, ng: NgClient, rtp: RtpEndpoint, personId: string, info: { from: string; to: string; huntGroupId: string | undefined }) {
    this.#core = core;
    this.#ng = ng;
    this.rtp = rtp;
    this.personId = personId;
    this.#info = info;
    this.#created = core.now();
    this.answered = new Promise((resolve, reject) => (this.#answered = { resolve, reject }));
    this.answered.catch(() => undefined);
  }

  /** Opens the plain side, has rtpengine make the browser's offer, and rings the person's devices. */
  static async ring(core: Core, ng: NgClient, host: string, personId: string, info: { from: string; to: string; huntGroupId: string | undefined }): Promise<BrowserLeg> {
    const rtp = await RtpEndpoint.open(host);
    const leg = new BrowserLeg(core, ng, rtp, personId, info);
    try {
      leg.#offer = await ng.offer({ callId: leg.id, fromTag: 'sip', sdp: audioSdp(host, rtp.port, 101, randomInt(1, 1_000_000)), toWebrtc: true });
    } catch (error) {
      rtp.close();
      throw error;
    }
    await leg.#announce();
    return leg;
  }

  get state(): PhoneCall['state'] {
    return this.#state;
  }

  view(): PhoneCall {
    return {
      id: this.id,
      from: this.#info.from,
      to: this.#info.to,
      ...(this.#info.huntGroupId !== undefined ? { huntGroupId: this.#info.huntGroupId } : {}),
      state: this.#state,
      ...(this.#state === 'ringing' ? { offer: this.#offer } : {}),
      ...(this.#endReason !== undefined ? { endReason: this.#endReason } : {}),
      e2ee: false,
      created: new Date(this.#created).toISOString(),
    };
  }

  onHangup(listener: () => void): void {
    this.#onHangup = listener;
  }

  /** The browser's answer: through rtpengine back to plain RTP, which this leg's endpoint sends to. */
  async answer(sdp: string): Promise<PhoneCall> {
    if (this.#state !== 'ringing') throw ApiError.conflict('The call was answered elsewhere or is over.');
    this.#state = 'connected';
    try {
      const plain = parseAudioSdp(await this.#ng.answer({ callId: this.id, fromTag: 'sip', toTag: 'browser', sdp, toWebrtc: false }));
      if (plain === undefined) throw new Error('no audio in the relay’s answer');
      this.rtp.connect({ address: plain.address, port: plain.port }, plain.telephoneEvent);
    } catch (error) {
      this.#core.log.warn({ err: error }, 'phone call: the browser’s answer was refused by the media relay');
      await this.end('failed');
      throw ApiError.badRequest('sdp: the media relay could not use this answer');
    }
    this.#answered?.resolve();
    await this.#announce();
    return this.view();
  }

  /** The person declines or hangs up from the browser. */
  async hangup(): Promise<PhoneCall> {
    if (this.#state === 'ended') return this.view();
    const wasRinging = this.#state === 'ringing';
    await this.end(wasRinging ? 'declined' : 'hangup');
    if (!wasRinging) this.#onHangup?.();
    return this.view();
  }

  /** Ends the leg (idempotent): rtpengine's ports freed, the devices told. */
  async end(reason: string): Promise<void> {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.#endReason = reason;
    this.#answered?.reject(new Error(reason));
    this.rtp.close();
    await this.#ng.delete(this.id).catch(() => undefined);
    await this.#announce().catch((error: unknown) => this.#core.log.warn({ err: error }, 'phone call: the end was not announced'));
  }

  async #announce(): Promise<void> {
    const data = this.view();
    await this.#core.events.transact(async (_trx, emit) => {
      emit({ recipients: [this.personId], type: 'phone_call.updated', data, actorId: null });
    });
  }
}

/** The leg a person acts on: theirs only (404 otherwise, as for anything not one's own). */
function legOf(core: Core, actor: Actor, id: string): PhoneCallLeg {
  const leg = core.sipAgent?.phoneCall(id);
  if (leg === undefined || leg.personId !== actor.personId) throw ApiError.notFound('phone call');
  return leg;
}

export async function answerPhoneCall(core: Core, actor: Actor, id: string, sdp: string): Promise<PhoneCall> {
  return legOf(core, actor, id).answer(sdp);
}

export async function hangupPhoneCall(core: Core, actor: Actor, id: string): Promise<PhoneCall> {
  return legOf(core, actor, id).hangup();
}
