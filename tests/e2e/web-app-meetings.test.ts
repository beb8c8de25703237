/**
 * Meetings with end-to-end encrypted media, in a real Chromium through a real Janus (SPEC MT-1,
 * MT-2, SEC-5): Ada starts a meeting from the space's header (the preview shows her microphone's
 * level and the devices), Bob and Cy join; each of the three
 * decodes the other two's video (frames rendered go up) and hears their audio (WebAudio levels of
 * the fake microphone's beeps); Ada shares her screen and the others get a 16:9 picture from her;
 * Cy picks another microphone and the active-speaker layout (Ada's screen large), and is still heard;
 * Dan, a member whose client does not decrypt, subscribes to Ada through the core as any client
 * would and receives her packets from Janus — yet decodes nothing, since Janus forwards frames only
 * the key holders can open. The core's database, files and log hold neither the media key nor the
 * frames' keys' material. When Cy leaves, Ada's tab (the keeper) takes her off the meeting's KMS
 * resource and names a new key epoch: Ada and Bob switch to it (the key id in the frames they
 * decrypt changes) and keep decoding each other, and the KMS refuses Cy the new key. The last one
 * out ends the meeting. Axe on the meeting view.
 *
 * Janus and libnice offer no ICE candidates on a loopback interface (media.md), so this file runs
 * itself again inside a private network namespace (`unshare -n`) with a veth carrying 127.0.0.2/32,
 * which Janus is told to use (`FLINT_JANUS_ICE_INTERFACES=veth0`): all traffic stays in 127/8 and
 * in a namespace of its own. Skipped, saying so, only when Janus is not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type FlintClient, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, remoteAudioLevels, openSpacePage, PAGE_WAIT, scanForPlaintext, signInPage, startFlint, TEST_PASSWORD, until, webDist, type TestFlint, IN_TEST_NETNS, runInTestNetns } from '@flint/testkit';

const SELF = fileURLToPath(import.meta.url);
const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
// `janus -V` prints its version and exits 1, so the output tells.
const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');
const CHROMIUM_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'];
/** The machine may be loaded (2 cores shared by several browsers and Janus): generous limits, conditions not timings. */
const LONG = { timeout: 240_000 } as const;

/** Frames rendered so far by each remote video in the meeting grid, by participant id. */
async function framesByTile(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const tile of document.querySelectorAll<HTMLElement>('.meeting-tile:not(.self)')) {
      const video = tile.querySelector('video');
      if (video !== null) out[tile.dataset['participant']!] = video.getVideoPlaybackQuality().totalVideoFrames;
    }
    return out;
  });
}

/** Waits until `check` holds (the machine may be loaded: conditions, not timings). */
const waitFor = (what: string, check: () => Promise<boolean>, ms = 20_000) => until(what, async () => ((await check()) ? true : undefined), ms);

if (!janusInstalled) {
  describe('web app: meetings (Chromium + Janus)', () => {
    it('needs Janus', { skip: 'janus is not installed (apt-get install -y --no-install-recommends janus): the meetings browser test cannot run' }, () => undefined);
  });
} else if (!IN_TEST_NETNS) {
  describe('web app: meetings (Chromium + Janus)', () => {
    it('runs in a private network namespace (unshare -n, a veth with 127.0.0.2 for Janus)', () => {
      runInTestNetns(SELF, 'janus');
    });
  });
} else {
  describe('web app: meetings (Chromium + Janus, in a private network namespace)', () => {
    let flint: TestFlint;
    let browser: Browser;
    const pages: Record<'ada' | 'bob' | 'cy', Page> = {} as Record<'ada' | 'bob' | 'cy', Page>;
    let roomId = '';
    let dan: Session;
    let adaNode: Session;
    let cyApi: FlintClient;
    let connect: (api: FlintClient, deviceId: string) => Promise<Session>;

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      flint = await startFlint({ webRoot: webDist(), env: { FLINT_JANUS: 'auto', FLINT_JANUS_ICE_INTERFACES: 'veth0' } });
      assert.ok(flint.server.core.media !== undefined, `Janus did not start:\n${flint.logText().slice(-3000)}`);
      browser = await launchChromium({ args: CHROMIUM_MEDIA });
      const people = {
        ada: await flint.signup({ email: 'ada@meet.test', displayName: 'Ada Lovelace' }),
        bob: await flint.signup({ email: 'bob@meet.test', displayName: 'Bob Babbage' }),
        cy: await flint.signup({ email: 'cy@meet.test', displayName: 'Cy Shannon' }),
        dan: await flint.signup({ email: 'dan@meet.test', displayName: 'Dan Turing' }),
      };
      // First KMS devices hold the password credentials, so the browsers enroll with the password.
      connect = async (api: FlintClient, deviceId: string) => flint.connect(api, { deviceId, kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, api.session!.personId) } });
      adaNode = await connect(people.ada, 'ada-node');
      (await connect(people.bob, 'bob-node')).close();
      (await connect(people.cy, 'cy-node')).close();
      cyApi = people.cy;
      dan = await connect(people.dan, 'dan-node');
      roomId = (await adaNode.spaces.create({ title: 'Design review' })).id;
      for (const who of ['bob', 'cy', 'dan']) await adaNode.members.add(roomId, { personEmail: `${who}@meet.test` });
      for (const who of ['ada', 'bob', 'cy'] as const) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
        pages[who] = await context.newPage();
        // What a page reports goes to this test's output, so a failure here can be read from CI's log.
        pages[who].on('console', (m) => m.type() !== 'log' && m.type() !== 'debug' && console.log(`[${who} ${m.type()}] ${m.text()}`));
        pages[who].on('pageerror', (e) => console.log(`[${who} pageerror] ${e.message}`));
        pages[who].on('response', (r) => r.status() >= 400 && console.log(`[${who} http] ${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`));
        await signInPage(pages[who], flint.url, `${who}@meet.test`);
        await openSpacePage(pages[who], roomId);
      }
    });
    after(async () => {
      // The server's warnings and errors, for the same reason.
      for (const line of (flint?.logText() ?? '').split('\n')) if (/"level":(4|5)\d/.test(line)) console.log(`[server] ${line.slice(0, 600)}`);
      await browser?.close();
      await flint?.stop();
    });

    it('Ada starts the meeting from the header; Bob and Cy see it going on and join', LONG, async () => {
      const { ada, bob, cy } = pages;
      await ada.getByRole('button', { name: 'Start meeting' }).click();
      // The preview: her camera, the microphone's level moving with the fake microphone's beeps, the devices.
      await ada.getByRole('heading', { name: 'Before you join' }).waitFor(PAGE_WAIT);
      await waitFor('the preview’s microphone level moves', async () => Number(await ada.locator('meter.meeting-level').evaluate((m: HTMLMeterElement) => m.value)) > 0.02, 20_000);
      assert.ok((await ada.getByLabel('Microphone').locator('option').count()) >= 1, 'the microphones are listed');
      assert.ok((await ada.getByLabel('Camera').locator('option').count()) >= 1, 'the cameras are listed');
      await assertAccessible(ada, 'the meeting preview');
      await ada.getByRole('button', { name: 'Join now' }).click();
      await ada.getByRole('heading', { name: 'Meeting', exact: true }).waitFor(PAGE_WAIT);
      await bob.getByText('Meeting on: 1 person').waitFor(PAGE_WAIT);
      await bob.getByRole('button', { name: 'Join meeting' }).click();
      await bob.getByRole('button', { name: 'Join now' }).click();
      await cy.getByText('Meeting on: 2 people').waitFor(PAGE_WAIT);
      await cy.getByRole('button', { name: 'Join meeting' }).click();
      await cy.getByRole('button', { name: 'Join now' }).click();
      for (const page of [ada, bob, cy]) await page.getByText('Meeting on: 3 people').first().waitFor(PAGE_WAIT);
      const meeting = (await adaNode.meetings.current(roomId)).meeting;
      assert.equal(meeting?.participants.length, 3);
      assert.ok(meeting?.keyUrl?.startsWith('kms://'), 'the core holds the media key’s URI only');
      await waitFor('all three publish', async () => (await adaNode.meetings.current(roomId)).meeting?.participants.every((p) => p.publishing) === true, 60_000);
    });

    it('everyone decodes the two others’ video and hears their audio', LONG, async () => {
      for (const [who, page] of Object.entries(pages)) {
        // Frames flow once ICE and DTLS are up and a key frame got through: wait for it, then measure.
        await waitFor(`${who} receives two videos`, async () => Object.values(await framesByTile(page)).filter((n) => n > 0).length === 2, 90_000).catch(async (error: unknown) => {
          throw new Error(`${(error as Error).message}; frames rendered by tile: ${JSON.stringify(await framesByTile(page))}`);
        });
        // Decoding goes on: at least 10 more frames from each within a 4 s window; a loaded machine
        // (other media tests beside this one) may stall a window, so up to 5 windows are tried.
        let deltas: number[] = [];
        for (let window = 0; window < 5 && !(deltas.length === 2 && deltas.every((d) => d >= 10)); window++) {
          const before = await framesByTile(page);
          await page.waitForTimeout(4000);
          const after = await framesByTile(page);
          deltas = Object.keys(before).map((id) => (after[id] ?? 0) - before[id]!);
        }
        assert.equal(deltas.length, 2, `${who} shows two others`);
        for (const delta of deltas) assert.ok(delta >= 10, `${who} decoded ${delta} frames in 4 s from someone (expected ≥ 10)`);
        let levels: number[] = [];
        for (let window = 0; window < 5 && !(levels.length === 2 && levels.every((l) => l > 0.02)); window++) levels = Object.values(await remoteAudioLevels(page, 3000));
        assert.equal(levels.length, 2);
        for (const level of levels) assert.ok(level > 0.02, `${who} hears a level of ${level.toFixed(3)} (the fake microphone beeps)`);
      }
      await pages.ada.screenshot({ path: `${SHOTS}meeting-grid.png` });
      await assertAccessible(pages.bob, 'the meeting view');
    });

    it('Ada shares her screen: Bob and Cy get her 16:9 screen instead of the 4:3 camera', LONG, async () => {
      const { ada, bob, cy } = pages;
      await ada.getByRole('button', { name: 'Share screen' }).click();
      await ada.getByRole('button', { name: 'Stop sharing' }).waitFor(PAGE_WAIT);
      for (const page of [bob, cy]) {
        await page.getByText('sharing the screen').first().waitFor(PAGE_WAIT);
        await waitFor(
          'the shared screen’s picture reaches the others',
          async () =>
            page.evaluate(() => {
              const tile = [...document.querySelectorAll<HTMLElement>('.meeting-tile')].find((t) => t.textContent?.includes('Ada Lovelace'));
              const video = tile?.querySelector('video');
              return video !== null && video !== undefined && video.videoHeight > 0 && video.videoWidth / video.videoHeight > 1.6;
            }),
          30_000,
        );
      }
    });

    it('Cy picks another microphone and the active-speaker layout: Ada’s shared screen is large, and the others still see and hear Cy', LONG, async () => {
      const { ada, cy } = pages;
      await cy.getByRole('button', { name: 'Devices' }).click();
      const microphone = cy.getByLabel('Microphone');
      const current = await microphone.inputValue();
      const values = await microphone.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
      const other = values.find((v) => v !== current);
      assert.ok(other !== undefined, `another microphone to pick (Chromium's fake devices: ${values.length})`);
      await microphone.selectOption(other);
      await waitFor('Cy sends the microphone picked', async () => cy.evaluate((id) => document.querySelector<HTMLSelectElement>('#meeting-devices select[id$="microphone"]')?.value === id, other), 10_000);
      await cy.getByRole('button', { name: 'Active speaker' }).click();
      await cy.locator('.meeting-speaker-layout .featured', { hasText: 'Ada Lovelace' }).waitFor(PAGE_WAIT);
      assert.equal(await cy.locator('.meeting-strip .meeting-tile').count(), 2, 'the others in the strip (Bob and Cy herself)');
      const first = await framesByTile(cy);
      await cy.waitForTimeout(3000);
      const then = await framesByTile(cy);
      for (const id of Object.keys(first)) assert.ok(then[id]! - first[id]! >= 5, `Cy still decodes ${id} in the speaker layout`);
      await assertAccessible(cy, 'the meeting in the speaker layout with the devices open');
      const cyId = (await adaNode.meetings.current(roomId)).meeting!.participants.find((p) => p.displayName === 'Cy Shannon')!.id;
      const level = (await remoteAudioLevels(ada, 3000))[cyId] ?? 0;
      assert.ok(level > 0.02, `Ada hears Cy’s new microphone (level ${level.toFixed(3)})`);
      await cy.getByRole('button', { name: 'Grid' }).click();
      await cy.locator('.meeting-grid').waitFor(PAGE_WAIT);
    });

    it('Bob mutes and raises his hand: Ada sees both', LONG, async () => {
      await pages.bob.getByRole('button', { name: 'Mute' }).click();
      await pages.bob.getByRole('button', { name: 'Raise hand' }).click();
      await pages.bob.getByRole('button', { name: 'Lower hand' }).waitFor(PAGE_WAIT);
      await pages.ada.locator('.meeting-people li', { hasText: 'Bob Babbage' }).getByText('hand raised, muted').waitFor(PAGE_WAIT);
    });

    it('marks the active speaker from the audio levels, never Bob once he is muted', LONG, async () => {
      // Everyone's fake microphone beeps; the loudest unmuted one is marked, and the mark moves among them.
      const bobOnBob = await pages.bob.locator('.meeting-tile.self').getAttribute('data-participant');
      for (const page of [pages.ada, pages.cy]) await page.locator('.meeting-tile.speaking').first().waitFor(PAGE_WAIT);
      await pages.bob.waitForTimeout(1500);
      const marked = new Set<string>();
      for (let i = 0; i < 12; i++) {
        for (const page of Object.values(pages)) {
          const id = await page.locator('.meeting-tile.speaking').first().getAttribute('data-participant', { timeout: 1000 }).catch(() => null);
          if (id !== null) marked.add(id);
        }
        await pages.ada.waitForTimeout(250);
      }
      assert.ok(marked.size >= 1, 'someone is marked speaking');
      assert.ok(!marked.has(bobOnBob!), 'Bob, muted, is never the active speaker');
    });

    it('Dan subscribes without decrypting: Janus forwards Ada’s packets, and he decodes nothing', LONG, async () => {
      const { meeting, participantId } = await dan.meetings.join(roomId);
      const adaParticipant = meeting.participants.find((p) => p.displayName === 'Ada Lovelace')!;
      const { subscriptionId, offer } = await dan.meetings.subscribe(meeting.id, participantId, adaParticipant.id);
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${flint.url}/`);
      const answer = await page.evaluate(async (sdp) => {
        const pc = new RTCPeerConnection({ iceServers: [] });
        (window as unknown as { pc: RTCPeerConnection }).pc = pc;
        pc.ontrack = (e) => {
          const video = document.createElement('video');
          video.autoplay = true;
          video.srcObject = new MediaStream([e.track]);
          document.body.append(video);
        };
        await pc.setRemoteDescription({ type: 'offer', sdp });
        await pc.setLocalDescription(await pc.createAnswer());
        await new Promise<void>((resolve) => {
          if (pc.iceGatheringState === 'complete') resolve();
          pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
          setTimeout(resolve, 5000);
        });
        return pc.localDescription!.sdp;
      }, offer);
      await dan.meetings.answer(meeting.id, participantId, subscriptionId, answer);
      const videoStats = () =>
        page.evaluate(async () => {
          const stats = await (window as unknown as { pc: RTCPeerConnection }).pc.getStats();
          let packets = 0;
          let frames = 0;
          stats.forEach((s: { type: string; kind?: string; packetsReceived?: number; framesDecoded?: number }) => {
            if (s.type === 'inbound-rtp' && s.kind === 'video') {
              packets += s.packetsReceived ?? 0;
              frames += s.framesDecoded ?? 0;
            }
          });
          return { packets, frames };
        });
      await waitFor('Janus forwards Ada’s video packets to Dan', async () => (await videoStats()).packets > 200, 90_000).catch(async (error: unknown) => {
        throw new Error(`${(error as Error).message}; ${JSON.stringify(await videoStats())}`);
      });
      const stats = await videoStats();
      // With the clear VP8 header a decoder may take a stray key frame for a picture; nothing more.
      assert.ok(stats.frames <= 3, `without the key ${stats.frames} frames decoded from ${stats.packets} packets`);
      await dan.meetings.leave(meeting.id, participantId);
      await context.close();
    });

    it('Cy leaves: Ada’s tab (the keeper) rotates the key; Ada and Bob switch to it and keep decoding each other; the KMS refuses Cy the new key', LONG, async () => {
      const { ada, bob, cy } = pages;
      const kms = await adaNode.kmsClient();
      const before = (await adaNode.meetings.current(roomId)).meeting!;
      await cy.getByRole('button', { name: 'Leave meeting' }).click();
      // Done when the resource authorizes Ada and Bob only, its newest key is the meeting's, and that
      // stays so for 3 s (Dan's leaving rotated too, maybe just now: the key checked is the last one).
      let epoch = 0;
      let settled = '';
      let since = 0;
      await waitFor(
        'a new key epoch once Cy is gone, and no rotation pending',
        async () => {
          const meeting = (await adaNode.meetings.current(roomId)).meeting!;
          const people = (await kms.listAuthorizations(meeting.resourceUrl!)).map((a) => a.authId);
          const newest = (await kms.resourceKeys(meeting.resourceUrl!, { count: 1 }))[0]?.uri;
          const state = `${meeting.keyEpoch}/${people.length}/${newest === meeting.keyUrl}`;
          if (meeting.participants.length !== 2 || meeting.keyEpoch <= before.keyEpoch || people.length !== 2 || newest !== meeting.keyUrl) return false;
          if (state !== settled) {
            settled = state;
            since = Date.now();
          }
          epoch = meeting.keyEpoch;
          return Date.now() - since >= 3000;
        },
        60_000,
      );
      const keyId = String(epoch % 256);
      for (const [who, page] of [['ada', ada], ['bob', bob]] as const) {
        await waitFor(`${who} sends under epoch ${epoch}`, async () => (await page.locator('section.meeting').getAttribute('data-key-epoch')) === String(epoch), 30_000);
        await waitFor(
          `${who} decrypts the other’s video under key id ${keyId}`,
          async () => (await page.locator('.meeting-tile:not(.self)').getAttribute('data-key-id', { timeout: 1000 }).catch(() => null)) === keyId,
          30_000,
        );
        const first = await framesByTile(page);
        await page.waitForTimeout(4000);
        const then = await framesByTile(page);
        const deltas = Object.keys(first).map((id) => (then[id] ?? 0) - first[id]!);
        assert.equal(deltas.length, 1, `${who} shows one other`);
        assert.ok(deltas[0]! >= 10, `${who} decoded ${deltas[0]} frames in 4 s after the rotation (expected ≥ 10)`);
        assert.equal(await page.locator('.meeting-tile:not(.self)').getAttribute('data-key-id'), keyId, `${who} still decrypts under the new key`);
      }
      const cyNode = await connect(cyApi, 'cy-node-after');
      try {
        await assert.rejects(cyNode.meetings.mediaKey((await cyNode.meetings.current(roomId)).meeting!), (e: unknown) => (e as { status?: number }).status === 403, 'Cy is off the meeting’s KMS resource');
      } finally {
        cyNode.close();
      }
    });

    it('the core holds no media key material; the last one out ends the meeting', LONG, async () => {
      const meeting = (await adaNode.meetings.current(roomId)).meeting!;
      const key = await adaNode.meetings.mediaKey(meeting);
      const bytes = Buffer.from(key.key);
      const scan = await scanForPlaintext(flint, [bytes.toString('base64url'), bytes.toString('base64'), bytes.toString('hex')], 'Ada Lovelace');
      assert.ok(scan.controlInDatabase, 'the scan read the database');
      assert.deepEqual(scan.inDatabase, []);
      assert.deepEqual(scan.inFiles, []);
      assert.deepEqual(scan.inLogs, []);

      await pages.bob.getByRole('button', { name: 'Leave meeting' }).click();
      await pages.ada.getByText('Meeting on: 1 person').first().waitFor(PAGE_WAIT);
      await pages.ada.getByRole('button', { name: 'Leave meeting' }).click();
      await waitFor('the meeting ends', async () => (await adaNode.meetings.current(roomId)).meeting === undefined);
      await pages.bob.getByRole('button', { name: 'Start meeting' }).waitFor(PAGE_WAIT);
      const row = await flint.server.core.db.selectFrom('meetings').selectAll().where('space_id', '=', roomId).executeTakeFirstOrThrow();
      assert.ok(row.ended_at !== null && row.active_space_id === null);
    });
  });
}
