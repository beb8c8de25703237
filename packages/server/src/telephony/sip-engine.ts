/**
 * What the core knows of the SIP engine (SPEC CL-6): the composition root starts Kamailio (the
 * CLI's kamailio-process.ts) and hands the core this. The engine asks the core two questions over
 * loopback HTTP (sip.ts): a device's digest HA1 when it registers or calls, and where a call goes.
 * @module
 */
import type { PhoneCall } from '@flint/protocol';

/** The core's own SIP user agent (sip-user-agent.ts), as the rest of the core sees it. */
export interface SipAgent {
  /** Its UDP port on the engine's host (the generated Kamailio configuration names it). */
  readonly port: number;
  /** A phone call ringing or connected in a browser (browser-leg.ts), by id. */
  phoneCall(id: string): PhoneCallLeg | undefined;
  close(): Promise<void>;
}

export interface PhoneCallLeg {
  readonly personId: string;
  answer(sdp: string): Promise<PhoneCall>;
  hangup(): Promise<PhoneCall>;
}

export interface SipEngine {
  /** The shared secret the engine presents (header `X-Flint-Sip-Secret`) on the core's SIP routes. */
  readonly secret: string;
  /** The SIP domain and digest realm phones register in. */
  readonly realm: string;
  /** Where phones register: `host:port`. */
  readonly registrar: string;
  /** Is the engine running and answering? (The status page, SPEC AD-3.) */
  health(): Promise<{ ok: boolean; detail: string }>;
}
