/**
 * A meeting across browsers: Ada in Chromium, Bob in Firefox ESR (WebDriver BiDi), through Janus.
 * The frame encryption runs on each browser's own encoded-transform and WebCrypto implementation,
 * so this proves that what Chromium encrypts Firefox decrypts and the reverse — not only that each
 * browser talks to itself. Like tests/e2e/web-app-meetings.test.ts, it re-runs itself inside a
 * private network namespace (`unshare -n`) with a veth carrying 127.0.0.2, because Janus ignores
 * loopback interfaces (and here a private address Firefox needs: the testkit's NETNS_SETUP.janusFirefox); nothing leaves the machine. `.ci/run` installs janus and firefox-esr; the
 * suite skips, saying so, only where one is missing outside CI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type FlintClient, type Session } from '@flint/sdk';
import {
  FIREFOX_MEDIA_PREFS,
  FIREFOX_WAIT,
  hasFirefox,
  launchChromium,
  launchFirefox,
  openSpacePage,
  PAGE_WAIT,
  signInFirefox,
  signInPage,
  startFlint,
  TEST_PASSWORD,
  until,
  webDist,
  type FirefoxBrowser,
  type FirefoxPage,
  type TestFlint,
  IN_TEST_NETNS,
  runInTestNetns,
} from '@flint/testkit';

const SELF = fileURLToPath(import.meta.url);
const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
// `janus -V` prints its version and exits 1, so the output tells.
const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');
const CHROMIUM_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'];
const LONG = { timeout: 240_000 } as const;
const missing = !janusInstalled ? 'janus is not installed (apt-get install -y --no-install-recommends janus)' : !hasFirefox() ? 'firefox-esr is not installed (apt-get install -y firefox-esr)' : undefined;
const skip = missing !== undefined && process.env['CI'] !== 'true' ? missing : false;

/**
 * In the page: the frames each remote video of the meeting grid presents over `ms` (counted by
 * `requestVideoFrameCallback`: Firefox keeps `getVideoPlaybackQuality()` at 0 for a MediaStream),
 * and the loudest audio level (RMS) heard from each meanwhile. The same function runs in both
 * browsers, serialized by each driver.
 */
async function remoteMedia(ms: number): Promise<{ frames: number[]; levels: number[] }> {
  type Rvfc = HTMLVideoElement & { requestVideoFrameCallback(cb: () => void): number };
  const tiles = [...document.querySelectorAll<HTMLElement>('.meeting-tile:not(.self)')];
  const videos = tiles.map((tile) => tile.querySelector('video')).filter((v): v is HTMLVideoElement => v !== null);
  const frames = videos.map(() => 0);
  let counting = true;
  // Callbacks kept in an array, not named constants: the test's loader would wrap a named function
  // in a helper that does not exist in the page.
  const onFrame: (() => void)[] = [];
  videos.forEach((v, i) => {
    onFrame[i] = () => {
      if (!counting) return;
      frames[i]!++;
      (v as Rvfc).requestVideoFrameCallback(onFrame[i]!);
    };
    (v as Rvfc).requestVideoFrameCallback(onFrame[i]);
  });
  const context = new AudioContext();
  // A resume that autoplay rules hold back would hang the driver's call: bounded, and a suspended
  // context then reads silence, which fails the level check with a message instead.
  await Promise.race([context.resume(), new Promise((r) => setTimeout(r, 2000))]);
  const meters = videos.flatMap((v) => {
    const stream = v.srcObject;
    if (!(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) return [];
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    context.createMediaStreamSource(new MediaStream(stream.getAudioTracks())).connect(analyser);
    return [analyser];
  });
  const levels = meters.map(() => 0);
  const samples = new Float32Array(2048);
  const end = Date.now() + ms;
  while (Date.now() < end) {
    meters.forEach((analyser, i) => {
      analyser.getFloatTimeDomainData(samples);
      levels[i] = Math.max(levels[i]!, Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length));
    });
    await new Promise((r) => setTimeout(r, 50));
  }
  counting = false;
  const heard = context.state === 'running';
  await context.close();
  return { frames, levels: heard ? levels : levels.map(() => -1) };
}

type Side = {
  name: string;
  media: (listenMs: number) => Promise<{ frames: number[]; levels: number[] }>;
  videos: () => Promise<string>;
  /** Where the page cannot listen (Firefox has no audio device here): the decoded level from getStats. */
  decodedAudio?: (ms: number) => Promise<number[]>;
};

/**
 * In Firefox's page, before the app loads: keep every RTCPeerConnection the app makes, so the test
 * can read the decoded audio level from getStats (headless Firefox has no audio device, so a Web
 * Audio graph never runs there). The app itself is unchanged.
 */
function recordPeerConnections(): void {
  const Native = window.RTCPeerConnection;
  const made: RTCPeerConnection[] = [];
  (window as unknown as { flintTestPcs: RTCPeerConnection[] }).flintTestPcs = made;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      made.push(this);
    }
  };
}

/** In the page: the loudest decoded level (0–1, `audioLevel` of inbound audio) of each remote over `ms`. */
async function inboundAudioLevels(ms: number): Promise<number[]> {
  const pcs = (window as unknown as { flintTestPcs: RTCPeerConnection[] }).flintTestPcs.filter((pc) => pc.connectionState !== 'closed');
  const peaks = new Map<string, number>();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const pc of pcs) {
      (await pc.getStats()).forEach((s: { type: string; kind?: string; id: string; audioLevel?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') peaks.set(s.id, Math.max(peaks.get(s.id) ?? 0, s.audioLevel ?? 0));
      });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return [...peaks.values()];
}

/** In the page: what each remote video element holds, for a failure's message. */
function describeVideos(): string {
  return JSON.stringify(
    [...document.querySelectorAll<HTMLVideoElement>('.meeting-tile:not(.self) video')].map((v) => ({
      readyState: v.readyState,
      size: `${v.videoWidth}x${v.videoHeight}`,
      paused: v.paused,
      tracks: v.srcObject instanceof MediaStream ? v.srcObject.getTracks().map((t) => `${t.kind}:${t.readyState}${t.muted ? ':muted' : ''}`) : [],
    })),
  );
}

/** Waits for the other's video, then checks ≥ 10 frames presented in 4 s and an audible level. */
async function decodesTheOther(side: Side): Promise<void> {
  await until(`${side.name} renders the other's video`, async () => ((await side.media(1000)).frames.some((n) => n > 0) ? true : undefined), 90_000).catch(async (error: unknown) => {
    throw new Error(`${(error as Error).message}; videos: ${await side.videos()}`);
  });
  const { frames, levels: heard } = await side.media(4000);
  const levels = side.decodedAudio === undefined ? heard : await side.decodedAudio(3000);
  assert.equal(frames.length, 1, `${side.name} shows one other participant`);
  assert.ok(frames[0]! >= 10, `${side.name} presented ${frames[0]!} frames in 4 s (expected ≥ 10)`);
  assert.equal(levels.length, 1, `${side.name} has the other's audio`);
  assert.ok(levels[0]! > 0.01, `${side.name} hears a level of ${levels[0]!.toFixed(3)}`);
}

if (missing !== undefined && skip !== false) {
  describe('web app: a meeting across Chromium and Firefox', () => {
    it('needs Janus and Firefox ESR', { skip }, () => undefined);
  });
} else if (!IN_TEST_NETNS) {
  describe('web app: a meeting across Chromium and Firefox', () => {
    it('runs in a private network namespace (unshare -n, a veth with 127.0.0.2 for Janus)', LONG, () => {
      runInTestNetns(SELF, 'janusFirefox');
    });
  });
} else {
  describe('web app: a meeting across Chromium and Firefox (in a private network namespace)', () => {
    let flint: TestFlint;
    let chromium: Browser;
    let firefox: FirefoxBrowser;
    let ada: Page;
    let bob: FirefoxPage;
    let adaNode: Session;
    let roomId = '';

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      flint = await startFlint({ webRoot: webDist(), env: { FLINT_JANUS: 'auto', FLINT_JANUS_ICE_INTERFACES: 'veth0' } });
      assert.ok(flint.server.core.media !== undefined, `Janus did not start:\n${flint.logText().slice(-3000)}`);
      const people = {
        ada: await flint.signup({ email: 'ada@mixed.test', displayName: 'Ada Lovelace' }),
        bob: await flint.signup({ email: 'bob@mixed.test', displayName: 'Bob Babbage' }),
      };
      // First KMS devices hold the password credentials, so the browsers enroll with the password.
      const connect = async (api: FlintClient, deviceId: string) => flint.connect(api, { deviceId, kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, api.session!.personId) } });
      adaNode = await connect(people.ada, 'ada-node');
      (await connect(people.bob, 'bob-node')).close();
      roomId = (await adaNode.spaces.create({ title: 'Cross-browser sync' })).id;
      await adaNode.members.add(roomId, { personEmail: 'bob@mixed.test' });

      chromium = await launchChromium({ args: CHROMIUM_MEDIA });
      ada = await (await chromium.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })).newPage();
      ada.on('pageerror', (e) => console.log(`[ada pageerror] ${e.message}`));
      await signInPage(ada, flint.url, 'ada@mixed.test');
      await openSpacePage(ada, roomId);

      firefox = await launchFirefox({ prefs: FIREFOX_MEDIA_PREFS });
      bob = await (await firefox.createBrowserContext()).newPage();
      bob.on('pageerror', (e) => console.log(`[bob pageerror] ${(e as Error).message}`));
      bob.on('console', (m) => m.type() !== 'log' && m.type() !== 'debug' && console.log(`[bob ${m.type()}] ${m.text()}`));
      await bob.setViewport({ width: 1280, height: 800 });
      await bob.evaluateOnNewDocument(recordPeerConnections);
      await signInFirefox(bob, flint.url, 'bob@mixed.test');
      await bob.goto(`${flint.url}/#/space/${roomId}`);
      await bob.waitForSelector('.timeline', FIREFOX_WAIT);
    });
    after(async () => {
      for (const line of (flint?.logText() ?? '').split('\n')) if (/"level":(4|5)\d/.test(line)) console.log(`[server] ${line.slice(0, 600)}`);
      adaNode?.close();
      await firefox?.close();
      await chromium?.close();
      await flint?.stop();
    });

    it('MT-1: Ada starts a meeting in Chromium and Bob joins it from Firefox', LONG, async () => {
      await ada.getByRole('button', { name: 'Start meeting' }).click();
      await ada.getByRole('button', { name: 'Join now' }).click();
      await ada.getByRole('heading', { name: 'Meeting' }).waitFor(PAGE_WAIT);
      await bob.waitForSelector('::-p-text(Meeting on: 1 person)', FIREFOX_WAIT);
      await (await bob.waitForSelector('button ::-p-text(Join meeting)', FIREFOX_WAIT))!.click();
      // Firefox's own preview: its fake camera and microphone, then in.
      await (await bob.waitForSelector('button ::-p-text(Join now)', FIREFOX_WAIT))!.click();
      await ada.getByText('Meeting on: 2 people').first().waitFor(PAGE_WAIT);
      await until('both publish', async () => ((await adaNode.meetings.current(roomId)).meeting?.participants.every((p) => p.publishing) === true ? true : undefined), 60_000);
    });

    it('SEC-5: each browser decrypts and renders what the other encrypted, video and audio', LONG, async () => {
      await decodesTheOther({ name: 'Ada (Chromium)', media: (ms) => ada.evaluate(remoteMedia, ms), videos: () => ada.evaluate(describeVideos) });
      await decodesTheOther({ name: 'Bob (Firefox)', media: (ms) => bob.evaluate(remoteMedia, ms), videos: () => bob.evaluate(describeVideos), decodedAudio: (ms) => bob.evaluate(inboundAudioLevels, ms) });
      await bob.screenshot({ path: `${SHOTS}firefox-meeting.png` });
    });

    it('Bob leaves from Firefox, then Ada, and the meeting ends', LONG, async () => {
      await (await bob.waitForSelector('button ::-p-text(Leave meeting)', FIREFOX_WAIT))!.click();
      await ada.getByText('Meeting on: 1 person').first().waitFor(PAGE_WAIT);
      await ada.getByRole('button', { name: 'Leave meeting' }).click();
      await until('the meeting ends', async () => ((await adaNode.meetings.current(roomId)).meeting === undefined ? true : undefined));
    });
  });
}
