/**
 * One call the SIP engine handed to the core (SPEC CL-4): a caller from the trunk reaching an auto
 * attendant. Answered at once; the menu in effect (business hours, or after hours — holidays
 * first) plays its greeting; each RFC 4733 key press re-runs the routing with the digits so far
 * (routing.ts, the same decisions as the admin's route preview). A person or a hunt group is
 * called through the engine (the group's first wave: UNIFORM rings the longest idle agent) and
 * the legs are bridged; when that call ends, the agent's idle time restarts. An exit, an unknown
 * destination or silence ends the call.
 * @module
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { RouteDecision } from '@flint/protocol';
import type { Core } from '../core.ts';
import { RtpEndpoint } from './media/rtp-endpoint.ts';
import { audioSdp, parseAudioSdp, type AudioOffer } from './media/sdp.ts';
import { header, tagOf, uriOf, userOf, headers as headerList, type SipMessage } from './media/sip-message.ts';
import { wavToPcmu } from './media/pcmu.ts';
import { loadSnapshot } from './numbering.ts';
import { routeCall, type NumberingSnapshot } from './routing.ts';
import type { CallHost, OutboundLeg } from './call-host.ts';
import { BrowserLeg } from './browser-leg.ts';
import { speak } from './tts.ts';

/** Without a key press for this long at a menu, the attendant hangs up. */
export const ATTENDANT_SILENCE_MS = 60_000;
/** The longest a bridged call lasts through the core (a guard against legs nobody hangs up). */
export const MAX_BRIDGED_MS = 4 * 3_600_000;

export class InboundCall {
  readonly #core: Core;
  readonly #ua: CallHost;
  readonly #invite: SipMessage;
  readonly #offer: AudioOffer;
  readonly #onEnd: () => void;
  readonly #tag = randomBytes(4).toString('hex');
  readonly #dialed: string;
  #rtp: RtpEndpoint | undefined;
  #answer = '';
  #acked = false;
  #ended = false;
  #digits = '';
  #snapshot: NumberingSnapshot | undefined;
  #state: 'menu' | 'connecting' | 'bridged' = 'menu';
  #leg: OutboundLeg | undefined;
  #browser: BrowserLeg | undefined;
  #peerRtp: RtpEndpoint | undefined;
  #silence: NodeJS.Timeout | undefined;
  #retransmit: NodeJS.Timeout | undefined;
  #cseq = 100;
  #agent: { groupId: string; personId: string } | undefined;
  /** What happened, for the tests and the logs: the decisions in order. */
  readonly decisions: RouteDecision[] = [];

  constructor(core: Core, ua: CallHost, invite: SipMessage, offer: AudioOffer, onEnd: () => void) {
    this.#core = core;
    this.#ua = ua;
    this.#invite = invite;
    this.#offer = offer;
    this.#onEnd = onEnd;
    const user = userOf(invite.uri ?? '') ?? '';
    this.#dialed = user.startsWith('+') ? user : `+${user}`;
  }

  /** Has the 200 OK gone out (so a failure ends the call with a BYE, not an error response)? */
  get answered(): boolean {
    return this.#answer !== '';
  }

  async start(): Promise<void> {
    this.#ua.reply(this.#invite, 100, 'Trying');
    const row = await this.#core.db.selectFrom('telephony_numbers').select('org_id').where('phone_number', '=', this.#dialed).executeTakeFirst();
    if (row === undefined) {
      this.#ua.reply(this.#invite, 404, 'Not Found', { tag: this.#tag });
      this.#finish();
      return;
    }
    this.#snapshot = await loadSnapshot(this.#core.db, row.org_id);
    const first = this.#route();
    if (first.kind !== 'attendant') {
      // The engine hands over attendants only; anything else changed in between is refused.
      this.#ua.reply(this.#invite, 480, 'Temporarily Unavailable', { tag: this.#tag });
      this.#finish();
      return;
    }
    this.#rtp = await RtpEndpoint.open(this.#ua.host);
    this.#rtp.connect({ address: this.#offer.address, port: this.#offer.port }, this.#offer.telephoneEvent);
    this.#rtp.onDigit((digit) => this.#digit(digit));
    this.#answer = audioSdp(this.#ua.host, this.#rtp.port, this.#offer.telephoneEvent, randomInt(1, 1_000_000));
    this.#sendOk();
    this.#core.log.info({ dialed: this.#dialed, menu: first.menu }, 'SIP: an auto attendant answers');
    void this.#playGreeting(first.targetId!, first.menu === 'afterHours' ? 'afterHours' : 'business');
    this.#armSilence();
  }

  /** The 200 OK, retransmitted until the ACK comes (RFC 3261 §13.3.1.4). */
  #sendOk(): void {
    let interval = 500;
    const send = () => {
      if (this.#acked || this.#ended) return;
      this.#ua.reply(this.#invite, 200, 'OK', { tag: this.#tag, body: this.#answer, contact: true });
      this.#retransmit = setTimeout(send, (interval = Math.min(interval * 2, 4000)));
    };
    send();
  }

  #route(): RouteDecision {
    const decision = routeCall(this.#snapshot!, { dialed: this.#dialed, from: { kind: 'external' }, digits: this.#digits, at: this.#core.now(), random: Math.random });
    this.decisions.push(decision);
    return decision;
  }

  /** The menu's greeting: the stored WAV (spoken at the admin's request), else its text spoken now. */
  async #playGreeting(attendantId: string, menu: 'business' | 'afterHours'): Promise<void> {
    try {
      const row = await this.#core.db.selectFrom('telephony_greetings').select(['blob_key']).where('attendant_id', '=', attendantId).where('menu', '=', menu).executeTakeFirst();
      let wav = row === undefined ? undefined : (await this.#core.blobs.get(row.blob_key))?.data;
      if (wav === undefined) {
        const a = this.#snapshot?.attendants.get(attendantId);
        const text = (menu === 'business' ? a?.businessHoursMenu : a?.afterHoursMenu)?.greeting?.trim();
        if (text !== undefined && text !== '') wav = await speak(text);
      }
      if (wav !== undefined && this.#state === 'menu' && !this.#ended) await this.#rtp?.play(wavToPcmu(wav));
    } catch (error) {
      this.#core.log.warn({ err: error }, 'SIP: the greeting could not be played');
    }
  }

  #armSilence(): void {
    if (this.#silence !== undefined) clearTimeout(this.#silence);
    this.#silence = setTimeout(() => this.hangup('silence'), ATTENDANT_SILENCE_MS);
    this.#silence.unref?.();
  }

  #digit(digit: string): void {
    if (this.#state !== 'menu' || this.#ended) return;
    this.#digits += digit;
    this.#armSilence();
    const decision = this.#route();
    this.#core.log.info({ digit, decision: decision.kind }, 'SIP: a key pressed at the auto attendant');
    switch (decision.kind) {
      case 'attendant':
        if (decision.menu === 'exit') this.hangup('exit');
        return;
      case 'person':
        void this.#connect([decision.targetId!], undefined);
        return;
      case 'huntGroup': {
        const wave = decision.ringWaves?.[0] ?? [];
        if (wave.length === 0) this.hangup('no agent');
        else void this.#connect(wave, decision.targetId);
        return;
      }
      case 'voicemail':
      case 'unknown':
      case 'refused':
      case 'pstn':
      case 'emergency':
        // Voicemail from the SIP side is not built yet (docs/telephony.md, "Not done yet"); an
        // unknown destination or a number outside: the attendant hangs up.
        this.hangup(decision.kind);
    }
  }

  /**
   * Rings the person (for a hunt group, the wave's first: UNIFORM's longest idle agent) on every
   * endpoint at once — their desk phones through the engine, their browsers through rtpengine —
   * and bridges the first to answer; the others stop ringing.
   */
  async #connect(people: string[], groupId: string | undefined): Promise<void> {
    this.#state = 'connecting';
    this.#rtp?.stop();
    if (this.#silence !== undefined) clearTimeout(this.#silence);
    // One person at a time through the core (a wave of several would need forking the legs).
    const personId = people[0]!;
    const from = userOf(uriOf(header(this.#invite, 'from') ?? '')) ?? 'anonymous';
    const deskRtp = await RtpEndpoint.open(this.#ua.host);
    this.#peerRtp = deskRtp;
    const desk = await this.#ua.call(personId, { user: from }, deskRtp);
    this.#leg = desk;
    const deskAnswered = desk.answered.then((sdp) => {
      const answer = parseAudioSdp(sdp);
      if (answer === undefined) throw new Error('no usable answer');
      deskRtp.connect({ address: answer.address, port: answer.port }, answer.telephoneEvent);
      return { kind: 'desk' as const, rtp: deskRtp };
    });
    // Observed below (Promise.any); a desk phone refusing while the browser is still being rung is no error.
    deskAnswered.catch(() => undefined);
    const relay = this.#ua.relay();
    let browser: BrowserLeg | undefined;
    const answers: Promise<{ kind: 'desk' | 'browser'; rtp: RtpEndpoint }>[] = [deskAnswered];
    if (relay !== undefined) {
      try {
        browser = await BrowserLeg.ring(this.#core, await relay, this.#ua.host, personId, { from, to: this.#dialed, huntGroupId: groupId });
        this.#browser = browser;
        this.#ua.browserLegs.set(browser.id, browser);
        const leg = browser;
        answers.push(leg.answered.then(() => ({ kind: 'browser' as const, rtp: leg.rtp })));
      } catch (error) {
        this.#core.log.warn({ err: error }, 'SIP: the browser could not be rung (media relay)');
      }
    }
    // Nobody answers within the ring time: the caller is let go.
    const ringTimer = setTimeout(() => this.hangup('no answer'), this.#core.config.calls.ringSeconds * 1000);
    ringTimer.unref?.();
    try {
      const winner = await Promise.any(answers);
      clearTimeout(ringTimer);
      if (this.#ended) return;
      if (winner.kind === 'browser') {
        desk.hangup();
        this.#leg = undefined;
        deskRtp.close();
        browser!.onHangup(() => this.hangup('browser hung up'));
      } else {
        desk.onBye(() => this.hangup('agent hung up', false));
        if (browser !== undefined) void browser.end('answered_elsewhere');
      }
      this.#rtp?.bridge(winner.rtp);
      this.#state = 'bridged';
      if (groupId !== undefined) this.#agent = { groupId, personId };
      this.#core.log.info({ groupId: groupId ?? null, endpoint: winner.kind }, 'SIP: the call is bridged to a person');
      const guard = setTimeout(() => this.hangup('too long'), MAX_BRIDGED_MS);
      guard.unref?.();
    } catch {
      clearTimeout(ringTimer);
      this.#core.log.info('SIP: nobody answered');
      this.hangup('no answer');
    }
  }

  /** In-dialog requests from the caller's side. */
  request(m: SipMessage): void {
    switch (m.method) {
      case 'ACK':
        this.#acked = true;
        if (this.#retransmit !== undefined) clearTimeout(this.#retransmit);
        return;
      case 'BYE':
        this.#ua.reply(m, 200, 'OK');
        this.end('caller hung up');
        return;
      case 'INVITE':
        // A retransmission of the first INVITE, or a re-INVITE: the same answer.
        if (tagOf(header(m, 'to')) === undefined) return;
        this.#ua.reply(m, 200, 'OK', { tag: this.#tag, body: this.#answer, contact: true });
        return;
      case undefined:
        return;
      default:
        this.#ua.reply(m, 200, 'OK');
    }
  }

  /** We hang up: a BYE to the caller (through the engine's recorded route), then the end. */
  hangup(reason: string, hangupLeg = true): void {
    if (this.#ended) return;
    const contact = header(this.#invite, 'contact');
    this.#ua.request(
      {
        method: 'BYE',
        uri: contact !== undefined ? uriOf(contact) : (this.#invite.uri ?? ''),
        headers: [
          ['via', this.#ua.via(this.#ua.newBranch())],
          ['max-forwards', '70'],
          ['from', `${header(this.#invite, 'to') ?? ''};tag=${this.#tag}`],
          ['to', header(this.#invite, 'from') ?? ''],
          ['call-id', header(this.#invite, 'call-id') ?? ''],
          ['cseq', `${++this.#cseq} BYE`],
          ...headerList(this.#invite, 'record-route').map((r) => ['route', r] as [string, string]),
        ],
        body: '',
      },
      () => undefined,
    );
    this.end(reason, hangupLeg);
  }

  /** Ends the call here: the other leg hung up, media closed, the agent's idle time restarted. */
  end(reason: string, hangupLeg = true): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const t of [this.#silence, this.#retransmit]) if (t !== undefined) clearTimeout(t);
    if (hangupLeg) this.#leg?.hangup();
    const browser = this.#browser;
    if (browser !== undefined) {
      this.#ua.browserLegs.delete(browser.id);
      void browser.end('hangup');
    }
    this.#rtp?.close();
    this.#peerRtp?.close();
    this.#core.log.info({ reason }, 'SIP: the call through the core ended');
    const agent = this.#agent;
    if (agent !== undefined) {
      // UNIFORM hunting rings the agent idle the longest: this one's idle time starts now.
      void this.#core.db
        .updateTable('telephony_hunt_agents')
        .set({ idle_since: this.#core.now() })
        .where('group_id', '=', agent.groupId)
        .where('person_id', '=', agent.personId)
        .execute()
        .catch((error: unknown) => this.#core.log.warn({ err: error }, 'hunt agent idle time not recorded'));
    }
    this.#finish();
  }

  #finish(): void {
    this.#ended = true;
    this.#onEnd();
  }
}
