/**
 * DTMF as RFC 4733 telephone events (SPEC CL-4): what trunks and phones send for keypad presses
 * instead of tones in the audio. One press is one event, sent in several packets with the same RTP
 * timestamp (its start) and a growing duration, the last ones (usually three) with the End bit.
 * The collector reports each press once, when its first packet arrives (the attendant reacts at
 * once), and ignores the repeats.
 * @module
 */

/** Events 0–15: the keypad (RFC 4733 §3.2). */
const KEYS = '0123456789*#ABCD';

export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

/** One telephone-event payload (4 bytes); undefined if malformed. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.byteLength < 4) return undefined;
  return { event: payload[0]!, end: (payload[1]! & 0x80) !== 0, volume: payload[1]! & 0x3f, duration: (payload[2]! << 8) | payload[3]! };
}

/** The keypad character of an event, or undefined for other events (flash, tones). */
export function digitOf(event: number): string | undefined {
  return event < KEYS.length ? KEYS[event] : undefined;
}

/** Turns a stream of telephone-event packets into key presses, each once. */
export class DtmfCollector {
  #last: number | undefined;

  /** The digit this packet starts, or undefined (a repeat, an unknown event, a malformed payload). */
  push(timestamp: number, payload: Uint8Array): string | undefined {
    const ev = parseTelephoneEvent(payload);
    if (ev === undefined) return undefined;
    // Every packet of one press carries the press's start as its timestamp.
    if (this.#last === timestamp) return undefined;
    this.#last = timestamp;
    return digitOf(ev.event);
  }
}
