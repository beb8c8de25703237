/**
 * What a meeting's tab hears, measured in the page (Chromium, through Playwright): the browser tests
 * of meetings and calls count audio by the level each remote tile's track reaches, not by timings.
 * @module
 */
import type { Page } from 'playwright-core';

/** The loudest level (RMS) heard over `ms` in each remote tile's audio (`.meeting-tile:not(.self)`), by participant id. */
export async function remoteAudioLevels(page: Page, ms: number): Promise<Record<string, number>> {
  return page.evaluate(async (duration) => {
    const context = new AudioContext();
    await context.resume();
    const meters: [string, AnalyserNode][] = [];
    for (const tile of document.querySelectorAll<HTMLElement>('.meeting-tile:not(.self)')) {
      const stream = tile.querySelector('video')?.srcObject;
      if (!(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) continue;
      const analyser = context.createAnalyser();
      analyser.fftSize = 2048;
      context.createMediaStreamSource(new MediaStream(stream.getAudioTracks())).connect(analyser);
      meters.push([tile.dataset['participant']!, analyser]);
    }
    const peaks: Record<string, number> = Object.fromEntries(meters.map(([id]) => [id, 0]));
    const samples = new Float32Array(2048);
    const end = Date.now() + duration;
    while (Date.now() < end) {
      for (const [id, analyser] of meters) {
        analyser.getFloatTimeDomainData(samples);
        const rms = Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
        peaks[id] = Math.max(peaks[id]!, rms);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await context.close();
    return peaks;
  }, ms);
}

/**
 * A 1:1 call window's remote audio (`.call-remote`) over `ms`: its loudest level and the share of 50 ms
 * ticks that are not silent (the fake microphone beeps now and then; music on hold plays all the time).
 */
export async function callRemoteAudio(page: Page, ms: number): Promise<{ peak: number; loud: number }> {
  return page.evaluate(async (duration) => {
    const stream = document.querySelector<HTMLVideoElement>('.call-remote')?.srcObject;
    if (!(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) return { peak: 0, loud: 0 };
    const context = new AudioContext();
    await context.resume();
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    context.createMediaStreamSource(new MediaStream(stream.getAudioTracks())).connect(analyser);
    const samples = new Float32Array(2048);
    let peak = 0;
    let ticks = 0;
    let loud = 0;
    const end = Date.now() + duration;
    while (Date.now() < end) {
      analyser.getFloatTimeDomainData(samples);
      const rms = Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
      peak = Math.max(peak, rms);
      ticks++;
      if (rms > 0.01) loud++;
      await new Promise((r) => setTimeout(r, 50));
    }
    await context.close();
    return { peak, loud: ticks === 0 ? 0 : loud / ticks };
  }, ms);
}
