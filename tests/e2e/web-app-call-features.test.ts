/**
 * Call features beyond two people, in a real Chromium through a real Janus (SPEC CL-2, MT-6 "add
 * people"; docs/calls.md): Ada calls Bob (audio), he answers; from the call window Ada adds Cy. Ada's
 * tab makes a group space with the three (her client puts Bob and Cy on its KMS resource, not the
 * core), the call ends as moved into that space's meeting, Ada's and Bob's tabs join it, and Cy's tab
 * shows the invitation and joins too. Then each of the three hears the two others through the SFU
 * (WebAudio levels of the fake microphones' beeps, decrypted with the meeting's key). Axe on the
 * invitation dialog. Then call park (CL-2), peer to peer: Ada calls Bob again and parks the call;
 * Bob hears her tab's music on hold (loud all the time, unlike the beeps); Ada's second tab shows the
 * parked call and retrieves it, carrying it from then on (Bob hears her microphone again), and the
 * first tab lets go.
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
import { assertAccessible, callRemoteAudio, launchChromium, remoteAudioLevels, openSpacePage, PAGE_WAIT, signInPage, startFlint, TEST_PASSWORD, until, webDist, type TestFlint, IN_TEST_NETNS, runInTestNetns } from '@flint/testkit';

const SELF = fileURLToPath(import.meta.url);
const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');
const CHROMIUM_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'];
const LONG = { timeout: 240_000 } as const;

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
      let seen = '';
      await waitFor('the three are in the meeting and publish', async () => {
        const meeting = (await adaNode.meetings.current(roomId)).meeting;
        seen = JSON.stringify(meeting?.participants.map((p) => [p.displayName, p.publishing, p.authorized]));
        return meeting?.participants.length === 3 && meeting.participants.every((p) => p.publishing);
      }, 90_000).catch(async (error: unknown) => {
        for (const [who, page] of Object.entries(pages)) await page.screenshot({ path: `${SHOTS}call-conference-${who}.png` });
        throw new Error(`${(error as Error).message}; participants (name, publishing, authorized): ${seen}`);
      });
    });

    it('each of the three hears the two others through the SFU', LONG, async () => {
      for (const [who, page] of Object.entries(pages)) {
        let levels: number[] = [];
        await waitFor(
          `${who} hears two others`,
          async () => {
            levels = Object.values(await remoteAudioLevels(page, 2000));
            return levels.length === 2 && levels.every((l) => l > 0.02);
          },
          90_000,
        ).catch((error: unknown) => {
          throw new Error(`${(error as Error).message}; levels: ${JSON.stringify(levels)}`);
        });
      }
    });

    it('Ada parks her next call with Bob: he hears music on hold; her second tab retrieves it and carries it', LONG, async () => {
      const { ada, bob, cy } = pages;
      for (const page of [ada, bob, cy]) {
        const leave = page.getByRole('button', { name: 'Leave meeting' });
        if ((await leave.count()) > 0) await leave.click();
      }
      await openSpacePage(ada, directId);
      await ada.getByRole('button', { name: 'Call Bob Babbage' }).first().click();
      await bob.getByRole('dialog', { name: 'Incoming call' }).waitFor(PAGE_WAIT);
      await bob.getByRole('button', { name: 'Answer', exact: true }).click();
      let heard = { peak: 0, loud: 0 };
      await waitFor('Bob hears Ada', async () => (heard = await callRemoteAudio(bob, 1500)).peak > 0.02, 60_000).catch((e: unknown) => {
        throw new Error(`${(e as Error).message}: ${JSON.stringify(heard)}`);
      });
      const beeps = heard;
      const [call] = await adaNode.calls.active();
      const firstEndpoint = call!.caller.endpointId;
      await ada.locator('.call-window').getByRole('button', { name: 'Park' }).click();
      await ada.locator('.call-window').getByText('Parked: Bob Babbage hears music on hold').waitFor(PAGE_WAIT);
      assert.equal((await adaNode.calls.get(call!.id)).state, 'parked');
      await waitFor('Bob hears music on hold from Ada’s tab', async () => {
        heard = await callRemoteAudio(bob, 2000);
        return heard.peak > 0.02 && heard.loud > 0.8;
      }, 30_000).catch((e: unknown) => {
        throw new Error(`${(e as Error).message}: ${JSON.stringify(heard)}; the beeps were ${JSON.stringify(beeps)}`);
      });
      // Ada's second tab (same sign-in: another endpoint) sees the parked call and retrieves it.
      const ada2 = await ada.context().newPage();
      await ada2.goto(`${flint.url}/`);
      await ada2.getByText('A call with Bob Babbage is parked').waitFor(PAGE_WAIT);
      await ada2.getByRole('button', { name: 'Retrieve' }).click();
      await waitFor('the call is retrieved on Ada’s second tab', async () => {
        const now = await adaNode.calls.get(call!.id);
        return now.state === 'connected' && now.caller.endpointId !== firstEndpoint;
      });
      await ada2.locator('.call-window').waitFor(PAGE_WAIT);
      await ada.getByText('In a call with Bob Babbage on another device').waitFor(PAGE_WAIT);
      await waitFor('Bob hears Ada’s microphone through her second tab', async () => {
        heard = await callRemoteAudio(bob, 2000);
        return heard.peak > 0.02 && heard.loud < 0.8;
      }, 60_000).catch((e: unknown) => {
        throw new Error(`${(e as Error).message}: ${JSON.stringify(heard)}`);
      });
      await assertAccessible(ada2, 'the call window after a retrieve');
      await ada2.locator('.call-window').getByRole('button', { name: 'Hang up' }).click();
      await waitFor('the call ended', async () => (await adaNode.calls.active()).length === 0);
    });
  });
}
