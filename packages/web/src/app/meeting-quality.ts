/**
 * The network quality indicator of a meeting's tiles (docs/meetings.md): from each connection's
 * `getStats()` every few seconds — packets lost over those received, the audio's jitter, the round
 * trip to the media server — plus what is received (frames per second, picture width, bit rate),
 * which also tells whether the media server forwards this video at all (last-N) and in which layer.
 * Only metadata: the frames stay encrypted end to end.
 * @module
 */
export type Quality = 'good' | 'fair' | 'poor';

export interface LinkStats {
  /** Packets lost over packets expected since the last sample (0–1). */
  loss: number;
  jitterMs: number;
  rttMs: number | undefined;
}

export interface ReceivedVideo {
  framesPerSecond: number;
  width: number;
  kbps: number;
}

/** Thresholds after the usual VoIP rules of thumb: ~2 % loss, 30 ms jitter and 300 ms round trip start to be heard. */
export function qualityOf(stats: LinkStats): Quality {
  const rtt = stats.rttMs ?? 0;
  if (stats.loss >= 0.08 || stats.jitterMs >= 60 || rtt >= 500) return 'poor';
  if (stats.loss >= 0.02 || stats.jitterMs >= 30 || rtt >= 300) return 'fair';
  return 'good';
}

interface Counters {
  at: number;
  lost: number;
  received: number;
  frames: number;
  bytes: number;
}

/** Follows one connection's counters between samples. */
export class ConnectionSampler {
  private last: Counters | undefined;

  /** Reads the connection's stats now: the link's quality and, for a receiving connection, its video. */
  async sample(pc: RTCPeerConnection): Promise<{ quality: Quality; link: LinkStats; video: ReceivedVideo | undefined }> {
    const report = await pc.getStats();
    let lost = 0;
    let received = 0;
    let frames = 0;
    let bytes = 0;
    let width = 0;
    let jitter = 0;
    let rtt: number | undefined;
    let hasVideo = false;
    let remoteLoss: number | undefined;
    report.forEach((entry: Record<string, unknown>) => {
      const num = (key: string) => (typeof entry[key] === 'number' ? entry[key] : 0);
      if (entry['type'] === 'inbound-rtp') {
        lost += Math.max(0, num('packetsLost'));
        received += num('packetsReceived');
        jitter = Math.max(jitter, num('jitter') * 1000);
        if (entry['kind'] === 'video') {
          hasVideo = true;
          frames += num('framesDecoded');
          bytes += num('bytesReceived');
          width = Math.max(width, num('frameWidth'));
        }
      } else if (entry['type'] === 'remote-inbound-rtp') {
        // What the media server says of what this tab sends.
        remoteLoss = Math.max(remoteLoss ?? 0, num('fractionLost'));
        jitter = Math.max(jitter, num('jitter') * 1000);
        if (typeof entry['roundTripTime'] === 'number') rtt = Math.max(rtt ?? 0, num('roundTripTime') * 1000);
      } else if (entry['type'] === 'candidate-pair' && entry['nominated'] === true && typeof entry['currentRoundTripTime'] === 'number') {
        rtt = Math.max(rtt ?? 0, num('currentRoundTripTime') * 1000);
      }
    });
    const now: Counters = { at: performance.now(), lost, received, frames, bytes };
    const before = this.last;
    this.last = now;
    const seconds = before !== undefined ? Math.max(0.001, (now.at - before.at) / 1000) : 0;
    const expected = before !== undefined ? now.received - before.received + (now.lost - before.lost) : 0;
    const loss = remoteLoss ?? (expected > 0 ? (now.lost - before!.lost) / expected : 0);
    const link: LinkStats = { loss, jitterMs: jitter, rttMs: rtt };
    const video = hasVideo && before !== undefined ? { framesPerSecond: (now.frames - before.frames) / seconds, width, kbps: ((now.bytes - before.bytes) * 8) / 1000 / seconds } : undefined;
    return { quality: qualityOf(link), link, video };
  }
}
