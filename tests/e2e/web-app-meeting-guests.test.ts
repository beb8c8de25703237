/**
 * Guests in a meeting, in a real Chromium through a real Janus (docs/meetings.md "Guests", MT-3,
 * SEC-5): Ada, a member, starts the space's meeting and makes a guest link from the meeting view.
 * Gus and Dee open it in browsers of their own, give a name and wait in the lobby ("Waiting for
 * someone to let you in"). Ada sees their knocks: she admits Gus — her tab puts him on the
 * meeting's KMS resource and names a new key epoch — and Gus then decodes Ada's video and hears her
 * (inbound-rtp getStats deltas), and Ada decodes Gus's. Dee, still waiting, has no WebRTC
 * connection at all; Ada denies her and her page says so. Every meeting connection of both tabs is
 * configured with the server's TURN server and a short-lived credential made for its person
 * (FLINT_TURN_*: TURN for meetings). Axe on the guest's lobby and on Ada's view with the knocks.
 *
 * Like web-app-meetings.test.ts, it runs itself again in a private network namespace (a veth with
 * 127.0.0.2 for Janus). Skipped, saying so, only when Janus is not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, openSpacePage, PAGE_WAIT, signInPage, startFlint, TEST_PASSWORD, until, webDist, type TestFlint, IN_TEST_NETNS, runInTestNetns } from '@flint/testkit';

const SELF = fileURLToPath(import.meta.url);
const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');
const CHROMIUM_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'];
const LONG = { timeout: 180_000 } as const;
/** A TURN URL on the namespace's own address: nothing answers there, host candidates carry the media. */
const TURN_URL = 'turn:127.0.0.2:3478?transport=udp';

/** Keeps every RTCPeerConnection a page makes, so the test can read their configuration and stats. */
const KEEP_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  const made = [];
  window.__pcs = made;
  window.RTCPeerConnection = function (config) { const pc = new Native(config); made.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Native.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Native);
})();`;

interface Inbound {
  connections: number;
  videoFrames: number;
  audioEnergy: number;
  audioSamples: number;
}

/** What a page's connections decoded so far (inbound-rtp, all connections summed). */
async function inbound(page: Page): Promise<Inbound> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const out = { connections: pcs.length, videoFrames: 0, audioEnergy: 0, audioSamples: 0 };
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number; totalAudioEnergy?: number; totalSamplesReceived?: number }) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'video') out.videoFrames += s.framesDecoded ?? 0;
        if (s.kind === 'audio') {
          out.audioEnergy += s.totalAudioEnergy ?? 0;
          out.audioSamples += s.totalSamplesReceived ?? 0;
        }
      });
    }
    return out;
  });
}

/** The ICE servers every meeting connection of a page was made with. */
async function iceConfigs(page: Page): Promise<RTCIceServer[][]> {
  return page.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.map((pc) => pc.getConfiguration().iceServers ?? []));
}

const waitFor = (what: string, check: () => Promise<boolean>, ms = 30_000) => until(what, async () => ((await check()) ? true : undefined), ms);

if (!janusInstalled) {
  describe('web app: meeting guests (Chromium + Janus)', () => {
    it('needs Janus', { skip: 'janus is not installed (apt-get install -y --no-install-recommends janus): the meeting guests browser test cannot run' }, () => undefined);
  });
} else if (!IN_TEST_NETNS) {
  describe('web app: meeting guests (Chromium + Janus)', () => {
    it('runs in a private network namespace (unshare -n, a veth with 127.0.0.2 for Janus)', () => {
      runInTestNetns(SELF, 'janus');
    });
  });
} else {
  describe('web app: meeting guests (Chromium + Janus, in a private network namespace)', () => {
    let flint: TestFlint;
    let browser: Browser;
    let ada: Page;
    let gus: Page;
    let dee: Page;
    let adaNode: Session;
    let roomId = '';

    before(async () => {
      flint = await startFlint({ webRoot: webDist(), env: { FLINT_JANUS: 'auto', FLINT_JANUS_ICE_INTERFACES: 'veth0', FLINT_TURN_URLS: TURN_URL, FLINT_TURN_SECRET: 'guests-test-turn-secret' } });
      assert.ok(flint.server.core.media !== undefined, `Janus did not start:\n${flint.logText().slice(-3000)}`);
      browser = await launchChromium({ args: CHROMIUM_MEDIA });
      const api = await flint.signup({ email: 'ada@guests.test', displayName: 'Ada Lovelace' });
      adaNode = await flint.connect(api, { deviceId: 'ada-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, api.session!.personId) } });
      roomId = (await adaNode.spaces.create({ title: 'Open house' })).id;
      const page = async (who: string) => {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
        await context.addInitScript(KEEP_CONNECTIONS);
        const p = await context.newPage();
        p.on('console', (m) => m.type() !== 'log' && m.type() !== 'debug' && console.log(`[${who} ${m.type()}] ${m.text()}`));
        p.on('pageerror', (e) => console.log(`[${who} pageerror] ${e.message}`));
        p.on('response', (r) => r.status() >= 400 && console.log(`[${who} http] ${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`));
        return p;
      };
      [ada, gus, dee] = [await page('ada'), await page('gus'), await page('dee')];
      await signInPage(ada, flint.url, 'ada@guests.test');
      await openSpacePage(ada, roomId);
    });
    after(async () => {
      for (const line of (flint?.logText() ?? '').split('\n')) if (/"level":(4|5)\d/.test(line)) console.log(`[server] ${line.slice(0, 600)}`);
      adaNode?.close();
      await browser?.close();
      await flint?.stop();
    });

    it('guests wait in the lobby; Ada admits Gus, who then sees and hears her (and she him); Dee, never admitted, decodes nothing and is told she was denied', LONG, async () => {
      await ada.getByRole('button', { name: 'Start meeting' }).click();
      await ada.getByRole('button', { name: 'Join now' }).click();
      await ada.getByRole('heading', { name: 'Meeting', exact: true }).waitFor(PAGE_WAIT);
      await waitFor('Ada holds the key and publishes', async () => (await adaNode.meetings.current(roomId)).meeting?.participants[0]?.publishing === true);

      // The link, from the meeting view.
      await ada.getByText('Invite guests by link').click();
      await ada.getByRole('button', { name: 'Make a link' }).click();
      const link = await ada.getByLabel('Guest link').inputValue();
      assert.match(link, /\/#\/guest\/flm_/);

      for (const [page, name] of [[gus, 'Gus Guest'], [dee, 'Dee Guest']] as const) {
        await page.goto(link);
        await page.getByLabel('Your name').fill(name);
        await page.getByRole('button', { name: 'Ask to join' }).click();
        await page.getByText('Waiting for someone to let you in…').waitFor(PAGE_WAIT);
      }
      await assertAccessible(gus, 'the guest’s lobby');
      await ada.getByText('Gus Guest (guest) asks to join').waitFor(PAGE_WAIT);
      await ada.getByText('Dee Guest (guest) asks to join').waitFor(PAGE_WAIT);
      await assertAccessible(ada, 'the meeting view with guests knocking');

      await ada.getByRole('button', { name: 'Admit Gus Guest' }).click();
      await gus.getByRole('heading', { name: 'Meeting', exact: true }).waitFor(PAGE_WAIT);
      await waitFor('Gus decodes Ada’s video', async () => (await inbound(gus)).videoFrames > 0, 90_000);
      const before = await inbound(gus);
      await gus.waitForTimeout(4000);
      const afterGus = await inbound(gus);
      assert.ok(afterGus.videoFrames - before.videoFrames >= 10, `Gus decoded ${afterGus.videoFrames - before.videoFrames} of Ada’s frames in 4 s (expected ≥ 10)`);
      const energy = (afterGus.audioEnergy - before.audioEnergy) / Math.max(1, (afterGus.audioSamples - before.audioSamples) / 48_000);
      assert.ok(afterGus.audioSamples > before.audioSamples && energy > 1e-4, `Gus hears Ada (audio energy ${energy.toExponential(2)} per second)`);
      await waitFor('Ada decodes Gus’s video', async () => (await inbound(ada)).videoFrames > 10, 60_000);
      const meeting = (await adaNode.meetings.current(roomId)).meeting!;
      assert.equal(meeting.participants.find((p) => p.guest === true)?.displayName, 'Gus Guest');
      assert.ok(meeting.keyEpoch >= 2, 'admitting Gus named a new epoch');

      // TURN for meetings: every connection (publisher and subscribers) carries the server's TURN and a credential for its person.
      for (const [who, page, personId] of [['Ada', ada, adaNode.api.session?.personId ?? (await adaNode.personId())], ['Gus', gus, meeting.participants.find((p) => p.guest === true)!.personId]] as const) {
        const configs = await iceConfigs(page);
        assert.ok(configs.length >= 2, `${who} has a publisher and a subscriber connection`);
        for (const servers of configs) {
          const turn = servers.find((s) => [s.urls].flat().includes(TURN_URL));
          assert.ok(turn !== undefined, `${who}'s connection is configured with TURN: ${JSON.stringify(servers)}`);
          assert.match(String(turn.username), new RegExp(`^\\d+:${personId}$`), `${who}'s TURN username is short-lived and made for them`);
          assert.ok(typeof turn.credential === 'string' && turn.credential.length > 20);
        }
      }

      // Dee, still waiting: no connection, nothing decoded; then denied.
      assert.deepEqual(await inbound(dee), { connections: 0, videoFrames: 0, audioEnergy: 0, audioSamples: 0 }, 'a waiting guest has no WebRTC connection');
      await ada.getByRole('button', { name: 'Deny Dee Guest' }).click();
      await dee.getByText('You were not let in to this meeting.').waitFor(PAGE_WAIT);
      assert.equal((await inbound(dee)).connections, 0, 'a denied guest never connects');

      await gus.getByRole('button', { name: 'Leave meeting' }).click();
      await gus.getByText('The meeting ended, or you left it.').waitFor(PAGE_WAIT);
      await waitFor('Gus is gone', async () => !((await adaNode.meetings.current(roomId)).meeting?.participants.some((p) => p.guest === true) ?? true));
      await ada.getByRole('button', { name: 'Leave meeting' }).click();
      await waitFor('the meeting ends', async () => (await adaNode.meetings.current(roomId)).meeting === undefined);
    });
  });
}
