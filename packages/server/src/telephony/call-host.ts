/**
 * What a call held by the core's SIP user agent (inbound-call.ts) asks of the agent: its
 * transport (responses, requests with retransmission, Via branches), outgoing legs through the
 * engine, and the media relay for browsers. An interface of its own so the call and the agent do
 * not import each other.
 * @module
 */
import type { BrowserLeg } from './browser-leg.ts';
import type { NgClient } from './media/ng-client.ts';
import type { RtpEndpoint } from './media/rtp-endpoint.ts';
import type { SipMessage } from './media/sip-message.ts';

export interface OutboundLeg {
  /** Resolves with the answer's SDP once answered; rejects with the final status otherwise. */
  answered: Promise<string>;
  /** Hangs the leg up (BYE once answered, CANCEL while it rings). */
  hangup(): void;
  /** Called when the other side hangs up. */
  onBye(listener: () => void): void;
}

export interface CallHost {
  readonly host: string;
  /** Phone calls ringing or connected in browsers, by id. */
  readonly browserLegs: Map<string, BrowserLeg>;
  reply(request: SipMessage, status: number, reason: string, extra?: { tag?: string; body?: string; contact?: boolean }): void;
  request(m: SipMessage, onResponse: (r: SipMessage) => void): void;
  via(branch: string): string;
  newBranch(): string;
  call(personId: string, from: { user: string; display?: string }, local: RtpEndpoint): Promise<OutboundLeg>;
  relay(): Promise<NgClient> | undefined;
}
