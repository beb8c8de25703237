/**
 * The core's RTP endpoint for one call leg (SPEC CL-4): a UDP socket that plays PCMU (the
 * attendant's greetings) in 20 ms packets, reports RFC 4733 key presses, and — once the call is
 * handed to a person — relays packets to and from another leg's endpoint unchanged (both legs
 * speak PCMU, so no transcoding). The audio of a telephone call passes here in clear: a PSTN call
 * is not end-to-end encrypted (docs/telephony.md); nothing is stored.
 * @module
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { DtmfCollector } from './rfc4733.ts';
import { buildRtp, parseRtp } from './rtp.ts';

/** 20 ms of 8 kHz audio. */
const FRAME = 160;

export class RtpEndpoint {
  readonly #socket: Socket;
  #remote: { address: string; port: number } | undefined;
  #telephoneEvent: number | undefined;
  readonly #dtmf = new DtmfCollector();
  #onDigit: ((digit: string) => void) | undefined;
  #peer: RtpEndpoint | undefined;
  #player: NodeJS.Timeout | undefined;
  #sequence = randomInt(0, 0xffff);
  #timestamp = randomInt(0, 0x7fffffff);
  readonly #ssrc = randomInt(1, 0x7fffffff);
  /** Packets received and sent, for the tests and the logs. */
  received = 0;
  sent = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (msg) => this.#receive(msg));
    socket.on('error', () => undefined);
  }

  /** A socket on `host`, port chosen by the system. */
  static async open(host: string): Promise<RtpEndpoint> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => resolve());
    });
    return new RtpEndpoint(socket);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** Where this leg's audio goes (the other side's SDP), and its telephone-event payload type. */
  connect(remote: { address: string; port: number }, telephoneEvent: number | undefined): void {
    this.#remote = remote;
    this.#telephoneEvent = telephoneEvent;
  }

  onDigit(listener: (digit: string) => void): void {
    this.#onDigit = listener;
  }

  /** Plays 8 kHz µ-law, paced at 20 ms a packet; resolves when done or stopped. */
  play(pcmu: Uint8Array): Promise<void> {
    this.stop();
    return new Promise((resolve) => {
      let offset = 0;
      let marker = true;
      const started = Date.now();
      let frames = 0;
      const tick = () => {
        // Paced on the wall clock, so timer jitter does not slow the audio down.
        while (frames * 20 <= Date.now() - started) {
          if (offset >= pcmu.byteLength || this.#peer !== undefined) {
            this.stop();
            resolve();
            return;
          }
          const frame = new Uint8Array(FRAME).fill(0xff);
          frame.set(pcmu.subarray(offset, offset + FRAME));
          this.#send(frame, 0, marker);
          marker = false;
          offset += FRAME;
          frames++;
        }
      };
      this.#player = setInterval(tick, 10);
      this.#player.unref?.();
      this.#stopPlaying = resolve;
      tick();
    });
  }

  #stopPlaying: (() => void) | undefined;

  /** Stops playback. */
  stop(): void {
    if (this.#player !== undefined) clearInterval(this.#player);
    this.#player = undefined;
    const done = this.#stopPlaying;
    this.#stopPlaying = undefined;
    done?.();
  }

  /** From now on, what arrives here goes out of `peer` to its remote, and back. */
  bridge(peer: RtpEndpoint): void {
    this.stop();
    peer.stop();
    this.#peer = peer;
    peer.#peer = this;
  }

  close(): void {
    this.stop();
    this.#peer = undefined;
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }

  #send(payload: Uint8Array, payloadType: number, marker: boolean): void {
    if (this.#remote === undefined) return;
    const packet = buildRtp({ payloadType, marker, sequence: this.#sequence, timestamp: this.#timestamp, ssrc: this.#ssrc, payload });
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + payload.byteLength) >>> 0;
    this.sent++;
    this.#socket.send(packet, this.#remote.port, this.#remote.address);
  }

  /** Sends a packet as it came (the relay keeps the sender's numbering and SSRC). */
  #forward(packet: Buffer): void {
    if (this.#remote === undefined) return;
    this.sent++;
    this.#socket.send(packet, this.#remote.port, this.#remote.address);
  }

  #receive(msg: Buffer): void {
    const packet = parseRtp(msg);
    if (packet === undefined) return;
    this.received++;
    if (this.#peer !== undefined) {
      this.#peer.#forward(msg);
      return;
    }
    if (this.#telephoneEvent !== undefined && packet.payloadType === this.#telephoneEvent) {
      const digit = this.#dtmf.push(packet.timestamp, packet.payload);
      if (digit !== undefined) this.#onDigit?.(digit);
    }
  }
}
