/**
 * Calls in the web app, in a real Chromium with fake devices (SPEC CL-1, CL-2): Ada video-calls Bob
 * from their direct space's header; Bob has two tabs and both ring; he answers in one and the other
 * stops (it shows the call as on another device). Peer to peer, end-to-end encrypted: each decodes
 * the other's video (frames rendered go up) and hears their audio (WebAudio levels). Ada puts the
 * call on hold: Bob hears her browser's music on hold (continuous, unlike the fake microphone's
 * beeps) and no longer reaches her. The core restarts mid-call: the media keeps flowing and the call
 * keeps its state (the tabs re-sync, and hanging up goes through the restarted core). The call is in
 * both histories. Bob declines the next call with a message, which Ada reads in their space; with
 * do not disturb on, her next call ends at once, saying so. Axe on the incoming-call dialog, the call window and the calls view; the core's
 * database, files and log hold no media-key material.
 *
 * Chromium offers 127.0.0.1 candidates with --allow-loopback-in-peer-connection; the file runs itself
 * again inside `unshare -n` (loopback only), so no candidate and no packet can leave the machine.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type FlintClient, type Session } from '@flint/sdk';
import { assertAccessible, callRemoteAudio, launchChromium, openSpacePage, PAGE_WAIT, scanForPlaintext, signInPage, startFlint, TEST_PASSWORD, until, webDist, type TestFlint, IN_TEST_NETNS, runInTestNetns } from '@flint/testkit';

const SELF = fileURLToPath(import.meta.url);
const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const CHROMIUM_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'];
const LONG = { timeout: 120_000 } as const;

/** Frames rendered so far by the call window's remote video. */
function remoteFrames(page: Page): Promise<number> {
  return page.evaluate(() => document.querySelector<HTMLVideoElement>('.call-remote')?.getVideoPlaybackQuality().totalVideoFrames ?? 0);
}

const waitFor = (what: string, check: () => Promise<boolean>, ms = 20_000) => until(what, async () => ((await check()) ? true : undefined), ms);

/** Frames keep coming: at least `min` more within `ms`. */
async function framesFlow(page: Page, who: string, ms = 3000, min = 8): Promise<void> {
  const before = await remoteFrames(page);
  await page.waitForTimeout(ms);
  const delta = (await remoteFrames(page)) - before;
  assert.ok(delta >= min, `${who} decoded ${delta} frames in ${ms} ms (expected ≥ ${min})`);
}

if (!IN_TEST_NETNS) {
  describe('web app: calls (Chromium)', () => {
    it('runs in a private network namespace (unshare -n, loopback only)', () => {
      runInTestNetns(SELF, 'loopback');
    });
  });
} else {
  describe('web app: calls (Chromium, in a private network namespace)', () => {
    let flint: TestFlint;
    let browser: Browser;
    let ada: Page;
    let bob1: Page;
    let bob2: Page;
    let adaNode: Session;
    let people: Record<'ada' | 'bob', FlintClient>;
    let roomId = '';
    let callId = '';

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      flint = await startFlint({ webRoot: webDist() });
      browser = await launchChromium({ args: CHROMIUM_MEDIA });
      people = {
        ada: await flint.signup({ email: 'ada@call.test', displayName: 'Ada Lovelace' }),
        bob: await flint.signup({ email: 'bob@call.test', displayName: 'Bob Babbage' }),
      };
      const connect = async (api: FlintClient, deviceId: string) => flint.connect(api, { deviceId, kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, api.session!.personId) } });
      adaNode = await connect(people.ada, 'ada-node');
      (await connect(people.bob, 'bob-node')).close();
      roomId = (await adaNode.spaces.direct({ personEmail: 'bob@call.test' })).id;
      const watch = (page: Page, who: string) => {
        page.on('console', (m) => m.type() !== 'log' && m.type() !== 'debug' && console.log(`[${who} ${m.type()}] ${m.text()}`));
        page.on('pageerror', (e) => console.log(`[${who} pageerror] ${e.message}`));
      };
      const adaContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
      ada = await adaContext.newPage();
      watch(ada, 'ada');
      await signInPage(ada, flint.url, 'ada@call.test');
      await openSpacePage(ada, roomId);
      // Bob's two tabs: one browser profile (one sign-in), two pages — two endpoints.
      const bobContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
      bob1 = await bobContext.newPage();
      watch(bob1, 'bob-1');
      await signInPage(bob1, flint.url, 'bob@call.test');
      bob2 = await bobContext.newPage();
      watch(bob2, 'bob-2');
      await bob2.goto(`${flint.url}/`);
      await bob2.locator('nav.sidebar').waitFor(PAGE_WAIT);
    });
    after(async () => {
      for (const line of (flint?.logText() ?? '').split('\n')) if (/"level":(4|5)\d/.test(line)) console.log(`[server] ${line.slice(0, 600)}`);
      await browser?.close();
      await flint?.stop();
    });

    it('Ada video-calls Bob from the direct space: both of his tabs ring; he answers in one, the other stops', LONG, async () => {
      await ada.getByRole('button', { name: 'Video call Bob Babbage' }).click();
      await ada.locator('.call-window').getByText('Ringing Bob Babbage…').waitFor(PAGE_WAIT);
      for (const tab of [bob1, bob2]) await tab.getByRole('dialog', { name: 'Incoming call' }).getByText('Ada Lovelace is calling (video)').waitFor(PAGE_WAIT);
      await assertAccessible(bob2, 'the incoming-call dialog');
      await bob1.getByRole('button', { name: 'Answer with video' }).click();
      await bob2.getByRole('dialog', { name: 'Incoming call' }).waitFor({ state: 'detached', ...PAGE_WAIT });
      await bob2.getByText('In a call with Ada Lovelace on another device').waitFor(PAGE_WAIT);
      const [call] = await adaNode.calls.active();
      assert.equal(call?.state, 'connected');
      assert.ok(call?.keyUrl?.startsWith('kms://'), 'the core holds the media key’s URI only');
      assert.equal(call?.roomId, roomId);
      callId = call.id;
    });

    it('each decodes the other’s video and hears their audio, peer to peer and encrypted', LONG, async () => {
      for (const [who, page] of [['ada', ada], ['bob', bob1]] as const) {
        await waitFor(`${who} receives video`, async () => (await remoteFrames(page)) > 0, 30_000);
        await page.locator('.call-window').getByText('Connected').waitFor(PAGE_WAIT);
        await framesFlow(page, who);
        const audio = await callRemoteAudio(page, 2500);
        assert.ok(audio.peak > 0.02, `${who} hears a level of ${audio.peak.toFixed(3)} (the fake microphone beeps)`);
      }
      await ada.screenshot({ path: `${SHOTS}call-window.png` });
      await assertAccessible(bob1, 'the call window');
    });

    it('hold plays Ada’s music on hold to Bob; resume brings her back', LONG, async () => {
      const before = await callRemoteAudio(bob1, 2000);
      await ada.getByRole('button', { name: 'Hold' }).click();
      await ada.getByRole('button', { name: 'Resume' }).waitFor(PAGE_WAIT);
      await bob1.getByText('Ada Lovelace put the call on hold').waitFor(PAGE_WAIT);
      await bob1.waitForTimeout(500);
      const held = await callRemoteAudio(bob1, 2500);
      assert.ok(held.peak > 0.02, `Bob hears music on hold at ${held.peak.toFixed(3)}`);
      assert.ok(held.loud > 0.8 && held.loud > before.loud, `music plays all the time (${(held.loud * 100).toFixed(0)}% of ticks loud; the beeps were ${(before.loud * 100).toFixed(0)}%)`);
      // Video on hold: Ada's still picture keeps Bob's decoder fed.
      await framesFlow(bob1, 'bob (video on hold)', 3000, 3);
      // Ada, holding, does not play Bob.
      const adaHears = await callRemoteAudio(ada, 1500);
      assert.ok(adaHears.peak < 0.005, `Ada, holding, hears ${adaHears.peak.toFixed(3)}`);
      await ada.getByRole('button', { name: 'Resume' }).click();
      await bob1.locator('.call-window').getByText('Connected').waitFor(PAGE_WAIT);
      assert.equal((await adaNode.calls.get(callId)).state, 'connected');
    });

    it('a restart of the core mid-call keeps the media flowing and the call’s state', LONG, async () => {
      await flint.restart();
      await framesFlow(ada, 'ada (after the restart)');
      await framesFlow(bob1, 'bob (after the restart)');
      const after = await adaNode.calls.get(callId);
      assert.equal(after.state, 'connected');
      await ada.locator('.banner', { hasText: /connecting/i }).waitFor({ state: 'detached', ...PAGE_WAIT }).catch(() => undefined);
      // Signalling goes through the restarted core: Bob holds, Ada sees it.
      await bob1.getByRole('button', { name: 'Hold' }).click();
      await ada.getByText('Bob Babbage put the call on hold').waitFor(PAGE_WAIT);
      await bob1.getByRole('button', { name: 'Resume' }).click();
      await ada.locator('.call-window').getByText('Connected').waitFor(PAGE_WAIT);
    });

    it('hanging up ends it on every tab; the call is in both histories; no key material in the core', LONG, async () => {
      const key = await adaNode.calls.mediaKey(await adaNode.calls.get(callId));
      await ada.getByRole('button', { name: 'Hang up' }).click();
      await bob1.getByText('The call ended.').waitFor(PAGE_WAIT);
      await bob2.getByText('In a call with Ada Lovelace on another device').waitFor({ state: 'detached', ...PAGE_WAIT });
      await bob2.evaluate(() => (window.location.hash = '#/calls'));
      const bobEntry = bob2.locator(`.call-entry[data-call="${callId}"]`);
      await bobEntry.waitFor(PAGE_WAIT);
      assert.equal(await bobEntry.getAttribute('data-type'), 'received');
      assert.equal(await bobEntry.getAttribute('data-outcome'), 'answered');
      await bobEntry.getByText('Ada Lovelace').waitFor(PAGE_WAIT);
      await ada.evaluate(() => (window.location.hash = '#/calls'));
      const adaEntry = ada.locator(`.call-entry[data-call="${callId}"]`);
      await adaEntry.getByText('Outgoing').waitFor(PAGE_WAIT);
      await adaEntry.getByText(/Duration \d+:\d\d/).waitFor(PAGE_WAIT);
      await assertAccessible(bob2, 'the calls view');

      const bytes = Buffer.from(key.key);
      const scan = await scanForPlaintext(flint, [bytes.toString('base64url'), bytes.toString('base64'), bytes.toString('hex')], 'Ada Lovelace');
      assert.ok(scan.controlInDatabase, 'the scan read the database');
      assert.deepEqual(scan.inDatabase, []);
      assert.deepEqual(scan.inFiles, []);
      assert.deepEqual(scan.inLogs, []);
    });

    it('Bob declines with a message (it lands in the direct space), then turns on do not disturb', LONG, async () => {
      await openSpacePage(ada, roomId);
      await ada.locator('.conv-header').getByRole('button', { name: 'Call Bob Babbage', exact: true }).click();
      const ringing = bob2.getByRole('dialog', { name: 'Incoming call' });
      await ringing.getByText('Ada Lovelace is calling').waitFor(PAGE_WAIT);
      await ringing.getByRole('button', { name: 'Decline with a message' }).click();
      await ringing.getByLabel('Message to Ada Lovelace').fill('In a review, I call you back at three');
      await ringing.getByRole('button', { name: 'Decline and send' }).click();
      await ada.getByText('The call was declined.').waitFor(PAGE_WAIT);
      await ada.locator('article.message', { hasText: 'In a review, I call you back at three' }).waitFor(PAGE_WAIT);
      await bob1.getByRole('dialog', { name: 'Incoming call' }).waitFor({ state: 'detached', ...PAGE_WAIT });

      await bob2.getByLabel('Do not disturb: calls to me end at once').check();
      await bob2.getByRole('button', { name: 'Save' }).click();
      await bob2.getByText('Call settings saved').waitFor(PAGE_WAIT);
      await ada.locator('.conv-header').getByRole('button', { name: 'Call Bob Babbage', exact: true }).click();
      await ada.getByText('Bob Babbage does not take calls now (do not disturb).').waitFor(PAGE_WAIT);
      // CL-3: the unanswered call offers Ada a voicemail for Bob, recorded and encrypted in her browser.
      await ada.locator('.call-window.ended').getByRole('button', { name: 'Leave a voicemail' }).click();
      const recorder = ada.getByRole('dialog', { name: 'Voicemail for Bob Babbage' });
      await recorder.getByRole('button', { name: 'Record' }).click();
      await recorder.getByText(/Recording: 0:0[1-9]/).waitFor(PAGE_WAIT);
      await recorder.getByRole('button', { name: 'Stop' }).click();
      await recorder.getByRole('button', { name: 'Send voicemail' }).click();
      await recorder.waitFor({ state: 'detached', ...PAGE_WAIT });
      await bob2.getByTestId('voicemail-badge').filter({ hasText: '1' }).waitFor(PAGE_WAIT);
      const outcomes = () => bob2.locator('.call-entry').evaluateAll((items) => items.map((i) => `${(i as HTMLElement).dataset['type']}:${(i as HTMLElement).dataset['outcome']}`));
      await waitFor('Bob’s history shows the DND call', async () => (await outcomes())[0] === 'missed:dnd');
      assert.deepEqual((await outcomes()).slice(0, 3), ['missed:dnd', 'missed:declined', 'received:answered']);
    });
  });
}
