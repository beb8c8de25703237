/**
 * The little SDP the core's SIP user agent reads and writes (RFC 4566/3264): one audio stream of
 * PCMU with RFC 4733 telephone events over plain RTP. What a trunk or a desk phone offers is read
 * for its address, port and telephone-event payload type; the answer names ours.
 * @module
 */

export interface AudioOffer {
  address: string;
  port: number;
  /** The payload types offered, in order. */
  formats: number[];
  /** The dynamic payload type of telephone-event/8000, if offered. */
  telephoneEvent: number | undefined;
}

export function parseAudioSdp(sdp: string): AudioOffer | undefined {
  let session: string | undefined;
  let media: string | undefined;
  let port: number | undefined;
  let formats: number[] = [];
  let telephoneEvent: number | undefined;
  let inAudio = false;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      const m = /^m=audio (\d+) RTP\/AVP ([\d ]+)$/.exec(line.trim());
      inAudio = m !== null && port === undefined;
      if (m !== null && port === undefined) {
        port = Number(m[1]);
        formats = m[2]!.trim().split(/\s+/).map(Number);
      }
      continue;
    }
    const c = /^c=IN IP4 ([\d.]+)/.exec(line);
    if (c !== null) {
      if (port === undefined) session = c[1];
      else if (inAudio) media = c[1];
    }
    const te = /^a=rtpmap:(\d+) telephone-event\/8000/i.exec(line);
    if (te !== null && inAudio) telephoneEvent = Number(te[1]);
  }
  const address = media ?? session;
  if (port === undefined || address === undefined || port === 0) return undefined;
  return { address, port, formats, telephoneEvent };
}

/** Our side: PCMU and, when the other side offered it, telephone-event with their payload type. */
export function audioSdp(address: string, port: number, telephoneEvent: number | undefined, sessionId: number): string {
  const formats = telephoneEvent === undefined ? '0' : `0 ${telephoneEvent}`;
  return [
    'v=0',
    `o=flint ${sessionId} ${sessionId} IN IP4 ${address}`,
    's=Flint',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${formats}`,
    'a=rtpmap:0 PCMU/8000',
    ...(telephoneEvent === undefined ? [] : [`a=rtpmap:${telephoneEvent} telephone-event/8000`, `a=fmtp:${telephoneEvent} 0-16`]),
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}
