/**
 * Simulcast layers (SPEC MT-1/MT-2, docs/meetings.md "Simulcast and last-N"): every camera is sent
 * as three VP8 encodings of one track (rids `h`, `m`, `l`: full, half and a quarter of the width),
 * and the media server forwards one of them to each receiver. Janus VideoRoom picks the layer by
 * RTP stream (rid/SSRC) and finds key frames from the VP8 payload header, which the frame
 * encryption leaves in clear; the payload itself stays opaque to it.
 * @module
 */
import type { VideoLayer } from '@flint/protocol';

/** Janus VideoRoom's `substream` for a layer (0 the lowest). */
export const SUBSTREAM: Record<VideoLayer, 0 | 1 | 2> = { low: 0, medium: 1, high: 2 };

/**
 * The layer for a video in a grid of `tiles` videos: alone or side by side, the full picture; up to
 * a 2×2 grid, half; beyond, thumbnails. Screens always go high: text at a quarter is unreadable.
 */
export function gridLayer(tiles: number, screen: boolean): VideoLayer {
  if (screen || tiles <= 2) return 'high';
  return tiles <= 4 ? 'medium' : 'low';
}

/** The video m-line's `mid` in a subscription's SDP offer (the media server configures streams by it). */
export function videoMid(sdp: string): string | undefined {
  let video = false;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) video = line.startsWith('m=video');
    else if (video && line.startsWith('a=mid:')) return line.slice('a=mid:'.length).trim();
  }
  return undefined;
}
