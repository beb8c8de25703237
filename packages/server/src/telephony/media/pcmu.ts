/**
 * G.711 µ-law (PCMU, RTP payload type 0), the codec every PSTN trunk speaks (SPEC CL-4): the
 * attendant's greetings are espeak-ng WAVs (16-bit PCM, 22,050 Hz mono) turned into 8 kHz µ-law
 * here, in TypeScript, so no transcoder process is needed for playback.
 * @module
 */

const BIAS = 0x84;
const CLIP = 32635;

/** One 16-bit linear sample to µ-law (ITU-T G.711, the classic segment encoding). */
export function linearToPcmu(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** One µ-law byte back to a 16-bit linear sample. */
export function pcmuToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

export interface Pcm {
  sampleRate: number;
  /** Mono 16-bit samples (the first channel of a multi-channel file). */
  samples: Int16Array;
}

/** The PCM of a RIFF/WAVE file (16-bit integer PCM only: what espeak-ng writes). */
export function parseWav(wav: Uint8Array): Pcm {
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  const tag = (at: number) => String.fromCharCode(wav[at]!, wav[at + 1]!, wav[at + 2]!, wav[at + 3]!);
  if (wav.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a WAV file');
  let format: { channels: number; sampleRate: number; bits: number } | undefined;
  for (let at = 12; at + 8 <= wav.byteLength; ) {
    const id = tag(at);
    // espeak-ng writing to a pipe leaves the sizes at 0x7fffffff: the data runs to the end.
    const size = Math.min(view.getUint32(at + 4, true), wav.byteLength - at - 8);
    const body = at + 8;
    if (id === 'fmt ') {
      if (view.getUint16(body, true) !== 1) throw new Error('WAV: only integer PCM is supported');
      format = { channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      if (format === undefined) throw new Error('WAV: data before its format');
      if (format.bits !== 16 || format.channels < 1) throw new Error('WAV: only 16-bit PCM is supported');
      const frame = 2 * format.channels;
      const count = Math.floor(size / frame);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = view.getInt16(body + i * frame, true);
      return { sampleRate: format.sampleRate, samples };
    }
    at = body + size + (size & 1);
  }
  throw new Error('WAV: no audio data');
}

/** Resampled to `rate` by linear interpolation after a moving-average low-pass (speech, not music). */
export function resample(pcm: Pcm, rate: number): Int16Array {
  if (pcm.sampleRate === rate) return pcm.samples;
  const ratio = pcm.sampleRate / rate;
  // A box filter as wide as the decimation keeps most aliasing out of the telephone band.
  const width = Math.max(1, Math.floor(ratio));
  const src = pcm.samples;
  const smooth = new Float64Array(src.length);
  let sum = 0;
  for (let i = 0; i < src.length; i++) {
    sum += src[i]!;
    if (i >= width) sum -= src[i - width]!;
    smooth[i] = sum / Math.min(i + 1, width);
  }
  const out = new Int16Array(Math.floor(src.length / ratio));
  for (let i = 0; i < out.length; i++) {
    const x = i * ratio;
    const j = Math.floor(x);
    const a = smooth[j] ?? 0;
    const b = smooth[j + 1] ?? a;
    out[i] = Math.round(a + (b - a) * (x - j));
  }
  return out;
}

/** A WAV as 8 kHz µ-law, ready to cut into 20 ms RTP packets of 160 bytes. */
export function wavToPcmu(wav: Uint8Array): Uint8Array {
  const samples = resample(parseWav(wav), 8000);
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = linearToPcmu(samples[i]!);
  return out;
}
