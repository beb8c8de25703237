/**
 * rtpengine's NG control protocol (SPEC CL-4; docs/telephony.md): bencoded dictionaries over UDP,
 * each request prefixed by a random cookie its response repeats. rtpengine bridges a browser's
 * WebRTC (ICE, DTLS-SRTP, RTP/SAVPF) and a SIP leg's plain RTP: `offer` with one side's SDP answers
 * the SDP for the other side, `answer` closes the negotiation, `delete` frees the ports.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

export type Bencoded = string | number | Uint8Array | Bencoded[] | { [key: string]: Bencoded };

/** Bencode (strings as UTF-8 byte strings; dictionary keys sorted, as the format requires). */
export function bencode(value: Bencoded): Buffer {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error('bencode: integers only');
    return Buffer.from(`i${value}e`);
  }
  if (typeof value === 'string' || value instanceof Uint8Array) {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    return Buffer.concat([Buffer.from(`${bytes.length}:`), bytes]);
  }
  if (Array.isArray(value)) return Buffer.concat([Buffer.from('l'), ...value.map(bencode), Buffer.from('e')]);
  const keys = Object.keys(value).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return Buffer.concat([Buffer.from('d'), ...keys.flatMap((k) => [bencode(k), bencode(value[k]!)]), Buffer.from('e')]);
}

/** Bencode back (byte strings as UTF-8 strings: NG carries SDP and words). Throws on malformed input. */
export function bdecode(buf: Uint8Array): Bencoded {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  const read = (depth: number): Bencoded => {
    if (depth > 32) throw new Error('bencode: nested too deep');
    const c = bytes[at];
    if (c === undefined) throw new Error('bencode: truncated');
    if (c === 0x69) {
      const end = bytes.indexOf(0x65, at);
      if (end < 0) throw new Error('bencode: truncated integer');
      const text = bytes.toString('latin1', at + 1, end);
      if (!/^-?\d+$/.test(text)) throw new Error('bencode: bad integer');
      at = end + 1;
      return Number(text);
    }
    if (c === 0x6c || c === 0x64) {
      at++;
      const list: Bencoded[] = [];
      const dict: Record<string, Bencoded> = {};
      while (bytes[at] !== 0x65) {
        if (at >= bytes.length) throw new Error('bencode: truncated');
        if (c === 0x6c) list.push(read(depth + 1));
        else {
          const key = read(depth + 1);
          if (typeof key !== 'string') throw new Error('bencode: a key must be a string');
          dict[key] = read(depth + 1);
        }
      }
      at++;
      return c === 0x6c ? list : dict;
    }
    const colon = bytes.indexOf(0x3a, at);
    const length = colon < 0 ? NaN : Number(bytes.toString('latin1', at, colon));
    if (!Number.isInteger(length) || length < 0 || colon + 1 + length > bytes.length) throw new Error('bencode: bad string');
    at = colon + 1 + length;
    return bytes.toString('utf8', colon + 1, at);
  };
  const value = read(0);
  if (at !== bytes.length) throw new Error('bencode: trailing bytes');
  return value;
}

export class NgError extends Error {}

/** A reply's string field, or '' when it is absent or not a string. */
const text = (value: Bencoded | undefined): string => (typeof value === 'string' ? value : '');

/** A client of one rtpengine's NG port. */
export class NgClient {
  readonly #socket: Socket;
  readonly #target: { host: string; port: number };
  readonly #waiting = new Map<string, (reply: Record<string, Bencoded>) => void>();
  readonly #timeoutMs: number;

  private constructor(socket: Socket, target: { host: string; port: number }, timeoutMs: number) {
    this.#socket = socket;
    this.#target = target;
    this.#timeoutMs = timeoutMs;
    socket.on('message', (msg) => {
      const space = msg.indexOf(0x20);
      if (space <= 0) return;
      const cookie = msg.toString('latin1', 0, space);
      const resolve = this.#waiting.get(cookie);
      if (resolve === undefined) return;
      try {
        const reply = bdecode(msg.subarray(space + 1));
        if (typeof reply === 'object' && !Array.isArray(reply) && !(reply instanceof Uint8Array)) resolve(reply);
      } catch {
        // A malformed answer: the request times out.
      }
    });
    socket.on('error', () => undefined);
  }

  static async connect(target: { host: string; port: number }, timeoutMs = 2000): Promise<NgClient> {
    const socket = createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, target.host.includes(':') ? '::1' : '127.0.0.1', () => resolve());
    });
    return new NgClient(socket, target, timeoutMs);
  }

  /** One command; resolves with the reply, rejects on `result: error` or no reply in time. */
  async command(command: string, params: Record<string, Bencoded> = {}): Promise<Record<string, Bencoded>> {
    const cookie = randomBytes(8).toString('hex');
    const message = Buffer.concat([Buffer.from(`${cookie} `), bencode({ ...params, command })]);
    const reply = await new Promise<Record<string, Bencoded>>((resolve, reject) => {
      let attempts = 0;
      let timer: NodeJS.Timeout;
      const send = () => {
        // UDP: sent again if lost; rtpengine answers a repeated cookie from its cache.
        if (attempts++ >= 3) {
          this.#waiting.delete(cookie);
          reject(new NgError(`rtpengine did not answer ${command}`));
          return;
        }
        this.#socket.send(message, this.#target.port, this.#target.host);
        timer = setTimeout(send, this.#timeoutMs / 3);
      };
      this.#waiting.set(cookie, (r) => {
        clearTimeout(timer);
        this.#waiting.delete(cookie);
        resolve(r);
      });
      send();
    });
    if (reply['result'] === 'error') throw new NgError(`rtpengine refused ${command}: ${text(reply['error-reason']) || 'no reason'}`);
    return reply;
  }

  async ping(): Promise<boolean> {
    return (await this.command('ping'))['result'] === 'pong';
  }

  /**
   * A SIP leg's plain-RTP offer turned into the SDP a browser takes (ICE, DTLS-SRTP, RTP/SAVPF,
   * rtcp-mux), or the other way round with `toWebrtc: false`.
   */
  async offer(input: { callId: string; fromTag: string; sdp: string; toWebrtc: boolean }): Promise<string> {
    const reply = await this.command('offer', { 'call-id': input.callId, 'from-tag': input.fromTag, sdp: input.sdp, ...(input.toWebrtc ? WEBRTC : PLAIN) });
    return text(reply['sdp']);
  }

  async answer(input: { callId: string; fromTag: string; toTag: string; sdp: string; toWebrtc: boolean }): Promise<string> {
    const reply = await this.command('answer', { 'call-id': input.callId, 'from-tag': input.fromTag, 'to-tag': input.toTag, sdp: input.sdp, ...(input.toWebrtc ? WEBRTC : PLAIN) });
    return text(reply['sdp']);
  }

  async delete(callId: string): Promise<void> {
    await this.command('delete', { 'call-id': callId });
  }

  close(): void {
    this.#socket.close();
  }
}

/** The browser side: what WebRTC requires (rtpengine's `webrtc-enable` settings spelled out). */
const WEBRTC: Record<string, Bencoded> = { ICE: 'force', DTLS: 'passive', 'transport-protocol': 'UDP/TLS/RTP/SAVPF', 'rtcp-mux': ['require'], flags: ['generate-mid', 'SDES-off'] };
/** The SIP side: plain RTP, no ICE, RTCP on its own port as phones expect. */
const PLAIN: Record<string, Bencoded> = { ICE: 'remove', DTLS: 'off', 'transport-protocol': 'RTP/AVP', 'rtcp-mux': ['demux'] };
