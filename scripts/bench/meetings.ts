/**
 * `npm run bench meetings`: one meeting of 25 (SPEC MT-1) with simulcast and last-N through the
 * compiled server and a real Janus, on this machine (docs/meetings.md "Capacity: the meetings
 * bench"). Participants are spread over a few headless Chromium pages (several participants per
 * page, each with its own connections, as separate tabs would have), with Chromium's fake camera at
 * a low resolution (320×240, 15 fps, three simulcast layers) and a fake microphone playing a
 * steady tone; 3 participants talk, the others are muted. Every participant publishes, subscribes
 * to every other one through the core, and asks the core for the speaker layout with
 * `FLINT_BENCH_MEETING_LAST_N` videos (9: the talker large, 8 thumbnails). The media is not
 * encrypted end to end here: the frame encryption costs the browsers, not Janus or the core (Janus
 * forwards opaque payloads either way), and would need a KMS device per participant.
 *
 * Measured over `FLINT_BENCH_MEETING_SECONDS` once every receiver decodes its videos: the CPU of
 * Janus (the server's child) and of the server process, the machine's busy time, and per receiver
 * the video it receives (kbit/s, frames per second, how many videos flow) and its audio.
 *
 * Janus offers no ICE candidate on a loopback interface, so the part runs itself again inside a
 * private network namespace with a veth carrying 127.0.0.2, as the meetings tests do.
 * Knobs: FLINT_BENCH_MEETING_PARTICIPANTS (25), _PAGES (5), _LAST_N (9), _TALKERS (3), _SECONDS (20);
 * `npm run bench meetings -- --quick`: 4 participants on 2 pages for 8 s (a smoke run).
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, NETNS_SETUP } from '@flint/testkit';
import { cpuSeconds, createPeople, fmt, founder, machineBusySeconds, machineLine, median, sleep, startServer, table, type Server } from './common.ts';

const SELF = fileURLToPath(import.meta.url);
const QUICK = process.argv.includes('--quick');
const knob = (name: string, normal: number, quick: number) => Number(process.env[`FLINT_BENCH_MEETING_${name}`] ?? (QUICK ? quick : normal));

interface Settings {
  participants: number;
  pages: number;
  lastN: number;
  talkers: number;
  seconds: number;
}

interface Receiver {
  /** Video received, kbit/s. */
  videoKbps: number;
  audioKbps: number;
  /** Videos that decoded frames during the window. */
  videos: number;
  /** Frames per second of each video that flowed, averaged. */
  fps: number;
  /** Widest picture decoded (the high layer's). */
  maxWidth: number;
}

interface Result {
  settings: Settings;
  janusCpuPercent: number;
  serverCpuPercent: number;
  machineBusyPercent: number;
  receivers: Receiver[];
  setupSeconds: number;
  /** How often the core saw who talks change (Janus's talking events), over the whole run. */
  speakerChanges: number;
}

/** A 16-bit mono WAV of a steady tone: a microphone that never pauses, so Janus hears talking. */
function toneWav(seconds = 2, rate = 48_000): Buffer {
  const samples = seconds * rate;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(10_000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return wav;
}

/** The pid of Janus, the server's child (other Janus processes on the machine are not ours). */
function janusOf(serverPid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'janus' && ppid === serverPid) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/**
 * The page side of one participant: its camera and microphone, publishing, subscriptions to the
 * others and the view, all through the core's meeting routes (a page of this bench is a client
 * like the web app, without its UI and its frame encryption).
 */
interface PageParticipant {
  token: string;
  meetingId: string;
  participantId: string;
  talks: boolean;
}

/**
 * The page side, as plain JavaScript (a script tag: code handed to `page.evaluate` from TypeScript
 * would carry the compiler's helpers). Each participant: its camera and microphone, publishing,
 * the view, then subscriptions to the others — all through the core's meeting routes (a page of
 * this bench is a client like the web app, without its UI and its frame encryption).
 */
const PAGE_SCRIPT = String.raw`
window.benchParticipants = [];
async function benchCall(url, token, path, body) {
  const res = await fetch(url + path, { method: path.endsWith('/view') ? 'PUT' : 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(path + ': ' + res.status + ' ' + (await res.text()));
  return res.status === 204 ? undefined : res.json();
}
function benchGathered(pc) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(resolve, 5000);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
    });
  });
}
window.benchStart = async (url, participants, lastN) => {
  for (const p of participants) {
    const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240, frameRate: 15 } });
    for (const track of media.getAudioTracks()) track.enabled = p.talks;
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    for (const track of media.getTracks()) {
      pc.addTransceiver(track, track.kind === 'video'
        ? { direction: 'sendonly', sendEncodings: [{ rid: 'h', maxBitrate: 500000 }, { rid: 'm', maxBitrate: 150000, scaleResolutionDownBy: 2 }, { rid: 'l', maxBitrate: 60000, scaleResolutionDownBy: 4 }] }
        : { direction: 'sendonly' });
    }
    await pc.setLocalDescription(await pc.createOffer());
    await benchGathered(pc);
    const { answer } = await benchCall(url, p.token, '/api/meetings/' + p.meetingId + '/publish', { participantId: p.participantId, offer: pc.localDescription.sdp });
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await benchCall(url, p.token, '/api/meetings/' + p.meetingId + '/view', { participantId: p.participantId, view: { layout: 'speaker', lastN } });
    window.benchParticipants.push({ p, url, publisher: pc, subscribers: new Map() });
  }
};
// Subscribes each participant to every publisher it does not receive yet (called again until all are in).
window.benchSubscribe = async (feeds) => {
  let made = 0;
  // The page's participants subscribe side by side, as separate tabs would.
  await Promise.all(window.benchParticipants.map(async (state) => {
    const p = state.p;
    for (const feed of feeds) {
      if (feed === p.participantId || state.subscribers.has(feed)) continue;
      try {
        const { subscriptionId, offer } = await benchCall(state.url, p.token, '/api/meetings/' + p.meetingId + '/subscribe', { participantId: p.participantId, feedParticipantId: feed });
        const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
        await pc.setRemoteDescription({ type: 'offer', sdp: offer });
        await pc.setLocalDescription(await pc.createAnswer());
        await benchGathered(pc);
        await benchCall(state.url, p.token, '/api/meetings/' + p.meetingId + '/answer', { participantId: p.participantId, subscriptionId, answer: pc.localDescription.sdp });
        state.subscribers.set(feed, pc);
        made++;
      } catch {
        // Janus refuses a feed whose connection is still coming up: the next round tries again.
      }
    }
  }));
  return made;
};
window.benchSubscriptions = () => window.benchParticipants.reduce((n, s) => n + s.subscribers.size, 0);
// Each participant's receive counters, summed over its subscriptions.
window.benchCounters = async () => {
  const out = [];
  for (const state of window.benchParticipants) {
    const c = { videoBytes: 0, audioBytes: 0, frames: {}, width: 0 };
    for (const [feed, pc] of state.subscribers) {
      (await pc.getStats()).forEach((s) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'video') {
          c.videoBytes += s.bytesReceived ?? 0;
          c.frames[feed] = s.framesDecoded ?? 0;
          c.width = Math.max(c.width, s.frameWidth ?? 0);
        } else c.audioBytes += s.bytesReceived ?? 0;
      });
    }
    out.push(c);
  }
  return out;
};
`;

type PageFn = (...args: unknown[]) => Promise<unknown>;
const pageCall = async <T>(page: Page, name: string, ...args: unknown[]): Promise<T> => (await page.evaluate(([fn, rest]) => (window as unknown as Record<string, PageFn>)[fn]!(...(rest)), [name, args] as const)) as T;

async function startParticipants(page: Page, url: string, participants: PageParticipant[], lastN: number): Promise<void> {
  await page.addScriptTag({ content: PAGE_SCRIPT });
  await pageCall(page, 'benchStart', url, participants, lastN);
}

interface Counters {
  videoBytes: number;
  audioBytes: number;
  frames: Record<string, number>;
  width: number;
}

/** Each participant's receive counters on this page, summed over its subscriptions. */
const counters = (page: Page): Promise<Counters[]> => pageCall<Counters[]>(page, 'benchCounters');

async function waitForMedia(server: Server): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const health = (await (await fetch(`${server.url}/health`)).json().catch(() => ({}))) as { media?: string };
    if (health.media === 'ready') return;
    if (health.media === 'unavailable') throw new Error('Janus is not available to the server (apt-get install -y --no-install-recommends janus)');
    await sleep(500);
  }
  throw new Error('Janus did not become ready');
}

/** The run itself, inside the network namespace. */
async function inner(settings: Settings): Promise<Result> {
  const started = performance.now();
  const server = await startServer({ engine: 'sqlite', env: { FLINT_JANUS: 'auto', FLINT_JANUS_ICE_INTERFACES: 'veth0', FLINT_RATE_LIMIT_PER_MINUTE: '1000000', FLINT_LOG_LEVEL: 'info' } });
  let browser: Browser | undefined;
  try {
    await waitForMedia(server);
    const admin = await founder(server.url);
    const people = await createPeople(server.url, admin, settings.participants, 'meet');
    const room = await admin.client.rooms.create({ title: 'Bench meeting' });
    for (const person of people) await admin.client.memberships.create({ roomId: room.id, personEmail: person.email });
    const joined: PageParticipant[] = [];
    for (const [i, person] of people.entries()) {
      const { meeting, participantId } = await person.client.meetings.join(room.id);
      joined.push({ token: person.client.session!.accessToken, meetingId: meeting.id, participantId, talks: i < settings.talkers });
    }
    const tone = join(mkdtempSync(join(tmpdir(), 'flint-bench-tone-')), 'tone.wav');
    writeFileSync(tone, toneWav());
    browser = await launchChromium({ args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${tone}`, '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'] });
    const pages: Page[] = [];
    const perPage = Math.ceil(settings.participants / settings.pages);
    for (let i = 0; i < settings.pages; i++) {
      const group = joined.slice(i * perPage, (i + 1) * perPage);
      if (group.length === 0) break;
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${server.url}/health`, { timeout: 120_000 });
      await startParticipants(page, server.url, group, settings.lastN);
      pages.push(page);
      console.error(`  page ${i + 1}: ${group.length} participants publish`);
    }
    const feeds = joined.map((p) => p.participantId);
    const wanted = settings.participants * (settings.participants - 1);
    for (let round = 0; round < 12; round++) {
      let made = 0;
      // Every page at once: a meeting's tabs subscribe side by side.
      made += (await Promise.all(pages.map((page) => pageCall<number>(page, 'benchSubscribe', feeds)))).reduce((a, b) => a + b, 0);
      const total = (await Promise.all(pages.map((p) => pageCall<number>(p, 'benchSubscriptions')))).reduce((a, b) => a + b, 0);
      console.error(`  subscriptions: ${total} of ${wanted} (+${made})`);
      if (total === wanted) break;
      await sleep(2000);
    }
    // Warm up: every receiver decodes as many videos as it may (its last N), or 60 s pass.
    const expectVideos = Math.min(settings.lastN, settings.participants - 1);
    const warmEnd = Date.now() + 60_000;
    while (Date.now() < warmEnd) {
      const a = (await Promise.all(pages.map(counters))).flat();
      await sleep(3000);
      const b = (await Promise.all(pages.map(counters))).flat();
      const flowing = b.map((c, i) => Object.keys(c.frames).filter((f) => c.frames[f]! > (a[i]!.frames[f] ?? 0)).length);
      console.error(`  warming up: videos flowing per receiver min ${Math.min(...flowing)} (want ${expectVideos})`);
      if (Math.min(...flowing) >= expectVideos) break;
    }
    const setupSeconds = (performance.now() - started) / 1000;
    const janus = janusOf(server.pid);
    if (janus === undefined) throw new Error('no Janus process under the server');
    const before = { janus: await cpuSeconds(janus), server: await cpuSeconds(server.pid), busy: await machineBusySeconds(), at: performance.now(), counters: (await Promise.all(pages.map(counters))).flat() };
    await sleep(settings.seconds * 1000);
    const after = { janus: await cpuSeconds(janus), server: await cpuSeconds(server.pid), busy: await machineBusySeconds(), at: performance.now(), counters: (await Promise.all(pages.map(counters))).flat() };
    const wall = (after.at - before.at) / 1000;
    const receivers = after.counters.map((c, i) => {
      const b = before.counters[i]!;
      const deltas = Object.keys(c.frames).map((f) => c.frames[f]! - (b.frames[f] ?? 0)).filter((d) => d > 0);
      return {
        videoKbps: ((c.videoBytes - b.videoBytes) * 8) / 1000 / wall,
        audioKbps: ((c.audioBytes - b.audioBytes) * 8) / 1000 / wall,
        videos: deltas.length,
        fps: deltas.length > 0 ? deltas.reduce((x, y) => x + y, 0) / deltas.length / wall : 0,
        maxWidth: c.width,
      };
    });
    return {
      settings,
      janusCpuPercent: ((after.janus - before.janus) / wall) * 100,
      serverCpuPercent: ((after.server - before.server) / wall) * 100,
      machineBusyPercent: ((after.busy - before.busy) / wall) * 100,
      receivers,
      setupSeconds,
      speakerChanges: server.output().split('\n').filter((l) => l.includes('meeting speakers changed')).length,
    };
  } finally {
    await browser?.close().catch(() => undefined);
    await server.stop();
  }
}

function markdown(r: Result): string {
  const s = r.settings;
  const col = (f: (x: Receiver) => number) => r.receivers.map(f).sort((a, b) => a - b);
  const row = (name: string, f: (x: Receiver) => number, digits = 1) => {
    const xs = col(f);
    return [name, fmt(xs[0] ?? NaN, digits), fmt(median(xs), digits), fmt(xs[xs.length - 1] ?? NaN, digits)];
  };
  return [
    `## Meetings: ${s.participants} people with simulcast and last-N (\`npm run bench meetings\`)`,
    '',
    machineLine(),
    '',
    `${s.participants} participants on ${s.pages} headless Chromium pages (fake camera 320×240 at 15 fps sent as 3 VP8 simulcast layers, fake microphone), ${s.talkers} talking and the others muted (Opus DTX), everyone subscribed to everyone through the core, speaker layout with last-N = ${s.lastN}; measured over ${s.seconds} s after every receiver decoded its videos (set-up took ${fmt(r.setupSeconds, 0)} s). No frame encryption in this bench (it costs the browsers, not Janus). Method: docs/meetings.md.`,
    '',
    `Speaker changes the core saw (Janus's talking events): ${r.speakerChanges}.`,
    '',
    table(['process', 'CPU (% of one core)'], [['Janus (SFU)', fmt(r.janusCpuPercent)], ['Flint server', fmt(r.serverCpuPercent)], ['whole machine (browsers included)', fmt(r.machineBusyPercent)]]),
    '',
    limits(r),
    '',
    table(
      ['per receiver', 'min', 'median', 'max'],
      [row('videos flowing', (x) => x.videos, 0), row('video kbit/s', (x) => x.videoKbps), row('frames/s per video', (x) => x.fps), row('widest picture (px)', (x) => x.maxWidth, 0), row('audio kbit/s', (x) => x.audioKbps)],
    ),
  ].join('\n');
}

/** What the numbers say limits the run (read from them, not assumed). */
function limits(r: Result): string {
  const sfu = r.janusCpuPercent + r.serverCpuPercent;
  const clients = r.machineBusyPercent - sfu;
  const saturated = r.machineBusyPercent >= 170;
  const share = `Janus and the server took ${fmt(sfu)} % of a core, the rest of the machine's ${fmt(r.machineBusyPercent)} % of 200 % (${fmt(clients)} %) went to the ${r.settings.pages} browser pages (encoding ${r.settings.participants} cameras in 3 layers, decoding up to ${r.settings.lastN} videos per receiver) and whatever else ran on the machine.`;
  if (!saturated) return `${share} The machine was not saturated: nothing limited this run.`;
  return sfu < clients
    ? `${share} The machine was saturated, by the clients rather than the SFU: on one machine the ${r.settings.participants} participants' browsers are the limit (a real meeting has them on as many machines); frame rates below 15 fps are the browsers' doing.`
    : `${share} The machine was saturated and the SFU side took the larger share: Janus (or the core) is the limit here.`;
}

/** The part: runs `inner` in a private network namespace and reports what it printed. */
export async function meetings(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const settings: Settings = { participants: knob('PARTICIPANTS', 25, 4), pages: knob('PAGES', 5, 2), lastN: knob('LAST_N', 9, 9), talkers: knob('TALKERS', 3, 1), seconds: knob('SECONDS', 20, 8) };
  const child = spawn('unshare', ['-n', 'sh', '-c', NETNS_SETUP.janus, 'netns', process.execPath, '--import', 'tsx', SELF, JSON.stringify(settings)], { env: { ...process.env, FLINT_BENCH_NETNS: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.split('\n').find((l) => l.startsWith('BENCH-JSON '));
  if (code !== 0 || line === undefined) throw new Error(`the meetings bench failed in its namespace (exit ${code}):\n${out.slice(-3000)}`);
  const result = JSON.parse(line.slice('BENCH-JSON '.length)) as Result;
  return { json: result as unknown as Record<string, unknown>, markdown: markdown(result) };
}

if (process.env['FLINT_BENCH_NETNS'] === '1' && process.argv[1] === SELF) {
  const result = await inner(JSON.parse(process.argv[2]!) as Settings);
  console.log(`BENCH-JSON ${JSON.stringify(result)}`);
  process.exit(0);
}
