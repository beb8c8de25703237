/**
 * What the core knows of the media relay between browsers and SIP legs (SPEC CL-4): rtpengine,
 * started by the composition root (the CLI's rtpengine-process.ts) beside Kamailio and driven by
 * the core over its NG control port (media/ng-client.ts).
 * @module
 */
export interface RtpRelay {
  /** rtpengine's NG control port on loopback. */
  readonly ng: { host: string; port: number };
  /** Is it running and answering a `ping`? (The status page.) */
  health(): Promise<{ ok: boolean; detail: string }>;
}
