/**
 * RTP packets (RFC 3550), only what the core's media endpoint needs: version 2, no padding or
 * header extension written; CSRCs and extensions skipped when read.
 * @module
 */

export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
}

export function parseRtp(buf: Uint8Array): RtpPacket | undefined {
  if (buf.byteLength < 12 || buf[0]! >> 6 !== 2) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const csrcs = buf[0]! & 0x0f;
  let offset = 12 + csrcs * 4;
  if (buf[0]! & 0x10) {
    if (offset + 4 > buf.byteLength) return undefined;
    offset += 4 + view.getUint16(offset + 2) * 4;
  }
  let end = buf.byteLength;
  if (buf[0]! & 0x20) end -= buf[buf.byteLength - 1]!;
  if (offset > end) return undefined;
  return { payloadType: buf[1]! & 0x7f, marker: (buf[1]! & 0x80) !== 0, sequence: view.getUint16(2), timestamp: view.getUint32(4), ssrc: view.getUint32(8), payload: buf.subarray(offset, end) };
}

export function buildRtp(p: RtpPacket): Uint8Array {
  const out = new Uint8Array(12 + p.payload.byteLength);
  const view = new DataView(out.buffer);
  out[0] = 0x80;
  out[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  view.setUint16(2, p.sequence & 0xffff);
  view.setUint32(4, p.timestamp >>> 0);
  view.setUint32(8, p.ssrc >>> 0);
  out.set(p.payload, 12);
  return out;
}
