/**
 * Call features beyond two people, in a real Chromium through a real Janus (SPEC CL-2, MT-6 "add
 * people"; docs/calls.md): Ada calls Bob (audio), he answers; from the call window Ada adds Cy. Ada's
 * tab makes a group space with the three (her client puts Bob and Cy on its KMS resource, not the
 * core), the call ends as moved into that space's meeting, Ada's and Bob's tabs join it, and Cy's tab
 * shows the invitation and joins too. Then each of the three hears the two others through the SFU
 * (WebAudio levels of the fake microphones' beeps, decrypted with the meeting's key). Axe on the
 * invitation dialog.
 *
 * Janus and libnice offer no ICE candidates on a loopback interface (media.md), so this file runs
 * itself again inside a private network namespace (`unshare -n`) with a veth carrying 127.0.0.2/32
 * (as web-app-meetings). Skipped, saying so, only when Janus is not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type FlintClient, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, openSpacePage, PAGE_WAIT, signInPage, startFlint, TEST_PASSWORD, until, webDist, type TestFlint, IN_TEST_NETNS, runInTestNetns } from '@flint/testkit';

const SELF = fileURLToPath(import.meta.url);
const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');
const CHROMIUM_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'];
const LONG = { timeout: 240_000 } as const;

/** The loudest level (RMS) heard over `ms` in each remote meeting tile's audio, by participant id. */
async function audioLevels(page: Page, ms: number): Promise<Record<string, number>> {
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

const waitFor = (what: string, check: () => Promise<boolean>, ms = 20_000) => until(what, async () => ((await check()) ? true : undefined), ms);

if (!janusInstalled) {
  describe('web app: call features (Chromium + Janus)', () => {
    it('needs Janus', { skip: 'janus is not installed (apt-get install -y --no-install-recommends janus): the call features browser test cannot run' }, () => undefined);
  });
} else if (!IN_TEST_NETNS) {
  describe('web app: call features (Chromium + Janus)', () => {
    it('runs in a private network namespace (unshare -n, a veth with 127.0.0.2 for Janus)', () => {
      runInTestNetns(SELF, 'janus');
    });
  });
} else {
  describe('web app: call features (Chromium + Janus, in a private network namespace)', () => {
    let flint: TestFlint;
    let browser: Browser;
    const pages: Record<'ada' | 'bob' | 'cy', Page> = {} as Record<'ada' | 'bob' | 'cy', Page>;
    let adaNode: Session;
    let directId = '';

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      flint = await startFlint({ webRoot: webDist(), env: { FLINT_JANUS: 'auto', FLINT_JANUS_ICE_INTERFACES: 'veth0' } });
      assert.ok(flint.server.core.media !== undefined, `Janus did not start:\n${flint.logText().slice(-3000)}`);
      browser = await launchChromium({ args: CHROMIUM_MEDIA });
      const people = {
        ada: await flint.signup({ email: 'ada@conf.test', displayName: 'Ada Lovelace' }),
        bob: await flint.signup({ email: 'bob@conf.test', displayName: 'Bob Babbage' }),
        cy: await flint.signup({ email: 'cy@conf.test', displayName: 'Cy Shannon' }),
      };
      // First KMS devices hold the password credentials, so the browsers enroll with the password.
      const connect = async (api: FlintClient, deviceId: string) => flint.connect(api, { deviceId, kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, api.session!.personId) } });
      adaNode = await connect(people.ada, 'ada-node');
      (await connect(people.bob, 'bob-node')).close();
      (await connect(people.cy, 'cy-node')).close();
      directId = (await adaNode.spaces.direct({ personEmail: 'bob@conf.test' })).id;
      for (const who of ['ada', 'bob', 'cy'] as const) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
        pages[who] = await context.newPage();
        pages[who].on('console', (m) => m.type() !== 'log' && m.type() !== 'debug' && console.log(`[${who} ${m.type()}] ${m.text()}`));
        pages[who].on('pageerror', (e) => console.log(`[${who} pageerror] ${e.message}`));
        pages[who].on('response', (r) => r.status() >= 400 && console.log(`[${who} http] ${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`));
        await signInPage(pages[who], flint.url, `${who}@conf.test`);
      }
      await openSpacePage(pages.ada, directId);
    });
    after(async () => {
      for (const line of (flint?.logText() ?? '').split('\n')) if (/"level":(4|5)\d/.test(line)) console.log(`[server] ${line.slice(0, 600)}`);
      await browser?.close();
      await flint?.stop();
    });

    it('Ada adds Cy to her call with Bob: the call moves into a meeting of a group space of the three, and Cy is invited into it', LONG, async () => {
      const { ada, bob, cy } = pages;
      await ada.getByRole('button', { name: 'Call Bob Babbage' }).first().click();
      await bob.getByRole('dialog', { name: 'Incoming call' }).waitFor(PAGE_WAIT);
      await bob.getByRole('button', { name: 'Answer', exact: true }).click();
      await waitFor('the call is answered', async () => (await adaNode.calls.active())[0]?.state === 'connected');
      const [call] = await adaNode.calls.active();
      await ada.getByRole('button', { name: 'Add person' }).click();
      await ada.getByLabel('Person to add').fill('cy@conf.test');
      await ada.getByRole('button', { name: 'Add to the call' }).click();
      const invitation = cy.getByRole('dialog', { name: 'Join a call' });
      await invitation.getByText('Ada Lovelace adds you to their call with Bob Babbage.').waitFor(PAGE_WAIT);
      await assertAccessible(cy, 'the conference invitation');
      await cy.getByRole('button', { name: 'Join the call' }).click();
      const ended = await adaNode.calls.get(call!.id);
      assert.equal(ended.endReason, 'moved_to_meeting');
      const roomId = ended.conference!.roomId;
      assert.notEqual(roomId, directId, 'a group space, not the direct one');
      // The group space's KMS resource authorizes the three; Ada's client did it.
      const room = await adaNode.api.rooms.get(roomId);
      assert.equal(room.type, 'group');
      const kms = await adaNode.kmsClient();
      assert.equal((await kms.listAuthorizations(room.kroUri!)).length, 3);
      for (const [who, page] of Object.entries(pages)) {
        await page.getByRole('heading', { name: 'Meeting', exact: true }).waitFor(PAGE_WAIT).catch(async (error: unknown) => {
          await page.screenshot({ path: `${SHOTS}call-conference-${who}.png` });
          throw new Error(`${who} shows no meeting at ${page.url()}: ${(error as Error).message.split('\n')[0]}; the page says: ${(await page.locator('main').innerText().catch(() => '')).slice(0, 600)}`);
        });
      }
      await waitFor('the three are in the meeting and publish', async () => {
        const meeting = (await adaNode.meetings.current(roomId)).meeting;
        return meeting?.participants.length === 3 && meeting.participants.every((p) => p.publishing);
      }, 90_000);
    });

    it('each of the three hears the two others through the SFU', LONG, async () => {
      for (const [who, page] of Object.entries(pages)) {
        let levels: number[] = [];
        await waitFor(
          `${who} hears two others`,
          async () => {
            levels = Object.values(await audioLevels(page, 2000));
            return levels.length === 2 && levels.every((l) => l > 0.02);
          },
          90_000,
        ).catch((error: unknown) => {
          throw new Error(`${(error as Error).message}; levels: ${JSON.stringify(levels)}`);
        });
      }
    });
  });
}
