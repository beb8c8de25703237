/**
 * The core's SIP user agent (SPEC CL-4, CL-6): the calls the SIP engine cannot finish alone —
 * a trunk's call to an auto attendant — are handed to it by Kamailio (the route answer `core`,
 * docs/telephony.md). It listens on UDP beside the engine, answers, plays the menu's greeting over
 * its RTP endpoint, collects RFC 4733 key presses, and routes by the numbering (routing.ts) with
 * the digits; a person or a hunt group's first wave (UNIFORM: the longest idle agent) is then
 * called back through the engine (an INVITE of its own, as a back-to-back user agent) and the
 * two legs' RTP is relayed. Only Kamailio talks to it: requests from elsewhere are dropped, and
 * its own INVITEs carry the engine's secret.
 * @module
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { Core } from '../core.ts';
import type { RtpEndpoint } from './media/rtp-endpoint.ts';
import { audioSdp, parseAudioSdp } from './media/sdp.ts';
import { header, headers, parseSip, serializeSip, tagOf, uriOf, type SipMessage } from './media/sip-message.ts';
import { InboundCall } from './inbound-call.ts';
import type { BrowserLeg } from './browser-leg.ts';
import { NgClient } from './media/ng-client.ts';
import type { SipAgent } from './sip-engine.ts';
import type { CallHost, OutboundLeg } from './call-host.ts';

/** How long an unanswered request of ours is retransmitted (RFC 3261 timer B/F: 64 × T1). */
const GIVE_UP_MS = 32_000;
const T1 = 500;

/** A request we sent and retransmit until a response comes. */
interface Pending {
  text: string;
  timer: NodeJS.Timeout;
  onResponse: (m: SipMessage) => void;
  started: number;
}


export class SipUserAgent implements SipAgent, CallHost {
  readonly #core: Core;
  readonly #socket: Socket;
  readonly #engine: { host: string; port: number };
  readonly #secret: string;
  readonly #domain: string;
  /** Inbound calls by Call-ID. */
  readonly #calls = new Map<string, InboundCall>();
  /** Our outgoing transactions by Via branch. */
  readonly #pending = new Map<string, Pending>();
  /** Our outbound legs by Call-ID: in-dialog requests from their side. */
  readonly #legs = new Map<string, { onRequest: (m: SipMessage) => void }>();
  /** Phone calls ringing or connected in browsers, by id (browser-leg.ts). */
  readonly browserLegs = new Map<string, BrowserLeg>();
  #ng: Promise<NgClient> | undefined;

  private constructor(core: Core, socket: Socket, engine: { host: string; port: number }, secret: string, domain: string) {
    this.#core = core;
    this.#socket = socket;
    this.#engine = engine;
    this.#secret = secret;
    this.#domain = domain;
    socket.on('message', (msg, rinfo) => {
      // Only the engine speaks to us.
      if (rinfo.address !== engine.host || rinfo.port !== engine.port) return;
      const m = parseSip(msg.toString('utf8'));
      if (m === undefined) return;
      try {
        if (m.method !== undefined) this.#request(m);
        else this.#response(m);
      } catch (error) {
        core.log.warn({ err: error }, 'SIP user agent: message not handled');
      }
    });
    socket.on('error', (error) => core.log.warn({ err: error }, 'SIP user agent socket error'));
  }

  static async start(core: Core, options: { host: string; engine: { host: string; port: number }; secret: string; domain: string }): Promise<SipUserAgent> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, options.host, () => resolve());
    });
    return new SipUserAgent(core, socket, options.engine, options.secret, options.domain);
  }

  get host(): string {
    return this.#socket.address().address;
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** Calls in progress (the tests and the logs). */
  get activeCalls(): number {
    return this.#calls.size;
  }

  phoneCall(id: string): BrowserLeg | undefined {
    return this.browserLegs.get(id);
  }

  /** rtpengine's NG client, when the relay runs (browsers can then take phone calls). */
  relay(): Promise<NgClient> | undefined {
    const relay = this.#core.rtpRelay;
    if (relay === undefined) return undefined;
    this.#ng ??= NgClient.connect(relay.ng);
    return this.#ng;
  }

  async close(): Promise<void> {
    for (const call of this.#calls.values()) call.end('shutdown');
    for (const leg of this.browserLegs.values()) await leg.end('hangup');
    if (this.#ng !== undefined) (await this.#ng).close();
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#pending.clear();
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  send(m: SipMessage): void {
    this.#socket.send(serializeSip(m), this.#engine.port, this.#engine.host);
  }

  /** A response to a request, with its Via, From, To (our tag added), Call-ID, CSeq and Record-Route. */
  reply(request: SipMessage, status: number, reason: string, extra: { tag?: string; body?: string; contact?: boolean } = {}): void {
    const to = header(request, 'to') ?? '';
    const hs: [string, string][] = [
      ...request.headers.filter(([n]) => n === 'via'),
      ['from', header(request, 'from') ?? ''],
      ['to', extra.tag !== undefined && tagOf(to) === undefined ? `${to};tag=${extra.tag}` : to],
      ['call-id', header(request, 'call-id') ?? ''],
      ['cseq', header(request, 'cseq') ?? ''],
      ...(status >= 200 && status < 300 && request.method === 'INVITE' ? request.headers.filter(([n]) => n === 'record-route') : []),
      ...(extra.contact === true ? [['contact', this.contact()] as [string, string]] : []),
      ['server', 'Flint SIP UA'],
      ...(extra.body !== undefined ? [['content-type', 'application/sdp'] as [string, string]] : []),
    ];
    this.send({ status, reason, headers: hs, body: extra.body ?? '' });
  }

  contact(): string {
    return `<sip:flint@${this.host}:${this.port}>`;
  }

  newBranch(): string {
    return `z9hG4bK${randomBytes(8).toString('hex')}`;
  }

  via(branch: string): string {
    return `SIP/2.0/UDP ${this.host}:${this.port};branch=${branch};rport`;
  }

  /** Sends a request and retransmits it (T1 doubling, RFC 3261 §17.1) until a response arrives. */
  request(m: SipMessage, onResponse: (r: SipMessage) => void): void {
    const branch = /branch=([^;\s]+)/.exec(header(m, 'via') ?? '')?.[1] ?? '';
    const text = serializeSip(m);
    let interval = T1;
    const pending: Pending = { text, started: Date.now(), onResponse, timer: setTimeout(() => undefined, 0) };
    const retransmit = () => {
      if (Date.now() - pending.started > GIVE_UP_MS) {
        this.#pending.delete(branch);
        onResponse({ status: 408, reason: 'Request Timeout', headers: [], body: '' });
        return;
      }
      this.#socket.send(text, this.#engine.port, this.#engine.host);
      interval = Math.min(interval * 2, 4000);
      pending.timer = setTimeout(retransmit, interval);
    };
    pending.timer = setTimeout(retransmit, interval);
    this.#pending.set(branch, pending);
    this.#socket.send(text, this.#engine.port, this.#engine.host);
  }

  #response(m: SipMessage): void {
    const branch = /branch=([^;\s]+)/.exec(header(m, 'via') ?? '')?.[1] ?? '';
    const pending = this.#pending.get(branch);
    if (pending !== undefined) {
      // Any response stops retransmission; a final one ends the transaction.
      clearTimeout(pending.timer);
      if ((m.status ?? 0) >= 200) this.#pending.delete(branch);
      pending.onResponse(m);
      return;
    }
    // A 200 to an INVITE retransmitted after we forgot the transaction: the leg acknowledges again.
    const leg = this.#legs.get(header(m, 'call-id') ?? '');
    leg?.onRequest(m);
  }

  #request(m: SipMessage): void {
    const callId = header(m, 'call-id') ?? '';
    const leg = this.#legs.get(callId);
    if (leg !== undefined) {
      leg.onRequest(m);
      return;
    }
    const call = this.#calls.get(callId);
    if (m.method === 'INVITE' && call === undefined && tagOf(header(m, 'to')) === undefined) {
      this.#invite(m, callId);
      return;
    }
    if (call !== undefined) {
      call.request(m);
      return;
    }
    if (m.method === 'ACK') return;
    this.reply(m, 481, 'Call/Transaction Does Not Exist');
  }

  #invite(m: SipMessage, callId: string): void {
    const offer = parseAudioSdp(m.body);
    if (offer === undefined || !offer.formats.includes(0)) {
      this.reply(m, 488, 'Not Acceptable Here', { tag: randomBytes(4).toString('hex') });
      return;
    }
    const call = new InboundCall(this.#core, this, m, offer, () => this.#calls.delete(callId));
    this.#calls.set(callId, call);
    void call.start().catch((error: unknown) => {
      this.#core.log.warn({ err: error }, 'SIP user agent: inbound call failed');
      // Not answered yet: the caller gets a final answer rather than silence.
      if (call.answered) call.hangup('error');
      else {
        this.reply(m, 500, 'Server Internal Error', { tag: randomBytes(4).toString('hex') });
        call.end('error');
      }
    });
  }

  /** Calls a person's phones through the engine (its registrations under the person's id). */
  async call(personId: string, from: { user: string; display?: string }, local: RtpEndpoint): Promise<OutboundLeg> {
    const callId = `${randomBytes(12).toString('hex')}@flint`;
    const fromTag = randomBytes(4).toString('hex');
    const target = `sip:${personId}@${this.#domain}`;
    const fromValue = `${from.display !== undefined ? `"${from.display.replace(/["\\\r\n]/g, '')}" ` : ''}<sip:${from.user}@${this.#domain}>;tag=${fromTag}`;
    const inviteBranch = this.newBranch();
    const sdp = audioSdp(this.host, local.port, 101, randomInt(1, 1_000_000));
    let dialog: { remoteTarget: string; routes: string[]; to: string } | undefined;
    let byeListener: (() => void) | undefined;
    let ended = false;
    let cseq = 1;
    const ack = (to: string, uri: string, routes: string[], branch: string) =>
      this.send({ method: 'ACK', uri, headers: [['via', this.via(branch)], ['max-forwards', '70'], ['from', fromValue], ['to', to], ['call-id', callId], ['cseq', '1 ACK'], ...routes.map((r) => ['route', r] as [string, string])], body: '' });
    const invite: SipMessage = {
      method: 'INVITE',
      uri: target,
      headers: [
        ['via', this.via(inviteBranch)],
        ['max-forwards', '70'],
        ['from', fromValue],
        ['to', `<${target}>`],
        ['call-id', callId],
        ['cseq', '1 INVITE'],
        ['contact', this.contact()],
        // The engine lets the core's own INVITEs through without a digest, on this secret.
        ['x-flint-sip-secret', this.#secret],
        ['content-type', 'application/sdp'],
      ],
      body: sdp,
    };
    const answered = new Promise<string>((resolve, reject) => {
      this.#legs.set(callId, {
        onRequest: (r) => {
          if (r.status !== undefined) {
            // A retransmitted 200: acknowledge it again.
            if (r.status >= 200 && r.status < 300 && dialog !== undefined) ack(dialog.to, dialog.remoteTarget, dialog.routes, this.newBranch());
            return;
          }
          if (r.method === 'BYE') {
            this.reply(r, 200, 'OK');
            if (!ended) {
              ended = true;
              this.#legs.delete(callId);
              byeListener?.();
            }
            return;
          }
          if (r.method !== 'ACK') this.reply(r, 200, 'OK');
        },
      });
      this.request(invite, (r) => {
        const status = r.status ?? 0;
        if (status < 200) return;
        if (status >= 300) {
          // Non-2xx: acknowledged in the INVITE's transaction (same branch, RFC 3261 §17.1.1.3).
          ack(header(r, 'to') ?? `<${target}>`, target, [], inviteBranch);
          this.#legs.delete(callId);
          reject(new Error(`${status} ${r.reason ?? ''}`.trim()));
          return;
        }
        const routes = headers(r, 'record-route').reverse();
        const contact = header(r, 'contact');
        dialog = { remoteTarget: contact !== undefined ? uriOf(contact) : target, routes, to: header(r, 'to') ?? '' };
        ack(dialog.to, dialog.remoteTarget, routes, this.newBranch());
        resolve(r.body);
      });
    });
    // Unobserved rejections are the caller's to handle through `answered`.
    answered.catch(() => undefined);
    return {
      answered,
      onBye: (listener) => (byeListener = listener),
      hangup: () => {
        if (ended) return;
        ended = true;
        this.#legs.delete(callId);
        if (dialog === undefined) {
          // Still ringing: CANCEL in the INVITE's transaction.
          this.send({ method: 'CANCEL', uri: target, headers: [['via', this.via(inviteBranch)], ['max-forwards', '70'], ['from', fromValue], ['to', `<${target}>`], ['call-id', callId], ['cseq', '1 CANCEL']], body: '' });
          return;
        }
        cseq++;
        this.request(
          { method: 'BYE', uri: dialog.remoteTarget, headers: [['via', this.via(this.newBranch())], ['max-forwards', '70'], ['from', fromValue], ['to', dialog.to], ['call-id', callId], ['cseq', `${cseq} BYE`], ...dialog.routes.map((r) => ['route', r] as [string, string])], body: '' },
          () => undefined,
        );
      },
    };
  }
}
